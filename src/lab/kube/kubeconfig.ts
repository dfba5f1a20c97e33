// Kubeconfig files for the lab's API server, shaped like `aws eks update-kubeconfig` writes
// them: cluster, context and user all named by the cluster ARN, the CA inline, and either a
// static bearer token or the `aws eks get-token` exec plugin (client.authentication.k8s.io/v1beta1).

import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export interface KubeconfigExec {
  /** `aws` by default. */
  command?: string;
  clusterName: string;
  region: string;
  /** `--role-arn` for `aws eks get-token`. */
  roleArn?: string;
  env?: Record<string, string>;
  profile?: string;
}

export interface KubeconfigOptions {
  server: string;
  caPem: string;
  /** Context/cluster/user name, e.g. `arn:aws:eks:us-east-1:111122223333:cluster/lab`. */
  contextName: string;
  /** A static bearer token... */
  token?: string;
  /** ...or an exec plugin user. */
  exec?: KubeconfigExec;
  namespace?: string;
}

export function eksContextName(partition: string, region: string, account: string, cluster: string): string {
  return `arn:${partition}:eks:${region}:${account}:cluster/${cluster}`;
}

export function kubeconfigYaml(o: KubeconfigOptions): string {
  let user: Record<string, unknown>;
  if (o.exec) {
    const args = ['--region', o.exec.region, 'eks', 'get-token', '--cluster-name', o.exec.clusterName, '--output', 'json'];
    if (o.exec.roleArn) args.push('--role-arn', o.exec.roleArn);
    const exec: Record<string, unknown> = { apiVersion: 'client.authentication.k8s.io/v1beta1', command: o.exec.command ?? 'aws', args };
    const env = { ...o.exec.env, ...(o.exec.profile ? { AWS_PROFILE: o.exec.profile } : {}) };
    if (Object.keys(env).length) exec['env'] = Object.entries(env).map(([name, value]) => ({ name, value }));
    exec['interactiveMode'] = 'IfAvailable';
    exec['provideClusterInfo'] = false;
    user = { exec };
  } else if (o.token) user = { token: o.token };
  else throw new Error('a kubeconfig user needs a token or an exec plugin');
  const context: Record<string, unknown> = { cluster: o.contextName, user: o.contextName };
  if (o.namespace) context['namespace'] = o.namespace;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: o.contextName, cluster: { server: o.server, 'certificate-authority-data': Buffer.from(o.caPem).toString('base64') } }],
    contexts: [{ name: o.contextName, context }],
    'current-context': o.contextName,
    preferences: {},
    users: [{ name: o.contextName, user }],
  });
}

export function writeKubeconfig(path: string, o: KubeconfigOptions): string {
  writeFileSync(path, kubeconfigYaml(o), { mode: 0o600 });
  return path;
}
