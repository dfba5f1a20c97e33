// The amazon-eks-pod-identity-webhook's IRSA mutation at pod CREATE (aws-behavior.md section 4),
// as a pure function. The doctor uses it to turn a pod template into "the pod it would become";
// the lab uses it as its admission step. It is data in, data out: no check logic here.

import type { K8sObject } from '../evidence/facts.js';

export const ANNOTATION_PREFIX = 'eks.amazonaws.com/';
export const ROLE_ARN_ANNOTATION = 'eks.amazonaws.com/role-arn';
export const AUDIENCE_ANNOTATION = 'eks.amazonaws.com/audience';
export const REGIONAL_STS_ANNOTATION = 'eks.amazonaws.com/sts-regional-endpoints';
export const TOKEN_EXPIRATION_ANNOTATION = 'eks.amazonaws.com/token-expiration';
export const SKIP_CONTAINERS_ANNOTATION = 'eks.amazonaws.com/skip-containers';
export const DEFAULT_AUDIENCE = 'sts.amazonaws.com';
export const TOKEN_VOLUME = 'aws-iam-token';
export const TOKEN_MOUNT_PATH = '/var/run/secrets/eks.amazonaws.com/serviceaccount';
export const TOKEN_FILE = `${TOKEN_MOUNT_PATH}/token`;
export const WINDOWS_TOKEN_FILE = 'C:\\var\\run\\secrets\\eks.amazonaws.com\\serviceaccount\\token';
export const DEFAULT_TOKEN_EXPIRATION = 86400;
export const MIN_TOKEN_EXPIRATION = 3600;

export interface WebhookConfig {
  /** The webhook's `--aws-default-region`; EKS sets it to the cluster's region. */
  defaultRegion?: string;
  /** The webhook's `--sts-regional-endpoint` default. */
  regionalStsDefault?: boolean;
  tokenExpiration?: number;
}

export interface ServiceAccountLike {
  annotations: Record<string, string>;
}

export interface MutationResult {
  pod: K8sObject;
  /** Why nothing (or not everything) was injected, one line each. */
  notes: string[];
  mutated: boolean;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: unknown;
}
interface Container {
  name: string;
  env?: EnvVar[];
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  [k: string]: unknown;
}

function parseExpiration(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number.parseInt(raw, 10);
  if (!Number.isFinite(n)) return undefined;
  return Math.max(n, MIN_TOKEN_EXPIRATION);
}

/**
 * Apply the webhook's IRSA mutation. `pod` is not modified; a deep copy is returned.
 * Rules (section 4): no role-arn (or empty) -> no mutation; for each container and init
 * container not in skip-containers: if neither AWS_ROLE_ARN nor AWS_WEB_IDENTITY_TOKEN_FILE is
 * set, add both (and AWS_STS_REGIONAL_ENDPOINTS=regional when asked, and AWS_REGION +
 * AWS_DEFAULT_REGION when the webhook knows a region and neither is set); mount the token
 * volume; add the projected `aws-iam-token` volume unless a volume of that name exists.
 */
export function mutatePod(pod: K8sObject, sa: ServiceAccountLike, config: WebhookConfig = {}): MutationResult {
  const out = structuredClone(pod) as K8sObject;
  const notes: string[] = [];
  const roleArn = sa.annotations[ROLE_ARN_ANNOTATION];
  if (roleArn === undefined || roleArn === '') {
    notes.push(`the service account has no ${ROLE_ARN_ANNOTATION} annotation: the webhook does not mutate`);
    return { pod: out, notes, mutated: false };
  }
  const spec = (out.spec ??= {}) as { containers?: Container[]; initContainers?: Container[]; volumes?: Array<Record<string, unknown>>; nodeSelector?: Record<string, string> };
  const podAnn = out.metadata.annotations ?? {};
  const audience = sa.annotations[AUDIENCE_ANNOTATION] || DEFAULT_AUDIENCE;
  const regional = sa.annotations[REGIONAL_STS_ANNOTATION] !== undefined ? sa.annotations[REGIONAL_STS_ANNOTATION] === 'true' : config.regionalStsDefault === true;
  const expiration =
    parseExpiration(podAnn[TOKEN_EXPIRATION_ANNOTATION]) ?? parseExpiration(sa.annotations[TOKEN_EXPIRATION_ANNOTATION]) ?? config.tokenExpiration ?? DEFAULT_TOKEN_EXPIRATION;
  const skip = new Set(
    (podAnn[SKIP_CONTAINERS_ANNOTATION] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  const windows = spec.nodeSelector?.['kubernetes.io/os'] === 'windows' || spec.nodeSelector?.['beta.kubernetes.io/os'] === 'windows';
  const tokenFile = windows ? WINDOWS_TOKEN_FILE : TOKEN_FILE;

  let mutated = false;
  for (const list of [spec.initContainers, spec.containers]) {
    for (const c of list ?? []) {
      if (skip.has(c.name)) {
        notes.push(`container ${c.name} is listed in ${SKIP_CONTAINERS_ANNOTATION}: not mutated`);
        continue;
      }
      const env = (c.env ??= []);
      const has = (n: string) => env.some((e) => e.name === n);
      if (has('AWS_ROLE_ARN') || has('AWS_WEB_IDENTITY_TOKEN_FILE')) {
        notes.push(`container ${c.name} already sets ${has('AWS_ROLE_ARN') ? 'AWS_ROLE_ARN' : 'AWS_WEB_IDENTITY_TOKEN_FILE'}: the webhook adds neither variable`);
      } else {
        if (regional && !has('AWS_STS_REGIONAL_ENDPOINTS')) env.push({ name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'regional' });
        if (config.defaultRegion && !has('AWS_REGION') && !has('AWS_DEFAULT_REGION')) {
          env.push({ name: 'AWS_DEFAULT_REGION', value: config.defaultRegion }, { name: 'AWS_REGION', value: config.defaultRegion });
        }
        env.push({ name: 'AWS_ROLE_ARN', value: roleArn }, { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: tokenFile });
      }
      const mounts = (c.volumeMounts ??= []);
      if (!mounts.some((m) => m.name === TOKEN_VOLUME)) {
        mounts.push({ name: TOKEN_VOLUME, mountPath: windows ? 'C:\\var\\run\\secrets\\eks.amazonaws.com\\serviceaccount' : TOKEN_MOUNT_PATH, readOnly: true });
      }
      mutated = true;
    }
  }
  const volumes = (spec.volumes ??= []);
  if (mutated && !volumes.some((v) => v['name'] === TOKEN_VOLUME)) {
    volumes.push({
      name: TOKEN_VOLUME,
      projected: { defaultMode: 420, sources: [{ serviceAccountToken: { audience, expirationSeconds: expiration, path: 'token' } }] },
    });
  }
  return { pod: out, notes, mutated };
}
