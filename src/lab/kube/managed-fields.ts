// metadata.managedFields as the API server's field manager keeps them (structured-merge-diff):
// one entry per (manager, operation, subresource) with the FieldsV1 set of the fields that
// manager set. An Update takes ownership of the fields it changed (added or modified) away
// from other managers; fields that no longer exist are owned by nobody; an Apply owns exactly
// the fields of its configuration. Encoding (FieldsV1): `f:<field>` for struct fields and map
// keys, `k:{"name":"x"}` for elements of lists keyed by their merge keys, `v:<json>` for
// elements of sets of primitives, `.` for the map or element itself, `{}` for a leaf.

import { jsonEqual } from './json-equal.js';
import { isObject, type Json, type JsonObject, type PatchSchema } from './patch.js';

/** A FieldsV1 set. Never modified once built: sets share subtrees (union, subtract, caches). */
export type FieldSet = { [k: string]: FieldSet };

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Update' | 'Apply';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: FieldSet;
  subresource?: string;
}

/** Fields the field manager never tracks (apply/update strip them). */
const IGNORED_META = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds']);

/** List-map keys where server-side apply uses more than the strategic merge key. */
const LIST_MAP_KEYS: Record<string, string[]> = { containerPort: ['containerPort', 'protocol'] };

function elementKey(el: JsonObject, mergeKey: string): string {
  const keys = LIST_MAP_KEYS[mergeKey] ?? [mergeKey];
  const o: Record<string, Json> = {};
  for (const k of keys.slice().sort()) if (el[k] !== undefined) o[k] = el[k]!;
  return `k:${JSON.stringify(o)}`;
}

function childSchema(s: PatchSchema, key: string): PatchSchema {
  return s.fields?.[key] ?? (s.map ? (s.items ?? {}) : {});
}

/**
 * Field sets of frozen values (the store's objects, and the parts a new version shares with the
 * stored one), by value and schema: a status write does not walk the unchanged spec again.
 */
const fieldSetCache = new WeakMap<object, Map<PatchSchema, FieldSet>>();

/** The full field set of a value. */
export function fieldSetOf(v: Json | undefined, s: PatchSchema): FieldSet {
  if (typeof v !== 'object' || v === null || !Object.isFrozen(v)) return computeFieldSet(v, s);
  let bySchema = fieldSetCache.get(v);
  if (!bySchema) fieldSetCache.set(v, (bySchema = new Map()));
  let f = bySchema.get(s);
  if (!f) bySchema.set(s, (f = computeFieldSet(v, s)));
  return f;
}

function computeFieldSet(v: Json | undefined, s: PatchSchema): FieldSet {
  if (isObject(v)) {
    const out: FieldSet = {};
    if (s.map) out['.'] = {};
    for (const [k, x] of Object.entries(v)) out[`f:${k}`] = fieldSetOf(x, childSchema(s, k));
    return out;
  }
  if (Array.isArray(v) && s.mergeKey) {
    const out: FieldSet = {};
    for (const el of v) if (isObject(el)) out[elementKey(el, s.mergeKey)] = { '.': {}, ...fieldSetOf(el, s.items ?? {}) };
    return out;
  }
  if (Array.isArray(v) && s.strategy?.includes('merge')) {
    const out: FieldSet = {};
    for (const x of v) out[`v:${JSON.stringify(x)}`] = {};
    return out;
  }
  return {};
}

const equal = jsonEqual;

/** Fields of `n` that are new or changed relative to `o`; undefined when nothing changed. */
export function changedFields(o: Json | undefined, n: Json | undefined, s: PatchSchema): FieldSet | undefined {
  if (n === undefined || equal(o, n)) return undefined;
  if (isObject(n) && isObject(o)) {
    const out: FieldSet = {};
    for (const [k, x] of Object.entries(n)) {
      const d = changedFields(o[k], x, childSchema(s, k));
      if (d) out[`f:${k}`] = d;
    }
    return Object.keys(out).length ? out : undefined;
  }
  if (Array.isArray(n) && Array.isArray(o) && s.mergeKey) {
    const out: FieldSet = {};
    for (const el of n) {
      if (!isObject(el)) continue;
      const key = elementKey(el, s.mergeKey);
      const before = o.find((x) => isObject(x) && elementKey(x, s.mergeKey!) === key);
      if (before === undefined) out[key] = { '.': {}, ...fieldSetOf(el, s.items ?? {}) };
      else {
        const d = changedFields(before, el, s.items ?? {});
        if (d) out[key] = d;
      }
    }
    return Object.keys(out).length ? out : undefined;
  }
  if (Array.isArray(n) && Array.isArray(o) && s.strategy?.includes('merge')) {
    const out: FieldSet = {};
    for (const x of n) if (!o.some((y) => equal(x, y))) out[`v:${JSON.stringify(x)}`] = {};
    return Object.keys(out).length ? out : undefined;
  }
  return fieldSetOf(n, s);
}

function isLeaf(f: FieldSet): boolean {
  return Object.keys(f).length === 0;
}

export function union(a: FieldSet, b: FieldSet): FieldSet {
  // Field sets are never modified, so the result shares what only one side has.
  const out: FieldSet = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = out[k] ? union(out[k]!, v) : v;
  return out;
}

/** `a` minus the fields that `b` names (a leaf in `b` removes the whole subtree of `a`). */
export function subtract(a: FieldSet, b: FieldSet): FieldSet {
  const out: FieldSet = {};
  for (const [k, v] of Object.entries(a)) {
    const r = b[k];
    if (r === undefined) out[k] = v;
    else if (isLeaf(r)) continue;
    else if (isLeaf(v)) out[k] = v;
    else {
      const rest = subtract(v, r);
      if (!isLeaf(rest)) out[k] = rest;
    }
  }
  return out;
}

/** The part of `a` that still exists in `live`. */
export function intersect(a: FieldSet, live: FieldSet): FieldSet {
  const out: FieldSet = {};
  for (const [k, v] of Object.entries(a)) {
    const l = live[k];
    if (l === undefined) continue;
    if (isLeaf(v)) out[k] = {};
    else {
      const r = intersect(v, l);
      if (!isLeaf(r)) out[k] = r;
    }
  }
  return out;
}

/** The trackable part of an object: no apiVersion/kind/identity metadata, status or spec only. */
export function trackable(obj: JsonObject, part: 'main' | 'status'): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind') continue;
    if (k === 'metadata' && isObject(v)) {
      const m: JsonObject = {};
      for (const [mk, mv] of Object.entries(v)) if (!IGNORED_META.has(mk)) m[mk] = mv;
      if (part === 'main' && Object.keys(m).length) out[k] = m;
      continue;
    }
    if (part === 'main' && k === 'status') continue;
    if (part === 'status' && k !== 'status') continue;
    out[k] = v;
  }
  return out;
}

export interface FieldManagerWrite {
  manager: string;
  operation: 'Update' | 'Apply';
  apiVersion: string;
  subresource?: string;
  time: Date;
  /** For Apply: the fields of the applied configuration. */
  applied?: FieldSet;
}

export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Recomputes managedFields after a write from `before` (undefined on create) to `after`. */
export function updateManagedFields(entries: ManagedFieldsEntry[], before: JsonObject | undefined, after: JsonObject, s: PatchSchema, w: FieldManagerWrite): ManagedFieldsEntry[] {
  const part = w.subresource === 'status' ? 'status' : 'main';
  const liveAfter = fieldSetOf(trackable(after, 'main'), s);
  const liveStatus = fieldSetOf(trackable(after, 'status'), s);
  const live = union(liveAfter, liveStatus);
  // Fields whose values this write changed move to the writer; an Apply owns exactly its
  // configuration's fields and shares the unchanged ones with their other owners.
  const changed = changedFields(before ? trackable(before, part) : {}, trackable(after, part), s) ?? {};
  const mineNow = w.applied ?? changed;
  const out: ManagedFieldsEntry[] = [];
  let mine: ManagedFieldsEntry | undefined;
  for (const e of entries) {
    const same = e.manager === w.manager && e.operation === w.operation && (e.subresource ?? '') === (w.subresource ?? '');
    if (same) {
      mine = { ...e, fieldsV1: intersect(e.fieldsV1, live) };
      out.push(mine);
      continue;
    }
    const fields = intersect(subtract(e.fieldsV1, changed), live);
    if (!isLeaf(fields)) out.push({ ...e, fieldsV1: fields });
  }
  if (!isLeaf(mineNow)) {
    if (!mine) {
      mine = { manager: w.manager, operation: w.operation, apiVersion: w.apiVersion, time: rfc3339(w.time), fieldsType: 'FieldsV1', fieldsV1: {} };
      if (w.subresource) mine.subresource = w.subresource;
      out.push(mine);
    }
    mine.fieldsV1 = w.operation === 'Apply' ? intersect(mineNow, live) : intersect(union(mine.fieldsV1, changed), live);
    mine.time = rfc3339(w.time);
    mine.apiVersion = w.apiVersion;
  }
  return out.filter((e) => !isLeaf(e.fieldsV1));
}

/** kubectl and client-go default the manager to the User-Agent's first segment (`kubectl/v1.32...` -> `kubectl`). */
export function managerFromUserAgent(ua: string | undefined): string {
  const first = (ua ?? '').split('/')[0] ?? '';
  return first.slice(0, 128) || 'unknown';
}
