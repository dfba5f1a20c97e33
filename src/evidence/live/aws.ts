// Live mode, AWS side: EKS, IAM and STS calls turned into the same facts the offline recognisers
// read from the aws CLI's output of the same calls (src/evidence/offline/aws-eks.ts, aws-iam.ts),
// so the join and the checks cannot tell them apart. What a live call knows and a CLI output does
// not is added: a provider's `arn`, the `roleName` of policy listings, the `policyArn` of a policy
// version, the `account` of a provider list.
//
// No function here throws for an AWS error: a denied call becomes an UnavailableFact naming the
// evidence it would have produced and the permission that would settle it; a missing thing is a
// NotFoundFact (with the aws CLI's wording, as offline); any other failure (5xx after retries,
// throttling, timeout, network) is an UnavailableFact with the reason and no permission.
//
// Calls are memoised per client (one run = one set of clients): several subjects that share a
// role, or roles that share a managed policy, cost one call each.

import {
  GetOpenIDConnectProviderCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListOpenIDConnectProvidersCommand,
  ListRolePoliciesCommand,
  type AttachedPolicy,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { DescribeClusterCommand, ListClustersCommand, type Cluster as EksCluster, type EKSClient } from '@aws-sdk/client-eks';
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type {
  AttachedPoliciesFact,
  ClusterFact,
  Fact,
  InlinePolicyFact,
  InlinePolicyNamesFact,
  ManagedPolicyFact,
  NotFoundFact,
  PolicyDocument,
  PolicyVersionFact,
  ProbeFact,
  ProviderFact,
  ProviderListFact,
  RoleFact,
  Source,
  UnavailableFact,
} from '../facts.js';
import { regionFromClusterArn, regionFromIssuer } from '../offline/aws-eks.js';
import { decodePolicyDocument } from '../offline/util.js';
import { parseRoleArn } from '../../iam/arn.js';
import { describeAwsError, isDenial, reasonOf, type AwsErrorDescription } from './clients.js';

/** A provider list that names its account: an empty list names none through its ARNs. The join
 * reads `arns`; `account` rides along until ProviderListFact has the field (see the report). */
export type ProviderListOfAccount = ProviderListFact & { account: string };

const api = (service: 'iam' | 'sts' | 'eks', operation: string): Source => ({ path: `api:${service}:${operation}` });

type Outcome<T> = { ok: true; value: T } | { ok: false; error: AwsErrorDescription };

async function attempt<T>(call: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (e) {
    return { ok: false, error: describeAwsError(e) };
  }
}

// ------------------------------------------------------------------------------------------------
// Memo: one promise per (client, call); settled ones are kept for the client's lifetime.

const memos = new WeakMap<object, Map<string, Promise<unknown>>>();

function once<T>(client: object, key: string, call: () => Promise<T>): Promise<T> {
  let m = memos.get(client);
  if (!m) {
    m = new Map();
    memos.set(client, m);
  }
  let p = m.get(key) as Promise<T> | undefined;
  if (!p) {
    p = call();
    m.set(key, p);
  }
  return p;
}

/** Forgets what was collected through `client` (a long-lived process that wants fresh reads). */
export function forgetCollected(client: object): void {
  memos.delete(client);
}

// ------------------------------------------------------------------------------------------------

function unavailable(what: string, operation: { service: 'iam' | 'sts' | 'eks'; name: string; permission: string }, d: AwsErrorDescription): UnavailableFact {
  const f: UnavailableFact = { kind: 'unavailable', source: api(operation.service, operation.name), what, reason: reasonOf(d) };
  // Only a refusal is settled by a permission; a 5xx or a timeout is not.
  if (isDenial(d)) f.permission = operation.permission;
  return f;
}

/** The aws CLI's line for the same error, as offline NotFoundFacts carry it. */
const cliText = (d: AwsErrorDescription, operation: string) => `An error occurred (${d.code}) when calling the ${operation} operation: ${d.message}`;

const isoDate = (d: Date | undefined): string | undefined => (d instanceof Date && !Number.isNaN(d.getTime()) ? d.toISOString() : undefined);

/** Decodes a policy document (URL-encoded from the API); undefined when it is not one. */
function policyDocument(raw: unknown, what: string, source: Source): PolicyDocument | undefined {
  if (raw === undefined || raw === null) return undefined;
  try {
    return decodePolicyDocument(raw, what, source);
  } catch {
    return undefined;
  }
}

/** Runs `f` over `items`, at most `limit` at a time, keeping the order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const CONCURRENCY = 8;

// ================================================================================================
// EKS

/** The ClusterFact of a DescribeCluster answer: the same fields aws-eks.ts reads from the CLI's. */
export function clusterFact(c: EksCluster, source: Source = api('eks', 'DescribeCluster')): ClusterFact {
  const iss = c.identity?.oidc?.issuer;
  const issuer = typeof iss === 'string' && iss !== '' ? iss : null;
  const fact: ClusterFact = { kind: 'cluster', source, issuer };
  if (c.name !== undefined) fact.name = c.name;
  if (c.arn !== undefined) fact.arn = c.arn;
  if (c.version !== undefined) fact.version = c.version;
  if (c.endpoint !== undefined) fact.endpoint = c.endpoint;
  if (c.status !== undefined) fact.status = c.status;
  const vpc = c.resourcesVpcConfig;
  if (typeof vpc?.endpointPublicAccess === 'boolean') fact.endpointPublicAccess = vpc.endpointPublicAccess;
  if (typeof vpc?.endpointPrivateAccess === 'boolean') fact.endpointPrivateAccess = vpc.endpointPrivateAccess;
  const region = (c.arn !== undefined ? regionFromClusterArn(c.arn) : undefined) ?? (issuer !== null ? regionFromIssuer(issuer) : undefined);
  if (region !== undefined) fact.region = region;
  return fact;
}

type Described = { ok: true; cluster: EksCluster } | { ok: false; error: AwsErrorDescription };

function describe(eks: EKSClient, name: string): Promise<Described> {
  return once(eks, `DescribeCluster:${name}`, async () => {
    const r = await attempt(() => eks.send(new DescribeClusterCommand({ name })));
    if (!r.ok) return r;
    if (!r.value.cluster) return { ok: false, error: { code: 'EmptyResponse', message: `DescribeCluster answered without a cluster for ${name}` } };
    return { ok: true, cluster: r.value.cluster };
  });
}

const DESCRIBE_CLUSTER = { service: 'eks', name: 'DescribeCluster', permission: 'eks:DescribeCluster' } as const;

/** DescribeCluster: a ClusterFact, a NotFoundFact (resource `cluster`), or `cluster` unavailable. */
export async function collectCluster(eks: EKSClient, opts: { name: string }): Promise<Fact[]> {
  const r = await describe(eks, opts.name);
  if (r.ok) return [clusterFact(r.cluster)];
  if (r.error.code === 'ResourceNotFoundException') {
    return [{ kind: 'notFound', source: api('eks', 'DescribeCluster'), resource: 'cluster', name: opts.name, text: cliText(r.error, 'DescribeCluster') } satisfies NotFoundFact];
  }
  return [unavailable('cluster', DESCRIBE_CLUSTER, r.error)];
}

/** `https://Host:443/` and `https://host` compare equal. */
export function normaliseEndpoint(url: string): string {
  try {
    const u = new URL(url.trim());
    const port = u.port === '' || (u.protocol === 'https:' && u.port === '443') ? '' : `:${u.port}`;
    return `${u.protocol}//${u.hostname.toLowerCase()}${port}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return url.trim().replace(/\/+$/, '').toLowerCase();
  }
}

export interface ClusterByEndpoint {
  /** The cluster whose `endpoint` is the kubeconfig's server URL, when one is. */
  name: string | undefined;
  /** The match's ClusterFact (no second DescribeCluster needed), or why no match could be made:
   * `cluster` unavailable when ListClusters, or DescribeCluster of a cluster not ruled out, failed. */
  facts: Fact[];
  /** Clusters listed in the credentials' account and region. */
  searched: number;
}

/** ListClusters (every page) and DescribeCluster of each, to find the kubeconfig's cluster. */
export async function findClusterByEndpoint(eks: EKSClient, endpoint: string): Promise<ClusterByEndpoint> {
  const want = normaliseEndpoint(endpoint);
  const names: string[] = [];
  let nextToken: string | undefined;
  const seenTokens = new Set<string>();
  do {
    const token = nextToken;
    const r = await attempt(() => eks.send(new ListClustersCommand(token !== undefined ? { nextToken: token } : {})));
    if (!r.ok) return { name: undefined, facts: [unavailable('cluster', { service: 'eks', name: 'ListClusters', permission: 'eks:ListClusters' }, r.error)], searched: names.length };
    names.push(...(r.value.clusters ?? []));
    nextToken = r.value.nextToken || undefined;
    if (nextToken !== undefined) {
      if (seenTokens.has(nextToken)) break; // a server that repeats its token would loop forever
      seenTokens.add(nextToken);
    }
  } while (nextToken !== undefined);

  const described = await mapLimit(names, CONCURRENCY, async (name) => ({ name, r: await describe(eks, name) }));
  const hit = described.find((d) => d.r.ok && d.r.cluster.endpoint !== undefined && normaliseEndpoint(d.r.cluster.endpoint) === want);
  if (hit && hit.r.ok) return { name: hit.name, facts: [clusterFact(hit.r.cluster)], searched: names.length };
  const failed = described.filter((d): d is { name: string; r: { ok: false; error: AwsErrorDescription } } => !d.r.ok);
  const first = failed[0];
  if (first) {
    const f = unavailable('cluster', DESCRIBE_CLUSTER, first.r.error);
    f.reason = `no cluster listed has endpoint ${endpoint}, and ${failed.length} of ${names.length} could not be described (${failed.map((x) => x.name).join(', ')}): ${f.reason}`;
    return { name: undefined, facts: [f], searched: names.length };
  }
  return { name: undefined, facts: [], searched: names.length };
}

// ================================================================================================
// IAM: OIDC providers

/**
 * ListOpenIDConnectProviders, then GetOpenIDConnectProvider of each. `account` must be the
 * account the client's credentials read (whoAmI): it names an empty list and the unavailability.
 */
export function collectProviders(iam: IAMClient, account: string): Promise<Fact[]> {
  return once(iam, `providers:${account}`, async (): Promise<Fact[]> => {
    const r = await attempt(() => iam.send(new ListOpenIDConnectProvidersCommand({})));
    if (!r.ok) return [unavailable(`providers:${account}`, { service: 'iam', name: 'ListOpenIDConnectProviders', permission: 'iam:ListOpenIDConnectProviders' }, r.error)];
    const arns = (r.value.OpenIDConnectProviderList ?? []).flatMap((p) => (p.Arn !== undefined ? [p.Arn] : []));
    const list: ProviderListOfAccount = { kind: 'providerList', source: api('iam', 'ListOpenIDConnectProviders'), arns, account };
    const details = await mapLimit(arns, CONCURRENCY, (arn) => provider(iam, arn));
    return [list, ...details.flat()];
  }).then((f) => [...f]);
}

async function provider(iam: IAMClient, arn: string): Promise<Fact[]> {
  const source = api('iam', 'GetOpenIDConnectProvider');
  const r = await attempt(() => iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn })));
  if (!r.ok) {
    if (r.error.code === 'NoSuchEntity') return [{ kind: 'notFound', source, resource: 'oidcProvider', name: arn, text: cliText(r.error, 'GetOpenIDConnectProvider') } satisfies NotFoundFact];
    return [unavailable(`provider:${arn}`, { service: 'iam', name: 'GetOpenIDConnectProvider', permission: 'iam:GetOpenIDConnectProvider' }, r.error)];
  }
  const v = r.value;
  const fact: ProviderFact = { kind: 'provider', source, arn, url: v.Url ?? '', clientIds: [...(v.ClientIDList ?? [])], thumbprints: [...(v.ThumbprintList ?? [])] };
  if (v.Tags) fact.tags = v.Tags.flatMap((t) => (t.Key !== undefined && t.Value !== undefined ? [{ Key: t.Key, Value: t.Value }] : []));
  const created = isoDate(v.CreateDate);
  if (created !== undefined) fact.createDate = created;
  return [fact];
}

// ================================================================================================
// IAM: roles and their policies

export interface CollectRoleOptions {
  /** The account the client's credentials read (whoAmI). A role in another account is then
   * reported unavailable without a call: GetRole takes a name and would read this account. */
  account?: string;
}

/**
 * GetRole, then ListAttachedRolePolicies and ListRolePolicies (every page), GetRolePolicy of each
 * inline policy, and GetPolicy + GetPolicyVersion (default version) of each attached policy and
 * of the permissions boundary. When the role cannot be read (missing, denied, another account)
 * nothing else is asked: its policies would be tied to no role.
 */
export function collectRole(iam: IAMClient, roleArn: string, opts: CollectRoleOptions = {}): Promise<Fact[]> {
  return once(iam, `role:${roleArn}:${opts.account ?? ''}`, () => readRole(iam, roleArn, opts)).then((f) => [...f]);
}

const GET_ROLE = { service: 'iam', name: 'GetRole', permission: 'iam:GetRole' } as const;

function otherAccount(roleArn: string, roleAccount: string, readAccount: string): UnavailableFact {
  return {
    kind: 'unavailable',
    source: api('iam', 'GetRole'),
    what: `role:${roleArn}`,
    reason: `the role is in account ${roleAccount} and the AWS credentials read account ${readAccount}: give credentials for account ${roleAccount} (--role-profile)`,
  };
}

async function readRole(iam: IAMClient, roleArn: string, opts: CollectRoleOptions): Promise<Fact[]> {
  const parsed = parseRoleArn(roleArn);
  // Not a role ARN: nothing to ask (the join says what is wrong with it).
  if (!parsed.ok) return [];
  if (opts.account !== undefined && opts.account !== parsed.account) return [otherAccount(roleArn, parsed.account, opts.account)];

  const source = api('iam', 'GetRole');
  const r = await attempt(() => iam.send(new GetRoleCommand({ RoleName: parsed.name })));
  if (!r.ok) {
    if (r.error.code === 'NoSuchEntity') return [{ kind: 'notFound', source, resource: 'role', name: parsed.name, text: cliText(r.error, 'GetRole') } satisfies NotFoundFact];
    return [unavailable(`role:${roleArn}`, GET_ROLE, r.error)];
  }
  const role = r.value.Role;
  if (!role?.Arn || !role.RoleName) return [{ kind: 'unavailable', source, what: `role:${roleArn}`, reason: 'GetRole answered without a role' } satisfies UnavailableFact];
  const gotAccount = role.Arn.split(':')[4] ?? '';
  if (gotAccount !== parsed.account) return [otherAccount(roleArn, parsed.account, gotAccount)];

  const fact: RoleFact = { kind: 'role', source, arn: role.Arn, name: role.RoleName };
  if (role.Path !== undefined) fact.path = role.Path;
  if (role.RoleId !== undefined) fact.roleId = role.RoleId;
  const trust = policyDocument(role.AssumeRolePolicyDocument, `the AssumeRolePolicyDocument of role ${role.RoleName}`, source);
  if (trust !== undefined) fact.trustPolicy = trust;
  if (role.MaxSessionDuration !== undefined) fact.maxSessionDuration = role.MaxSessionDuration;
  const boundary = role.PermissionsBoundary?.PermissionsBoundaryArn;
  if (boundary !== undefined) fact.permissionsBoundaryArn = boundary;
  const created = isoDate(role.CreateDate);
  if (created !== undefined) fact.createDate = created;

  const name = role.RoleName;
  const [attached, inline] = await Promise.all([attachedPolicies(iam, roleArn, name), inlinePolicies(iam, roleArn, name)]);
  const policyArns = [...new Set([...attached.arns, ...(boundary !== undefined ? [boundary] : [])])];
  const managed = await mapLimit(policyArns, CONCURRENCY, (arn) => managedPolicy(iam, arn));
  return [fact, ...attached.facts, ...managed.flat(), ...inline];
}

/** Every page of a Marker/IsTruncated listing. */
async function allPages<T>(page: (marker: string | undefined) => Promise<{ items: T[]; marker: string | undefined }>): Promise<Outcome<T[]>> {
  const items: T[] = [];
  let marker: string | undefined;
  const seen = new Set<string>();
  do {
    const m = marker;
    const r = await attempt(() => page(m));
    if (!r.ok) return r;
    items.push(...r.value.items);
    marker = r.value.marker;
    if (marker !== undefined) {
      if (seen.has(marker)) break;
      seen.add(marker);
    }
  } while (marker !== undefined);
  return { ok: true, value: items };
}

async function attachedPolicies(iam: IAMClient, roleArn: string, roleName: string): Promise<{ facts: Fact[]; arns: string[] }> {
  const r = await allPages<AttachedPolicy>(async (Marker) => {
    const o = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName, ...(Marker !== undefined ? { Marker } : {}) }));
    return { items: o.AttachedPolicies ?? [], marker: o.IsTruncated ? o.Marker : undefined };
  });
  if (!r.ok) return { facts: [unavailable(`attachedPolicies:${roleArn}`, { service: 'iam', name: 'ListAttachedRolePolicies', permission: 'iam:ListAttachedRolePolicies' }, r.error)], arns: [] };
  const policies = r.value.flatMap((p) => (p.PolicyName !== undefined && p.PolicyArn !== undefined ? [{ name: p.PolicyName, arn: p.PolicyArn }] : []));
  const fact: AttachedPoliciesFact = { kind: 'attachedPolicies', source: api('iam', 'ListAttachedRolePolicies'), policies, roleName };
  return { facts: [fact], arns: policies.map((p) => p.arn) };
}

async function inlinePolicies(iam: IAMClient, roleArn: string, roleName: string): Promise<Fact[]> {
  const r = await allPages<string>(async (Marker) => {
    const o = await iam.send(new ListRolePoliciesCommand({ RoleName: roleName, ...(Marker !== undefined ? { Marker } : {}) }));
    return { items: o.PolicyNames ?? [], marker: o.IsTruncated ? o.Marker : undefined };
  });
  if (!r.ok) return [unavailable(`inlinePolicies:${roleArn}`, { service: 'iam', name: 'ListRolePolicies', permission: 'iam:ListRolePolicies' }, r.error)];
  const names: InlinePolicyNamesFact = { kind: 'inlinePolicyNames', source: api('iam', 'ListRolePolicies'), names: r.value, roleName };
  const docs = await mapLimit(r.value, CONCURRENCY, async (policyName): Promise<Fact> => {
    const source = api('iam', 'GetRolePolicy');
    const g = await attempt(() => iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName })));
    if (!g.ok) return unavailable(`inlinePolicies:${roleArn}`, { service: 'iam', name: 'GetRolePolicy', permission: 'iam:GetRolePolicy' }, g.error);
    const document = policyDocument(g.value.PolicyDocument, `the PolicyDocument of ${roleName}/${policyName}`, source);
    if (document === undefined) return { kind: 'unavailable', source, what: `inlinePolicies:${roleArn}`, reason: `the document of inline policy ${policyName} is not a JSON policy` } satisfies UnavailableFact;
    return { kind: 'inlinePolicy', source, roleName: g.value.RoleName ?? roleName, policyName: g.value.PolicyName ?? policyName, document } satisfies InlinePolicyFact;
  });
  return [names, ...docs];
}

/** GetPolicy and GetPolicyVersion of its default version; shared by every role that attaches it. */
function managedPolicy(iam: IAMClient, policyArn: string): Promise<Fact[]> {
  return once(iam, `policy:${policyArn}`, async (): Promise<Fact[]> => {
    const source = api('iam', 'GetPolicy');
    const p = await attempt(() => iam.send(new GetPolicyCommand({ PolicyArn: policyArn })));
    if (!p.ok) {
      if (p.error.code === 'NoSuchEntity') return [{ kind: 'notFound', source, resource: 'policy', name: policyArn, text: cliText(p.error, 'GetPolicy') } satisfies NotFoundFact];
      return [unavailable(`policy:${policyArn}`, { service: 'iam', name: 'GetPolicy', permission: 'iam:GetPolicy' }, p.error)];
    }
    const pol = p.value.Policy;
    const mp: ManagedPolicyFact = { kind: 'managedPolicy', source, arn: pol?.Arn ?? policyArn };
    if (pol?.PolicyName !== undefined) mp.name = pol.PolicyName;
    if (pol?.DefaultVersionId !== undefined) mp.defaultVersionId = pol.DefaultVersionId;
    if (pol?.AttachmentCount !== undefined) mp.attachmentCount = pol.AttachmentCount;
    const versionId = pol?.DefaultVersionId;
    if (versionId === undefined) return [mp, { kind: 'unavailable', source, what: `policy:${policyArn}`, reason: 'GetPolicy named no default version' } satisfies UnavailableFact];

    const vSource = api('iam', 'GetPolicyVersion');
    const v = await attempt(() => iam.send(new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: versionId })));
    if (!v.ok) return [mp, unavailable(`policy:${policyArn}`, { service: 'iam', name: 'GetPolicyVersion', permission: 'iam:GetPolicyVersion' }, v.error)];
    const pv = v.value.PolicyVersion;
    const document = policyDocument(pv?.Document, `the Document of policy version ${versionId}`, vSource);
    if (document === undefined) return [mp, { kind: 'unavailable', source: vSource, what: `policy:${policyArn}`, reason: `the document of ${policyArn} ${versionId} is not a JSON policy` } satisfies UnavailableFact];
    const version: PolicyVersionFact = { kind: 'policyVersion', source: vSource, versionId: pv?.VersionId ?? versionId, isDefault: pv?.IsDefaultVersion ?? true, document, policyArn };
    return [mp, version];
  }).then((f) => [...f]);
}

// ================================================================================================
// STS

export interface ProbeOptions {
  roleArn: string;
  /** The service account's token. Sent to STS and nowhere else; never kept. */
  token: string;
  namespace: string;
  serviceAccount: string;
  /** The token's claims, for the ProbeFact (never the token). */
  claims: Record<string, unknown>;
  sessionName?: string;
}

/**
 * AssumeRoleWithWebIdentity, unsigned (as the SDKs call it from a pod). STS's answer becomes a
 * ProbeFact: ok with the assumed-role ARN, or STS's code, message and status. The credentials STS
 * returns are not read. A call that never got STS's answer (timeout, network, no region) is
 * `probe:<ns>/<sa>` unavailable: it says nothing about the role.
 */
export async function probeWebIdentity(sts: STSClient, opts: ProbeOptions): Promise<Fact[]> {
  const source = api('sts', 'AssumeRoleWithWebIdentity');
  const sessionName = opts.sessionName ?? `irsa-doctor-${Date.now()}`;
  const base = { kind: 'probe' as const, source, namespace: opts.namespace, serviceAccount: opts.serviceAccount, roleArn: opts.roleArn, claims: opts.claims };
  const redact = (s: string) => (opts.token ? s.split(opts.token).join('<token>') : s);
  try {
    const out = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: opts.roleArn, RoleSessionName: sessionName, WebIdentityToken: opts.token }));
    // Only the ARN is read; the response (with its credentials) is dropped here.
    const assumedRoleArn = out.AssumedRoleUser?.Arn ?? '';
    return [{ ...base, outcome: { ok: true, assumedRoleArn } } satisfies ProbeFact];
  } catch (e) {
    const d = describeAwsError(e);
    const message = redact(d.message);
    if (d.status === undefined) {
      return [{ kind: 'unavailable', source, what: `probe:${opts.namespace}/${opts.serviceAccount}`, reason: redact(reasonOf(d)) } satisfies UnavailableFact];
    }
    return [{ ...base, outcome: { ok: false, code: d.code, message, status: d.status } } satisfies ProbeFact];
  }
}

export type CallerIdentity = { ok: true; arn: string; account: string; userId?: string } | { ok: false; reason: string; error: AwsErrorDescription };

/** GetCallerIdentity: whose credentials these are, and so which account IAM calls read. */
export function whoAmI(sts: STSClient): Promise<CallerIdentity> {
  return once(sts, 'GetCallerIdentity', async (): Promise<CallerIdentity> => {
    const r = await attempt(() => sts.send(new GetCallerIdentityCommand({})));
    if (!r.ok) return { ok: false, reason: reasonOf(r.error), error: r.error };
    const { Arn, Account, UserId } = r.value;
    if (!Arn || !Account) return { ok: false, reason: 'GetCallerIdentity answered without an ARN', error: { code: 'EmptyResponse', message: 'no Arn' } };
    return { ok: true, arn: Arn, account: Account, ...(UserId !== undefined ? { userId: UserId } : {}) };
  });
}
