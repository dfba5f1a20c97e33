// The AWS side every live command starts with: clients, whose credentials they are, the cluster
// (named by --cluster, the kubeconfig, or found by its API endpoint) and, for roles in another
// account, the --role-profile clients once they are known to be that account's.

import type { Fact } from '../facts.js';
import type { LoadedKube } from './kube.js';
import { makeAwsClients, type AwsClientOptions, type AwsClients } from './clients.js';
import { collectCluster, findClusterByEndpoint, whoAmI } from './aws.js';
import { parseRoleArn } from '../../iam/arn.js';

/** The AWS side of a live run: which cluster, which credentials, how to reach the endpoints. */
export interface AwsSideOptions {
  /** `--cluster`: the EKS cluster name, when the context does not say it. */
  cluster?: string;
  profile?: string;
  region?: string;
  /** `--role-profile`: credentials for the account of a role in another account. */
  roleProfile?: string;
  timeoutMs?: number;
  /** `--ca-file`: extra CA for the issuer and the AWS endpoints. */
  ca?: string;
  /** For the in-process lab (demo, tests): explicit endpoints and keys. */
  aws?: Pick<AwsClientOptions, 'endpoints' | 'credentials'>;
  roleAws?: Pick<AwsClientOptions, 'endpoints' | 'credentials'>;
  /** Attempts per AWS call (the SDK's maxAttempts; default 3). */
  maxAttempts?: number;
  /**
   * Learn the caller's account from the cluster when DescribeCluster answers (a cluster can only
   * be described with credentials of its own account), and ask GetCallerIdentity only when it
   * does not: the scan saves the call.
   */
  callerFromCluster?: boolean;
}

export interface AwsSide {
  aws: AwsClients;
  /** The caller's account (GetCallerIdentity), else the kubeconfig's hint. */
  home: string | undefined;
  clusterName: string | undefined;
  /** The cluster's facts (ClusterFact, or why there is none). */
  facts: Fact[];
  issuer: string | null;
  /** Clients that read `account`, with the account they were verified to read; undefined: none. */
  clientsFor(account: string): { clients: AwsClients; account: string | undefined } | undefined;
}

export async function connectAws(o: AwsSideOptions, k: LoadedKube): Promise<AwsSide> {
  const region = o.region ?? k.cluster.region;
  const common: AwsClientOptions = {
    ...(region ? { region } : {}),
    ...(o.profile ? { profile: o.profile } : {}),
    ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.ca ? { ca: o.ca } : {}),
    ...(o.maxAttempts !== undefined ? { maxAttempts: o.maxAttempts } : {}),
    ...o.aws,
  };
  const aws = makeAwsClients(common);
  const facts: Fact[] = [];
  let clusterName = o.cluster ?? k.cluster.name;
  const describe = async (): Promise<void> => {
    if (!clusterName) {
      const byEndpoint = await findClusterByEndpoint(aws.eks, k.server);
      facts.push(...byEndpoint.facts);
      clusterName = byEndpoint.name;
    } else {
      facts.push(...(await collectCluster(aws.eks, { name: clusterName })));
    }
  };
  let home: string | undefined;
  if (o.callerFromCluster && clusterName) {
    await describe();
    const c = facts.find((f) => f.kind === 'cluster');
    const fromArn = c?.kind === 'cluster' ? c.arn?.split(':')[4] : undefined;
    if (fromArn) home = fromArn;
    else {
      const me = await whoAmI(aws.sts);
      home = me.ok ? me.account : k.cluster.account;
    }
  } else {
    const me = await whoAmI(aws.sts);
    home = me.ok ? me.account : k.cluster.account;
    await describe();
  }
  const cf = facts.find((f) => f.kind === 'cluster');
  // A role in another account is read with --role-profile's credentials, once they are known to
  // be that account's (GetCallerIdentity), so that a NoSuchEntity is never read from the wrong one.
  let roleSide: { clients: AwsClients; account: string | undefined } | undefined;
  if (o.roleProfile || o.roleAws) {
    const clients = makeAwsClients({ ...common, ...(o.roleProfile ? { profile: o.roleProfile } : {}), ...o.roleAws });
    const who = await whoAmI(clients.sts);
    roleSide = { clients, account: who.ok ? who.account : undefined };
  }
  return {
    aws,
    home,
    clusterName,
    facts,
    issuer: cf?.kind === 'cluster' ? cf.issuer : null,
    clientsFor(account) {
      if (!home || account === home) return { clients: aws, account: home };
      if (roleSide && (roleSide.account === undefined || roleSide.account === account)) return roleSide;
      return undefined;
    },
  };
}

/** The role ARN an annotation means: the ARN, or its unambiguous correction, else as written. */
export function annotatedRoleArn(annotation: string): string {
  const p = parseRoleArn(annotation);
  return p.ok ? p.arn : ('suggestion' in p && p.suggestion) || annotation.trim();
}
