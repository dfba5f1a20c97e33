// Runs every registered check on every subject. Each check is guarded: a throw becomes one
// IRSA901 finding for that check and subject, never an aborted run (Popeye's rule).

import type { Joined, SubjectEvidence } from '../evidence/join.js';
import type { Evidence, Subject } from '../evidence/model.js';
import type { Fact, K8sObject, Source } from '../evidence/facts.js';
import { catalogueEntry } from './catalogue.js';
import type { Check, CheckContext, Finding } from './define.js';

export type Verdict = 'ok' | 'warn' | 'unknown' | 'broken';

export interface SubjectReport {
  subject: Subject;
  verdict: Verdict;
  findings: Finding[];
}

/** How bad a verdict is: a workload is as bad as its worst pod. */
export const VERDICT_RANK: Readonly<Record<Verdict, number>> = { ok: 0, unknown: 1, warn: 2, broken: 3 };

export function verdictOf(findings: readonly Finding[]): Verdict {
  if (findings.some((f) => f.status === 'fail')) return 'broken';
  if (findings.some((f) => f.status === 'warn')) return 'warn';
  if (findings.some((f) => f.status === 'unknown')) return 'unknown';
  return 'ok';
}

function internalError(check: Check, err: unknown): Finding {
  const meta = catalogueEntry('IRSA901');
  const text = err instanceof Error ? err.message : String(err);
  return {
    check: 'IRSA901',
    slug: meta.slug,
    title: meta.title,
    status: 'fail',
    severity: 'error',
    messageId: 'checkThrew',
    message: `${check.id} (${check.slug}) failed to run: ${text}. The other checks are unaffected; please report this.`,
    data: { failedCheck: check.id, error: text },
    because: [],
  };
}

export interface RunOptions {
  /**
   * Judge one pod of each set of replicas (see Replicas) and give the others its findings,
   * renamed. Default true; false judges every pod (the tests compare both).
   */
  reuseReplicas?: boolean;
}

function judge(s: SubjectEvidence, ev: Evidence, checks: readonly Check[]): SubjectReport {
  const ctx: CheckContext = { ...s, ev, memo: new Map() };
  const findings: Finding[] = [];
  for (const check of checks) {
    try {
      findings.push(check.evaluate(ctx));
    } catch (err) {
      findings.push(internalError(check, err));
    }
  }
  flagProbeDisagreement(findings);
  for (const f of findings) freezeFinding(f);
  return { subject: s.subject, verdict: verdictOf(findings), findings };
}

/**
 * A finding is final once its subject is judged: replicas share it (see Replicas). Frozen where
 * code would edit one (the finding, its data, its because list), so an edit fails loudly
 * instead of changing other subjects' findings.
 */
function freezeFinding(f: Finding): void {
  Object.freeze(f.data);
  Object.freeze(f.because);
  Object.freeze(f);
}

export function runChecks(joined: Joined, checks: readonly Check[], opts: RunOptions = {}): SubjectReport[] {
  const ev = joined.evidence;
  if (opts.reuseReplicas === false) return joined.subjects.map((s) => judge(s, ev, checks));
  return judgeAll(joined, checks, undefined)!;
}

/**
 * As runChecks, for a join made without the pods `setAsideReplicas` withheld: each of those gets
 * the findings of the pod it was set aside for, renamed, in its place among the pods. Undefined
 * when one of them cannot (the kept pod's names occur elsewhere in its evidence, or a finding is
 * not plain data): the caller then joins and judges every pod.
 */
export function runChecksSetAside(joined: Joined, checks: readonly Check[], aside: SetAside): SubjectReport[] | undefined {
  return judgeAll(joined, checks, aside);
}

function judgeAll(joined: Joined, checks: readonly Check[], aside: SetAside | undefined): SubjectReport[] | undefined {
  const ev = joined.evidence;
  const replicas = new Replicas(ev);
  const out: SubjectReport[] = [];
  // With pods set aside: every real pod's report by its position among the facts' pods.
  const pods: Array<{ at: number; report: SubjectReport }> = [];
  for (const s of joined.subjects) {
    const r = replicas.of(s);
    let j = r && replicas.judged(r);
    let report: SubjectReport;
    if (j) report = { subject: s.subject, verdict: j.verdict, findings: j.findings(r!.names) };
    else {
      report = judge(s, ev, checks);
      if (r) replicas.remember(r, report);
    }
    const p = s.pod;
    if (!aside || p?.origin !== 'pod') {
      out.push(report);
      continue;
    }
    pods.push({ at: aside.order.get(p.object) ?? -1, report });
    const withheld = aside.replicas.get(p.object);
    if (!withheld) continue;
    j ??= r && replicas.judged(r);
    if (!j) return undefined;
    for (const w of withheld) pods.push({ at: w.at, report: replicaReport({ ...s.subject, pod: w.names[0]! }, j, w.names) });
  }
  if (!aside) return out;
  // The join puts real pods first, in the facts' order; templates and bare accounts follow.
  pods.sort((a, b) => a.at - b.at);
  return [...pods.map((x) => x.report), ...out];
}

/**
 * A set-aside replica's report, its findings renamed when first read: a scan shows one pod per
 * workload, so most replicas' findings are never read, only their verdicts. Once read, the
 * findings are a plain data property like any report's.
 */
function replicaReport(subject: Subject, j: Judged, names: readonly string[]): SubjectReport {
  const report = { subject, verdict: j.verdict } as SubjectReport;
  let findings: Finding[] | undefined;
  const settle = (v: Finding[]): void => {
    findings = v;
    // A report frozen before its first read keeps the getter (and its cached value).
    if (Object.isExtensible(report)) Object.defineProperty(report, 'findings', { value: v, enumerable: true, configurable: true, writable: true });
  };
  Object.defineProperty(report, 'findings', {
    enumerable: true,
    configurable: true,
    get(): Finding[] {
      if (!findings) settle(j.findings(names));
      return findings!;
    },
    set: settle,
  });
  return report;
}

// ------------------------------------------------------------------------------------------------
// Replicas set aside before the join. On a large cluster most pods are replicas; joining each
// and comparing its evidence to an earlier replica's after the join costs more than judging.
// setAsideReplicas compares the pod objects themselves, before the join: a pod equal to an
// earlier one of the same controller but for the names (samePod), from the same source, is
// withheld from the join, and runChecksSetAside gives it that pod's findings, renamed. The rest
// of a pod's evidence follows from its object (owners from its owner references and labels,
// service account and role from its spec, sources from its fact) as long as no fact names a
// pod on its own: so nothing is set aside when the facts hold exec outputs, tokens, lockfiles
// or probes, which the join ties to pods by name or folder.

const POD_SPECIFIC = new Set<Fact['kind']>(['env', 'id', 'token', 'sdkDeps', 'probe']);

/** Pods withheld from a join, each under the kept pod whose findings it will get. */
export interface SetAside {
  /** Each kept pod's withheld replicas: their names and their positions among the facts' pods. */
  replicas: Map<K8sObject, Array<{ names: string[]; at: number }>>;
  /** The kept pods' positions among the facts' pods. */
  order: Map<K8sObject, number>;
}

interface ReplicaClass {
  object: K8sObject;
  names: string[];
  source: Source;
}

/** The facts without the pods that are replicas of an earlier one, and those pods; undefined when none is. */
export function setAsideReplicas(facts: readonly Fact[]): { facts: Fact[]; aside: SetAside } | undefined {
  // Pods that another object names as its owner stay: the join follows owner references.
  const owners = new Set<string>();
  for (const f of facts) {
    if (POD_SPECIFIC.has(f.kind)) return undefined;
    if (f.kind !== 'k8sObject') continue;
    for (const r of f.object.metadata.ownerReferences ?? []) if (r.kind === 'Pod') owners.add(`${f.object.metadata.namespace ?? 'default'}/${r.name}`);
  }
  const kept: Fact[] = [];
  const aside: SetAside = { replicas: new Map(), order: new Map() };
  // namespace -> controller uid -> pods kept as the first of their kind; namespace -> pod names.
  const classes = new Map<string, Map<string, ReplicaClass[]>>();
  const seen = new Map<string, Set<string>>();
  let at = -1;
  let withheld = 0;
  for (const f of facts) {
    if (f.kind !== 'k8sObject' || f.object.kind !== 'Pod' || !f.object.metadata.name) {
      kept.push(f);
      continue;
    }
    const o = f.object;
    const name = f.object.metadata.name;
    at++;
    const ns = o.metadata.namespace ?? 'default';
    let names = seen.get(ns);
    if (!names) seen.set(ns, (names = new Set()));
    // A second fact for the same pod: the join keeps the first given, which may be one this
    // would withhold, and reads every copy (service accounts by pod): judge them all.
    if (names.has(name)) return undefined;
    names.add(name);
    const ref = owners.has(`${ns}/${name}`) ? undefined : replicaRef(o);
    if (!ref) {
      aside.order.set(o, at);
      kept.push(f);
      continue;
    }
    let byUid = classes.get(ns);
    if (!byUid) classes.set(ns, (byUid = new Map()));
    const list = byUid.get(ref.uid);
    const rep = list?.find((c) => c.names.length === ref.names.length && sameSource(c.source, f.source) && samePod(c.object, o, c.names, ref.names));
    if (rep) {
      const l = aside.replicas.get(rep.object);
      if (l) l.push({ names: ref.names, at });
      else aside.replicas.set(rep.object, [{ names: ref.names, at }]);
      withheld++;
      continue;
    }
    const c = { object: o, names: ref.names, source: f.source };
    if (list) list.push(c);
    else byUid.set(ref.uid, [c]);
    aside.order.set(o, at);
    kept.push(f);
  }
  return withheld > 0 ? { facts: kept, aside } : undefined;
}

/** Two sources equal as JSON (each pod of a list has its own copy of the list's). */
function sameSource(a: Source, b: Source): boolean {
  return a === b || sameValue(a, b, NO_NAMES, NO_NAMES, 2);
}

/**
 * Where to look for a pod's earlier replica (in its namespace, with the same controller uid and
 * number of names) and its names (the pod's, then its API access volumes' in spec order);
 * undefined for a pod that can have none: no controller uid, or a name outside DNS-1123 (shell
 * quoting would differ).
 */
function replicaRef(o: K8sObject): { uid: string; names: string[] } | undefined {
  const name = o.metadata.name;
  if (typeof name !== 'string' || !DNS1123.test(name)) return undefined;
  let uid: string | undefined;
  const refs = o.metadata.ownerReferences ?? [];
  for (let i = 0; i < refs.length && uid === undefined; i++) if (refs[i]!.controller) uid = refs[i]!.uid ?? '';
  if (!uid) return undefined;
  const names = [name];
  const volumes = (o.spec as { volumes?: unknown } | undefined)?.volumes;
  for (const v of Array.isArray(volumes) ? volumes : []) {
    const n = (v as { name?: unknown } | null)?.name;
    if (typeof n === 'string' && API_ACCESS_VOLUME.test(n) && !names.includes(n)) names.push(n);
  }
  return { uid, names };
}

// ------------------------------------------------------------------------------------------------
// Replicas. Pods that one controller (a ReplicaSet, a Job...) made from one template differ in
// their name, uid, status, managedFields, node and the random suffix of the API access volume
// (`kube-api-access-xxxxx`, added by the ServiceAccount admission plugin). No check reads the
// uid, status, managedFields or node; the names only ever appear in text (`kubectl delete pod
// NAME`). So two such pods with everything else equal (the rest of the pod object, owners,
// sources, attached outputs, service account, role) get the same findings but for those names:
// the second pod's findings are the first's with the first pod's names replaced by its own.
// Kept safe by refusing whenever that replacement could touch anything but those names: a name
// outside Kubernetes' DNS-1123 form (shell quoting would differ), a pod with exec outputs of its
// own (they name the pod), or a name that occurs in the rest of the subject's evidence or in the
// cluster-wide evidence. A check that starts reading another per-pod field must stop ignoring
// it below.

const DNS1123 = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const API_ACCESS_VOLUME = /^kube-api-access-[a-z0-9]{5}$/;

/** Pod metadata that differs between replicas and that no check reads (but the name). */
const PER_REPLICA_METADATA = new Set(['name', 'uid', 'resourceVersion', 'managedFields']);
/** Pod spec fields that differ between replicas and that no check reads. */
const PER_REPLICA_SPEC = new Set(['nodeName']);

interface ReplicaRef {
  /** Namespace, controller uid and number of names: where to look for an earlier replica. */
  group: string;
  /** Everything else but the pod object: a replica's must equal (as JSON) the earlier one's. */
  context: readonly unknown[];
  /** The pod's name, then its API access volumes' names in spec order. */
  names: string[];
  object: K8sObject;
  /** The service account and role lookups (the group names them by identity). */
  lookups: readonly unknown[];
}

interface Judged {
  names: readonly string[];
  context: readonly unknown[];
  object: K8sObject;
  verdict: Verdict;
  findings: Renamer<Finding[]>;
}

class Replicas {
  // A plain Map: it lives as long as one runChecks, like the objects it names.
  private readonly ids = new Map<object, number>();
  private nextId = 0;
  private globalText: string | undefined;
  private readonly groups = new Map<string, Judged[]>();

  constructor(private readonly ev: Evidence) {}

  private id(o: object): number {
    let n = this.ids.get(o);
    if (n === undefined) this.ids.set(o, (n = ++this.nextId));
    return n;
  }

  /** What makes the subject a replica of another, or undefined when it must be judged on its own. */
  of(s: SubjectEvidence): ReplicaRef | undefined {
    const p = s.pod;
    if (!p || p.origin !== 'pod' || p.env.length || p.ids.length) return undefined;
    const ref = replicaRef(p.object);
    if (!ref || p.name !== p.object.metadata.name || p.namespace !== (p.object.metadata.namespace ?? 'default')) return undefined;
    const { names } = ref;
    const group = `${p.namespace}\u0000${ref.uid}\u0000${names.length}`;
    const { pod: _pod, ...subject } = s.subject;
    const context = [
      p.owners,
      p.sources,
      p.workload ?? null,
      p.simulatedMutation ?? null,
      p.sdk.map((f) => this.ev.sdk.indexOf(f)),
      subject,
      s.serviceAccountRef ?? null,
      s.roleArn ?? null,
      // Lookups held by the evidence are shared objects; the ones made per subject are small.
      s.serviceAccount.state === 'found' ? this.id(s.serviceAccount) : s.serviceAccount,
      s.role.state === 'found' ? this.id(s.role) : s.role,
    ];
    return { group, context, names, object: p.object, lookups: [s.serviceAccount, s.role] };
  }

  /** A pod of the same group already judged whose object equals this one's but for the names. */
  judged(r: ReplicaRef): Judged | undefined {
    return this.groups.get(r.group)?.find((j) => sameValue(j.context, r.context, NO_NAMES, NO_NAMES, 2) && samePod(j.object, r.object, j.names, r.names));
  }

  remember(r: ReplicaRef, report: SubjectReport): void {
    if (this.mentioned(r)) return;
    const findings = renamer(report.findings, r.names);
    if (!findings) return;
    const list = this.groups.get(r.group) ?? [];
    list.push({ names: r.names, context: r.context, object: r.object, verdict: report.verdict, findings });
    this.groups.set(r.group, list);
  }

  /** Whether one of the names occurs in the subject's evidence (other than as a whole name) or the cluster's. */
  private mentioned(r: ReplicaRef): boolean {
    if (r.names.some((n) => r.group.includes(n)) || inText(r.context, r.names)) return true;
    // The pod as samePod compares it; the strings that are a name are renamed as a whole.
    if (contains(r.object, r.names, true, 0)) return true;
    // The service account and role are the same objects for every pod of the group: a name in
    // them, even a whole one, stays that pod's name.
    if (contains(r.lookups, r.names, false, 2)) return true;
    this.globalText ??= JSON.stringify([
      this.ev.cluster,
      this.ev.kubeVersion,
      this.ev.providerAccounts,
      this.ev.discovery,
      this.ev.jwks,
      this.ev.tokens,
      this.ev.probes,
      this.ev.conflicts,
      [...this.ev.unavailable.values()],
      this.ev.intent ?? null,
      [...this.ev.roles.keys()],
      [...this.ev.serviceAccounts.keys()],
    ]);
    const text = this.globalText;
    return r.names.some((n) => text.includes(n));
  }
}

/**
 * Two pod objects equal as JSON would be (same keys in the same order, same values), leaving out
 * what differs between replicas (see PER_REPLICA_*), a string of `a` that is one of `from`
 * standing for the name at the same index of `to`.
 */
export function samePod(a: K8sObject, b: K8sObject, from: readonly string[], to: readonly string[]): boolean {
  return sameValue(a, b, from, to, 0);
}

/**
 * Whether a string (or key) within `v` contains one of `names`; with `wholeRenamed`, strings
 * that are exactly a name aside (samePod maps those to the other replica's names). Depths 0 and
 * 1 skip the per-replica fields of a pod (see skipped).
 */
function contains(v: unknown, names: readonly string[], wholeRenamed: boolean, depth: number, holder?: string): boolean {
  if (typeof v === 'string') return !(wholeRenamed && names.includes(v)) && includesAny(v, names);
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (contains(v[i], names, wholeRenamed, depth + 1)) return true;
    return false;
  }
  for (const k in v) {
    if (skipped(depth, holder, k)) continue;
    if (includesAny(k, names) || contains((v as Record<string, unknown>)[k], names, wholeRenamed, depth + 1, depth === 0 ? k : undefined)) return true;
  }
  return false;
}

/**
 * Whether one of `names` occurs in the JSON text of `v`: in a string, a key, or a number,
 * boolean or null as JSON writes it (names are DNS-1123: no JSON punctuation can be part of one).
 */
function inText(v: unknown, names: readonly string[]): boolean {
  if (typeof v === 'string') return includesAny(v, names);
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return includesAny(JSON.stringify(v), names);
  if (typeof v !== 'object') return false;
  if (Array.isArray(v)) {
    for (const x of v) if (inText(x === undefined ? null : x, names)) return true;
    return false;
  }
  for (const k in v) {
    const x = (v as Record<string, unknown>)[k];
    if (x === undefined) continue;
    if (includesAny(k, names) || inText(x, names)) return true;
  }
  return false;
}

const NO_NAMES: readonly string[] = [];

function includesAny(s: string, names: readonly string[]): boolean {
  for (const n of names) if (s.includes(n)) return true;
  return false;
}

/** Depth 0: the pod object; 1: its direct children (metadata, spec). */
function skipped(depth: number, holder: string | undefined, key: string): boolean {
  if (depth === 0) return key === 'status';
  if (depth === 1) return holder === 'metadata' ? PER_REPLICA_METADATA.has(key) : holder === 'spec' && PER_REPLICA_SPEC.has(key);
  return false;
}

/** Key lists per depth, reused so that comparing allocates nothing. */
const scratch: string[][] = [];

function sameValue(a: unknown, b: unknown, from: readonly string[], to: readonly string[], depth: number, holder?: string): boolean {
  if (typeof a === 'string') {
    const i = from.indexOf(a);
    return i < 0 ? a === b : to[i] === b;
  }
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    // JSON writes an undefined element as null.
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i] ?? null, b[i] ?? null, from, to, depth + 1)) return false;
    return true;
  }
  if (Array.isArray(b) || Object.getPrototypeOf(a) !== Object.prototype || Object.getPrototypeOf(b) !== Object.prototype) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  // Same keys in the same order, those JSON leaves out (undefined) and the per-replica ones aside.
  const keys = (scratch[depth] ??= []);
  let n = 0;
  for (const k in ra) if (ra[k] !== undefined && !skipped(depth, holder, k)) keys[n++] = k;
  let m = 0;
  for (const k in rb) {
    if (rb[k] === undefined || skipped(depth, holder, k)) continue;
    if (m >= n || keys[m] !== k) return false;
    m++;
  }
  if (m !== n) return false;
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    if (!sameValue(ra[k], rb[k], from, to, depth + 1, depth === 0 ? k : undefined)) return false;
  }
  return true;
}

/** Builds a fresh copy of some findings for a replica, given its names (in `names`' order). */
type Renamer<T> = (names: readonly string[]) => T;

/**
 * A function that returns the findings of a replica: every finding that mentions one of
 * `names` deep-copied (plain data: strings, numbers, booleans, arrays, plain objects) with each
 * occurrence of `names[i]` in a string (or key) turned into the replica's `i`th name; the others
 * shared (they are frozen, see freezeFinding). Undefined when a finding holds something that is
 * not plain data (it could hide a name).
 */
function renamer(judged: readonly Finding[], names: readonly string[]): Renamer<Finding[]> | undefined {
  // The judged pod's report hands its array to its reader: replicas read a copy taken now.
  const findings = judged.slice();
  const pattern = new RegExp(
    [...names]
      .sort((a, b) => b.length - a.length)
      .map((n) => n.replace(/[.]/g, '\\.'))
      .join('|'),
    'g',
  );
  const seen = findings.map((f) => mentions(f, names));
  if (seen.includes('opaque')) return undefined;
  const named = seen.map((m) => m === 'named');
  if (!named.includes(true)) return () => findings.slice();
  return (to) => {
    const map = new Map(names.map((n, i) => [n, to[i]!]));
    return findings.map((f, i) => {
      if (!named[i]) return f;
      const copy = renamedCopy(f, pattern, map);
      freezeFinding(copy);
      return copy;
    });
  };
}

/**
 * Whether a string or key within `v` contains one of `names` (`named`), or `v` holds something
 * other than plain data (`opaque`: it could not be renamed), or neither (`none`).
 */
function mentions(v: unknown, names: readonly string[]): 'none' | 'named' | 'opaque' {
  if (typeof v === 'string') return includesAny(v, names) ? 'named' : 'none';
  if (typeof v !== 'object' || v === null) return typeof v === 'function' || typeof v === 'symbol' ? 'opaque' : 'none';
  let out: 'none' | 'named' = 'none';
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const m = mentions(v[i], names);
      if (m === 'opaque') return m;
      if (m === 'named') out = m;
    }
    return out;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return 'opaque';
  for (const k in v) {
    if (!Object.hasOwn(v, k)) continue;
    const m = includesAny(k, names) ? 'named' : mentions((v as Record<string, unknown>)[k], names);
    if (m === 'opaque') return m;
    if (m === 'named') out = m;
  }
  return out;
}

/** A deep copy of plain data, every match of `pattern` in strings (and keys) replaced by its value in `to`. */
function renamedCopy<T>(v: T, pattern: RegExp, to: ReadonlyMap<string, string>): T {
  if (typeof v === 'string') return v.replace(pattern, (m) => to.get(m) ?? m) as T;
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map((x) => renamedCopy(x, pattern, to)) as T;
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[renamedCopy(k, pattern, to)] = renamedCopy(x, pattern, to);
  return out as T;
}

/**
 * The probe and the checks side by side: when STS refused the token but none of the checks its
 * error maps to failed (or STS accepted it while a trust check failed), say so on the probe's
 * finding, since one of them is wrong about this pod.
 */
function flagProbeDisagreement(findings: Finding[]): void {
  const probe = findings.find((f) => f.check === 'IRSA402');
  if (!probe || (probe.status !== 'fail' && probe.status !== 'pass')) return;
  const failed = new Set(findings.filter((f) => f.status === 'fail' && f.check !== 'IRSA402').map((f) => f.check));
  if (probe.status === 'fail') {
    const explains = String(probe.data['explains'] ?? '').split(',').filter(Boolean);
    const agreeing = explains.filter((c) => failed.has(c as never));
    if (agreeing.length) {
      // Side by side: name the failing checks that explain STS's answer, keep only their causes.
      probe.data['explainedBy'] = agreeing.join(',');
      probe.message += ` Explained by ${agreeing.join(', ')} above.`;
      probe.because = probe.because.filter((b) => !b.field.startsWith('likely cause (') || agreeing.some((c) => b.field === `likely cause (${c})`));
    } else {
      probe.data['disagreement'] = true;
      probe.message += ` The checks do not explain this error (expected one of ${explains.join(', ') || 'the trust and provider checks'} to fail): the evidence they read may be incomplete or stale.`;
    }
  } else {
    const trust = ['IRSA002', 'IRSA003', 'IRSA103', 'IRSA104', 'IRSA105', 'IRSA106', 'IRSA107'].filter((c) => failed.has(c as never));
    if (trust.length) {
      probe.data['disagreement'] = true;
      probe.message += ` But ${trust.join(', ')} failed: STS accepted what the checks say it should refuse.`;
    }
  }
}
