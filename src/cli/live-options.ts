// The live options every cluster-reading command shares (diagnose, collect, scan): one place for
// their flags and for turning them into collector options.

import { readFileSync } from 'node:fs';
import type { Command } from '@commander-js/extra-typings';

/** A usage problem: one line, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface LiveCliOptions {
  namespace?: string;
  context?: string;
  kubeconfig?: string;
  cluster?: string;
  profile?: string;
  region?: string;
  roleProfile?: string;
  caFile?: string;
  timeout?: string;
}

/** The flags, without -n (whose help differs between a workload and a scan). */
export function addLiveOptions(c: Command): Command {
  return c
    .option('--context <name>', 'kubeconfig context')
    .option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then in-cluster)')
    .option('--cluster <name>', 'the EKS cluster name, when the context does not say it')
    .option('--profile <name>', 'AWS profile for the cluster account')
    .option('--region <region>', 'AWS region (default: the context, AWS_REGION, the profile)')
    .option('--role-profile <name>', 'AWS profile for the account of a role in another account')
    .option('--ca-file <pem>', 'extra CA for the issuer and the AWS endpoints')
    .option('--timeout <seconds>', 'per-request timeout', '10') as unknown as Command;
}

export interface LiveBase {
  timeoutMs: number;
  namespace?: string;
  context?: string;
  kubeconfig?: string;
  cluster?: string;
  profile?: string;
  region?: string;
  roleProfile?: string;
  ca?: string;
}

export function liveBaseFromCli(o: LiveCliOptions): LiveBase {
  const timeout = Number(o.timeout ?? '10');
  if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError(`--timeout: ${JSON.stringify(o.timeout)} is not a number of seconds`);
  let ca: string | undefined;
  if (o.caFile) {
    try {
      ca = readFileSync(o.caFile, 'utf8');
    } catch (e) {
      throw new UsageError(`--ca-file: ${o.caFile}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
  }
  return {
    timeoutMs: timeout * 1000,
    ...(o.namespace ? { namespace: o.namespace } : {}),
    ...(o.context ? { context: o.context } : {}),
    ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}),
    ...(o.cluster ? { cluster: o.cluster } : {}),
    ...(o.profile ? { profile: o.profile } : {}),
    ...(o.region ? { region: o.region } : {}),
    ...(o.roleProfile ? { roleProfile: o.roleProfile } : {}),
    ...(ca ? { ca } : {}),
  };
}
