// Indexes over the lab's object store, kept up to date by the store's write observer, so the
// API's bookkeeping and the controllers answer "who owns what" without listing everything:
// - uid -> object (the garbage collector's "does the owner still exist"),
// - owner uid -> dependents (ownerReferences: garbage collection, orphaning, a controller's pods),
// - node name -> pods bound to it (the scheduler's least-loaded node),
// - pods not yet bound to a node (rescheduled when nodes change),
// - (namespace, involved object uid, reason, message) -> events (the event recorder's dedupe).

import { isObject, type JsonObject } from './patch.js';
import type { ObjectStore, StoreWrite } from './store.js';

/** Where an object lives in the store. */
export interface ObjectRef {
  resource: string;
  key: string;
}

function metaOf(o: JsonObject): JsonObject {
  return isObject(o['metadata']) ? o['metadata'] : {};
}

/** The uids an object's ownerReferences name. */
export function ownerUids(o: JsonObject): string[] {
  const refs = metaOf(o)['ownerReferences'];
  if (!Array.isArray(refs)) return [];
  return refs.filter(isObject).map((r) => String(r['uid']));
}

function nodeNameOf(pod: JsonObject): string | undefined {
  const spec = pod['spec'];
  const n = isObject(spec) ? spec['nodeName'] : undefined;
  return typeof n === 'string' && n ? n : undefined;
}

function eventKey(ev: JsonObject): string {
  const io = isObject(ev['involvedObject']) ? ev['involvedObject'] : {};
  return eventDedupeKey(String(metaOf(ev)['namespace'] ?? ''), String(io['uid'] ?? ''), String(ev['reason'] ?? ''), String(ev['message'] ?? ''));
}

export function eventDedupeKey(namespace: string, involvedUid: string, reason: string, message: string): string {
  return `${namespace}\u0000${involvedUid}\u0000${reason}\u0000${message}`;
}

function addTo<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}

function removeFrom<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}

/** `resource\0key`: one string per stored object for the sets below. */
function refId(resource: string, key: string): string {
  return `${resource}\u0000${key}`;
}

export function parseRefId(id: string): ObjectRef {
  const i = id.indexOf('\u0000');
  return { resource: id.slice(0, i), key: id.slice(i + 1) };
}

export class StoreIndex {
  private readonly byUid = new Map<string, ObjectRef>();
  private readonly dependents = new Map<string, Set<string>>();
  private readonly podsPerNode = new Map<string, number>();
  private readonly unbound = new Set<string>();
  private readonly events = new Map<string, Set<string>>();

  constructor(store: ObjectStore) {
    store.onWrite((w) => this.update(w));
  }

  private update(w: StoreWrite): void {
    const { resource, key, prev, next } = w;
    const id = refId(resource, key);
    if (prev) {
      if (!next) this.byUid.delete(String(metaOf(prev)['uid']));
      for (const u of ownerUids(prev)) removeFrom(this.dependents, u, id);
    }
    if (next) {
      this.byUid.set(String(metaOf(next)['uid']), { resource, key });
      for (const u of ownerUids(next)) addTo(this.dependents, u, id);
    }
    if (resource === 'pods') {
      const before = prev ? nodeNameOf(prev) : undefined;
      const after = next ? nodeNameOf(next) : undefined;
      if (before !== after) {
        if (before !== undefined) {
          const n = (this.podsPerNode.get(before) ?? 1) - 1;
          if (n > 0) this.podsPerNode.set(before, n);
          else this.podsPerNode.delete(before);
        }
        if (after !== undefined) this.podsPerNode.set(after, (this.podsPerNode.get(after) ?? 0) + 1);
      }
      if (next && after === undefined) this.unbound.add(key);
      else this.unbound.delete(key);
    } else if (resource === 'events') {
      if (prev) removeFrom(this.events, eventKey(prev), key);
      if (next) addTo(this.events, eventKey(next), key);
    }
  }

  /** The stored object with this uid, if any. */
  byUidRef(uid: string): ObjectRef | undefined {
    return this.byUid.get(uid);
  }

  hasUid(uid: string): boolean {
    return this.byUid.has(uid);
  }

  /** Objects whose ownerReferences name `ownerUid`, sorted by resource then key. */
  dependentsOf(ownerUid: string): ObjectRef[] {
    const s = this.dependents.get(ownerUid);
    if (!s) return [];
    return [...s].sort().map(parseRefId);
  }

  /** Pods whose spec.nodeName is `node`. */
  podsOn(node: string): number {
    return this.podsPerNode.get(node) ?? 0;
  }

  /** Keys of pods without a node. */
  unboundPods(): string[] {
    return [...this.unbound];
  }

  /** Keys of the events in `namespace` about `involvedUid` with this reason and message, sorted. */
  eventsFor(namespace: string, involvedUid: string, reason: string, message: string): string[] {
    const s = this.events.get(eventDedupeKey(namespace, involvedUid, reason, message));
    return s ? [...s].sort() : [];
  }
}
