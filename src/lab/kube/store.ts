// The lab's object store: etcd-like multi-version storage with one global revision
// (resourceVersion), snapshots at a revision for consistent paginated lists, compaction (after
// which continue tokens and watches from older revisions are 410 Expired), and change
// notifications for watches.
//
// Built to hold tens of thousands of objects:
// - Every stored version is deep-frozen and handed out as is: readers (the controllers, list
//   and watch serialisation) pay no copy, and a caller that tries to mutate one gets a TypeError
//   (ESM is strict mode) instead of silently corrupting history. Callers that want to modify an
//   object clone it first.
// - Each resource keeps its live keys sorted (rebuilt lazily, by merge, after writes), so a list
//   page is a binary search plus `limit` steps when the resource has not been written since the
//   list's revision; older revisions fall back to walking the keys without copying anything.
// - Each resource keeps a change log in revision order, so a watch reads only what changed.
// - Write observers (onWrite) let the engine maintain indexes and the controllers their queues.

import type { JsonObject } from './patch.js';
import { deepFreeze } from '../../k8s/freeze.js';

interface Version {
  rv: number;
  obj: JsonObject | null;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: JsonObject;
  rv: number;
}

/** One write, as write observers see it: `prev`/`next` are the frozen objects (null: absent). */
export interface StoreWrite {
  resource: string;
  key: string;
  rv: number;
  prev: JsonObject | null;
  next: JsonObject | null;
}

/** One page of a list: items in key order from `start`, and how many more match after them. */
export interface ListPage {
  items: Array<{ key: string; obj: JsonObject }>;
  /** Whether objects after the page match (a continue token is due). */
  more: boolean;
  /** Matching objects after the page; only counted when no `match` filter was given. */
  remaining?: number;
}

export interface PageQuery {
  /** Revision to read at (default: latest). */
  at?: number;
  /** Keys with this prefix only (`ns/` for one namespace). */
  prefix?: string;
  /** First key to return (inclusive). */
  start?: string;
  /** Items per page; 0 or absent: all. */
  limit?: number;
  match?: (obj: JsonObject) => boolean;
}

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** First index in sorted `keys` whose key is >= `k`. */
function lowerBound(keys: readonly string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The smallest string greater than every string starting with `prefix`. */
function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/** The version of `versions` visible at revision `at`. */
function versionAt(versions: Version[], at: number): Version | undefined {
  for (let i = versions.length - 1; i >= 0; i--) if (versions[i]!.rv <= at) return versions[i];
  return undefined;
}

class Bucket {
  /** Every key's history, oldest first; a null object marks a deletion. */
  readonly versions = new Map<string, Version[]>();
  /** Live objects by key (the last version of each key that is not a deletion). */
  readonly live = new Map<string, JsonObject>();
  /** Revision of the last write to this resource. */
  lastWrite = 0;
  /** (rv, key) of every write since the last compaction, in revision order, for watches. */
  log: Array<{ rv: number; key: string }> = [];
  /** Live keys in order as of the last rebuild, plus keys created since (unordered). */
  private sorted: string[] = [];
  private added = new Set<string>();
  private removedSinceSort = false;

  noteCreated(key: string): void {
    this.added.add(key);
  }

  noteRemoved(key: string): void {
    if (!this.added.delete(key)) this.removedSinceSort = true;
  }

  /** The live keys in order: merges the keys created since the last call into the sorted array. */
  sortedLive(): readonly string[] {
    if (this.added.size === 0 && !this.removedSinceSort) return this.sorted;
    const base = this.removedSinceSort ? this.sorted.filter((k) => this.live.has(k)) : this.sorted;
    const add = [...this.added].filter((k) => this.live.has(k)).sort(compareKeys);
    const out: string[] = [];
    let i = 0;
    let j = 0;
    while (i < base.length || j < add.length) {
      const a = base[i];
      const b = add[j];
      if (b === undefined || (a !== undefined && a < b)) {
        out.push(a!);
        i++;
      } else if (a === undefined || b < a) {
        out.push(b);
        j++;
      } else {
        // A key deleted and created again since the last rebuild is in both.
        out.push(a);
        i++;
        j++;
      }
    }
    this.sorted = out;
    this.added.clear();
    this.removedSinceSort = false;
    return out;
  }
}

export class ObjectStore {
  private revision = 1;
  private compacted = 0;
  private readonly data = new Map<string, Bucket>();
  private readonly listeners = new Set<() => void>();
  private readonly observers = new Set<(w: StoreWrite) => void>();

  /** The current revision (the resourceVersion of the latest write). */
  get currentRevision(): number {
    return this.revision;
  }

  /** Revisions below this one were compacted away. */
  get compactedRevision(): number {
    return this.compacted;
  }

  private bucket(resource: string): Bucket {
    let b = this.data.get(resource);
    if (!b) {
      b = new Bucket();
      this.data.set(resource, b);
    }
    return b;
  }

  /** The latest object at `key`, frozen (clone it to modify it). */
  get(resource: string, key: string): JsonObject | undefined {
    return this.data.get(resource)?.live.get(key);
  }

  /** How many objects of `resource` exist now. */
  count(resource: string): number {
    return this.data.get(resource)?.live.size ?? 0;
  }

  /** Revision of the last write to `resource` (0: never written). */
  lastWriteRevision(resource: string): number {
    return this.data.get(resource)?.lastWrite ?? 0;
  }

  /**
   * Stores a new version and returns it. The store takes `obj` over: it sets
   * metadata.resourceVersion on it and freezes it, so the caller must not keep modifying it.
   */
  put(resource: string, key: string, obj: JsonObject): JsonObject {
    const rv = ++this.revision;
    (obj['metadata'] as JsonObject)['resourceVersion'] = String(rv);
    const stored = deepFreeze(obj);
    const b = this.bucket(resource);
    let versions = b.versions.get(key);
    if (!versions) {
      versions = [];
      b.versions.set(key, versions);
    }
    const prev = b.live.get(key) ?? null;
    versions.push({ rv, obj: stored });
    b.live.set(key, stored);
    if (!prev) b.noteCreated(key);
    this.wrote(b, { resource, key, rv, prev, next: stored });
    return stored;
  }

  /** Deletes `key`; returns the deleted object with the deletion's resourceVersion. */
  remove(resource: string, key: string): JsonObject | undefined {
    const b = this.data.get(resource);
    const prev = b?.live.get(key);
    if (!b || !prev) return undefined;
    const rv = ++this.revision;
    b.versions.get(key)!.push({ rv, obj: null });
    b.live.delete(key);
    b.noteRemoved(key);
    this.wrote(b, { resource, key, rv, prev, next: null });
    return withResourceVersion(prev, rv);
  }

  private wrote(b: Bucket, w: StoreWrite): void {
    b.lastWrite = w.rv;
    b.log.push({ rv: w.rv, key: w.key });
    for (const o of this.observers) o(w);
    this.notify();
  }

  /** Objects at revision `at` (default: latest), sorted by key like etcd's range reads. */
  list(resource: string, at?: number, prefix?: string): Array<{ key: string; obj: JsonObject }> {
    const q: PageQuery = {};
    if (at !== undefined) q.at = at;
    if (prefix !== undefined) q.prefix = prefix;
    return this.page(resource, q).items;
  }

  /**
   * A range read: objects at revision `at` with keys from `start` (and under `prefix`), in key
   * order, at most `limit` of them. When `resource` has not been written since `at`, the latest
   * state is that revision's state and the page costs a binary search plus the page itself;
   * otherwise every key's history is consulted (still without copying).
   */
  page(resource: string, q: PageQuery = {}): ListPage {
    const b = this.data.get(resource);
    if (!b) return q.match ? { items: [], more: false } : { items: [], more: false, remaining: 0 };
    const limit = q.limit && q.limit > 0 ? q.limit : Infinity;
    const current = q.at === undefined || q.at >= b.lastWrite;
    const keys = current ? b.sortedLive() : [...b.versions.keys()].sort(compareKeys);
    const hi = q.prefix ? lowerBound(keys, prefixEnd(q.prefix)) : keys.length;
    // A start past the prefix's range leaves nothing (and nothing remaining, not a negative count).
    const lo = Math.min(hi, Math.max(q.prefix ? lowerBound(keys, q.prefix) : 0, q.start ? lowerBound(keys, q.start) : 0));
    const objAt = (key: string): JsonObject | null | undefined => (current ? b.live.get(key) : versionAt(b.versions.get(key)!, q.at!)?.obj);
    const items: Array<{ key: string; obj: JsonObject }> = [];
    let i = lo;
    for (; i < hi && items.length < limit; i++) {
      const key = keys[i]!;
      const obj = objAt(key);
      if (obj && (!q.match || q.match(obj))) items.push({ key, obj });
    }
    if (q.match) {
      // With a filter, only whether one more object matches is known cheaply.
      for (; i < hi; i++) {
        const obj = objAt(keys[i]!);
        if (obj && q.match(obj)) return { items, more: true };
      }
      return { items, more: false };
    }
    if (current) return { items, more: i < hi, remaining: hi - i };
    let remaining = 0;
    for (; i < hi; i++) if (objAt(keys[i]!)) remaining++;
    return { items, more: remaining > 0, remaining };
  }

  /** Changes to `resource` after revision `from`, in revision order. */
  events(resource: string, from: number): WatchEvent[] {
    const b = this.data.get(resource);
    if (!b) return [];
    const out: WatchEvent[] = [];
    let lo = 0;
    let hi = b.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (b.log[mid]!.rv <= from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < b.log.length; i++) {
      const { rv, key } = b.log[i]!;
      const versions = b.versions.get(key);
      if (!versions) continue;
      const at = versions.findIndex((v) => v.rv === rv);
      if (at < 0) continue;
      const v = versions[at]!;
      const prev = versions[at - 1];
      if (v.obj === null) {
        if (prev?.obj) out.push({ type: 'DELETED', object: withResourceVersion(prev.obj, rv), rv });
      } else out.push({ type: prev?.obj ? 'MODIFIED' : 'ADDED', object: v.obj, rv });
    }
    return out;
  }

  /** Drops history before `upTo` (default: now), like etcd compaction. */
  compact(upTo = this.revision): void {
    const target = Math.min(upTo, this.revision);
    for (const b of this.data.values()) {
      for (const [key, versions] of b.versions) {
        let keepFrom = 0;
        for (let i = 0; i < versions.length; i++) if (versions[i]!.rv <= target) keepFrom = i;
        const kept = versions.slice(keepFrom);
        if (kept.length === 1 && kept[0]!.obj === null) b.versions.delete(key);
        else b.versions.set(key, kept);
      }
      // Watches from before the compacted revision get 410, so their log entries can go.
      const first = b.log.findIndex((e) => e.rv > target);
      b.log = first < 0 ? [] : b.log.slice(first);
    }
    this.compacted = Math.max(this.compacted, target);
  }

  /** Calls `fn` after every change (watches wake up on it). */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Calls `fn` synchronously with every write, before onChange listeners (indexes, queues). */
  onWrite(fn: (w: StoreWrite) => void): () => void {
    this.observers.add(fn);
    return () => this.observers.delete(fn);
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }
}

/** A frozen copy of `obj` with another metadata.resourceVersion (the rest shared). */
function withResourceVersion(obj: JsonObject, rv: number): JsonObject {
  return deepFreeze({ ...obj, metadata: { ...(obj['metadata'] as JsonObject), resourceVersion: String(rv) } });
}
