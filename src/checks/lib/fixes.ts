// Building blocks for exact fixes: the command that recreates a pod through its owner, the
// annotate command, the IRSA trust policy for a service account. A builder returns
// `undefined` when some value is not known, so no fix with a placeholder is ever offered.

import type { Pod } from '../../evidence/model.js';
import { resourceName } from '../../k8s/pod.js';
import { ROLE_ARN_ANNOTATION } from '../../k8s/webhook.js';
import { shq } from './subject.js';
import { irsaTrustPolicy as buildIrsaTrust } from '../../iam/irsa-trust.js';

/** The workload that owns the pod, as `kind/name` for kubectl, following the owner chain. */
export function topOwner(pod: Pod): { kind: string; name: string } | undefined {
  const top = pod.owners[pod.owners.length - 1];
  return top ? { kind: top.kind, name: top.name } : undefined;
}

/**
 * The commands that give the pod a fresh copy created after the current service-account state,
 * so the webhook mutates it: rollout restart for Deployments/StatefulSets/DaemonSets, a new Job
 * for Jobs and CronJobs, delete for pods of a bare ReplicaSet, replace --force for a bare pod.
 */
export function recreateCommands(pod: Pod): { summary: string; commands: string[] } {
  const ns = pod.namespace;
  const owner = topOwner(pod);
  if (!owner) {
    return {
      summary: `pod ${pod.name} has no owner: delete it and create it again (the webhook only mutates at creation)`,
      commands: [`kubectl get pod ${pod.name} -n ${ns} -o yaml | kubectl replace --force -f -`],
    };
  }
  const res = `${resourceName(owner.kind)}/${owner.name}`;
  switch (owner.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
      return { summary: `restart ${res} so that its pods are recreated and mutated`, commands: [`kubectl rollout restart ${res} -n ${ns}`, `kubectl rollout status ${res} -n ${ns}`] };
    case 'CronJob':
      return {
        summary: `the next run of ${res} will be mutated; to run now, create a job from it`,
        commands: [`kubectl create job ${owner.name}-irsa-$(date +%s) --from=${res} -n ${ns}`],
      };
    case 'Job':
      return {
        summary: `a Job's pods are not restarted: delete ${res} and create it again from its manifest`,
        commands: [`kubectl get ${res} -n ${ns} -o yaml > ${owner.name}-job.yaml`, `kubectl delete ${res} -n ${ns}`, `kubectl create -f ${owner.name}-job.yaml`],
      };
    case 'ReplicaSet':
    case 'ReplicationController':
      return { summary: `delete the pod; ${res} creates a new, mutated one`, commands: [`kubectl delete pod ${pod.name} -n ${ns}`] };
    default:
      return { summary: `delete pod ${pod.name}; its owner ${res} recreates it`, commands: [`kubectl delete pod ${pod.name} -n ${ns}`] };
  }
}

export function annotateCommand(ns: string, sa: string, roleArn: string): string {
  return `kubectl annotate serviceaccount ${sa} -n ${ns} ${ROLE_ARN_ANNOTATION}=${shq(roleArn)} --overwrite`;
}

/** The trust policy IRSA needs for one service account (aws-behavior.md section 3). */
export function irsaTrustPolicy(providerArn: string, issuerHostPath: string, namespace: string, serviceAccount: string, audience: string): Record<string, unknown> {
  return buildIrsaTrust({ providerArn, issuerHostPath, namespace, serviceAccount, audience });
}


/** Writing a JSON document to a file and applying it, as one copy-pasteable block. */
export function writeJsonCommand(file: string, doc: unknown): string {
  return `cat > ${file} <<'EOF'\n${JSON.stringify(doc, null, 2)}\nEOF`;
}
