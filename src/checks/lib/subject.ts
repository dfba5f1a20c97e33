// Derivations several checks share, computed once per subject (memoised on the context).
// Pure: they read the context only.

import type { CheckContext } from '../define.js';
import type { AccountProviders, Cluster, Evidence, Provider } from '../../evidence/model.js';
import { AUDIENCE_ANNOTATION, DEFAULT_AUDIENCE, TOKEN_VOLUME } from '../../k8s/webhook.js';
import { isRegionName, parseRoleArn, partitionOfRegion } from '../../iam/arn.js';
import { envValue, projectedToken } from '../../k8s/pod.js';
import { podContainers } from './env.js';
import { parseIssuer, parseProviderArn, providerArn } from '../../iam/issuer.js';

export function memo<T>(ctx: CheckContext, key: string, compute: () => T): T {
  if (ctx.memo.has(key)) return ctx.memo.get(key) as T;
  const v = compute();
  ctx.memo.set(key, v);
  return v;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };
const perEvidence = new WeakMap<Evidence, Map<string, Outcome>>();

/**
 * A derivation of the evidence alone (not of the subject), computed once per diagnosis and shared
 * by every subject: the key must name everything the computation reads besides `ev`. A throw is
 * remembered and thrown again, so every subject reports it as before (IRSA901).
 */
export function shared<T>(ev: Evidence, key: string, compute: () => T): T {
  let m = perEvidence.get(ev);
  if (!m) perEvidence.set(ev, (m = new Map()));
  let o = m.get(key);
  if (!o) {
    try {
      o = { ok: true, value: compute() };
    } catch (error) {
      o = { ok: false, error };
    }
    m.set(key, o);
  }
  if (!o.ok) throw o.error;
  return o.value as T;
}

export type ParsedIssuer = Extract<ReturnType<typeof parseIssuer>, { ok: true }>['issuer'];

/** The cluster's issuer, parsed. `undefined` when unknown or absent (IRSA001 reports why). */
export function issuerOf(ctx: CheckContext): { issuer: ParsedIssuer; cluster: Cluster } | undefined {
  return memo(ctx, 'issuer', () => {
    if (ctx.ev.cluster.state !== 'found' || !ctx.ev.cluster.value.issuer) return undefined;
    const p = parseIssuer(ctx.ev.cluster.value.issuer);
    return p.ok ? { issuer: p.issuer, cluster: ctx.ev.cluster.value } : undefined;
  });
}

export interface Audience {
  value: string;
  from: string;
}

/**
 * The audience the pod's token carries: the projected `aws-iam-token` volume's audience when
 * the pod has it (what kubelet really requests), else the SA's audience annotation, else
 * the webhook's default.
 */
export function audienceOf(ctx: CheckContext): Audience {
  return memo(ctx, 'audience', () => {
    if (ctx.pod) {
      const t = projectedToken(ctx.pod.object, TOKEN_VOLUME);
      if (t?.audience) return { value: t.audience, from: `the pod's ${TOKEN_VOLUME} volume` };
    }
    if (ctx.serviceAccount.state === 'found') {
      const a = ctx.serviceAccount.value.annotations[AUDIENCE_ANNOTATION];
      if (a) return { value: a, from: `the service account's ${AUDIENCE_ANNOTATION} annotation` };
    }
    return { value: DEFAULT_AUDIENCE, from: "the webhook's default audience" };
  });
}

/** The partition the cluster lives in: from its region, else its issuer host. */
export function clusterPartition(ctx: CheckContext): { partition: string; region?: string; from: string } | undefined {
  return memo(ctx, 'partition', () => {
    const c = ctx.ev.cluster.state === 'found' ? ctx.ev.cluster.value : undefined;
    if (c?.region) return { partition: partitionOfRegion(c.region), region: c.region, from: `cluster region ${c.region}` };
    const i = issuerOf(ctx);
    if (i?.issuer.partition) {
      const r: { partition: string; region?: string; from: string } = { partition: i.issuer.partition, from: `issuer host ${i.issuer.host}` };
      if (i.issuer.region) r.region = i.issuer.region;
      return r;
    }
    // Self-managed clusters: the region the pods are told to use, else the partition of the
    // IAM provider registered for this issuer.
    if (ctx.pod) {
      for (const c of podContainers(ctx.pod)) {
        const region = envValue(c, 'AWS_REGION')?.value ?? envValue(c, 'AWS_DEFAULT_REGION')?.value;
        if (region && isRegionName(region)) return { partition: partitionOfRegion(region), region, from: `the pod's AWS_REGION ${region}` };
      }
    }
    if (i) {
      for (const a of ctx.ev.providerAccounts) {
        const p = a.providers.find((x) => x.hostPath === i.issuer.hostPath && x.arn);
        const parsed = p?.arn ? parseProviderArn(p.arn) : undefined;
        if (parsed?.ok) return { partition: parsed.partition, from: `the IAM provider ${p!.arn}` };
      }
    }
    return undefined;
  });
}

/** The role ARN the subject uses, parsed (normalised form). */
export function roleArnOf(ctx: CheckContext) {
  return memo(ctx, 'roleArn', () => {
    if (!ctx.roleArn) return undefined;
    const p = parseRoleArn(ctx.roleArn.normalized);
    return p.ok ? p : undefined;
  });
}

/** The providers known for `account`, or why they are not known. */
export function providersIn(ctx: CheckContext, account: string): AccountProviders | undefined {
  return ctx.ev.providerAccounts.find((a) => a.account === account);
}

export type ProviderMatch =
  | { state: 'found'; provider: Provider; expectedArn: string; list: AccountProviders }
  | { state: 'missing'; expectedArn: string; list: AccountProviders; others: Provider[] }
  | { state: 'unknown'; reason: string; settle: string; expectedArn?: string };

/** The IAM OIDC provider for the cluster's issuer in the role's account. */
export function providerFor(ctx: CheckContext): ProviderMatch {
  return memo(ctx, 'provider', (): ProviderMatch => {
    const iss = issuerOf(ctx);
    if (!iss) return { state: 'unknown', reason: "the cluster's issuer is not known", settle: 'aws eks describe-cluster --name CLUSTER --output json' };
    const role = roleArnOf(ctx);
    const account = role?.account ?? (ctx.ev.cluster.state === 'found' ? ctx.ev.cluster.value.account : undefined);
    const partition = role?.partition ?? clusterPartition(ctx)?.partition ?? 'aws';
    if (!account) return { state: 'unknown', reason: 'the account that must hold the provider is not known (no role ARN)', settle: 'kubectl get serviceaccount NAME -n NS -o yaml' };
    const expectedArn = providerArn(partition, account, iss.issuer.hostPath);
    const list = providersIn(ctx, account);
    const hit = list?.providers.find((p) => p.hostPath === iss.issuer.hostPath || p.arn === expectedArn);
    if (hit && list) return { state: 'found', provider: hit, expectedArn, list };
    const gone = ctx.ev.unavailable.get(`providers:${account}`);
    if ((!list || !list.complete) && gone) {
      return { state: 'unknown', reason: gone.reason, settle: gone.permission ? `the permission ${gone.permission}` : 'see the reason', expectedArn };
    }
    if (!list || !list.complete) {
      return {
        state: 'unknown',
        reason: `no OIDC provider listing for account ${account}`,
        settle: `aws iam list-open-id-connect-providers --output json   (with credentials for account ${account})`,
        expectedArn,
      };
    }
    const others = ctx.ev.providerAccounts.flatMap((a) => a.providers);
    return { state: 'missing', expectedArn, list, others };
  });
}

export function where(sources: readonly { path: string; line?: number }[]): string | undefined {
  const s = sources[0];
  if (!s) return undefined;
  return s.line ? `${s.path}:${s.line}` : s.path;
}

/** `kubectl` namespace flag, only when a namespace is known. */
export function nsFlag(ns: string | undefined): string {
  return ns ? ` -n ${ns}` : '';
}

/** Single-quote a value for a POSIX shell. */
export function shq(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** What settles an unknown cluster region: the permission in live mode, the command offline. */
export function clusterSettle(ctx: CheckContext): string {
  const gone = ctx.ev.unavailable.get('cluster');
  return gone?.permission ? `the permission ${gone.permission}` : 'aws eks describe-cluster --name CLUSTER --output json';
}
