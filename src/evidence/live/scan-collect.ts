// Live collection for `irsa-doctor scan`: the whole cluster (or one namespace) with one paginated
// list per Kubernetes kind, one DescribeCluster, one ListOpenIDConnectProviders plus one get per
// provider, and per distinct role one GetRole plus its policy calls, a bounded number at a time.
// No TokenRequest and no STS probe. Like every collector it only produces facts, the same facts
// the offline recognisers make of the same responses, so the join and the checks judge them
// unchanged.

import type { Fact, K8sObject, K8sObjectFact, NotFoundFact, Source, UnavailableFact } from '../facts.js';
import { loadKube, objectFacts, request, serverVersion, type KubeFailure, type LoadedKube } from './kube.js';
import type { AwsClientOptions } from './clients.js';
import { collectProviders, collectRole } from './aws.js';
import { annotatedRoleArn, connectAws } from './aws-side.js';
import { collectIssuer } from './issuer.js';
import { GetAccountAuthorizationDetailsCommand, GetPolicyCommand, GetPolicyVersionCommand, type IAMClient } from '@aws-sdk/client-iam';
import { describeAwsError, reasonOf } from './clients.js';
import { getAccountAuthorizationDetails } from '../offline/aws-iam.js';
import { parseRoleArn } from '../../iam/arn.js';
import { ROLE_ARN_ANNOTATION } from '../../k8s/webhook.js';
import { serviceAccountName, containers } from '../../k8s/pod.js';

export interface ScanCollectOptions {
  /** One namespace; ignored with `allNamespaces`. Default: the context's, else `default`. */
  namespace?: string;
  allNamespaces?: boolean;
  kubeconfig?: string;
  context?: string;
  cluster?: string;
  profile?: string;
  region?: string;
  roleProfile?: string;
  timeoutMs?: number;
  ca?: string;
  aws?: Pick<AwsClientOptions, 'endpoints' | 'credentials'>;
  roleAws?: Pick<AwsClientOptions, 'endpoints' | 'credentials'>;
  env?: Readonly<Record<string, string | undefined>>;
  /** Role reads in flight at once (default 8). */
  concurrency?: number;
  /**
   * How roles are read: `per-role` (GetRole plus its policy calls, per distinct role), `bulk`
   * (GetAccountAuthorizationDetails, Filter Role + LocalManagedPolicy, 1,000 per page, then
   * GetPolicy + GetPolicyVersion per AWS-managed policy attached), or `auto` (default): bulk from
   * BULK_FROM_ROLES distinct roles in one account, per-role below. A denied bulk read falls back
   * to per-role.
   */
  rolePlan?: 'auto' | 'per-role' | 'bulk';
  /** Items per list page (default 500). */
  pageSize?: number;
  onProgress?: (p: ScanProgress) => void;
}

export interface ScanProgress {
  phase: 'kubernetes' | 'cluster' | 'roles' | 'done';
  /** Objects listed so far, by plural. */
  listed: Record<string, number>;
  rolesDone: number;
  rolesTotal: number;
}

/** A pod's top owner: Deployment (via ReplicaSet), StatefulSet, DaemonSet, CronJob (via Job), Job, or the pod. */
export interface WorkloadRef {
  namespace: string;
  kind: string;
  name: string;
}

export interface ScanCollected {
  facts: Fact[];
  kube: LoadedKube;
  target: Record<string, string>;
  /** The IRSA pods kept, `ns/name` -> top owner. */
  podOwners: Map<string, WorkloadRef>;
  /** Annotated service accounts that no pod of the scan runs as. */
  unusedServiceAccounts: Array<{ namespace: string; name: string; roleArn: string }>;
  /** Pods on an unannotated service account in a namespace that has annotated ones: they get the node role. */
  nodeRoleFallbacks: Array<{ namespace: string; pod: string; serviceAccount: string; workload: WorkloadRef }>;
  /** Lists that failed (forbidden namespace, ...), one line each. */
  listFailures: string[];
  stats: { podsListed: number; irsaPods: number; serviceAccounts: number; roles: number; listPages: number };
  /** For --verbose: the plan and what each phase did. */
  verbose: string[];
}

type Raw = Record<string, unknown>;
const isRaw = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);

interface Kind {
  kind: string;
  group: string;
  plural: string;
}
const KINDS: Kind[] = [
  { kind: 'Pod', group: '', plural: 'pods' },
  { kind: 'ServiceAccount', group: '', plural: 'serviceaccounts' },
  { kind: 'ReplicaSet', group: 'apps', plural: 'replicasets' },
  { kind: 'Deployment', group: 'apps', plural: 'deployments' },
  { kind: 'StatefulSet', group: 'apps', plural: 'statefulsets' },
  { kind: 'DaemonSet', group: 'apps', plural: 'daemonsets' },
  { kind: 'Job', group: 'batch', plural: 'jobs' },
  { kind: 'CronJob', group: 'batch', plural: 'cronjobs' },
];

/** One kind, every page (`limit`, `continue`; a 410 on continue restarts the list once). */
async function listAll(k: LoadedKube, r: Kind, ns: string | undefined, pageSize: number, onPage: (n: number) => void): Promise<{ items: K8sObjectFact[]; pages: number } | { failure: KubeFailure; pages: number }> {
  const base = r.group === '' ? '/api/v1' : `/apis/${r.group}/v1`;
  const path = ns === undefined ? `${base}/${r.plural}` : `${base}/namespaces/${encodeURIComponent(ns)}/${r.plural}`;
  const src: Source = { path: `api:kubernetes:${ns === undefined ? `list${r.kind}ForAllNamespaces` : `listNamespaced${r.kind}`}` };
  const items: K8sObjectFact[] = [];
  let cont: string | undefined;
  let restarted = false;
  let pages = 0;
  for (;;) {
    const q: Record<string, string> = { limit: String(pageSize) };
    if (cont) q['continue'] = cont;
    const out = await request(k, 'GET', path, q);
    pages++;
    if (!out.ok) {
      if (out.failure.code === 410 && cont && !restarted) {
        restarted = true;
        items.length = 0;
        cont = undefined;
        continue;
      }
      return { failure: out.failure, pages };
    }
    const got = objectFacts(out.json, src);
    items.push(...got);
    onPage(got.length);
    const meta = isRaw(out.json) && isRaw(out.json['metadata']) ? out.json['metadata'] : {};
    cont = typeof meta['continue'] === 'string' && meta['continue'] !== '' ? meta['continue'] : undefined;
    if (!cont) return { items, pages };
  }
}

/** Runs `jobs` with at most `n` in flight. */
async function bounded<T>(jobs: Array<() => Promise<T>>, n: number, done: () => void): Promise<T[]> {
  const out: T[] = new Array<T>(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
      done();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, jobs.length)) }, worker));
  return out;
}

const keyOf = (o: K8sObject): string => `${o.metadata.namespace ?? 'default'}/${o.metadata.name ?? ''}`;
const controllerOf = (o: K8sObject) => (o.metadata.ownerReferences ?? []).find((r) => r.controller === true);

function usesRoleEnv(pod: K8sObject): boolean {
  return containers(pod).some((c) => (c.env ?? []).some((e) => e.name === 'AWS_ROLE_ARN'));
}

export async function collectScan(o: ScanCollectOptions): Promise<ScanCollected> {
  const k = loadKube({ ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}), ...(o.context ? { context: o.context } : {}), ...(o.env ? { env: o.env } : {}), ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) });
  const ns = o.allNamespaces ? undefined : (o.namespace ?? k.namespace ?? 'default');
  const pageSize = o.pageSize ?? 500;
  const progress: ScanProgress = { phase: 'kubernetes', listed: {}, rolesDone: 0, rolesTotal: 0 };
  const tell = (): void => o.onProgress?.({ ...progress, listed: { ...progress.listed } });
  const facts: Fact[] = [];
  const verbose: string[] = [];
  const listFailures: string[] = [];

  // ---- Kubernetes: one paginated list per kind ------------------------------------------------
  tell();
  const byKind = new Map<string, K8sObjectFact[]>();
  let listPages = 0;
  const [lists, version] = await Promise.all([
    Promise.all(
      KINDS.map(async (r) => {
        const out = await listAll(k, r, ns, pageSize, (n) => {
          progress.listed[r.plural] = (progress.listed[r.plural] ?? 0) + n;
          tell();
        });
        return [r, out] as const;
      }),
    ),
    serverVersion(k),
  ]);
  facts.push(version);
  for (const [r, out] of lists) {
    listPages += out.pages;
    if ('failure' in out) {
      const where = ns === undefined ? 'all namespaces' : `namespace ${ns}`;
      listFailures.push(`${r.plural} in ${where}: ${out.failure.reason}: ${out.failure.message}`.replace(/\s*\n\s*/g, ' '));
      facts.push({
        kind: 'unavailable',
        source: { path: `api:kubernetes:list${r.kind}` },
        what: `${r.kind[0]!.toLowerCase()}${r.kind.slice(1)}s:${ns ?? '*'}`,
        reason: `${out.failure.reason}: ${out.failure.message}`.replace(/\s*\n\s*/g, ' '),
        permission: `${r.plural}${r.group ? `.${r.group}` : ''} list`,
      } satisfies UnavailableFact);
      byKind.set(r.kind, []);
    } else byKind.set(r.kind, out.items);
  }
  verbose.push(`kubernetes: ${KINDS.map((r) => `${r.plural} ${byKind.get(r.kind)!.length}`).join(', ')} (${listPages} list calls, ${pageSize} per page, ${ns === undefined ? 'all namespaces' : `namespace ${ns}`})`);

  const index = new Map<string, Map<string, K8sObjectFact>>(); // kind -> ns/name -> fact
  const byUid = new Map<string, K8sObjectFact>();
  for (const [kind, list] of byKind) {
    const m = new Map<string, K8sObjectFact>();
    for (const f of list) {
      m.set(keyOf(f.object), f);
      if (f.object.metadata.uid) byUid.set(f.object.metadata.uid, f);
    }
    index.set(kind, m);
  }
  const sas = index.get('ServiceAccount')!;
  const annotated = (f: K8sObjectFact | undefined): string | undefined => f?.object.metadata.annotations?.[ROLE_ARN_ANNOTATION] || undefined;
  const saListed = !listFailures.some((l) => l.startsWith('serviceaccounts '));

  // The chain of controllers above a pod, and its top owner.
  const chainOf = (pod: K8sObject): K8sObjectFact[] => {
    const chain: K8sObjectFact[] = [];
    let cur: K8sObject = pod;
    for (let depth = 0; depth < 5; depth++) {
      const ref = controllerOf(cur);
      if (!ref) break;
      const nsOf = pod.metadata.namespace ?? 'default';
      const f = (ref.uid !== undefined ? byUid.get(ref.uid) : undefined) ?? index.get(ref.kind)?.get(`${nsOf}/${ref.name}`);
      if (!f) break;
      chain.push(f);
      cur = f.object;
    }
    return chain;
  };
  const topOf = (pod: K8sObject): WorkloadRef => {
    const nsOf = pod.metadata.namespace ?? 'default';
    const chain = chainOf(pod);
    const top = chain[chain.length - 1];
    if (top) return { namespace: nsOf, kind: top.object.kind, name: top.object.metadata.name ?? '' };
    // An owner that could not be read: name it from the reference.
    const ref = controllerOf(pod);
    if (ref) return { namespace: nsOf, kind: ref.kind, name: ref.name };
    return { namespace: nsOf, kind: 'Pod', name: pod.metadata.name ?? '' };
  };

  // ---- keep the pods and service accounts that use IRSA -----------------------------------------
  const kept = new Map<string, K8sObjectFact>(); // uid or kind/ns/name -> fact
  const keep = (f: K8sObjectFact): void => {
    const key = f.object.metadata.uid ?? `${f.object.kind}/${keyOf(f.object)}`;
    if (!kept.has(key)) kept.set(key, f);
  };
  const podOwners = new Map<string, WorkloadRef>();
  const usedSas = new Set<string>();
  const nsWithAnnotated = new Set<string>();
  for (const f of sas.values()) if (annotated(f)) nsWithAnnotated.add(f.object.metadata.namespace ?? 'default');
  const nodeRoleFallbacks: ScanCollected['nodeRoleFallbacks'] = [];
  const seenFallbackWorkloads = new Set<string>();
  for (const pf of index.get('Pod')!.values()) {
    const pod = pf.object;
    const podNs = pod.metadata.namespace ?? 'default';
    const saName = serviceAccountName(pod).name;
    const saKey = `${podNs}/${saName}`;
    const sa = sas.get(saKey);
    const irsa = Boolean(annotated(sa)) || usesRoleEnv(pod);
    if (!irsa) {
      if (nsWithAnnotated.has(podNs)) {
        const w = topOf(pod);
        const wk = `${w.namespace}/${w.kind}/${w.name}`;
        if (!seenFallbackWorkloads.has(wk)) {
          seenFallbackWorkloads.add(wk);
          nodeRoleFallbacks.push({ namespace: podNs, pod: pod.metadata.name ?? '', serviceAccount: saName, workload: w });
        }
      }
      continue;
    }
    usedSas.add(saKey);
    keep(pf);
    for (const c of chainOf(pod)) keep(c);
    podOwners.set(keyOf(pod), topOf(pod));
    if (sa) {
      keep(sa);
      // As diagnose does for a pod on an unannotated account: the namespace's accounts (IRSA301).
      if (!annotated(sa)) for (const other of sas.values()) if ((other.object.metadata.namespace ?? 'default') === podNs) keep(other);
    } else if (saListed) {
      facts.push({ kind: 'notFound', source: { path: 'api:kubernetes:readNamespacedServiceAccount' }, resource: 'serviceAccount', name: saName, namespace: podNs, text: `serviceaccounts "${saName}" not found` } satisfies NotFoundFact);
    }
  }
  const unusedServiceAccounts: ScanCollected['unusedServiceAccounts'] = [];
  for (const f of sas.values()) {
    const arn = annotated(f);
    if (arn && !usedSas.has(keyOf(f.object))) unusedServiceAccounts.push({ namespace: f.object.metadata.namespace ?? 'default', name: f.object.metadata.name ?? '', roleArn: arn });
  }
  facts.push(...kept.values());

  // ---- AWS: the cluster, its issuer, the providers, the roles -----------------------------------
  progress.phase = 'cluster';
  tell();
  const side = await connectAws(o, k);
  const { aws, home, clusterName, issuer } = side;
  facts.push(...side.facts);

  const roleArns = new Set<string>();
  for (const f of kept.values()) {
    const a = f.object.kind === 'ServiceAccount' ? annotated(f) : undefined;
    if (!a) continue;
    roleArns.add(annotatedRoleArn(a));
  }
  const clientsFor = side.clientsFor;

  const jobs: Array<Promise<Fact[]>> = [];
  const roleJobs: Array<() => Promise<Fact[]>> = [];
  const byClient = new Map<IAMClient, { account: string | undefined; arns: string[] }>();
  const accounts = new Set<string>();
  for (const arn of roleArns) {
    const pr = parseRoleArn(arn);
    if (!pr.ok) continue;
    const c = clientsFor(pr.account);
    if (!c) {
      facts.push({ kind: 'unavailable', source: { path: 'api:iam:GetRole' }, what: `role:${pr.arn}`, reason: `the role is in account ${pr.account}, not in ${home ?? 'the account of these credentials'}; give --role-profile with credentials for ${pr.account}`, permission: 'iam:GetRole (in the role account, via --role-profile)' });
      if (!accounts.has(pr.account)) {
        accounts.add(pr.account);
        facts.push({ kind: 'unavailable', source: { path: 'api:iam:ListOpenIDConnectProviders' }, what: `providers:${pr.account}`, reason: `no credentials for account ${pr.account}: give --role-profile`, permission: 'iam:ListOpenIDConnectProviders (in the role account)' });
      }
      continue;
    }
    const list = byClient.get(c.clients.iam) ?? { account: c.account, arns: [] };
    list.arns.push(pr.arn);
    byClient.set(c.clients.iam, list);
    if (!accounts.has(pr.account)) {
      accounts.add(pr.account);
      jobs.push(collectProviders(c.clients.iam, pr.account));
    }
  }
  if (home && !accounts.has(home) && roleArns.size === 0) jobs.push(collectProviders(aws.iam, home));
  if (issuer) jobs.push(collectIssuer(issuer, { ...(o.ca ? { ca: o.ca } : {}), ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) }));

  progress.phase = 'roles';
  const concurrency = o.concurrency ?? 8;
  const plan = o.rolePlan ?? 'auto';
  for (const [iam, { account, arns }] of byClient) {
    const perRole = (): void => {
      for (const arn of arns) roleJobs.push(() => collectRole(iam, arn, account ? { account } : {}));
    };
    const bulk = plan === 'bulk' || (plan === 'auto' && arns.length >= BULK_FROM_ROLES);
    if (!bulk) {
      verbose.push(`roles (${account ?? 'account'}): ${arns.length} distinct, per-role plan (GetRole plus its policy calls each, at least 3 calls per role), ${concurrency} at a time`);
      perRole();
      continue;
    }
    const got = await bulkRoles(iam, arns);
    if (got.ok) {
      verbose.push(`roles (${account ?? 'account'}): ${arns.length} distinct, bulk plan: GetAccountAuthorizationDetails (Role, LocalManagedPolicy) in ${got.pages} page(s), plus GetPolicy + GetPolicyVersion for ${got.awsManaged} AWS-managed policies`);
      facts.push(...got.facts);
      progress.rolesDone += arns.length;
    } else {
      verbose.push(`roles (${account ?? 'account'}): the bulk read was refused (${got.reason}); falling back to the per-role plan for ${arns.length} roles`);
      perRole();
    }
  }
  progress.rolesTotal = progress.rolesDone + roleJobs.length;
  tell();
  const [roleFacts, sideFacts] = await Promise.all([
    bounded(roleJobs, concurrency, () => {
      progress.rolesDone++;
      tell();
    }),
    Promise.all(jobs),
  ]);
  for (const f of [...roleFacts, ...sideFacts]) facts.push(...f);
  progress.phase = 'done';
  tell();

  const irsaPods = [...kept.values()].filter((f) => f.object.kind === 'Pod').length;
  return {
    facts,
    kube: k,
    target: { scope: ns === undefined ? 'all namespaces' : `namespace ${ns}`, context: k.contextName, ...(clusterName ? { cluster: clusterName } : {}) },
    podOwners,
    unusedServiceAccounts,
    nodeRoleFallbacks,
    listFailures,
    stats: { podsListed: index.get('Pod')!.size, irsaPods, serviceAccounts: [...kept.values()].filter((f) => f.object.kind === 'ServiceAccount').length, roles: roleArns.size, listPages },
    verbose,
  };
}

/** From this many distinct roles in one account, `auto` reads them in bulk: at IAM's quotas
 * (5,000 roles, 5,000 customer-managed policies) the bulk read is at most 10 pages of 1,000, while
 * the per-role plan costs at least 3 calls per role. */
export const BULK_FROM_ROLES = 10;

type Bulk = { ok: true; facts: Fact[]; pages: number; awsManaged: number } | { ok: false; reason: string };

/**
 * The bulk plan: every page of GetAccountAuthorizationDetails (Role, LocalManagedPolicy), made
 * into facts by the offline recogniser of `aws iam get-account-authorization-details` (the SDK's
 * output, dates as ISO strings, is the CLI's), kept to the roles asked for and the policies they
 * use; a role absent from the account is a NotFoundFact, as GetRole's NoSuchEntity would be.
 */
async function bulkRoles(iam: IAMClient, arns: string[]): Promise<Bulk> {
  const roles: unknown[] = [];
  const policies: unknown[] = [];
  let marker: string | undefined;
  let pages = 0;
  for (;;) {
    let out;
    try {
      out = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['Role', 'LocalManagedPolicy'], MaxItems: 1000, ...(marker ? { Marker: marker } : {}) }));
    } catch (e) {
      return { ok: false, reason: reasonOf(describeAwsError(e)) };
    }
    pages++;
    const plain = JSON.parse(JSON.stringify(out)) as { RoleDetailList?: unknown[]; Policies?: unknown[] };
    roles.push(...(plain.RoleDetailList ?? []));
    policies.push(...(plain.Policies ?? []));
    marker = out.IsTruncated ? out.Marker : undefined;
    if (!marker || pages >= 1000) break;
  }
  const wanted = new Map(arns.map((a) => [a.split('/').pop()!.toLowerCase(), a]));
  const mine = roles.filter((r) => isRaw(r) && typeof r['RoleName'] === 'string' && wanted.has(r['RoleName'].toLowerCase()));
  const policyArns = new Set<string>();
  for (const r of mine) {
    if (!isRaw(r)) continue;
    for (const a of Array.isArray(r['AttachedManagedPolicies']) ? r['AttachedManagedPolicies'] : []) if (isRaw(a) && typeof a['PolicyArn'] === 'string') policyArns.add(a['PolicyArn']);
    const b = r['PermissionsBoundary'];
    if (isRaw(b) && typeof b['PermissionsBoundaryArn'] === 'string') policyArns.add(b['PermissionsBoundaryArn']);
  }
  // Only the default version of each policy, as GetPolicyVersion would give.
  const local = policies
    .filter((p): p is Raw => isRaw(p) && typeof p['Arn'] === 'string' && policyArns.has(p['Arn']))
    .map((p): Raw => ({ ...p, PolicyVersionList: (Array.isArray(p['PolicyVersionList']) ? p['PolicyVersionList'] : []).filter((v) => isRaw(v) && v['IsDefaultVersion'] === true) }));
  const src: Source = { path: 'api:iam:GetAccountAuthorizationDetails' };
  let facts: Fact[];
  try {
    facts = (getAccountAuthorizationDetails.recognise({ path: src.path, text: '', docs: [{ value: { RoleDetailList: mine, Policies: local }, line: 1 }] }, src) ?? []).map((f) => ({ ...f, source: src }) as Fact);
  } catch (e) {
    return { ok: false, reason: `the answer could not be read: ${(e as Error).message}` };
  }
  const found = new Set(mine.map((r) => (isRaw(r) ? String(r['RoleName']).toLowerCase() : '')));
  for (const [name, arn] of wanted) {
    if (found.has(name)) continue;
    const roleName = arn.split('/').pop()!;
    facts.push({ kind: 'notFound', source: { path: 'api:iam:GetRole' }, resource: 'role', name: roleName, text: `An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name ${roleName} cannot be found.` } satisfies NotFoundFact);
  }
  const localArns = new Set(local.map((p) => String(p['Arn'])));
  const others = [...policyArns].filter((a) => !localArns.has(a));
  for (const f of await Promise.all(others.map((a) => awsManagedPolicy(iam, a)))) facts.push(...f);
  return { ok: true, facts, pages, awsManaged: others.length };
}

/** GetPolicy + GetPolicyVersion (default) of a policy the bulk read does not carry. */
async function awsManagedPolicy(iam: IAMClient, policyArn: string): Promise<Fact[]> {
  const source: Source = { path: 'api:iam:GetPolicy' };
  let pol;
  try {
    pol = (await iam.send(new GetPolicyCommand({ PolicyArn: policyArn }))).Policy;
  } catch (e) {
    const d = describeAwsError(e);
    if (d.code === 'NoSuchEntity') return [{ kind: 'notFound', source, resource: 'policy', name: policyArn, text: `An error occurred (${d.code}) when calling the GetPolicy operation: ${d.message}` } satisfies NotFoundFact];
    return [{ kind: 'unavailable', source, what: `policy:${policyArn}`, reason: reasonOf(d), permission: 'iam:GetPolicy' } satisfies UnavailableFact];
  }
  const mp: Fact = { kind: 'managedPolicy', source, arn: pol?.Arn ?? policyArn, ...(pol?.PolicyName !== undefined ? { name: pol.PolicyName } : {}), ...(pol?.DefaultVersionId !== undefined ? { defaultVersionId: pol.DefaultVersionId } : {}), ...(pol?.AttachmentCount !== undefined ? { attachmentCount: pol.AttachmentCount } : {}) };
  const versionId = pol?.DefaultVersionId;
  if (versionId === undefined) return [mp, { kind: 'unavailable', source, what: `policy:${policyArn}`, reason: 'GetPolicy named no default version' } satisfies UnavailableFact];
  const vSource: Source = { path: 'api:iam:GetPolicyVersion' };
  try {
    const pv = (await iam.send(new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: versionId }))).PolicyVersion;
    const recognised = getAccountAuthorizationDetails.recognise(
      { path: vSource.path, text: '', docs: [{ value: { RoleDetailList: [], Policies: [{ PolicyName: pol?.PolicyName ?? '', Arn: policyArn, DefaultVersionId: versionId, PolicyVersionList: [{ Document: pv?.Document, VersionId: pv?.VersionId ?? versionId, IsDefaultVersion: pv?.IsDefaultVersion ?? true }] }] }, line: 1 }] },
      vSource,
    ) ?? [];
    return [mp, ...recognised.filter((f) => f.kind === 'policyVersion').map((f) => ({ ...f, source: vSource }) as Fact)];
  } catch (e) {
    return [mp, { kind: 'unavailable', source: vSource, what: `policy:${policyArn}`, reason: e instanceof Error && !('$metadata' in e) ? `the document of ${policyArn} ${versionId} is not a JSON policy` : reasonOf(describeAwsError(e)), permission: 'iam:GetPolicyVersion' } satisfies UnavailableFact];
  }
}
