// The lab's object store: etcd-like multi-version storage with one global revision
// (resourceVersion), snapshots at a revision for consistent paginated lists, compaction (after
// which continue tokens and watches from older revisions are 410 Expired), and change
// notifications for watches.

import type { JsonObject } from './patch.js';

interface Version {
  rv: number;
  obj: JsonObject | null;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: JsonObject;
  rv: number;
}

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export class ObjectStore {
  private revision = 1;
  private compacted = 0;
  private readonly data = new Map<string, Map<string, Version[]>>();
  private readonly listeners = new Set<() => void>();

  /** The current revision (the resourceVersion of the latest write). */
  get currentRevision(): number {
    return this.revision;
  }

  /** Revisions below this one were compacted away. */
  get compactedRevision(): number {
    return this.compacted;
  }

  private bucket(resource: string): Map<string, Version[]> {
    let b = this.data.get(resource);
    if (!b) {
      b = new Map();
      this.data.set(resource, b);
    }
    return b;
  }

  get(resource: string, key: string): JsonObject | undefined {
    const versions = this.data.get(resource)?.get(key);
    const last = versions?.[versions.length - 1];
    return last?.obj ? structuredClone(last.obj) : undefined;
  }

  /** Stores a new version; sets metadata.resourceVersion and returns the stored copy. */
  put(resource: string, key: string, obj: JsonObject): JsonObject {
    const rv = ++this.revision;
    const stored = structuredClone(obj);
    (stored['metadata'] as JsonObject)['resourceVersion'] = String(rv);
    const b = this.bucket(resource);
    const versions = b.get(key) ?? [];
    versions.push({ rv, obj: stored });
    b.set(key, versions);
    this.notify();
    return structuredClone(stored);
  }

  remove(resource: string, key: string): JsonObject | undefined {
    const b = this.data.get(resource);
    const versions = b?.get(key);
    const last = versions?.[versions.length - 1];
    if (!b || !versions || !last?.obj) return undefined;
    const rv = ++this.revision;
    const gone = structuredClone(last.obj);
    (gone['metadata'] as JsonObject)['resourceVersion'] = String(rv);
    versions.push({ rv, obj: null });
    this.notify();
    return gone;
  }

  /** Objects at revision `at` (default: latest), sorted by key like etcd's range reads. */
  list(resource: string, at?: number): Array<{ key: string; obj: JsonObject }> {
    const b = this.data.get(resource);
    if (!b) return [];
    const out: Array<{ key: string; obj: JsonObject }> = [];
    for (const [key, versions] of b) {
      let v: Version | undefined;
      if (at === undefined) v = versions[versions.length - 1];
      else for (let i = versions.length - 1; i >= 0; i--) if (versions[i]!.rv <= at) {
        v = versions[i];
        break;
      }
      if (v?.obj) out.push({ key, obj: structuredClone(v.obj) });
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Changes to `resource` after revision `from`, in revision order. */
  events(resource: string, from: number): WatchEvent[] {
    const b = this.data.get(resource);
    if (!b) return [];
    const out: WatchEvent[] = [];
    for (const versions of b.values()) {
      for (let i = 0; i < versions.length; i++) {
        const v = versions[i]!;
        if (v.rv <= from) continue;
        const prev = versions[i - 1];
        if (v.obj === null) {
          if (prev?.obj) {
            const gone = structuredClone(prev.obj);
            (gone['metadata'] as JsonObject)['resourceVersion'] = String(v.rv);
            out.push({ type: 'DELETED', object: gone, rv: v.rv });
          }
        } else out.push({ type: prev?.obj ? 'MODIFIED' : 'ADDED', object: structuredClone(v.obj), rv: v.rv });
      }
    }
    return out.sort((a, b) => a.rv - b.rv);
  }

  /** Drops history before `upTo` (default: now), like etcd compaction. */
  compact(upTo = this.revision): void {
    const target = Math.min(upTo, this.revision);
    for (const b of this.data.values()) {
      for (const [key, versions] of b) {
        let keepFrom = 0;
        for (let i = 0; i < versions.length; i++) if (versions[i]!.rv <= target) keepFrom = i;
        const kept = versions.slice(keepFrom);
        if (kept.length === 1 && kept[0]!.obj === null) b.delete(key);
        else b.set(key, kept);
      }
    }
    this.compacted = Math.max(this.compacted, target);
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }
}
