// The lab's controllers, run synchronously after every API write until nothing moves, so tests
// are deterministic: the garbage collector (ownerReferences), Deployment -> ReplicaSet (named
// `<deployment>-<pod-template-hash>`, a new one on every template change, old ones scaled to 0)
// -> pods (`<replicaset>-<5 random>`), StatefulSet -> `<name>-<ordinal>`, DaemonSet -> one pod
// per lab node, Job -> pods; the scheduler (nodeName) and the kubelet (pods Running with an IP).
// CronJobs are not scheduled: only `kubectl create job --from=cronjob/x` makes their Jobs.
//
// Each controller works through a queue (like client-go's work queues) instead of listing the
// whole cluster on every pass: the store's write observer queues an object when it changes and
// its controller when something it owns changes, so a write costs work in proportion to what it
// touches, not to the cluster's size. A pass takes each queue as it stands when that controller
// starts and handles its objects in key order, so the controllers act in the same order, on the
// same objects, as a full list would make them (objects not queued are ones a full pass would
// leave alone). What a full pass would retry without any write (a pod create refused by
// admission, a pod no node fits once nodes change) is queued again explicitly.

import { labelSelectorMatches } from './selectors.js';
import { CONTROLLER_MANAGER, KUBELET, SCHEDULER, annotationsOf, inResourceOrder, labelsOf, meta, sha256Hex, templateHash, type KubeEngine } from './engine.js';
import { KubeError } from './errors.js';
import { ownerUids, parseRefId } from './indexes.js';
import { jsonEqual } from './json-equal.js';
import { isObject, type Json, type JsonObject } from './patch.js';
import { resourceByPlural, resourceForKind, RESOURCES, type ResourceType } from './resources.js';
import type { StoreWrite } from './store.js';

const KCM = { manager: CONTROLLER_MANAGER, internal: true };
const KCM_STATUS = { manager: CONTROLLER_MANAGER, internal: true, subresource: 'status' };

const R = {
  pods: () => resourceByPlural('pods'),
  rs: () => resourceByPlural('replicasets'),
  deploy: () => resourceByPlural('deployments'),
  sts: () => resourceByPlural('statefulsets'),
  ds: () => resourceByPlural('daemonsets'),
  jobs: () => resourceByPlural('jobs'),
  nodes: () => resourceByPlural('nodes'),
};

/** The controllers' work queues for one engine (store keys; `gc` holds `resource\0key` ids). */
interface Queues {
  gc: Set<string>;
  namespaces: Set<string>;
  deployments: Set<string>;
  replicasets: Set<string>;
  statefulsets: Set<string>;
  daemonsets: Set<string>;
  jobs: Set<string>;
  /** Pods for the scheduler and kubelet. */
  pods: Set<string>;
  /** A node changed: every DaemonSet, and every pod without a node, is looked at again. */
  nodesChangedForDaemonSets: boolean;
  nodesChangedForScheduler: boolean;
  /**
   * Workloads whose pod create was refused, queued again at the start of every pass and after
   * the last one (not into the queue being worked, which would loop): a full relist would try
   * them again on the next pass and on every later reconcile, and so does this.
   */
  retries: Array<[WorkloadQueue, string]>;
}

type WorkloadQueue = 'deployments' | 'replicasets' | 'statefulsets' | 'daemonsets' | 'jobs';
const WORKLOADS = new Set<string>(['deployments', 'replicasets', 'statefulsets', 'daemonsets', 'jobs']);

const queuesOf = new WeakMap<KubeEngine, Queues>();

/** The engine's queues; created on first use with everything in the store queued once. */
function queues(e: KubeEngine): Queues {
  let q = queuesOf.get(e);
  if (q) return q;
  const fresh: Queues = {
    gc: new Set(),
    namespaces: new Set(),
    deployments: new Set(),
    replicasets: new Set(),
    statefulsets: new Set(),
    daemonsets: new Set(),
    jobs: new Set(),
    pods: new Set(),
    nodesChangedForDaemonSets: true,
    nodesChangedForScheduler: true,
    retries: [],
  };
  queuesOf.set(e, fresh);
  for (const r of RESOURCES) {
    if (r.virtual) continue;
    for (const { key, obj } of e.store.list(r.plural)) enqueue(e, fresh, { resource: r.plural, key, rv: 0, prev: null, next: obj });
  }
  e.store.onWrite((w) => enqueue(e, fresh, w));
  return fresh;
}

/** Queues what a write concerns: the object itself and the controllers of what it is owned by. */
function enqueue(e: KubeEngine, q: Queues, w: StoreWrite): void {
  const { resource, key, prev, next } = w;
  // Garbage collector: objects with owners (are they still there?) and a deleted object's dependents.
  if (next && ownerUids(next).length) q.gc.add(`${resource}\u0000${key}`);
  if (prev && !next) for (const d of e.index.dependentsOf(uidOf(prev))) q.gc.add(`${d.resource}\u0000${d.key}`);
  if (resource === 'events') return;
  if (WORKLOADS.has(resource)) q[resource as WorkloadQueue].add(key);
  // A workload's status follows what it owns: queue the controllers of the changed object.
  for (const o of [prev, next]) {
    const owner = o ? controllerOf(o) : undefined;
    const ref = owner === undefined ? undefined : e.index.byUidRef(owner);
    if (ref && WORKLOADS.has(ref.resource)) q[ref.resource as WorkloadQueue].add(ref.key);
  }
  switch (resource) {
    case 'namespaces':
      q.namespaces.add(key);
      break;
    case 'serviceaccounts':
    case 'configmaps': {
      // The namespace controller recreates `default` and `kube-root-ca.crt`.
      const [ns, name] = key.split('/');
      if (name === 'default' || name === 'kube-root-ca.crt') q.namespaces.add(ns!);
      break;
    }
    case 'nodes':
      q.nodesChangedForDaemonSets = true;
      q.nodesChangedForScheduler = true;
      break;
    case 'pods':
      if (next) q.pods.add(key);
      // A StatefulSet waits for a pod of its `<name>-<ordinal>` names to go before it creates it.
      else if (/-\d+$/.test(key)) q.statefulsets.add(key.replace(/-\d+$/, ''));
      break;
  }
}

/** Empties a queue: the objects still there, in key order, as they are now. */
function take(e: KubeEngine, q: Queues, name: WorkloadQueue | 'pods', rt: ResourceType): JsonObject[] {
  const keys = [...q[name]].sort();
  q[name] = new Set();
  const out: JsonObject[] = [];
  for (const k of keys) {
    const o = e.store.get(rt.plural, k);
    if (o) out.push(o);
  }
  return out;
}

/** Has the owner's controller look at it again from the next pass on (a refused pod create). */
function retry(e: KubeEngine, owner: JsonObject): void {
  const rt = resourceForKind(String(owner['apiVersion']), String(owner['kind']));
  if (rt && WORKLOADS.has(rt.plural)) queues(e).retries.push([rt.plural as WorkloadQueue, `${nsOf(owner)}/${nameOf(owner)}`]);
}

/**
 * Queues every object for every controller, as a full relist would (client-go's resync). The
 * controllers never need it; tests use it to check that what was left unqueued was settled.
 */
export function requeueEverything(e: KubeEngine): void {
  const q = queues(e);
  for (const r of RESOURCES) {
    if (r.virtual) continue;
    for (const { key, obj } of e.store.list(r.plural)) enqueue(e, q, { resource: r.plural, key, rv: 0, prev: null, next: obj });
  }
  q.nodesChangedForDaemonSets = true;
  q.nodesChangedForScheduler = true;
}

export function reconcileAll(e: KubeEngine): void {
  const q = queues(e);
  const requeue = (): void => {
    for (const [name, key] of q.retries) q[name].add(key);
    q.retries = [];
  };
  for (let pass = 0; pass < 40; pass++) {
    const before = e.changes;
    requeue();
    garbageCollect(e, q);
    namespaces(e, q);
    deployments(e, q);
    replicaSets(e, q);
    statefulSets(e, q);
    daemonSets(e, q);
    jobs(e, q);
    scheduleAndRun(e, q);
    if (e.changes === before) {
      // Whatever failed stays queued for the next reconcile, as a full list would retry it then.
      requeue();
      return;
    }
  }
  requeue();
}

function uidOf(o: JsonObject): string {
  return String(meta(o)['uid']);
}
function nameOf(o: JsonObject): string {
  return String(meta(o)['name']);
}
function nsOf(o: JsonObject): string {
  return String(meta(o)['namespace']);
}
function spec(o: JsonObject): JsonObject {
  return isObject(o['spec']) ? o['spec'] : {};
}
function status(o: JsonObject): JsonObject {
  return isObject(o['status']) ? o['status'] : {};
}
function controllerOf(o: JsonObject): string | undefined {
  const refs = meta(o)['ownerReferences'];
  if (!Array.isArray(refs)) return undefined;
  const c = refs.find((r) => isObject(r) && r['controller'] === true);
  return isObject(c) ? String(c['uid']) : undefined;
}
function ownerRef(owner: JsonObject): JsonObject {
  return { apiVersion: owner['apiVersion']!, kind: owner['kind']!, name: nameOf(owner), uid: uidOf(owner), controller: true, blockOwnerDeletion: true };
}
const equal = jsonEqual;
function isReady(pod: JsonObject): boolean {
  const conds = status(pod)['conditions'];
  return Array.isArray(conds) && conds.some((c) => isObject(c) && c['type'] === 'Ready' && c['status'] === 'True');
}
function alive(o: JsonObject): boolean {
  return meta(o)['deletionTimestamp'] === undefined;
}

function writeStatus(e: KubeEngine, rt: ResourceType, o: JsonObject, next: JsonObject, manager = KCM_STATUS): void {
  if (equal(status(o), next)) return;
  const m = { ...meta(o) };
  delete m['resourceVersion'];
  e.update(rt, nsOf(o), nameOf(o), { ...o, metadata: m, status: next }, manager);
}

// --- garbage collector -----------------------------------------------------------------------

// Candidates are objects written with owners since the last pass and the dependents of objects
// deleted since; one whose owners are all gone is deleted (which queues its own dependents).
function garbageCollect(e: KubeEngine, q: Queues): void {
  const batch = inResourceOrder([...q.gc].map(parseRefId));
  q.gc = new Set();
  for (const ref of batch) {
    const o = e.deref(ref);
    if (!o) continue;
    const refs = meta(o)['ownerReferences'];
    if (!Array.isArray(refs) || refs.length === 0) continue;
    if (refs.every((x) => isObject(x) && !e.index.hasUid(String(x['uid'])))) e.removeInternal(resourceByPlural(ref.resource), o);
  }
}

// --- namespaces: the serviceaccount controller and the root CA publisher ------------------------

function namespaces(e: KubeEngine, q: Queues): void {
  const sa = resourceByPlural('serviceaccounts');
  const cm = resourceByPlural('configmaps');
  const names = [...q.namespaces].sort();
  q.namespaces = new Set();
  const queued = names.map((n) => e.store.get('namespaces', n)).filter((n): n is JsonObject => n !== undefined);
  for (const ns of queued) {
    if (!alive(ns)) continue;
    const name = nameOf(ns);
    if (!e.get(sa, name, 'default')) e.create(sa, name, { metadata: { name: 'default' } }, KCM);
    if (e.caPem !== undefined && !e.get(cm, name, 'kube-root-ca.crt')) {
      e.create(cm, name, { metadata: { name: 'kube-root-ca.crt', annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } }, data: { 'ca.crt': e.caPem } }, KCM);
    }
  }
}

// --- pods from templates ---------------------------------------------------------------------

function podFromTemplate(owner: JsonObject, template: JsonObject, extra: { name?: string; generateName?: string; labels?: Record<string, string>; spec?: JsonObject }): JsonObject {
  const tm = isObject(template['metadata']) ? template['metadata'] : {};
  const m: JsonObject = {
    labels: { ...(isObject(tm['labels']) ? (tm['labels'] as Record<string, string>) : {}), ...extra.labels },
    ownerReferences: [ownerRef(owner)],
  };
  if (isObject(tm['annotations']) && Object.keys(tm['annotations']).length) m['annotations'] = structuredClone(tm['annotations']);
  if (extra.name) m['name'] = extra.name;
  if (extra.generateName) m['generateName'] = extra.generateName;
  return { apiVersion: 'v1', kind: 'Pod', metadata: m, spec: { ...structuredClone(isObject(template['spec']) ? template['spec'] : {}), ...extra.spec } };
}

function component(owner: JsonObject): string {
  return owner['kind'] === 'Job' ? 'job-controller' : owner['kind'] === 'StatefulSet' ? 'statefulset-controller' : owner['kind'] === 'DaemonSet' ? 'daemonset-controller' : 'replicaset-controller';
}

/** Creates a pod as a controller; a rejected create becomes a FailedCreate event and its message. */
function createPod(e: KubeEngine, owner: JsonObject, pod: JsonObject): { pod: JsonObject } | { error: string } {
  try {
    const created = e.create(R.pods(), nsOf(owner), pod, KCM);
    e.event(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${nameOf(created)}`, component(owner));
    return { pod: created };
  } catch (err) {
    if (!(err instanceof KubeError)) throw err;
    e.event(owner, 'Warning', 'FailedCreate', `Error creating: ${err.message}`, component(owner));
    retry(e, owner);
    return { error: err.message };
  }
}

function deletePod(e: KubeEngine, owner: JsonObject, pod: JsonObject, component: string): void {
  e.delete(R.pods(), nsOf(pod), nameOf(pod), {}, KCM);
  e.event(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${nameOf(pod)}`, component);
}

/** Objects of `rt` in the owner's namespace whose controller is `owner`, in key order (owner index). */
function owned(e: KubeEngine, owner: JsonObject, rt: ResourceType): JsonObject[] {
  const uid = uidOf(owner);
  const prefix = `${nsOf(owner)}/`;
  const out: JsonObject[] = [];
  for (const ref of e.index.dependentsOf(uid)) {
    if (ref.resource !== rt.plural || !ref.key.startsWith(prefix)) continue;
    const o = e.deref(ref);
    if (o && controllerOf(o) === uid) out.push(o);
  }
  return out;
}

function ownedPods(e: KubeEngine, owner: JsonObject): JsonObject[] {
  return owned(e, owner, R.pods()).filter(alive);
}

// --- Deployment ------------------------------------------------------------------------------

const REVISION = 'deployment.kubernetes.io/revision';

function withoutHash(t: Json): Json {
  const c = structuredClone(t) as JsonObject;
  const m = isObject(c['metadata']) ? c['metadata'] : undefined;
  if (m && isObject(m['labels'])) {
    delete m['labels']['pod-template-hash'];
    if (Object.keys(m['labels']).length === 0) delete m['labels'];
  }
  return c;
}

function revisionOf(o: JsonObject): number {
  return Number(annotationsOf(o)[REVISION] ?? 0);
}

function maxSurge(d: JsonObject, replicas: number): number {
  const st = isObject(spec(d)['strategy']) ? (spec(d)['strategy'] as JsonObject) : {};
  const ru = isObject(st['rollingUpdate']) ? st['rollingUpdate'] : {};
  const v = ru['maxSurge'];
  if (st['type'] === 'Recreate') return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.endsWith('%')) return Math.ceil((replicas * Number(v.slice(0, -1))) / 100);
  return Math.ceil(replicas * 0.25);
}

function deployments(e: KubeEngine, q: Queues): void {
  for (const d of take(e, q, 'deployments', R.deploy())) {
    if (!alive(d)) continue;
    const s = spec(d);
    const replicas = typeof s['replicas'] === 'number' ? s['replicas'] : 1;
    const template = (s['template'] ?? {}) as JsonObject;
    const ownedRs = owned(e, d, R.rs());
    let current = ownedRs.find((rs) => equal(withoutHash(spec(rs)['template'] ?? {}), withoutHash(template)));
    const maxRev = ownedRs.reduce((n, rs) => Math.max(n, revisionOf(rs)), 0);
    const annotations = { 'deployment.kubernetes.io/desired-replicas': String(replicas), 'deployment.kubernetes.io/max-replicas': String(replicas + maxSurge(d, replicas)) };
    if (!s['paused']) {
      if (!current) {
        const hash = templateHash(template, Number(status(d)['collisionCount'] ?? 0));
        const t = structuredClone(template);
        const tm = isObject(t['metadata']) ? t['metadata'] : (t['metadata'] = {});
        tm['labels'] = { ...(isObject(tm['labels']) ? tm['labels'] : {}), 'pod-template-hash': hash };
        const sel = structuredClone(isObject(s['selector']) ? s['selector'] : {});
        sel['matchLabels'] = { ...(isObject(sel['matchLabels']) ? sel['matchLabels'] : {}), 'pod-template-hash': hash };
        const rsName = `${nameOf(d)}-${hash}`;
        const existing = e.get(R.rs(), nsOf(d), rsName);
        if (existing) {
          // A hash collision with a ReplicaSet this Deployment does not own: bump collisionCount.
          writeStatus(e, R.deploy(), d, { ...status(d), collisionCount: Number(status(d)['collisionCount'] ?? 0) + 1 });
          continue;
        }
        current = e.create(
          R.rs(),
          nsOf(d),
          {
            metadata: {
              name: rsName,
              labels: tm['labels'] as Json,
              annotations: { ...annotations, [REVISION]: String(maxRev + 1) },
              ownerReferences: [ownerRef(d)],
            },
            spec: { replicas, minReadySeconds: (s['minReadySeconds'] as number) ?? 0, selector: sel, template: t },
          },
          KCM,
        );
        if (replicas > 0) e.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${rsName} from 0 to ${replicas}`, 'deployment-controller');
      } else {
        const want = { ...annotationsOf(current), ...annotations, ...(revisionOf(current) < maxRev ? { [REVISION]: String(maxRev + 1) } : {}) };
        const cs = spec(current);
        if (cs['replicas'] !== replicas || !equal(annotationsOf(current), want)) {
          const from = Number(cs['replicas'] ?? 0);
          const next = structuredClone(current);
          (next['spec'] as JsonObject)['replicas'] = replicas;
          meta(next)['annotations'] = want;
          current = e.update(R.rs(), nsOf(d), nameOf(current), next, KCM);
          if (from !== replicas) e.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${replicas > from ? 'up' : 'down'} replica set ${nameOf(current)} from ${from} to ${replicas}`, 'deployment-controller');
        }
      }
      for (const old of ownedRs) {
        if (uidOf(old) === uidOf(current) || spec(old)['replicas'] === 0) continue;
        const from = Number(spec(old)['replicas'] ?? 0);
        const next = structuredClone(old);
        (next['spec'] as JsonObject)['replicas'] = 0;
        e.update(R.rs(), nsOf(d), nameOf(old), next, KCM);
        e.event(d, 'Normal', 'ScalingReplicaSet', `Scaled down replica set ${nameOf(old)} from ${from} to 0`, 'deployment-controller');
      }
      // revisionHistoryLimit: old, empty ReplicaSets beyond the limit are deleted.
      const limit = typeof s['revisionHistoryLimit'] === 'number' ? s['revisionHistoryLimit'] : 10;
      const olds = owned(e, d, R.rs())
        .filter((rs) => uidOf(rs) !== uidOf(current!) && spec(rs)['replicas'] === 0 && Number(status(rs)['replicas'] ?? 0) === 0)
        .sort((a, b) => revisionOf(a) - revisionOf(b));
      for (const rs of olds.slice(0, Math.max(0, olds.length - limit))) e.delete(R.rs(), nsOf(rs), nameOf(rs), {}, KCM);
    }
    if (!current) continue;
    const rev = String(revisionOf(current));
    if (annotationsOf(d)[REVISION] !== rev) {
      const next = structuredClone(d);
      meta(next)['annotations'] = { ...annotationsOf(d), [REVISION]: rev };
      e.update(R.deploy(), nsOf(d), nameOf(d), next, KCM);
    }
    const fresh = e.get(R.deploy(), nsOf(d), nameOf(d));
    if (!fresh) continue;
    const all = owned(e, d, R.rs());
    const sum = (k: string) => all.reduce((n, rs) => n + Number(status(rs)[k] ?? 0), 0);
    const cur = all.find((rs) => uidOf(rs) === uidOf(current!));
    const total = sum('replicas');
    const updated = Number(status(cur ?? {})['replicas'] ?? 0);
    const available = sum('availableReplicas');
    const prev = status(fresh);
    const now = e.timestamp();
    const cond = (type: string, st: string, reason: string, message: string): JsonObject => {
      const old = Array.isArray(prev['conditions']) ? (prev['conditions'] as JsonObject[]).find((c) => c['type'] === type) : undefined;
      const same = old && old['status'] === st && old['reason'] === reason && old['message'] === message;
      return {
        type,
        status: st,
        lastUpdateTime: same ? old['lastUpdateTime']! : now,
        lastTransitionTime: old && old['status'] === st ? old['lastTransitionTime']! : now,
        reason,
        message,
      };
    };
    const complete = updated === replicas && total === replicas && available >= replicas;
    const next: JsonObject = {
      observedGeneration: Number(meta(fresh)['generation'] ?? 1),
      replicas: total,
      updatedReplicas: updated,
      readyReplicas: sum('readyReplicas'),
      availableReplicas: available,
      conditions: [
        available >= replicas - Math.floor(replicas * 0.25)
          ? cond('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
          : cond('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'),
        complete
          ? cond('Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${nameOf(current)}" has successfully progressed.`)
          : cond('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${nameOf(current)}" is progressing.`),
      ],
    };
    if (next['readyReplicas'] === 0) delete next['readyReplicas'];
    if (next['availableReplicas'] === 0) delete next['availableReplicas'];
    if (next['updatedReplicas'] === 0) delete next['updatedReplicas'];
    if (next['replicas'] === 0) delete next['replicas'];
    if (total - available > 0) next['unavailableReplicas'] = total - available;
    if (prev['collisionCount'] !== undefined) next['collisionCount'] = prev['collisionCount'];
    writeStatus(e, R.deploy(), fresh, next);
  }
}

// --- ReplicaSet ------------------------------------------------------------------------------

function replicaSets(e: KubeEngine, q: Queues): void {
  for (const rs of take(e, q, 'replicasets', R.rs())) {
    if (!alive(rs)) continue;
    const s = spec(rs);
    const want = typeof s['replicas'] === 'number' ? s['replicas'] : 1;
    let pods = ownedPods(e, rs);
    let failure: string | undefined;
    if (pods.length < want) {
      for (let i = pods.length; i < want; i++) {
        const r = createPod(e, rs, podFromTemplate(rs, (s['template'] ?? {}) as JsonObject, { generateName: `${nameOf(rs)}-` }));
        if ('error' in r) {
          failure = r.error;
          break;
        }
      }
    } else if (pods.length > want) {
      const extra = pods.slice().sort((a, b) => String(meta(b)['creationTimestamp']).localeCompare(String(meta(a)['creationTimestamp']))).slice(0, pods.length - want);
      for (const p of extra) deletePod(e, rs, p, 'replicaset-controller');
    }
    const fresh = e.get(R.rs(), nsOf(rs), nameOf(rs));
    if (!fresh) continue;
    pods = ownedPods(e, fresh);
    const selLabels = (p: JsonObject) => labelSelectorMatches(s['selector'], labelsOf(p));
    const ready = pods.filter(isReady).length;
    const next: JsonObject = { replicas: pods.length, fullyLabeledReplicas: pods.filter(selLabels).length, readyReplicas: ready, availableReplicas: ready, observedGeneration: Number(meta(fresh)['generation'] ?? 1) };
    if (next['fullyLabeledReplicas'] === 0) delete next['fullyLabeledReplicas'];
    if (ready === 0) {
      delete next['readyReplicas'];
      delete next['availableReplicas'];
    }
    const prevConds = Array.isArray(status(fresh)['conditions']) ? (status(fresh)['conditions'] as JsonObject[]) : [];
    if (failure) {
      const old = prevConds.find((c) => c['type'] === 'ReplicaFailure');
      next['conditions'] = [{ type: 'ReplicaFailure', status: 'True', lastTransitionTime: old?.['lastTransitionTime'] ?? e.timestamp(), reason: 'FailedCreate', message: failure }];
    } else if (pods.length < want && prevConds.length) next['conditions'] = prevConds;
    writeStatus(e, R.rs(), fresh, next);
  }
}

// --- StatefulSet -----------------------------------------------------------------------------

function statefulSets(e: KubeEngine, q: Queues): void {
  for (const sts of take(e, q, 'statefulsets', R.sts())) {
    if (!alive(sts)) continue;
    const s = spec(sts);
    const want = typeof s['replicas'] === 'number' ? s['replicas'] : 1;
    const template = (s['template'] ?? {}) as JsonObject;
    const revision = `${nameOf(sts)}-${templateHash(template)}`;
    const us = isObject(s['updateStrategy']) ? s['updateStrategy'] : {};
    const partition = us['type'] === 'RollingUpdate' && isObject(us['rollingUpdate']) ? Number(us['rollingUpdate']['partition'] ?? 0) : 0;
    const onDelete = us['type'] === 'OnDelete';
    const pods = ownedPods(e, sts);
    for (const p of pods) {
      const ord = Number(labelsOf(p)['apps.kubernetes.io/pod-index'] ?? -1);
      if (ord >= want) deletePod(e, sts, p, 'statefulset-controller');
    }
    let failed = false;
    for (let i = want - 1; i >= 0 && !failed; i--) {
      const name = `${nameOf(sts)}-${i}`;
      const p = e.get(R.pods(), nsOf(sts), name);
      if (p && alive(p) && controllerOf(p) === uidOf(sts)) {
        if (!onDelete && i >= partition && labelsOf(p)['controller-revision-hash'] !== revision) deletePod(e, sts, p, 'statefulset-controller');
        else continue;
      }
    }
    for (let i = 0; i < want && !failed; i++) {
      const name = `${nameOf(sts)}-${i}`;
      if (e.get(R.pods(), nsOf(sts), name)) continue;
      const spc: JsonObject = { hostname: name };
      if (typeof s['serviceName'] === 'string' && s['serviceName']) spc['subdomain'] = s['serviceName'];
      const created = createPod(
        e,
        sts,
        podFromTemplate(sts, template, { name, labels: { 'apps.kubernetes.io/pod-index': String(i), 'controller-revision-hash': revision, 'statefulset.kubernetes.io/pod-name': name }, spec: spc }),
      );
      if ('error' in created) failed = true;
    }
    const fresh = e.get(R.sts(), nsOf(sts), nameOf(sts));
    if (!fresh) continue;
    const now = ownedPods(e, fresh);
    const updated = now.filter((p) => labelsOf(p)['controller-revision-hash'] === revision).length;
    const ready = now.filter(isReady).length;
    const prevCurrent = String(status(fresh)['currentRevision'] ?? revision);
    const currentRevision = updated === now.length && now.length === want ? revision : prevCurrent;
    const next: JsonObject = {
      observedGeneration: Number(meta(fresh)['generation'] ?? 1),
      replicas: now.length,
      readyReplicas: ready,
      currentReplicas: now.filter((p) => labelsOf(p)['controller-revision-hash'] === currentRevision).length,
      updatedReplicas: updated,
      currentRevision,
      updateRevision: revision,
      collisionCount: 0,
      availableReplicas: ready,
    };
    for (const k of ['replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas']) if (next[k] === 0) delete next[k];
    writeStatus(e, R.sts(), fresh, next);
  }
}

// --- DaemonSet -------------------------------------------------------------------------------

function daemonSets(e: KubeEngine, q: Queues): void {
  const nodes = e.list(R.nodes());
  if (q.nodesChangedForDaemonSets) {
    for (const ds of e.store.list('daemonsets')) q.daemonsets.add(ds.key);
    q.nodesChangedForDaemonSets = false;
  }
  for (const ds of take(e, q, 'daemonsets', R.ds())) {
    if (!alive(ds)) continue;
    const s = spec(ds);
    const template = (s['template'] ?? {}) as JsonObject;
    const hash = templateHash(template);
    const ts = isObject(template['spec']) ? template['spec'] : {};
    const sel = isObject(ts['nodeSelector']) ? (ts['nodeSelector'] as Record<string, string>) : {};
    const eligible = nodes.filter((n) => Object.entries(sel).every(([k, v]) => labelsOf(n)[k] === v));
    const gen = String(meta(ds)['generation'] ?? 1);
    const podNode = (p: JsonObject): string => {
      const ps = spec(p);
      if (typeof ps['nodeName'] === 'string' && ps['nodeName']) return ps['nodeName'];
      return requiredNodeName(ps) ?? '';
    };
    for (const p of ownedPods(e, ds)) {
      const n = podNode(p);
      if (!eligible.some((x) => nameOf(x) === n) || labelsOf(p)['controller-revision-hash'] !== hash) deletePod(e, ds, p, 'daemonset-controller');
    }
    const have = new Set(ownedPods(e, ds).map(podNode));
    for (const n of eligible) {
      if (have.has(nameOf(n))) continue;
      const affinity = {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nameOf(n)] }] }] } },
      };
      const tol = Array.isArray(ts['tolerations']) ? (ts['tolerations'] as JsonObject[]) : [];
      const dsTolerations = [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
        { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
      ].filter((t) => !tol.some((x) => x['key'] === t.key));
      if ('error' in createPod(e, ds, podFromTemplate(ds, template, { generateName: `${nameOf(ds)}-`, labels: { 'controller-revision-hash': hash, 'pod-template-generation': gen }, spec: { affinity, tolerations: [...tol, ...dsTolerations] } }))) break;
    }
    const fresh = e.get(R.ds(), nsOf(ds), nameOf(ds));
    if (!fresh) continue;
    const pods = ownedPods(e, fresh);
    const ready = pods.filter(isReady).length;
    const next: JsonObject = {
      currentNumberScheduled: pods.length,
      desiredNumberScheduled: eligible.length,
      numberAvailable: ready,
      numberMisscheduled: 0,
      numberReady: ready,
      observedGeneration: Number(meta(fresh)['generation'] ?? 1),
      updatedNumberScheduled: pods.filter((p) => labelsOf(p)['controller-revision-hash'] === hash).length,
    };
    if (next['numberAvailable'] === 0) delete next['numberAvailable'];
    if (next['updatedNumberScheduled'] === 0) delete next['updatedNumberScheduled'];
    if (eligible.length - ready > 0) next['numberUnavailable'] = eligible.length - ready;
    writeStatus(e, R.ds(), fresh, next);
  }
}

function requiredNodeName(ps: JsonObject): string | undefined {
  const na = isObject(ps['affinity']) && isObject(ps['affinity']['nodeAffinity']) ? ps['affinity']['nodeAffinity'] : undefined;
  const req = na && isObject(na['requiredDuringSchedulingIgnoredDuringExecution']) ? na['requiredDuringSchedulingIgnoredDuringExecution'] : undefined;
  const terms = req && Array.isArray(req['nodeSelectorTerms']) ? req['nodeSelectorTerms'] : [];
  for (const t of terms) {
    if (!isObject(t) || !Array.isArray(t['matchFields'])) continue;
    for (const f of t['matchFields']) if (isObject(f) && f['key'] === 'metadata.name' && f['operator'] === 'In' && Array.isArray(f['values'])) return String(f['values'][0]);
  }
  return undefined;
}

// --- Job -------------------------------------------------------------------------------------

function jobs(e: KubeEngine, q: Queues): void {
  for (const job of take(e, q, 'jobs', R.jobs())) {
    if (!alive(job)) continue;
    const s = spec(job);
    if (s['suspend'] === true) continue;
    const parallelism = typeof s['parallelism'] === 'number' ? s['parallelism'] : 1;
    const completions = typeof s['completions'] === 'number' ? s['completions'] : parallelism;
    const succeeded = Number(status(job)['succeeded'] ?? 0);
    const want = Math.max(0, Math.min(parallelism, completions - succeeded));
    const pods = ownedPods(e, job);
    for (let i = pods.length; i < want; i++) {
      const t = (s['template'] ?? {}) as JsonObject;
      if ('error' in createPod(e, job, podFromTemplate(job, t, { generateName: `${nameOf(job)}-` }))) break;
    }
    const fresh = e.get(R.jobs(), nsOf(job), nameOf(job));
    if (!fresh) continue;
    const now = ownedPods(e, fresh);
    const prev = status(fresh);
    const next: JsonObject = { ...prev, startTime: prev['startTime'] ?? e.timestamp(), active: now.length, ready: now.filter(isReady).length, terminating: 0, uncountedTerminatedPods: {} };
    if (next['active'] === 0) delete next['active'];
    writeStatus(e, R.jobs(), fresh, next);
  }
}

// --- scheduler and kubelet -------------------------------------------------------------------

function normalizedImage(image: string): { image: string; repo: string } {
  let repo = image.split('@')[0]!;
  const last = repo.split('/').pop()!;
  const tag = last.includes(':') ? last.split(':').pop()! : 'latest';
  repo = last.includes(':') ? repo.slice(0, repo.length - tag.length - 1) : repo;
  const first = repo.split('/')[0]!;
  if (!repo.includes('/')) repo = `docker.io/library/${repo}`;
  else if (!first.includes('.') && !first.includes(':') && first !== 'localhost') repo = `docker.io/${repo}`;
  return { image: image.includes('@') ? `${repo}@${image.split('@')[1]}` : `${repo}:${tag}`, repo };
}

function scheduleAndRun(e: KubeEngine, q: Queues): void {
  const nodes = e.list(R.nodes());
  if (q.nodesChangedForScheduler) {
    for (const k of e.index.unboundPods()) q.pods.add(k);
    q.nodesChangedForScheduler = false;
  }
  for (const pod of take(e, q, 'pods', R.pods())) {
    if (!alive(pod)) continue;
    const ps = spec(pod);
    let nodeName = typeof ps['nodeName'] === 'string' && ps['nodeName'] ? ps['nodeName'] : undefined;
    if (!nodeName) {
      const sel = isObject(ps['nodeSelector']) ? (ps['nodeSelector'] as Record<string, string>) : {};
      const required = requiredNodeName(ps);
      const fits = nodes.filter((n) => Object.entries(sel).every(([k, v]) => labelsOf(n)[k] === v) && (!required || nameOf(n) === required));
      if (!fits.length) {
        const reason = `0/${nodes.length} nodes are available: ${nodes.length} node(s) didn't match Pod's node affinity/selector. preemption: 0/${nodes.length} nodes are available: ${nodes.length} Preemption is not helpful for scheduling.`;
        const conds = [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: e.timestamp(), reason: 'Unschedulable', message: reason }];
        const cur = status(pod);
        if (!Array.isArray(cur['conditions']) || (cur['conditions'] as JsonObject[])[0]?.['message'] !== reason) {
          writeStatus(e, R.pods(), pod, { ...cur, conditions: conds }, { manager: SCHEDULER, internal: true, subresource: 'status' });
          e.event(pod, 'Warning', 'FailedScheduling', reason, 'default-scheduler');
        }
        continue;
      }
      // The least-loaded node; the first in name order among equals (a stable sort by load).
      let chosen = fits[0]!;
      for (const n of fits) if (e.index.podsOn(nameOf(n)) < e.index.podsOn(nameOf(chosen))) chosen = n;
      nodeName = nameOf(chosen);
      // pods/binding: the scheduler sets spec.nodeName.
      const bound = { ...pod, spec: { ...ps, nodeName } };
      e.update(R.pods(), nsOf(pod), nameOf(pod), bound, { manager: SCHEDULER, internal: true, untracked: true });
      e.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${nsOf(pod)}/${nameOf(pod)} to ${nodeName}`, 'default-scheduler');
    }
    const fresh = e.get(R.pods(), nsOf(pod), nameOf(pod));
    if (!fresh || status(fresh)['phase'] === 'Running') continue;
    const node = nodes.find((n) => nameOf(n) === nodeName);
    const addresses = node && isObject(node['status']) && Array.isArray(node['status']['addresses']) ? (node['status']['addresses'] as JsonObject[]) : [];
    const hostIP = String(addresses.find((a) => a['type'] === 'InternalIP')?.['address'] ?? '192.168.0.10');
    const podIP = e.nextPodIP();
    const ts = e.timestamp();
    const fs = spec(fresh);
    const containerStatus = (c: JsonObject): JsonObject => {
      const img = normalizedImage(String(c['image'] ?? ''));
      return {
        containerID: `containerd://${sha256Hex(`${uidOf(fresh)}/${String(c['name'])}`)}`,
        image: img.image,
        imageID: `${img.repo}@sha256:${sha256Hex(img.image)}`,
        lastState: {},
        name: c['name']!,
        ready: true,
        restartCount: 0,
        started: true,
        state: { running: { startedAt: ts } },
      };
    };
    const cs = (Array.isArray(fs['containers']) ? (fs['containers'] as JsonObject[]) : []).map(containerStatus);
    const ics = (Array.isArray(fs['initContainers']) ? (fs['initContainers'] as JsonObject[]) : []).map((c) => ({
      ...containerStatus(c),
      ready: true,
      started: false,
      state: { terminated: { containerID: `containerd://${sha256Hex(`${uidOf(fresh)}/init/${String(c['name'])}`)}`, exitCode: 0, finishedAt: ts, reason: 'Completed', startedAt: ts } },
    }));
    const cond = (type: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: ts });
    const next: JsonObject = {
      phase: 'Running',
      conditions: [cond('PodReadyToStartContainers'), cond('Initialized'), cond('Ready'), cond('ContainersReady'), cond('PodScheduled')],
      hostIP,
      hostIPs: [{ ip: hostIP }],
      podIP,
      podIPs: [{ ip: podIP }],
      startTime: ts,
      containerStatuses: cs,
      qosClass: status(fresh)['qosClass'] ?? 'BestEffort',
    };
    if (ics.length) next['initContainerStatuses'] = ics;
    writeStatus(e, R.pods(), fresh, next, { manager: KUBELET, internal: true, subresource: 'status' });
  }
}
