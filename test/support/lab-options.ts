// The live options that point irsa-doctor at a running lab in-process: its kubeconfig and the
// cluster's context, the lab CA, the AWS endpoints and the home account's admin keys.

import type { Lab } from '../../src/lab/lab.js';

export interface LabLiveOptions {
  kubeconfig: string;
  context: string;
  region: string;
  ca: string;
  aws: { endpoints: { iam: string; sts: string; eks: string }; credentials: { accessKeyId: string; secretAccessKey: string } };
  timeoutMs: number;
}

/** For the lab's first cluster, or the one named. */
export function labLiveOptions(lab: Lab, cluster?: string): LabLiveOptions {
  const keys = lab.adminKeys.get(lab.homeAccount)!;
  const c = cluster ? lab.clusters.get(cluster)! : [...lab.clusters.values()][0]!;
  return {
    kubeconfig: lab.kubeconfigPath,
    context: c.cluster.arn,
    region: c.cluster.region,
    ca: lab.pki.caPem,
    aws: { endpoints: { iam: lab.iam.url, sts: lab.sts.url, eks: lab.eks.url }, credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey } },
    timeoutMs: 10_000,
  };
}
