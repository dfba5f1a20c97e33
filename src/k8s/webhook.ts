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

/** The webhook reads token-expiration with strconv.ParseInt: "3600s" is invalid (default used). */
function parseExpiration(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^[+-]?\d+$/.test(raw)) return undefined;
  const n = Number.parseInt(raw, 10);
  return Math.max(n, MIN_TOKEN_EXPIRATION);
}

/** Go's strconv.ParseBool; undefined for anything else (the webhook then uses its flag default). */
function parseBool(raw: string | undefined): boolean | undefined {
  if (raw === undefined) return undefined;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(raw)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(raw)) return false;
  return undefined;
}

/**
 * Apply the webhook's IRSA mutation (aws-behavior.md section 4, checked against
 * amazon-eks-pod-identity-webhook pkg/handler/handler.go). `pod` is not modified; a deep copy is
 * returned. No role-arn (or empty) -> no mutation. For each container and init container not in
 * skip-containers: AWS_STS_REGIONAL_ENDPOINTS=regional when asked and unset; AWS_REGION +
 * AWS_DEFAULT_REGION when the webhook knows a region and neither is set; AWS_ROLE_ARN +
 * AWS_WEB_IDENTITY_TOKEN_FILE when neither is set; the token mount. The projected
 * `aws-iam-token` volume goes first in spec.volumes unless a volume of that name exists.
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
  // An audience annotation that is present but empty gives "" (the webhook only defaults when absent).
  const audience = sa.annotations[AUDIENCE_ANNOTATION] ?? DEFAULT_AUDIENCE;
  const regional = parseBool(sa.annotations[REGIONAL_STS_ANNOTATION]) ?? config.regionalStsDefault === true;
  const expiration =
    parseExpiration(podAnn[TOKEN_EXPIRATION_ANNOTATION]) ?? parseExpiration(sa.annotations[TOKEN_EXPIRATION_ANNOTATION]) ?? config.tokenExpiration ?? DEFAULT_TOKEN_EXPIRATION;
  // One CSV record, not trimmed: "a, b" skips "a" and " b" (pkg/handler/handler.go).
  const skip = new Set((podAnn[SKIP_CONTAINERS_ANNOTATION] ?? '').split(',').filter(Boolean));
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
      // Each group is added only when none of its variables is set (addEnvToContainer).
      if (regional && !has('AWS_STS_REGIONAL_ENDPOINTS')) env.push({ name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'regional' });
      if (config.defaultRegion && !has('AWS_REGION') && !has('AWS_DEFAULT_REGION')) {
        env.push({ name: 'AWS_DEFAULT_REGION', value: config.defaultRegion }, { name: 'AWS_REGION', value: config.defaultRegion });
      }
      if (has('AWS_ROLE_ARN') || has('AWS_WEB_IDENTITY_TOKEN_FILE')) {
        notes.push(`container ${c.name} already sets ${has('AWS_ROLE_ARN') ? 'AWS_ROLE_ARN' : 'AWS_WEB_IDENTITY_TOKEN_FILE'}: the webhook adds neither variable`);
      } else {
        env.push({ name: 'AWS_ROLE_ARN', value: roleArn }, { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: tokenFile });
      }
      const mounts = (c.volumeMounts ??= []);
      // The mount path stays the Linux one, even on Windows: only the file variable changes.
      if (!mounts.some((m) => m.name === TOKEN_VOLUME)) mounts.push({ name: TOKEN_VOLUME, mountPath: TOKEN_MOUNT_PATH, readOnly: true });
      mutated = true;
    }
  }
  const volumes = (spec.volumes ??= []);
  // Added (first in the list) whenever missing, even if every container was skipped.
  if (!volumes.some((v) => v['name'] === TOKEN_VOLUME)) {
    volumes.unshift({
      name: TOKEN_VOLUME,
      projected: { defaultMode: 420, sources: [{ serviceAccountToken: { audience, expirationSeconds: expiration, path: 'token' } }] },
    });
    mutated = true;
  }
  return { pod: out, notes, mutated };
}
