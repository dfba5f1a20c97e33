// The join: turns the facts of all inputs into one Evidence value and the list of subjects.
// Attribution rules (which env output belongs to which pod, which policy listing to which role)
// are written here once, and every guess is recorded in `notes` or in the item's assumption.

import { dirname } from 'node:path';
import type {
  AttachedPoliciesFact,
  ClusterFact,
  EnvFact,
  Fact,
  IdFact,
  InlinePolicyNamesFact,
  K8sObject,
  K8sObjectFact,
  NotFoundFact,
  UnavailableFact,
  PolicyDocument,
  PolicyVersionFact,
  RoleFact,
  SdkDepsFact,
  Source,
} from './facts.js';
import {
  found,
  notFound,
  saKey,
  unknown,
  type AccountProviders,
  type Cluster,
  type Conflict,
  type Evidence,
  type Lookup,
  type NamedPolicy,
  type OwnerLink,
  type Pod,
  type Provider,
  type Role,
  type ServiceAccount,
  type Subject,
  unknownFrom,
} from './model.js';
import { mutatePod, ROLE_ARN_ANNOTATION } from '../k8s/webhook.js';
import { podTemplate, serviceAccountName, WORKLOAD_KINDS, containers } from '../k8s/pod.js';
import { parseRoleArn } from '../iam/arn.js';
import { parseIssuer, parseProviderArn } from '../iam/issuer.js';

export interface JoinOptions {
  now?: Date;
  intent?: { action: string; resource?: string };
  mode?: 'offline' | 'live';
}

export interface SubjectEvidence {
  subject: Subject;
  pod?: Pod;
  /** The service account the pod names (or the subject's SA). */
  serviceAccount: Lookup<ServiceAccount>;
  serviceAccountRef?: { namespace: string; name: string; explicit: boolean };
  /** The role this subject is meant to use, and where that came from. */
  roleArn?: { raw: string; normalized: string; from: 'annotation' | 'pod-env' | 'only-role'; sources: readonly Source[] };
  role: Lookup<Role>;
}

export interface Joined {
  evidence: Evidence;
  subjects: SubjectEvidence[];
}

const stable = (v: unknown): string => JSON.stringify(sortKeys(v));
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

const dirOf = (s: Source) => dirname(s.path);
const sameDir = (a: Source, b: Source) => dirOf(a) === dirOf(b);
const where = (s: Source) => (s.line ? `${s.path}:${s.line}` : s.path);

/** The facts of one join grouped by kind, built once per join (see `join`). */
const kindIndex = new WeakMap<Fact[], Map<Fact['kind'], Fact[]>>();

function byKind<K extends Fact['kind']>(facts: Fact[], kind: K): Array<Extract<Fact, { kind: K }>> {
  const idx = kindIndex.get(facts);
  if (idx) return (idx.get(kind) ?? []).slice() as Array<Extract<Fact, { kind: K }>>;
  return facts.filter((f): f is Extract<Fact, { kind: K }> => f.kind === kind);
}

/** Picks the one item of `candidates` tied to `src`: same folder first, else the only one. */
function attribute<T extends { sources: readonly Source[] }>(src: Source, candidates: T[]): T | undefined {
  const inDir = candidates.filter((c) => c.sources.some((s) => sameDir(s, src)));
  if (inDir.length === 1) return inDir[0];
  if (candidates.length === 1) return candidates[0];
  return undefined;
}

export function join(facts: Fact[], opts: JoinOptions = {}): Joined {
  // One pass over the facts instead of one per kind asked; dropped when the join returns, so a
  // caller may change its array between joins.
  const idx = new Map<Fact['kind'], Fact[]>();
  for (const f of facts) {
    const l = idx.get(f.kind);
    if (l) l.push(f);
    else idx.set(f.kind, [f]);
  }
  kindIndex.set(facts, idx);
  try {
    return joinIndexed(facts, opts);
  } finally {
    kindIndex.delete(facts);
  }
}

function joinIndexed(facts: Fact[], opts: JoinOptions): Joined {
  const notes: string[] = [];
  const conflicts: Conflict[] = [];
  const now = opts.now ?? new Date();
  const unavailable = new Map(byKind(facts, 'unavailable').map((u) => [u.what, u]));

  // ---- cluster -------------------------------------------------------------------------
  let cluster = joinCluster(facts, conflicts);
  const clusterMissing = byKind(facts, 'notFound').find((f) => f.resource === 'cluster');
  if (clusterMissing && (cluster.state === 'unknown' || (cluster.state === 'found' && cluster.value.issuerFrom !== 'describe-cluster'))) {
    notes.push(`${clusterMissing.text}: check --cluster and --region (the issuer, if shown, comes from other evidence)`);
    if (cluster.state === 'unknown') cluster = unknown(`${clusterMissing.text}`, 'the cluster name (--cluster) and region (--region) of the kubeconfig context');
  }
  const clusterGone = unavailable.get('cluster');
  if (cluster.state === 'unknown' && clusterGone) cluster = unknownFrom(clusterGone);
  else if (clusterGone && cluster.state === 'found' && cluster.value.issuerFrom !== 'describe-cluster') {
    notes.push(
      `the cluster could not be described (${clusterGone.reason}${clusterGone.permission ? `; needs ${clusterGone.permission}` : ''}): its issuer was taken from ${cluster.value.issuerFrom === 'token' ? "a token's iss claim" : 'the discovery document'}, and its endpoint access is not known`,
    );
  }

  // ---- kubernetes version ----------------------------------------------------------------
  let kubeVersion: Evidence['kubeVersion'] = unknown('no `kubectl version -o json` output and no cluster version given', 'kubectl version -o json');
  const kv = byKind(facts, 'kubeVersion').find((k) => k.server);
  if (kv?.server) kubeVersion = found(kv.server, [kv.source]);
  else if (unavailable.get('kubeVersion') && !(cluster.state === 'found' && cluster.value.version)) kubeVersion = unknownFrom(unavailable.get('kubeVersion')!);
  else if (cluster.state === 'found' && cluster.value.version) {
    const m = /^v?(\d+)\.(\d+)/.exec(cluster.value.version);
    if (m) kubeVersion = found({ major: Number(m[1]), minor: Number(m[2]), gitVersion: cluster.value.version }, cluster.sources);
  }

  // ---- kubernetes objects ------------------------------------------------------------------
  const objects = byKind(facts, 'k8sObject');
  const { serviceAccounts, completeSaNamespaces } = joinServiceAccounts(facts, objects, conflicts);

  // ---- roles ------------------------------------------------------------------------------
  const roleFacts = byKind(facts, 'role');
  const roles = joinRoles(facts, roleFacts, conflicts, notes, unavailable);

  // ---- providers -------------------------------------------------------------------------
  const roleAccounts = new Set([...roles.values()].flatMap((r) => (r.state === 'found' ? [r.value.account] : [])));
  for (const sa of serviceAccounts.values()) {
    if (sa.state !== 'found') continue;
    const arn = sa.value.annotations[ROLE_ARN_ANNOTATION];
    const p = arn !== undefined ? parseRoleArn(arn) : undefined;
    if (p?.ok) roleAccounts.add(p.account);
  }
  const providerAccounts = joinProviders(facts, roleAccounts, cluster, notes);

  // ---- pods and templates -----------------------------------------------------------------
  const regionForWebhook = cluster.state === 'found' ? cluster.value.region : undefined;
  const kubeMinor = kubeVersion.state === 'found' ? kubeVersion.value.minor : undefined;
  const pods = joinPods(objects, serviceAccounts, { defaultRegion: regionForWebhook, regionalStsDefault: kubeMinor !== undefined ? kubeMinor >= 22 : true }, notes);
  for (const u of unavailable.values()) {
    if (!u.what.startsWith('pods:')) continue;
    const ns = u.what.slice('pods:'.length);
    if (pods.some((p) => p.namespace === ns && p.origin === 'template')) {
      notes.push(`the pods in ${ns} could not be listed (${u.reason}${u.permission ? `; needs ${u.permission}` : ''}): the workload's pod template was diagnosed as the pod it would create`);
    }
  }

  // ---- exec outputs and lockfiles, attributed to pods -------------------------------------
  attachExec(byKind(facts, 'env'), pods, notes, (p) => p.env);
  attachExec(byKind(facts, 'id'), pods, notes, (p) => p.ids);
  const sdkFacts = byKind(facts, 'sdkDeps');
  attachSdk(sdkFacts, pods, notes);

  const evidence: Evidence = {
    now,
    cluster,
    kubeVersion,
    providerAccounts,
    roles,
    serviceAccounts,
    completeSaNamespaces,
    pods,
    discovery: byKind(facts, 'discovery'),
    jwks: byKind(facts, 'jwks'),
    chains: byKind(facts, 'certChain'),
    tokens: byKind(facts, 'token'),
    sdk: sdkFacts,
    conflicts,
    notes,
    unavailable,
    probes: byKind(facts, 'probe'),
    mode: opts.mode ?? 'offline',
  };
  if (opts.intent) evidence.intent = opts.intent;
  return { evidence, subjects: buildSubjects(evidence, byKind(facts, 'notFound')) };
}

// ================================================================================================

function joinCluster(facts: Fact[], conflicts: Conflict[]): Lookup<Cluster> {
  const cfs = byKind(facts, 'cluster');
  const full = cfs.filter((c) => c.name !== undefined || c.arn !== undefined);
  const issuers = new Map<string, ClusterFact[]>();
  for (const c of cfs) {
    if (c.issuer === null) continue;
    const k = c.issuer.replace(/\/+$/, '');
    issuers.set(k, [...(issuers.get(k) ?? []), c]);
  }
  if (issuers.size > 1) {
    conflicts.push({
      what: 'the cluster OIDC issuer',
      scope: { kind: 'cluster' },
      values: [...issuers.entries()].map(([v, fs]) => ({ value: v, source: fs[0]!.source })),
    });
  }
  const base = full[0] ?? cfs[0];
  if (base) {
    const c: Cluster = { issuer: base.issuer, issuerFrom: base.name !== undefined || base.arn !== undefined ? 'describe-cluster' : 'issuer-url' };
    if (base.issuer === null && issuers.size > 0) {
      c.issuer = [...issuers.keys()][0]!;
      c.issuerFrom = 'issuer-url';
    }
    if (base.name) c.name = base.name;
    if (base.arn) {
      c.arn = base.arn;
      const parts = base.arn.split(':');
      if (parts[3]) c.region = parts[3];
      if (parts[4]) c.account = parts[4];
    }
    if (base.region) c.region = base.region;
    if (base.version) c.version = base.version;
    if (base.endpointPublicAccess === false) c.privateEndpointOnly = true;
    if (!c.region && c.issuer) {
      const p = parseIssuer(c.issuer);
      if (p.ok && p.issuer.region) c.region = p.issuer.region;
    }
    return found(c, cfs.map((f) => f.source));
  }
  const disc = byKind(facts, 'discovery')[0];
  if (disc) {
    const c: Cluster = { issuer: disc.issuer, issuerFrom: 'discovery' };
    const p = parseIssuer(disc.issuer);
    if (p.ok && p.issuer.region) c.region = p.issuer.region;
    return found(c, [disc.source]);
  }
  const tok = byKind(facts, 'token').find((t) => typeof t.claims['iss'] === 'string');
  if (tok) {
    const iss = tok.claims['iss'] as string;
    const c: Cluster = { issuer: iss, issuerFrom: 'token' };
    const p = parseIssuer(iss);
    if (p.ok && p.issuer.region) c.region = p.issuer.region;
    return found(c, [tok.source]);
  }
  return unknown(
    'no cluster description, issuer URL or discovery document given',
    'aws eks describe-cluster --name CLUSTER --output json  (self-managed: kubectl get --raw /.well-known/openid-configuration)',
  );
}

// ------------------------------------------------------------------------------------------------

function joinServiceAccounts(facts: Fact[], objects: K8sObjectFact[], conflicts: Conflict[]) {
  const serviceAccounts = new Map<string, Lookup<ServiceAccount>>();
  const completeSaNamespaces = new Set<string>();
  const seen = new Map<string, { sa: ServiceAccount; source: Source }>();
  const add = (sa: ServiceAccount, source: Source) => {
    const key = saKey(sa.namespace, sa.name);
    const prev = seen.get(key);
    if (prev) {
      const a = prev.sa.annotations[ROLE_ARN_ANNOTATION];
      const b = sa.annotations[ROLE_ARN_ANNOTATION];
      if (a !== b) {
        conflicts.push({
          what: `the ${ROLE_ARN_ANNOTATION} annotation of service account ${key}`,
          scope: { kind: 'serviceAccount', key },
          values: [
            { value: a ?? '(none)', source: prev.source },
            { value: b ?? '(none)', source },
          ],
        });
      }
      // Keep the richer one (a full object over described text).
      if (!prev.sa.object && sa.object) seen.set(key, { sa, source });
      return;
    }
    seen.set(key, { sa, source });
  };
  for (const f of objects) {
    const o = f.object;
    if (o.kind !== 'ServiceAccount' || !o.metadata.name) continue;
    const namespace = o.metadata.namespace ?? 'default';
    const sa: ServiceAccount = { namespace, name: o.metadata.name, annotations: { ...(o.metadata.annotations ?? {}) }, object: o };
    if (o.metadata.uid) sa.uid = o.metadata.uid;
    if (o.metadata.creationTimestamp) sa.creationTimestamp = o.metadata.creationTimestamp;
    const t = annotationTime(o, ROLE_ARN_ANNOTATION);
    if (t) sa.roleAnnotationTime = t;
    add(sa, f.source);
    if (f.fromList) completeSaNamespaces.add(namespace);
  }
  for (const f of byKind(facts, 'describedServiceAccount')) {
    add({ namespace: f.namespace, name: f.name, annotations: { ...f.annotations } }, f.source);
  }
  for (const [key, { sa, source }] of seen) serviceAccounts.set(key, found(sa, [source]));
  // kubectl's NotFound message does not name the namespace: such a fact settles the pods that
  // name that account only when exactly one namespace's pods do.
  const podsBySa = new Map<string, Set<string>>();
  for (const f of objects) {
    if (f.object.kind !== 'Pod') continue;
    const name = serviceAccountName(f.object).name;
    podsBySa.set(name, (podsBySa.get(name) ?? new Set()).add(f.object.metadata.namespace ?? 'default'));
  }
  for (const f of byKind(facts, 'notFound')) {
    if (f.resource !== 'serviceAccount') continue;
    const namespaces = f.namespace ? [f.namespace] : [...(podsBySa.get(f.name) ?? [])];
    if (namespaces.length !== 1) continue;
    const key = saKey(namespaces[0]!, f.name);
    if (!serviceAccounts.has(key)) serviceAccounts.set(key, notFound(f.text, [f.source]));
  }
  return { serviceAccounts, completeSaNamespaces };
}

/** The latest managedFields time at which `annotation` was owned by some manager. */
export function annotationTime(o: K8sObject, annotation: string): string | undefined {
  let latest: string | undefined;
  for (const mf of o.metadata.managedFields ?? []) {
    const ann = ((mf.fieldsV1 as Record<string, unknown> | undefined)?.['f:metadata'] as Record<string, unknown> | undefined)?.['f:annotations'] as
      | Record<string, unknown>
      | undefined;
    if (!ann || !(`f:${annotation}` in ann) || !mf.time) continue;
    if (!latest || Date.parse(mf.time) > Date.parse(latest)) latest = mf.time;
  }
  return latest;
}

// ------------------------------------------------------------------------------------------------


function joinRoles(facts: Fact[], roleFacts: RoleFact[], conflicts: Conflict[], notes: string[], unavailable: Map<string, UnavailableFact>): Map<string, Lookup<Role>> {
  const roles = new Map<string, Lookup<Role>>();
  const byArn = new Map<string, RoleFact[]>();
  for (const r of roleFacts) {
    const l = byArn.get(r.arn);
    if (l) l.push(r);
    else byArn.set(r.arn, [r]);
  }

  const inlineDocs = byKind(facts, 'inlinePolicy');
  const managed = byKind(facts, 'managedPolicy');
  const versions = byKind(facts, 'policyVersion');
  const attachedLists = byKind(facts, 'attachedPolicies');
  const inlineLists = byKind(facts, 'inlinePolicyNames');
  const roleTargets = [...byArn.entries()].map(([arn, fs]) => ({ arn, sources: fs.map((f) => f.source) }));

  // Indexes, first one given winning (as a find would): roles by name, managed policies and
  // their versions by ARN, inline documents by role name.
  const targetByName = new Map<string, (typeof roleTargets)[number]>();
  for (const r of roleTargets) {
    const n = r.arn.split('/').pop()!;
    if (!targetByName.has(n)) targetByName.set(n, r);
  }
  const managedByArn = new Map<string, (typeof managed)[number]>();
  for (const m of managed) if (!managedByArn.has(m.arn)) managedByArn.set(m.arn, m);
  const versionsByPolicy = new Map<string, PolicyVersionFact[]>();
  const unlabelledVersions: PolicyVersionFact[] = [];
  for (const v of versions) {
    if (!v.policyArn) unlabelledVersions.push(v);
    if (v.policyArn === undefined) continue;
    const l = versionsByPolicy.get(v.policyArn);
    if (l) l.push(v);
    else versionsByPolicy.set(v.policyArn, [v]);
  }
  const inlineDocsByRole = new Map<string, typeof inlineDocs>();
  for (const d of inlineDocs) {
    const l = inlineDocsByRole.get(d.roleName);
    if (l) l.push(d);
    else inlineDocsByRole.set(d.roleName, [d]);
  }

  const attachedFor = new Map<string, AttachedPoliciesFact[]>();
  const byName = (name: string | undefined) => (name ? targetByName.get(name) : undefined);
  for (const l of attachedLists) {
    const t = byName(l.roleName) ?? attribute(l.source, roleTargets);
    if (t) attachedFor.set(t.arn, [...(attachedFor.get(t.arn) ?? []), l]);
    else notes.push(`${where(l.source)}: attached-policy listing not tied to one role (give one role per folder)`);
  }
  const inlineNamesFor = new Map<string, InlinePolicyNamesFact[]>();
  for (const l of inlineLists) {
    const t = byName(l.roleName) ?? attribute(l.source, roleTargets);
    if (t) inlineNamesFor.set(t.arn, [...(inlineNamesFor.get(t.arn) ?? []), l]);
    else notes.push(`${where(l.source)}: inline-policy listing not tied to one role (give one role per folder)`);
  }

  const versionFor = (policyArn: string, mp: { source: Source; defaultVersionId?: string } | undefined): PolicyVersionFact | undefined => {
    const direct = versionsByPolicy.get(policyArn)?.find((v) => v.isDefault || v.versionId === mp?.defaultVersionId);
    if (direct) return direct;
    if (!mp) return undefined;
    const unlabelled = unlabelledVersions.filter((v) => v.isDefault || v.versionId === mp.defaultVersionId);
    const inDir = unlabelled.filter((v) => sameDir(v.source, mp.source));
    if (inDir.length === 1 && managed.filter((m) => sameDir(m.source, mp.source)).length === 1) return inDir[0];
    if (unlabelled.length === 1 && managed.length === 1) return unlabelled[0];
    return undefined;
  };

  for (const [arn, fs] of byArn) {
    const first = fs[0]!;
    const trusts = fs.filter((f) => f.trustPolicy !== undefined);
    const distinct = new Map(trusts.map((f) => [stable(f.trustPolicy), f]));
    let trustPolicy: Lookup<PolicyDocument>;
    if (distinct.size > 1) {
      conflicts.push({ what: `the trust policy of ${arn}`, scope: { kind: 'role', arn }, values: [...distinct.values()].map((f) => ({ value: JSON.stringify(f.trustPolicy), source: f.source })) });
      trustPolicy = unknown(`${distinct.size} different trust policies were given for this role`, 'give one current `aws iam get-role` output');
    } else if (trusts[0]?.trustPolicy) {
      trustPolicy = found(trusts[0].trustPolicy, [trusts[0].source]);
    } else {
      trustPolicy = unknown('the role output has no AssumeRolePolicyDocument', `aws iam get-role --role-name ${first.name}`);
    }
    const parsed = parseRoleArn(arn);
    const role: Role = {
      arn,
      name: first.name,
      account: parsed.ok ? parsed.account : (arn.split(':')[4] ?? ''),
      partition: parsed.ok ? parsed.partition : (arn.split(':')[1] ?? ''),
      trustPolicy,
      attached: unavailable.get(`attachedPolicies:${arn}`)
        ? unknownFrom(unavailable.get(`attachedPolicies:${arn}`)!)
        : unknown('no `list-attached-role-policies` output for this role', `aws iam list-attached-role-policies --role-name ${first.name}`),
      inline: unavailable.get(`inlinePolicies:${arn}`)
        ? unknownFrom(unavailable.get(`inlinePolicies:${arn}`)!)
        : unknown('no `list-role-policies` output for this role', `aws iam list-role-policies --role-name ${first.name}`),
    };
    const msd = fs.find((f) => f.maxSessionDuration !== undefined)?.maxSessionDuration;
    if (msd !== undefined) role.maxSessionDuration = msd;

    const namedManaged = (p: { name: string; arn: string }): NamedPolicy => {
      const mp = managedByArn.get(p.arn);
      const v = versionFor(p.arn, mp);
      const gone = unavailable.get(`policy:${p.arn}`);
      return {
        name: p.name,
        arn: p.arn,
        kind: 'managed',
        document: v
          ? found(v.document, [v.source])
          : gone
            ? unknownFrom(gone)
          : unknown(
              `the document of ${p.arn} was not given`,
              `aws iam get-policy-version --policy-arn ${p.arn} --version-id $(aws iam get-policy --policy-arn ${p.arn} --query Policy.DefaultVersionId --output text)`,
            ),
      };
    };
    const al = attachedFor.get(arn);
    if (al) {
      const seenArns = new Set<string>();
      const list = al.flatMap((l) => l.policies).filter((p) => (seenArns.has(p.arn) ? false : (seenArns.add(p.arn), true)));
      role.attached = found(list.map(namedManaged), al.map((l) => l.source));
    }
    const myInlineDocs = inlineDocsByRole.get(first.name) ?? [];
    const il = inlineNamesFor.get(arn);
    if (il || myInlineDocs.length) {
      const names = new Set([...(il ?? []).flatMap((l) => l.names), ...myInlineDocs.map((d) => d.policyName)]);
      const list: NamedPolicy[] = [...names].map((name) => {
        const d = myInlineDocs.find((x) => x.policyName === name);
        return {
          name,
          kind: 'inline',
          document: d ? found(d.document, [d.source]) : unknown(`inline policy ${name} was not given`, `aws iam get-role-policy --role-name ${first.name} --policy-name ${name}`),
        };
      });
      // Documents without a listing only prove those policies exist, not that there are no others.
      role.inline = il ? found(list, il.map((l) => l.source)) : found(list, myInlineDocs.map((d) => d.source));
    }
    const pb = fs.find((f) => f.permissionsBoundaryArn)?.permissionsBoundaryArn;
    if (pb) {
      const mp = managedByArn.get(pb);
      const v = versionFor(pb, mp);
      role.permissionsBoundary = {
        arn: pb,
        document: v ? found(v.document, [v.source]) : unknown(`the permissions boundary ${pb} was not given`, `aws iam get-policy-version --policy-arn ${pb} --version-id v1`),
      };
    }
    roles.set(arn, found(role, fs.map((f) => f.source)));
  }
  return roles;
}

// ------------------------------------------------------------------------------------------------

function joinProviders(facts: Fact[], roleAccounts: Set<string>, cluster: Lookup<Cluster>, notes: string[]): AccountProviders[] {
  const lists = byKind(facts, 'providerList');
  const details = byKind(facts, 'provider');
  const accounts = new Map<string | undefined, AccountProviders>();
  const entry = (account: string | undefined) => {
    let e = accounts.get(account);
    if (!e) {
      e = { account, complete: false, providers: [], sources: [] };
      accounts.set(account, e);
    }
    return e;
  };

  for (const l of lists) {
    const accountsInList = new Set<string | undefined>();
    for (const arn of l.arns) {
      const p = parseProviderArn(arn);
      const account = p.ok ? p.account : undefined;
      accountsInList.add(account);
      const e = entry(account);
      const hostPath = p.ok ? p.hostPath : arn.replace(/^.*:oidc-provider\//, '');
      if (!e.providers.some((x) => x.arn === arn)) {
        const prov: Provider = { arn, hostPath, sources: [l.source] };
        if (account) prov.account = account;
        e.providers.push(prov);
      }
    }
    if (l.arns.length === 0) accountsInList.add(l.account);
    for (const a of accountsInList) {
      const e = entry(a);
      e.complete = true;
      e.sources.push(l.source);
    }
  }
  for (const d of details) {
    const hostPath = d.url.replace(/^https:\/\//, '').replace(/\/+$/, '');
    let prov: Provider | undefined;
    for (const e of accounts.values()) prov ??= e.providers.find((p) => (d.arn ? p.arn === d.arn : p.hostPath === hostPath));
    if (!prov) {
      const p = d.arn ? parseProviderArn(d.arn) : undefined;
      const account = p?.ok ? p.account : undefined;
      prov = { hostPath, sources: [] };
      if (d.arn) prov.arn = d.arn;
      if (account) prov.account = account;
      const e = entry(account);
      e.providers.push(prov);
      e.sources.push(d.source);
    }
    prov.clientIds = d.clientIds;
    prov.thumbprints = d.thumbprints;
    prov.sources.push(d.source);
  }

  // Listings that do not name their account (an empty list, a detail without ARN): tie them to
  // the one account they can belong to, and say so.
  const unlabelled = accounts.get(undefined);
  if (unlabelled) {
    const candidates = new Set(roleAccounts);
    if (candidates.size === 0 && cluster.state === 'found' && cluster.value.account) candidates.add(cluster.value.account);
    if (candidates.size === 1) {
      const account = [...candidates][0]!;
      accounts.delete(undefined);
      const target = accounts.get(account);
      const assumption = `${unlabelled.sources.map(where).join(', ')} does not name its account; taken as account ${account}, the only account in the evidence`;
      if (target) {
        target.providers.push(...unlabelled.providers.filter((p) => !target.providers.some((q) => q.hostPath === p.hostPath)));
        target.complete ||= unlabelled.complete;
        target.sources.push(...unlabelled.sources);
        target.assumption = assumption;
      } else {
        accounts.set(account, { ...unlabelled, account, assumption });
      }
    } else if (unlabelled.providers.length || unlabelled.complete) {
      notes.push(
        `${unlabelled.sources.map(where).join(', ')}: OIDC provider output that does not name its account, with ${candidates.size} candidate accounts: run \`aws iam list-open-id-connect-providers\` in each account`,
      );
    }
  }
  return [...accounts.values()];
}

// ------------------------------------------------------------------------------------------------

/** The first object of each kind/namespace/name, for owner lookups (first given wins). */
type ObjectIndex = Map<string, K8sObject>;
const objectKey = (kind: string, ns: string, name: string) => `${kind}\u0000${ns}\u0000${name}`;

function indexObjects(objects: K8sObjectFact[]): ObjectIndex {
  const idx: ObjectIndex = new Map();
  for (const f of objects) {
    const o = f.object;
    if (typeof o.metadata.name !== 'string') continue;
    const k = objectKey(o.kind, o.metadata.namespace ?? 'default', o.metadata.name);
    if (!idx.has(k)) idx.set(k, o);
  }
  return idx;
}

function ownerChain(pod: K8sObject, objects: ObjectIndex): OwnerLink[] {
  const chain: OwnerLink[] = [];
  let cur: K8sObject | undefined = pod;
  const ns = pod.metadata.namespace ?? 'default';
  for (let depth = 0; cur && depth < 5; depth++) {
    const refs: NonNullable<K8sObject['metadata']['ownerReferences']> = cur.metadata.ownerReferences ?? [];
    const ref = refs.find((r) => r.controller) ?? refs[0];
    if (!ref) break;
    const obj: K8sObject | undefined = objects.get(objectKey(ref.kind, ns, ref.name));
    chain.push({ kind: ref.kind, name: ref.name, known: obj !== undefined });
    if (obj) {
      cur = obj;
      continue;
    }
    // Not given: infer the next owner from Kubernetes' naming rules, only when labels confirm.
    const labels = cur.metadata.labels ?? {};
    if (ref.kind === 'ReplicaSet') {
      const hash = labels['pod-template-hash'];
      if (hash && ref.name.endsWith(`-${hash}`)) chain.push({ kind: 'Deployment', name: ref.name.slice(0, -hash.length - 1), known: false });
    } else if (ref.kind === 'Job') {
      const m = /^(.+)-(\d{8,})$/.exec(ref.name);
      const cron = labels['batch.kubernetes.io/job-name'] === ref.name || labels['job-name'] === ref.name;
      if (m && cron) chain.push({ kind: 'CronJob', name: m[1]!, known: false });
    }
    break;
  }
  return chain;
}

function joinPods(
  objects: K8sObjectFact[],
  serviceAccounts: Map<string, Lookup<ServiceAccount>>,
  webhook: { defaultRegion: string | undefined; regionalStsDefault: boolean },
  notes: string[],
): Pod[] {
  const pods: Pod[] = [];
  const seen = new Set<string>();
  const index = indexObjects(objects);
  for (const f of objects) {
    const o = f.object;
    if (o.kind !== 'Pod' || !o.metadata.name) continue;
    const namespace = o.metadata.namespace ?? 'default';
    const key = `${namespace}/${o.metadata.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    pods.push({ namespace, name: o.metadata.name, origin: 'pod', object: o, owners: ownerChain(o, index), env: [], ids: [], sdk: [], sources: [f.source] });
  }
  // Workloads with no pod of theirs in the evidence: diagnose the pod they would create.
  const owned = new Set<string>();
  const addOwners = (p: Pod) => {
    for (const l of p.owners) owned.add(objectKey(l.kind, p.namespace, l.name));
  };
  for (const p of pods) addOwners(p);
  const ownedBy = (kind: string, name: string, ns: string) => owned.has(objectKey(kind, ns, name));
  // Any namespace: a ReplicaSet or Job whose owner is given at all is left to that owner.
  const given = new Set<string>();
  for (const x of objects) if (typeof x.object.metadata.name === 'string') given.add(`${x.object.kind}\u0000${x.object.metadata.name}`);
  for (const f of objects) {
    const o = f.object;
    if (!(WORKLOAD_KINDS as readonly string[]).includes(o.kind) || !o.metadata.name) continue;
    const ns = o.metadata.namespace ?? 'default';
    if (ownedBy(o.kind, o.metadata.name, ns)) continue;
    // A ReplicaSet or Job owned by a workload that is also given is covered by that workload.
    if ((o.metadata.ownerReferences ?? []).some((r) => given.has(`${r.kind}\u0000${r.name}`))) continue;
    const t = podTemplate(o);
    if (!t) {
      notes.push(`${where(f.source)}: ${o.kind} ${o.metadata.name} has no pod template`);
      continue;
    }
    const tmplMeta = t.metadata as K8sObject['metadata'];
    // The template's spec as is: mutatePod returns a deep copy, and an unmutated template is only read.
    const pod: K8sObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { ...tmplMeta, name: `${o.metadata.name} (template)`, namespace: ns },
      spec: t.spec,
    };
    const saName = serviceAccountName(pod).name;
    const sa = serviceAccounts.get(saKey(ns, saName));
    let object = sa?.state === 'found' ? pod : { ...pod, spec: structuredClone(t.spec) };
    let simulated: Pod['simulatedMutation'];
    if (sa?.state === 'found') {
      const cfg: Parameters<typeof mutatePod>[2] = { regionalStsDefault: webhook.regionalStsDefault };
      if (webhook.defaultRegion) cfg.defaultRegion = webhook.defaultRegion;
      const m = mutatePod(pod, sa.value, cfg);
      object = m.pod;
      simulated = { reason: m.mutated ? `pod template of ${o.kind} ${o.metadata.name}, shown with the webhook's mutation applied` : m.notes.join('; ') };
    } else {
      simulated = { reason: `service account ${ns}/${saName} not given: the webhook's mutation could not be simulated` };
    }
    const tp: Pod = {
      namespace: ns,
      name: `${o.metadata.name} (template)`,
      origin: 'template',
      object,
      owners: [{ kind: o.kind, name: o.metadata.name, known: true }],
      workload: { kind: o.kind, name: o.metadata.name },
      env: [],
      ids: [],
      sdk: [],
      simulatedMutation: simulated,
      sources: [f.source],
    };
    pods.push(tp);
    addOwners(tp);
  }
  return pods;
}

function attachExec<T extends EnvFact | IdFact>(list: T[], pods: Pod[], notes: string[], slot: (p: Pod) => T[]): void {
  const real = pods.filter((p) => p.origin === 'pod');
  for (const f of list) {
    let target: Pod | undefined;
    const named = f.pod?.name ?? (f.kind === 'env' ? f.vars['HOSTNAME'] : undefined);
    if (named) {
      const ns = f.pod?.namespace;
      const matches = pods.filter((p) => p.name === named && (!ns || p.namespace === ns));
      if (matches.length === 1) target = matches[0];
    }
    if (!target && !named) target = attribute(f.source, real.length ? real : pods);
    if (target) slot(target).push(f);
    else
      notes.push(
        `${where(f.source)}: \`kubectl exec -- ${f.kind}\` output not tied to one pod${named ? ` (names ${named}, which is not among the pods given)` : ''}: add a first line \`# pod: NAMESPACE/NAME\``,
      );
  }
}

function attachSdk(list: SdkDepsFact[], pods: Pod[], notes: string[]): void {
  const unattributed: SdkDepsFact[] = [];
  for (const f of list) {
    const inDir = pods.filter((p) => p.sources.some((s) => sameDir(s, f.source)));
    if (inDir.length >= 1 && inDir.length < pods.length) for (const p of inDir) p.sdk.push(f);
    else unattributed.push(f);
  }
  if (unattributed.length && pods.length) {
    for (const p of pods) if (p.sdk.length === 0) p.sdk.push(...unattributed);
    if (pods.length > 1) notes.push(`${unattributed.map((f) => where(f.source)).join(', ')}: dependency files not tied to one pod; applied to every pod that has none of its own`);
  }
}

// ------------------------------------------------------------------------------------------------

function sourcesOf(l: Lookup<unknown> | undefined): readonly Source[] {
  return l && l.state !== 'unknown' ? l.sources : [];
}

/** Normalised ARNs by raw annotation text: many pods name the same role. */
const normalisedArns = new Map<string, string>();

function normaliseRoleArn(raw: string): string {
  let n = normalisedArns.get(raw);
  if (n === undefined) {
    n = normaliseRoleArnUncached(raw);
    if (normalisedArns.size >= 10_000) normalisedArns.clear();
    normalisedArns.set(raw, n);
  }
  return n;
}

function normaliseRoleArnUncached(raw: string): string {
  const p = parseRoleArn(raw);
  if (p.ok) return p.arn;
  if ('suggestion' in p && p.suggestion) return p.suggestion;
  return raw.trim().replace(/^["']|["']$/g, '');
}

function roleLookup(ev: Evidence, arn: string): Lookup<Role> {
  const r = ev.roles.get(arn);
  if (r) return r;
  const gone = ev.unavailable.get(`role:${arn}`);
  if (gone) return unknownFrom(gone);
  const p = parseRoleArn(arn);
  if (!p.ok) return unknown(`${JSON.stringify(arn)} is not a role ARN`, 'fix the role ARN first (IRSA101)');
  return unknown(`no \`aws iam get-role\` output for ${p.name}`, `aws iam get-role --role-name ${p.name} --output json`);
}

function buildSubjects(ev: Evidence, notFoundFacts: NotFoundFact[]): SubjectEvidence[] {
  const subjects: SubjectEvidence[] = [];
  const onlyRole = ev.roles.size === 1 ? [...ev.roles.keys()][0] : undefined;
  const usedSa = new Set<string>();
  const notFoundRoles = new Map<string, Source>();
  for (const f of notFoundFacts) if (f.resource === 'role') notFoundRoles.set(f.name, f.source);

  const roleFor = (arn: string | undefined): Lookup<Role> => {
    if (!arn) return unknown('no role ARN: neither an annotation nor AWS_ROLE_ARN', 'kubectl get sa NAME -n NS -o yaml');
    const nf = notFoundRoles.get(arn.split('/').pop() ?? '');
    if (nf && !ev.roles.has(arn)) return notFound(`IAM says the role ${arn.split('/').pop()} does not exist`, [nf]);
    return roleLookup(ev, arn);
  };

  for (const p of ev.pods) {
    const ref = serviceAccountName(p.object);
    const key = saKey(p.namespace, ref.name);
    usedSa.add(key);
    let sa = ev.serviceAccounts.get(key);
    const saGone = ev.unavailable.get(`serviceAccount:${key}`) ?? ev.unavailable.get(`serviceAccounts:${p.namespace}`);
    if (!sa && saGone) sa = unknownFrom(saGone);
    if (!sa) {
      sa = ev.completeSaNamespaces.has(p.namespace)
        ? notFound(`the service account list given for namespace ${p.namespace} has no ${ref.name}`, [])
        : unknown(`service account ${key} was not given`, `kubectl get serviceaccount ${ref.name} -n ${p.namespace} -o yaml`);
    }
    let roleArn: SubjectEvidence['roleArn'];
    const ann = sa.state === 'found' ? sa.value.annotations[ROLE_ARN_ANNOTATION] : undefined;
    if (ann !== undefined && ann.trim() !== '') roleArn = { raw: ann, normalized: normaliseRoleArn(ann), from: 'annotation', sources: sa.state === 'found' ? sa.sources : [] };
    else {
      const envArn = containers(p.object)
        .flatMap((c) => c.env.filter((e) => e.name === 'AWS_ROLE_ARN' && e.value))
        .map((e) => e.value!)[0];
      if (envArn) roleArn = { raw: envArn, normalized: normaliseRoleArn(envArn), from: 'pod-env', sources: p.sources };
      else if (onlyRole) roleArn = { raw: onlyRole, normalized: onlyRole, from: 'only-role', sources: sourcesOf(ev.roles.get(onlyRole)) };
    }
    const subject: Subject = { namespace: p.namespace, serviceAccount: ref.name };
    if (p.origin === 'pod') subject.pod = p.name;
    else if (p.workload) subject.workload = `${p.workload.kind.toLowerCase()}/${p.workload.name}`;
    if (roleArn) subject.roleArn = roleArn.normalized;
    const s: SubjectEvidence = { subject, pod: p, serviceAccount: sa, serviceAccountRef: { namespace: p.namespace, name: ref.name, explicit: ref.explicit }, role: roleFor(roleArn?.normalized) };
    if (roleArn) s.roleArn = roleArn;
    subjects.push(s);
  }
  // Service accounts no pod uses (or no pods at all): diagnose the account and its role.
  for (const [key, sa] of ev.serviceAccounts) {
    if (usedSa.has(key) || sa.state !== 'found') continue;
    if (ev.pods.length > 0 && !sa.value.annotations[ROLE_ARN_ANNOTATION]) continue;
    const ann = sa.value.annotations[ROLE_ARN_ANNOTATION];
    let roleArn: SubjectEvidence['roleArn'];
    if (ann !== undefined && ann.trim() !== '') roleArn = { raw: ann, normalized: normaliseRoleArn(ann), from: 'annotation', sources: sa.sources };
    else if (onlyRole) roleArn = { raw: onlyRole, normalized: onlyRole, from: 'only-role', sources: [] };
    const subject: Subject = { namespace: sa.value.namespace, serviceAccount: sa.value.name };
    if (roleArn) subject.roleArn = roleArn.normalized;
    const s: SubjectEvidence = { subject, serviceAccount: sa, serviceAccountRef: { namespace: sa.value.namespace, name: sa.value.name, explicit: true }, role: roleFor(roleArn?.normalized) };
    if (roleArn) s.roleArn = roleArn;
    subjects.push(s);
  }
  // Nothing Kubernetes-side: one subject per role given (trust and provider checks still run).
  if (subjects.length === 0) {
    for (const arn of ev.roles.keys()) {
      subjects.push({
        subject: { roleArn: arn },
        serviceAccount: unknown('no service account or pod given', 'kubectl get serviceaccount NAME -n NAMESPACE -o yaml'),
        roleArn: { raw: arn, normalized: arn, from: 'only-role', sources: [] },
        role: roleFor(arn),
      });
    }
  }
  if (subjects.length === 0) {
    subjects.push({ subject: {}, serviceAccount: unknown('no service account or pod given', 'kubectl get serviceaccount NAME -n NAMESPACE -o yaml'), role: roleFor(undefined) });
  }
  return subjects;
}

