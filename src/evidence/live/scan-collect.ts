// Live collection for `irsa-doctor scan`: the whole cluster (or one namespace) with one paginated
// list per Kubernetes kind, one DescribeCluster, one ListOpenIDConnectProviders plus one get per
// provider, and per distinct role one GetRole plus its policy calls, a bounded number at a time.
// No TokenRequest and no STS probe. Like every collector it only produces facts, the same facts
// the offline recognisers make of the same responses, so the join and the checks judge them
// unchanged.

import type { Fact, K8sObject, K8sObjectFact, NotFoundFact, Source, UnavailableFact } from '../facts.js';
import { withoutManagedFields } from './list-text.js';
import { PodSharer } from './share.js';
import { loadKube, objectFacts, parseBody, requestText, serverVersion, type KubeFailure, type LoadedKube, type RawOutcome } from './kube.js';
import { collectProviders, collectRole } from './aws.js';
import { annotatedRoleArn, connectAws, type AwsSide, type AwsSideOptions } from './aws-side.js';
import { collectIssuer } from './issuer.js';
import { GetAccountAuthorizationDetailsCommand, type GetAccountAuthorizationDetailsCommandOutput, GetAccountSummaryCommand, GetPolicyCommand, GetPolicyVersionCommand, type IAMClient } from '@aws-sdk/client-iam';
import { describeAwsError, reasonOf } from './clients.js';
import { Readable } from 'node:stream';
import { getAccountAuthorizationDetails } from '../offline/aws-iam.js';
import { parseRoleArn } from '../../iam/arn.js';
import { ROLE_ARN_ANNOTATION } from '../../k8s/webhook.js';
import { serviceAccountName, containers } from '../../k8s/pod.js';

export interface ScanCollectOptions extends AwsSideOptions {
  /** One namespace; ignored with `allNamespaces`. Default: the context's, else `default`. */
  namespace?: string;
  allNamespaces?: boolean;
  kubeconfig?: string;
  context?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** Role reads in flight at once (default 8). */
  concurrency?: number;
  /**
   * How roles are read: `per-role` (GetRole plus its policy calls, per distinct role), `bulk`
   * (GetAccountAuthorizationDetails, Filter Role + LocalManagedPolicy, 1,000 per page, then
   * GetPolicy + GetPolicyVersion per AWS-managed policy attached), or `auto` (default): the
   * cheaper for the number of roles and the account's size (see choosePlan). A denied bulk read
   * falls back to per-role.
   */
  rolePlan?: 'auto' | 'per-role' | 'bulk';
  /** Items per list page (default 500). */
  pageSize?: number;
  /** Attempts per AWS call (default 6: the SDK's adaptive retries ride out throttling). */
  maxAttempts?: number;
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

export interface ScanCoverage {
  /** Namespaces some kind could not be listed in (RBAC, errors). */
  unlistedNamespaces: string[];
  /** Some kind could not be listed at all in the scan's scope (and not namespace by namespace). */
  scopeUnlisted: boolean;
  /** Workloads whose pods' service accounts could not be read: whether they use IRSA is unknown. */
  undecidedWorkloads: WorkloadRef[];
  /** Plurals of the kinds with a failed listing. */
  unlistedKinds: string[];
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
  /** What the scan could not see: the summary says how much of the cluster was checked. */
  coverage: ScanCoverage;
  stats: { podsListed: number; irsaPods: number; serviceAccounts: number; roles: number; listPages: number };
  /** For --verbose: the plan and what each phase did. */
  verbose: string[];
}

type Raw = Record<string, unknown>;
const isRaw = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);

export interface Kind {
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

type ListOutcome = { items: K8sObjectFact[]; pages: number } | { failure: KubeFailure; pages: number };

/**
 * The `continue` token of a list answer, read from the head of its text: the API server writes
 * the list's metadata before its items (Go encodes ListMeta first), so the next page can be asked
 * for while this one is parsed. Undefined when it is not found there; the parsed answer decides.
 */
export function peekContinue(text: string): string | undefined {
  const head = text.slice(0, 4096);
  const m = /"metadata"\s*:\s*\{[^{}]*?"continue"\s*:\s*"([^"\\]*)"/.exec(head);
  return m?.[1] || undefined;
}

/**
 * Pages asked for ahead of the one being parsed. One is enough for the next page to be on the
 * wire while this one is parsed; more would only hold more pages' text in memory.
 */
const LOOKAHEAD = 1;

/**
 * One kind, every page (`limit`, `continue`; a 410 on continue restarts the list, twice at most).
 * The next page is asked for as soon as this one's head (its list metadata) has arrived, so the
 * server prepares and sends it while this one is still arriving and being parsed.
 */
export async function listAll(k: LoadedKube, r: Kind, ns: string | undefined, pageSize: number, onPage: (n: number) => void, each?: (o: K8sObject) => void): Promise<ListOutcome> {
  const base = r.group === '' ? '/api/v1' : `/apis/${r.group}/v1`;
  const path = ns === undefined ? `${base}/${r.plural}` : `${base}/namespaces/${encodeURIComponent(ns)}/${r.plural}`;
  const src: Source = { path: `api:kubernetes:${ns === undefined ? `list${r.kind}ForAllNamespaces` : `listNamespaced${r.kind}`}` };
  // Continue tokens seen in pages' heads and not yet asked for; pages asked for and not yet taken.
  const seen: string[] = [];
  const ahead = new Map<string, { page: Promise<RawOutcome>; abort: AbortController }>();
  let generation = 0;
  const fetchPage = (cont: string | undefined, signal?: AbortSignal): Promise<RawOutcome> => {
    const gen = generation;
    const onHead = (head: string) => {
      const next = peekContinue(head);
      if (next && gen === generation && !ahead.has(next) && !seen.includes(next)) {
        seen.push(next);
        pump();
      }
    };
    const p = requestText(k, 'GET', path, { limit: String(pageSize), ...(cont ? { continue: cont } : {}) }, undefined, { onHead, ...(signal ? { signal } : {}) });
    p.catch(() => undefined); // a page asked for ahead and never taken must not be an unhandled rejection
    return p;
  };
  const pump = () => {
    while (seen.length > 0 && ahead.size < LOOKAHEAD) {
      const t = seen.shift()!;
      const abort = new AbortController();
      ahead.set(t, { page: fetchPage(t, abort.signal), abort });
    }
  };
  /** Abandons every page asked for ahead (a restart, a token the body did not confirm, the end). */
  const drop = () => {
    generation++;
    seen.length = 0;
    for (const a of ahead.values()) a.abort.abort();
    ahead.clear();
  };
  const take = (cont: string): Promise<RawOutcome> => {
    // A head named another token than its page's body (the page was cut and asked for again,
    // from a newer snapshot): what was read ahead from it is dropped.
    if ([...ahead.keys()].some((t) => t !== cont)) drop();
    const p = ahead.get(cont)?.page ?? fetchPage(cont);
    ahead.delete(cont);
    const i = seen.indexOf(cont);
    if (i >= 0) seen.splice(i, 1);
    pump();
    return p;
  };
  try {
    return await readPages();
  } finally {
    drop();
  }

  async function readPages(): Promise<ListOutcome> {
    const items: K8sObjectFact[] = [];
    let cont: string | undefined;
    let restarts = 0;
    let pages = 0;
    let pending = fetchPage(undefined);
    for (;;) {
      const raw = await pending;
      pages++;
      // managedFields is cut from the text of every kind but service accounts (see below).
      const out = raw.ok ? parseBody(r.kind === 'ServiceAccount' ? raw : { status: raw.status, text: withoutManagedFields(raw.text) }) : raw;
      if (!out.ok) {
        // The list's snapshot was compacted away between pages: start again from a fresh one.
        if (out.failure.code === 410 && cont && restarts < 2) {
          restarts++;
          onPage(-items.length);
          items.length = 0;
          cont = undefined;
          drop();
          pending = fetchPage(undefined);
          continue;
        }
        return { failure: out.failure, pages };
      }
      const got = objectFacts(out.json, src);
      // Who last wrote which field is only read of service accounts (when the role-arn annotation
      // was set, IRSA303), and no check reads an object's status: both are dropped from pods and
      // workloads, which a large scan holds by the thousand.
      if (r.kind !== 'ServiceAccount') {
        for (const f of got) {
          delete f.object.metadata.managedFields;
          delete f.object.status;
        }
      }
      if (each) for (const f of got) each(f.object);
      items.push(...got);
      onPage(got.length);
      const meta = isRaw(out.json) && isRaw(out.json['metadata']) ? out.json['metadata'] : {};
      cont = typeof meta['continue'] === 'string' && meta['continue'] !== '' ? meta['continue'] : undefined;
      if (!cont) return { items, pages };
      pending = take(cont);
    }
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

const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ');

/** What one kind's listing gave: the objects, and the namespaces (or the whole scope) it could not read. */
interface KindListing {
  kind: Kind;
  items: K8sObjectFact[];
  pages: number;
  /** Scope that could not be listed, with why: `namespace x` / `all namespaces`. */
  failures: Array<{ where: string; namespace: string | undefined; failure: KubeFailure }>;
}

export async function collectScan(o: ScanCollectOptions): Promise<ScanCollected> {
  const k = loadKube({ ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}), ...(o.context ? { context: o.context } : {}), ...(o.env ? { env: o.env } : {}), ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) });
  const ns = o.allNamespaces ? undefined : (o.namespace ?? k.namespace ?? 'default');
  const pageSize = o.pageSize ?? 500;
  const progress: ScanProgress = { phase: 'kubernetes', listed: {}, rolesDone: 0, rolesTotal: 0 };
  const tell = (): void => o.onProgress?.({ ...progress, listed: { ...progress.listed } });
  const facts: Fact[] = [];
  const verbose: string[] = [];
  const concurrency = o.concurrency ?? 8;
  const planChoice = o.rolePlan ?? 'auto';

  // The AWS side starts at once, beside the Kubernetes lists: DescribeCluster (which also says
  // whose credentials these are), then the issuer's documents.
  const sideP = connectAws({ ...o, callerFromCluster: true, maxAttempts: o.maxAttempts ?? 6 }, k);
  const issuerP = sideP.then((side) => (side.issuer ? collectIssuer(side.issuer, { ...(o.ca ? { ca: o.ca } : {}), ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) }) : []));

  // ---- Kubernetes: one paginated list per kind ------------------------------------------------
  tell();
  // With -A, a kind the credentials may not list cluster-wide is listed namespace by namespace
  // (RBAC often grants a team its own namespaces only); the namespaces that refuse are reported.
  let namespacesP: Promise<{ names: string[] } | { failure: KubeFailure }> | undefined;
  const namespaceNames = () =>
    (namespacesP ??= listAll(k, { kind: 'Namespace', group: '', plural: 'namespaces' }, undefined, pageSize, () => undefined).then((r) =>
      'failure' in r ? { failure: r.failure } : { names: r.items.map((f) => f.object.metadata.name ?? '').filter(Boolean) },
    ));
  const count = (r: Kind) => (n: number) => {
    progress.listed[r.plural] = (progress.listed[r.plural] ?? 0) + n;
    tell();
  };
  // Replicas' equal subtrees become one object (memory, and the checks compare replicas faster).
  const sharer = new PodSharer();
  const each = (r: Kind) => (r.kind === 'Pod' ? (o: K8sObject) => sharer.pod(o) : undefined);
  const listKind = async (r: Kind): Promise<KindListing> => {
    const out = await listAll(k, r, ns, pageSize, count(r), each(r));
    if (!('failure' in out)) return { kind: r, items: out.items, pages: out.pages, failures: [] };
    const where = ns === undefined ? 'all namespaces' : `namespace ${ns}`;
    if (ns !== undefined || out.failure.code !== 403) return { kind: r, items: [], pages: out.pages, failures: [{ where, namespace: ns, failure: out.failure }] };
    const names = await namespaceNames();
    if ('failure' in names) return { kind: r, items: [], pages: out.pages, failures: [{ where, namespace: undefined, failure: out.failure }] };
    const listing: KindListing = { kind: r, items: [], pages: out.pages, failures: [] };
    const per = await bounded(
      names.names.map((n) => () => listAll(k, r, n, pageSize, count(r), each(r)).then((x) => [n, x] as const)),
      concurrency,
      () => undefined,
    );
    for (const [n, x] of per) {
      listing.pages += x.pages;
      if ('failure' in x) listing.failures.push({ where: `namespace ${n}`, namespace: n, failure: x.failure });
      else listing.items.push(...x.items);
    }
    return listing;
  };

  // The service accounts come first: they name the roles, so the role plan can start while the
  // pods are still being listed.
  const saListingP = listKind(KINDS.find((r) => r.kind === 'ServiceAccount')!);
  const otherListingsP = Promise.all(KINDS.filter((r) => r.kind !== 'ServiceAccount').map(listKind));
  const annotated = (f: K8sObjectFact | undefined): string | undefined => f?.object.metadata.annotations?.[ROLE_ARN_ANNOTATION] || undefined;

  // ---- roles: the plan, started as soon as the service accounts are known ----------------------
  const rolesP = Promise.all([saListingP, sideP]).then(async ([saListing, side]) => {
    const arns = new Set<string>();
    for (const f of saListing.items) {
      const a = annotated(f);
      if (a) arns.add(annotatedRoleArn(a));
    }
    return planRoles(side, [...arns], { plan: planChoice, concurrency, verbose });
  });

  const [saListing, otherListings, side] = await Promise.all([saListingP, otherListingsP, sideP]);
  const listings = [saListing, ...otherListings];
  facts.push(...side.facts);
  // The server's version only when the cluster's is not known from DescribeCluster.
  const clusterFact = side.facts.find((f) => f.kind === 'cluster');
  if (!(clusterFact?.kind === 'cluster' && clusterFact.version)) facts.push(await serverVersion(k));

  const listFailures: string[] = [];
  const byKind = new Map<string, K8sObjectFact[]>();
  let listPages = 0;
  const unlistedNamespaces = new Set<string>();
  let scopeUnlisted = false;
  for (const l of listings) {
    listPages += l.pages;
    byKind.set(l.kind.kind, l.items);
    for (const f of l.failures) {
      const reason = oneLine(`${f.failure.reason}: ${f.failure.message}`);
      listFailures.push(`${l.kind.plural} in ${f.where}: ${reason}`);
      if (f.namespace !== undefined) unlistedNamespaces.add(f.namespace);
      else scopeUnlisted = true;
      facts.push({
        kind: 'unavailable',
        source: { path: `api:kubernetes:list${l.kind.kind}` },
        what: `${l.kind.kind[0]!.toLowerCase()}${l.kind.kind.slice(1)}s:${f.namespace ?? '*'}`,
        reason,
        permission: `${l.kind.plural}${l.kind.group ? `.${l.kind.group}` : ''} list`,
      } satisfies UnavailableFact);
    }
  }
  verbose.unshift(`kubernetes: ${KINDS.map((r) => `${r.plural} ${byKind.get(r.kind)!.length}`).join(', ')} (${listPages} list calls, ${pageSize} per page, ${ns === undefined ? 'all namespaces' : `namespace ${ns}`})`);

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
  const saUnlisted = (podNs: string): boolean => saListing.failures.some((f) => f.namespace === undefined || f.namespace === podNs);
  // The join looks for a namespace's service accounts as `serviceAccounts:<namespace>`: a list
  // refused for the whole scope is refused for every namespace the pods are in.
  const scopeFailure = saListing.failures.find((f) => f.namespace === undefined);
  if (scopeFailure) {
    const reason = oneLine(`${scopeFailure.failure.reason}: ${scopeFailure.failure.message}`);
    const podNamespaces = new Set([...index.get('Pod')!.values()].map((f) => f.object.metadata.namespace ?? 'default'));
    for (const n of podNamespaces) facts.push({ kind: 'unavailable', source: { path: 'api:kubernetes:listServiceAccount' }, what: `serviceAccounts:${n}`, reason, permission: 'serviceaccounts list' } satisfies UnavailableFact);
  }

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
  // Pods whose service account could not be read: whether they use IRSA is not known.
  const undecided = new Map<string, WorkloadRef>();
  for (const pf of index.get('Pod')!.values()) {
    const pod = pf.object;
    const podNs = pod.metadata.namespace ?? 'default';
    const saName = serviceAccountName(pod).name;
    const saKey = `${podNs}/${saName}`;
    const sa = sas.get(saKey);
    const irsa = Boolean(annotated(sa)) || usesRoleEnv(pod);
    if (!irsa) {
      if (!sa && saUnlisted(podNs)) {
        const w = topOf(pod);
        undecided.set(`${w.namespace}/${w.kind}/${w.name}`, w);
        continue;
      }
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
    } else if (!saUnlisted(podNs)) {
      facts.push({ kind: 'notFound', source: { path: 'api:kubernetes:readNamespacedServiceAccount' }, resource: 'serviceAccount', name: saName, namespace: podNs, text: `serviceaccounts "${saName}" not found` } satisfies NotFoundFact);
    }
  }
  const unusedServiceAccounts: ScanCollected['unusedServiceAccounts'] = [];
  for (const f of sas.values()) {
    const arn = annotated(f);
    if (arn && !usedSas.has(keyOf(f.object))) unusedServiceAccounts.push({ namespace: f.object.metadata.namespace ?? 'default', name: f.object.metadata.name ?? '', roleArn: arn });
  }
  facts.push(...kept.values());

  // ---- AWS: providers, the roles the kept service accounts name, their policies -----------------
  progress.phase = 'roles';
  tell();
  const roleArns = new Set<string>();
  for (const f of kept.values()) {
    const a = f.object.kind === 'ServiceAccount' ? annotated(f) : undefined;
    if (a) roleArns.add(annotatedRoleArn(a));
  }
  // A pod on an unannotated account that sets AWS_ROLE_ARN itself: the join judges that role.
  for (const f of kept.values()) {
    if (f.object.kind !== 'Pod') continue;
    if (annotated(sas.get(`${f.object.metadata.namespace ?? 'default'}/${serviceAccountName(f.object).name}`))) continue;
    const env = containers(f.object).flatMap((c) => (c.env ?? []).filter((e) => e.name === 'AWS_ROLE_ARN' && e.value))[0]?.value;
    if (env) roleArns.add(annotatedRoleArn(env));
  }
  const planned = await rolesP;
  const roleFacts = await planned.read([...roleArns], (done, total) => {
    progress.rolesDone = done;
    progress.rolesTotal = total;
    tell();
  });
  facts.push(...roleFacts, ...(await issuerP));
  progress.phase = 'done';
  tell();

  const irsaPods = [...kept.values()].filter((f) => f.object.kind === 'Pod').length;
  return {
    facts,
    kube: k,
    target: { scope: ns === undefined ? 'all namespaces' : `namespace ${ns}`, context: k.contextName, ...(side.clusterName ? { cluster: side.clusterName } : {}) },
    podOwners,
    unusedServiceAccounts,
    nodeRoleFallbacks,
    listFailures,
    coverage: {
      unlistedNamespaces: [...unlistedNamespaces].sort(),
      scopeUnlisted,
      undecidedWorkloads: [...undecided.values()],
      unlistedKinds: [...new Set(listings.filter((l) => l.failures.length > 0).map((l) => l.kind.plural))],
    },
    stats: { podsListed: index.get('Pod')!.size, irsaPods, serviceAccounts: [...kept.values()].filter((f) => f.object.kind === 'ServiceAccount').length, roles: roleArns.size, listPages },
    verbose,
  };
}

// ================================================================================================
// The role plan

interface PlannedRoles {
  /** Reads (or takes from the bulk read) the roles asked for; reports progress. */
  read(arns: string[], progress: (done: number, total: number) => void): Promise<Fact[]>;
}

/**
 * Chooses, per account, how the roles will be read, and starts what can start now: the account's
 * providers, and the bulk read when that is the plan. The per-role plan waits for the final list
 * of roles (those of service accounts that pods really use).
 */
async function planRoles(side: AwsSide, annotatedArns: string[], ctx: { plan: 'auto' | 'per-role' | 'bulk'; concurrency: number; verbose: string[] }): Promise<PlannedRoles> {
  const { home } = side;
  const early: Array<Promise<Fact[]>> = [];
  // Per role account: the clients that read it (null: none) and the roles the accounts name.
  const accounts = new Map<string, { iam: IAMClient; account: string | undefined; arns: string[] } | null>();
  const accountOf = (account: string) => {
    if (!accounts.has(account)) {
      const c = side.clientsFor(account);
      accounts.set(account, c ? { iam: c.clients.iam, account: c.account, arns: [] } : null);
      if (c) early.push(collectProviders(c.clients.iam, account));
    }
    return accounts.get(account)!;
  };
  for (const arn of annotatedArns) {
    const pr = parseRoleArn(arn);
    if (pr.ok) accountOf(pr.account)?.arns.push(pr.arn);
  }
  if (home && !accounts.has(home) && annotatedArns.length === 0) early.push(collectProviders(side.aws.iam, home));

  // Per account: bulk or per-role.
  const bulkOf = new Map<string, Promise<BulkPages | { ok: false; reason: string }>>();
  for (const [account, a] of accounts) {
    if (!a) continue;
    const choice = await choosePlan(a.iam, a.arns.length, ctx.plan);
    ctx.verbose.push(`roles (${account}): ${a.arns.length} distinct role(s) named; ${choice.why}`);
    if (choice.plan === 'bulk') bulkOf.set(account, bulkRead(a.iam, a.arns));
  }

  return {
    async read(arns, progress) {
      const out: Fact[] = [];
      const jobs: Array<() => Promise<Fact[]>> = [];
      const perAccount = new Map<string, string[]>();
      for (const arn of arns) {
        const pr = parseRoleArn(arn);
        if (!pr.ok) continue;
        // A role no service account named (a pod's own AWS_ROLE_ARN) may be in a new account.
        const a = accountOf(pr.account);
        if (!a) {
          out.push({ kind: 'unavailable', source: { path: 'api:iam:GetRole' }, what: `role:${pr.arn}`, reason: `the role is in account ${pr.account}, not in ${home ?? 'the account of these credentials'}; give --role-profile with credentials for ${pr.account}`, permission: 'iam:GetRole (in the role account, via --role-profile)' });
          if (!perAccount.has(pr.account)) out.push({ kind: 'unavailable', source: { path: 'api:iam:ListOpenIDConnectProviders' }, what: `providers:${pr.account}`, reason: `no credentials for account ${pr.account}: give --role-profile`, permission: 'iam:ListOpenIDConnectProviders (in the role account)' });
          perAccount.set(pr.account, []);
          continue;
        }
        const list = perAccount.get(pr.account) ?? [];
        list.push(pr.arn);
        perAccount.set(pr.account, list);
      }
      let done = 0;
      for (const [account, list] of perAccount) {
        const a = accounts.get(account);
        if (!a || list.length === 0) continue;
        const bulk = bulkOf.get(account);
        const got = bulk ? await bulk : undefined;
        // The bulk read kept only the roles the service accounts named; any other is read alone.
        const inBulk = new Set(a.arns);
        const fromBulk = got?.ok ? list.filter((arn) => inBulk.has(arn)) : [];
        const alone = got?.ok ? list.filter((arn) => !inBulk.has(arn)) : list;
        if (got?.ok) {
          out.push(...(await bulkFacts(a.iam, got, fromBulk)));
          done += fromBulk.length;
        }
        if (got && !got.ok) ctx.verbose.push(`roles (${account}): the bulk read was refused (${got.reason}); falling back to the per-role plan for ${list.length} role(s)`);
        for (const arn of alone) jobs.push(() => collectRole(a.iam, arn, a.account ? { account: a.account } : {}));
      }
      const total = done + jobs.length;
      progress(done, total);
      const [perRole, early1] = await Promise.all([
        bounded(jobs, ctx.concurrency, () => progress(++done, total)),
        Promise.all(early),
      ]);
      for (const f of [...perRole, ...early1]) out.push(...f);
      return out;
    },
  };
}

/**
 * The cheaper plan for `n` distinct roles of one account. The per-role plan costs at least 3 calls
 * a role (GetRole, ListAttachedRolePolicies, ListRolePolicies) plus 2 per customer-managed policy;
 * the bulk plan costs one GetAccountAuthorizationDetails page per 1,000 roles and customer-managed
 * policies of the account. IAM caps both at 5,000 per account (raised quotas included), so the bulk
 * read is at most BULK_MAX_PAGES pages: from n >= 4 roles it is the cheaper plan whatever the
 * account's size. For 2 or 3 roles the account's size decides, read with GetAccountSummary; for
 * one role the per-role plan costs at most one call more than the best bulk read and the summary
 * call would cost that much already.
 */
async function choosePlan(iam: IAMClient, n: number, plan: 'auto' | 'per-role' | 'bulk'): Promise<{ plan: 'bulk' | 'per-role'; why: string }> {
  if (plan === 'bulk') return { plan, why: 'bulk plan (--role-plan bulk): GetAccountAuthorizationDetails (Role, LocalManagedPolicy), 1,000 entries per page' };
  if (plan === 'per-role') return { plan, why: 'per-role plan (--role-plan per-role): GetRole plus its policy calls for each role' };
  const perRole = PER_ROLE_MIN_CALLS * n;
  if (perRole > BULK_MAX_PAGES) return { plan: 'bulk', why: `bulk plan: at least ${perRole} calls per role, against at most ${BULK_MAX_PAGES} pages of GetAccountAuthorizationDetails at IAM's maximum quotas` };
  if (n <= 1) return { plan: 'per-role', why: 'per-role plan: one role costs 3 calls, no more than asking the account size would' };
  let summary;
  try {
    summary = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap ?? {};
  } catch (e) {
    return { plan: 'per-role', why: `per-role plan: the account's size is unknown (GetAccountSummary: ${reasonOf(describeAwsError(e))})` };
  }
  const entries = (summary['Roles'] ?? 0) + (summary['Policies'] ?? 0);
  const pages = Math.max(1, Math.ceil(entries / 1000));
  if (pages < perRole) return { plan: 'bulk', why: `bulk plan: the account holds ${summary['Roles'] ?? 0} roles and ${summary['Policies'] ?? 0} customer-managed policies, ${pages} page(s) against at least ${perRole} per-role calls` };
  return { plan: 'per-role', why: `per-role plan: at least ${perRole} calls against ${pages} bulk page(s) for the account's ${summary['Roles'] ?? 0} roles and ${summary['Policies'] ?? 0} customer-managed policies` };
}

const PER_ROLE_MIN_CALLS = 3;
/** IAM's maximum quotas: 5,000 roles and 5,000 customer-managed policies, 1,000 entries a page. */
export const BULK_MAX_PAGES = 10;

interface BulkPages {
  ok: true;
  roles: Raw[];
  policies: Raw[];
  pages: number;
}

/**
 * The bulk plan's reads: every page of GetAccountAuthorizationDetails (Role, LocalManagedPolicy),
 * 1,000 entries asked per page. Throttling is retried by the SDK; a refusal ends it (the caller
 * falls back to the per-role plan).
 */
async function bulkRead(iam: IAMClient, named: readonly string[]): Promise<BulkPages | { ok: false; reason: string }> {
  const roles: Raw[] = [];
  const policies: Raw[] = [];
  const wanted = new Set(named.map((a) => a.split('/').pop()!.toLowerCase()));
  // The next page is asked for as soon as this one's bytes are in (its Marker read from the raw
  // XML), while the SDK parses them: a 1,000-role page takes the SDK about 0.1 s.
  const ahead = new Map<string, { page: Promise<GetAccountAuthorizationDetailsCommandOutput>; abort: AbortController }>();
  /** Abandons the page read ahead, if any (its Marker was not confirmed, or the read ended). */
  const drop = () => {
    for (const a of ahead.values()) a.abort.abort();
    ahead.clear();
  };
  const fetchPage = (marker: string | undefined, abortSignal?: AbortSignal): Promise<GetAccountAuthorizationDetailsCommandOutput> => {
    const cmd = new GetAccountAuthorizationDetailsCommand({ Filter: ['Role', 'LocalManagedPolicy'], MaxItems: 1000, ...(marker ? { Marker: marker } : {}) });
    const onMarker = (next: string) => {
      if (ahead.size > 0) return;
      const abort = new AbortController();
      ahead.set(next, { page: fetchPage(next, abort.signal), abort });
    };
    cmd.middlewareStack.add(
      (next) => async (args) => {
        const r = await next(args);
        await peekMarker(r.response, onMarker);
        return r;
      },
      PEEK_MARKER,
    );
    const p = iam.send(cmd, abortSignal ? { abortSignal } : {});
    p.catch(() => undefined); // a page asked for ahead and never taken must not be an unhandled rejection
    return p;
  };
  let marker: string | undefined;
  let pages = 0;
  for (;;) {
    let out;
    try {
      const early = marker === undefined ? undefined : ahead.get(marker);
      if (early) ahead.delete(marker!);
      drop(); // a page read ahead from a Marker the parsed page did not confirm
      out = await (early?.page ?? fetchPage(marker));
    } catch (e) {
      drop();
      return { ok: false, reason: reasonOf(describeAwsError(e)) };
    }
    pages++;
    // Only the roles asked for are kept (as plain JSON, dates as ISO strings, like the CLI's
    // output the recogniser reads); an account's other roles are dropped with the page.
    const mine = (out.RoleDetailList ?? []).filter((r) => r.RoleName !== undefined && wanted.has(r.RoleName.toLowerCase()));
    for (const r of JSON.parse(JSON.stringify(mine)) as unknown[]) {
      if (!isRaw(r)) continue;
      roles.push(r);
      // The AWS-managed policies of the roles asked for are not in the bulk read: their reads
      // start now, while the next page is fetched (awsManagedPolicy memoises them per client).
      for (const arn of attachedArns(r)) if (isAwsManaged(arn)) void awsManagedPolicy(iam, arn);
    }
    for (const p of JSON.parse(JSON.stringify(out.Policies ?? [])) as unknown[]) if (isRaw(p)) policies.push(p);
    marker = out.IsTruncated ? out.Marker : undefined;
    if (!marker || pages >= 1000) break;
  }
  drop();
  return { ok: true, roles, policies, pages };
}

/** Inside the SDK's deserializer: the raw answer, before it is parsed. */
const PEEK_MARKER = { step: 'deserialize', priority: 'low', name: 'irsaDoctorPeekMarker' } as const;

/**
 * Reads a successful Query answer's bytes before the SDK parses them, hands its `<Marker>` to
 * `onMarker` when `<IsTruncated>` is true, and puts the same bytes back for the SDK to parse.
 */
async function peekMarker(response: unknown, onMarker: (marker: string) => void): Promise<void> {
  const res = response as { statusCode?: number; body?: unknown };
  if (res.statusCode !== 200 || !(res.body instanceof Readable)) return;
  const chunks: Buffer[] = [];
  for await (const c of res.body) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array));
  const bytes = Buffer.concat(chunks);
  res.body = Readable.from([bytes]);
  const text = bytes.toString('utf8');
  const m = /<IsTruncated>\s*true\s*<\/IsTruncated>/.test(text) ? /<Marker>([^<]*)<\/Marker>/.exec(text) : null;
  if (m?.[1]) onMarker(unescapeXml(m[1].trim()));
}

function unescapeXml(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos|#(\d+)|#x([0-9a-fA-F]+));/g, (_, name: string, dec?: string, hex?: string) =>
    dec ? String.fromCodePoint(Number(dec)) : hex ? String.fromCodePoint(parseInt(hex, 16)) : ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[name]!,
  );
}

/** The managed policies a RoleDetail attaches, and its permissions boundary. */
function attachedArns(r: Raw): string[] {
  const out: string[] = [];
  for (const a of Array.isArray(r['AttachedManagedPolicies']) ? r['AttachedManagedPolicies'] : []) if (isRaw(a) && typeof a['PolicyArn'] === 'string') out.push(a['PolicyArn']);
  const b = r['PermissionsBoundary'];
  if (isRaw(b) && typeof b['PermissionsBoundaryArn'] === 'string') out.push(b['PermissionsBoundaryArn']);
  return out;
}

/** `arn:<partition>:iam::aws:policy/...`: managed by AWS, never in an account's own policy list. */
const isAwsManaged = (arn: string): boolean => /^arn:[^:]+:iam::aws:policy\//.test(arn);

/**
 * The facts of the roles asked for, out of the bulk read: made by the offline recogniser of `aws
 * iam get-account-authorization-details` (the SDK's output, dates as ISO strings, is the CLI's),
 * kept to those roles and the policies they use, plus GetPolicy + GetPolicyVersion of the
 * AWS-managed policies they attach (the bulk read does not carry those); a role absent from the
 * account is a NotFoundFact, as GetRole's NoSuchEntity would be.
 */
async function bulkFacts(iam: IAMClient, bulk: BulkPages, arns: string[]): Promise<Fact[]> {
  const wanted = new Map(arns.map((a) => [a.split('/').pop()!.toLowerCase(), a]));
  const mine = bulk.roles.filter((r) => typeof r['RoleName'] === 'string' && wanted.has(r['RoleName'].toLowerCase()));
  const policyArns = new Set<string>();
  for (const r of mine) for (const arn of attachedArns(r)) policyArns.add(arn);
  // Only the default version of each policy, as GetPolicyVersion would give.
  const local = bulk.policies
    .filter((p) => typeof p['Arn'] === 'string' && policyArns.has(p['Arn']))
    .map((p): Raw => ({ ...p, PolicyVersionList: (Array.isArray(p['PolicyVersionList']) ? p['PolicyVersionList'] : []).filter((v) => isRaw(v) && v['IsDefaultVersion'] === true) }));
  const src: Source = { path: 'api:iam:GetAccountAuthorizationDetails' };
  let facts: Fact[];
  try {
    facts = (getAccountAuthorizationDetails.recognise({ path: src.path, text: '', docs: [{ value: { RoleDetailList: mine, Policies: local }, line: 1 }] }, src) ?? []).map((f) => ({ ...f, source: src }) as Fact);
  } catch (e) {
    return arns.map((arn): UnavailableFact => ({ kind: 'unavailable', source: src, what: `role:${arn}`, reason: `the bulk read could not be read: ${(e as Error).message}` }));
  }
  const found = new Set(mine.map((r) => String(r['RoleName']).toLowerCase()));
  for (const [name, arn] of wanted) {
    if (found.has(name)) continue;
    const roleName = arn.split('/').pop()!;
    facts.push({ kind: 'notFound', source: { path: 'api:iam:GetRole' }, resource: 'role', name: roleName, text: `An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name ${roleName} cannot be found.` } satisfies NotFoundFact);
  }
  const localArns = new Set(local.map((p) => String(p['Arn'])));
  const others = [...policyArns].filter((a) => !localArns.has(a));
  for (const f of await Promise.all(others.map((a) => awsManagedPolicy(iam, a)))) facts.push(...f);
  return facts;
}

const awsManagedReads = new WeakMap<IAMClient, Map<string, Promise<Fact[]>>>();

/** GetPolicy + GetPolicyVersion (default) of a policy the bulk read does not carry; once per client. */
function awsManagedPolicy(iam: IAMClient, policyArn: string): Promise<Fact[]> {
  let m = awsManagedReads.get(iam);
  if (!m) awsManagedReads.set(iam, (m = new Map()));
  let p = m.get(policyArn);
  if (!p) m.set(policyArn, (p = readAwsManagedPolicy(iam, policyArn)));
  return p;
}

async function readAwsManagedPolicy(iam: IAMClient, policyArn: string): Promise<Fact[]> {
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
