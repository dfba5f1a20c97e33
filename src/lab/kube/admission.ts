// Pod admission at CREATE, in the API server's order: the built-in ServiceAccount plugin
// (plugin/pkg/admission/serviceaccount/admission.go: default the service account, reject a
// missing one, add the `kube-api-access-xxxxx` projected volume and its mounts), then the
// mutating webhooks: here the amazon-eks-pod-identity-webhook's IRSA mutation, done by
// src/k8s/webhook.ts mutatePod() (aws-behavior.md section 4). Its failurePolicy is Ignore: when
// the webhook is down, pods are admitted unmutated, silently.

import { mutatePod, type WebhookConfig } from '../../k8s/webhook.js';
import type { K8sObject } from '../../evidence/facts.js';
import { isObject, type JsonObject } from './patch.js';

export const SA_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface WebhookSwitches extends WebhookConfig {
  /** false: the webhook is down (failurePolicy Ignore): pods are admitted unmutated. */
  enabled: boolean;
  /**
   * "SA not yet in the webhook cache": the first `pods` pods of a service account that are created
   * within `windowMs` (default 100) of the service account's creation are not mutated, like the
   * webhook's informer cache that has not seen the service account yet ("Not mutating").
   */
  cacheMiss?: { pods: number; windowMs?: number };
}

export interface WebhookDecision {
  mutated: boolean;
  /** Why nothing happened, in the webhook's own log words. */
  reason: string;
  notes: string[];
}

/** The ServiceAccount admission plugin. Returns an error text for a missing service account. */
export function serviceAccountAdmission(pod: JsonObject, sa: JsonObject | undefined, randomSuffix: () => string): string | undefined {
  const spec = pod['spec'] as JsonObject;
  const meta = pod['metadata'] as JsonObject;
  const annotations = isObject(meta['annotations']) ? meta['annotations'] : {};
  if (annotations['kubernetes.io/config.mirror'] !== undefined) return undefined;
  if (typeof spec['serviceAccountName'] !== 'string' || spec['serviceAccountName'] === '') spec['serviceAccountName'] = 'default';
  spec['serviceAccount'] = spec['serviceAccountName'];
  const name = spec['serviceAccountName'] as string;
  if (!sa) return `error looking up service account ${String(meta['namespace'])}/${name}: serviceaccount "${name}" not found`;
  const automount = spec['automountServiceAccountToken'] ?? sa['automountServiceAccountToken'] ?? true;
  if (automount === false) return undefined;
  const volumes = Array.isArray(spec['volumes']) ? (spec['volumes'] as JsonObject[]) : [];
  const containers = [...(Array.isArray(spec['initContainers']) ? spec['initContainers'] : []), ...(Array.isArray(spec['containers']) ? spec['containers'] : [])] as JsonObject[];
  // A container that already mounts something at the token path keeps it (and gets no volume).
  const hasMount = (c: JsonObject) => Array.isArray(c['volumeMounts']) && (c['volumeMounts'] as JsonObject[]).some((m) => m['mountPath'] === SA_TOKEN_MOUNT_PATH);
  if (containers.length && containers.every(hasMount)) return undefined;
  const volName = `kube-api-access-${randomSuffix()}`;
  volumes.push({
    name: volName,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }] } },
      ],
    },
  });
  spec['volumes'] = volumes;
  for (const c of containers) {
    if (hasMount(c)) continue;
    const mounts = Array.isArray(c['volumeMounts']) ? (c['volumeMounts'] as JsonObject[]) : [];
    mounts.push({ name: volName, readOnly: true, mountPath: SA_TOKEN_MOUNT_PATH });
    c['volumeMounts'] = mounts;
  }
  return undefined;
}

/** Per-service-account count of pods the "cache miss" switch has left unmutated. */
export type CacheMissLedger = Map<string, number>;

export function webhookAdmission(
  pod: JsonObject,
  sa: JsonObject | undefined,
  saCreatedAtMs: number | undefined,
  nowMs: number,
  sw: WebhookSwitches,
  ledger: CacheMissLedger,
): { pod: JsonObject; decision: WebhookDecision } {
  if (!sw.enabled) return { pod, decision: { mutated: false, reason: 'webhook unavailable (failurePolicy Ignore): pod admitted unmutated', notes: [] } };
  const spec = pod['spec'] as JsonObject;
  const meta = pod['metadata'] as JsonObject;
  const saName = String(spec['serviceAccountName'] ?? 'default');
  const key = `${String(meta['namespace'])}/${saName}`;
  if (!sa) return { pod, decision: { mutated: false, reason: `Service account ${key} not found in the cache. Not mutating.`, notes: [] } };
  if (sw.cacheMiss && saCreatedAtMs !== undefined) {
    const window = sw.cacheMiss.windowMs ?? 100;
    const used = ledger.get(String((sa['metadata'] as JsonObject)['uid'])) ?? 0;
    if (nowMs - saCreatedAtMs < window && used < sw.cacheMiss.pods) {
      ledger.set(String((sa['metadata'] as JsonObject)['uid']), used + 1);
      return { pod, decision: { mutated: false, reason: `Service account ${key} not found in the cache after ${window}ms. Not mutating.`, notes: [] } };
    }
  }
  const saMeta = sa['metadata'] as JsonObject;
  const annotations = isObject(saMeta['annotations']) ? (saMeta['annotations'] as Record<string, string>) : {};
  const config: WebhookConfig = {};
  if (sw.defaultRegion !== undefined) config.defaultRegion = sw.defaultRegion;
  if (sw.regionalStsDefault !== undefined) config.regionalStsDefault = sw.regionalStsDefault;
  if (sw.tokenExpiration !== undefined) config.tokenExpiration = sw.tokenExpiration;
  const r = mutatePod(pod as unknown as K8sObject, { annotations }, config);
  return {
    pod: r.pod as unknown as JsonObject,
    decision: { mutated: r.mutated, reason: r.mutated ? 'Pod was mutated.' : 'Service account did not have the right annotations or was not found in the cache.', notes: r.notes },
  };
}
