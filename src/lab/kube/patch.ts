// The three patch formats the API server accepts, plus the strategic-merge metadata of the
// built-in kinds the lab serves.
// - JSON merge patch: RFC 7386.
// - JSON patch: RFC 6902 (with RFC 6901 pointers).
// - Strategic merge patch: k8s.io/apimachinery/pkg/util/strategicpatch. Lists whose Go field
//   carries `patchStrategy:"merge" patchMergeKey:"k"` merge element-wise by that key; other lists
//   are replaced. Directives: `$patch: replace|delete|merge`, `$retainKeys`,
//   `$deleteFromPrimitiveList/<field>`, `$setElementOrder/<field>` (what kubectl apply sends).
//   The merge keys below are those of k8s.io/api core/v1, apps/v1, batch/v1 types.go.

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export class PatchError extends Error {
  constructor(
    message: string,
    /** 400 for malformed patches, 422 for patches that do not apply. */
    readonly status: 400 | 422 = 422,
  ) {
    super(message);
  }
}

export interface PatchSchema {
  fields?: Record<string, PatchSchema>;
  /** Schema of list elements or map values. */
  items?: PatchSchema;
  mergeKey?: string;
  /** `merge`, `retainKeys`, `merge,retainKeys`. */
  strategy?: string;
  /** A Go map (labels, annotations, nodeSelector...): managedFields mark it with ".". */
  map?: boolean;
  /** A Go struct (or map) field whose JSON tag has no omitempty: shown even when empty. */
}

const MAP: PatchSchema = { map: true };
const byKey = (mergeKey: string, items?: PatchSchema, strategy = 'merge'): PatchSchema => (items ? { mergeKey, strategy, items } : { mergeKey, strategy });

export const OBJECT_META: PatchSchema = {
  fields: {
    labels: MAP,
    annotations: MAP,
    ownerReferences: byKey('uid'),
    finalizers: { strategy: 'merge' },
  },
};

const RESOURCES: PatchSchema = { fields: { limits: MAP, requests: MAP, claims: byKey('name') } };

const CONTAINER: PatchSchema = {
  fields: {
    env: byKey('name'),
    ports: byKey('containerPort'),
    volumeMounts: byKey('mountPath'),
    volumeDevices: byKey('devicePath'),
    resources: RESOURCES,
  },
};

export const POD_SPEC: PatchSchema = {
  fields: {
    containers: byKey('name', CONTAINER),
    initContainers: byKey('name', CONTAINER),
    ephemeralContainers: byKey('name', CONTAINER),
    volumes: byKey('name', undefined, 'merge,retainKeys'),
    imagePullSecrets: byKey('name'),
    hostAliases: byKey('ip'),
    topologySpreadConstraints: byKey('topologyKey'),
    resourceClaims: byKey('name', undefined, 'merge,retainKeys'),
    schedulingGates: byKey('name'),
    nodeSelector: MAP,
    overhead: MAP,
    resources: RESOURCES,
  },
};

const TEMPLATE: PatchSchema = { fields: { metadata: OBJECT_META, spec: POD_SPEC } };
const SELECTOR: PatchSchema = { fields: { matchLabels: MAP } };
const CONDITIONS = byKey('type');

const JOB_SPEC: PatchSchema = { fields: { selector: SELECTOR, template: TEMPLATE } };

export const PATCH_SCHEMAS: Record<string, PatchSchema> = {
  Pod: {
    fields: {
      metadata: OBJECT_META,
      spec: POD_SPEC,
      status: { fields: { conditions: CONDITIONS, podIPs: byKey('ip'), hostIPs: byKey('ip') } },
    },
  },
  Deployment: {
    fields: {
      metadata: OBJECT_META,
      spec: { fields: { selector: SELECTOR, template: TEMPLATE, strategy: { strategy: 'retainKeys' } } },
      status: { fields: { conditions: CONDITIONS } },
    },
  },
  ReplicaSet: { fields: { metadata: OBJECT_META, spec: { fields: { selector: SELECTOR, template: TEMPLATE } }, status: { fields: { conditions: CONDITIONS } } } },
  StatefulSet: { fields: { metadata: OBJECT_META, spec: { fields: { selector: SELECTOR, template: TEMPLATE } }, status: { fields: { conditions: CONDITIONS } } } },
  DaemonSet: { fields: { metadata: OBJECT_META, spec: { fields: { selector: SELECTOR, template: TEMPLATE } }, status: { fields: { conditions: CONDITIONS } } } },
  Job: { fields: { metadata: OBJECT_META, spec: JOB_SPEC, status: { fields: { conditions: CONDITIONS } } } },
  CronJob: { fields: { metadata: OBJECT_META, spec: { fields: { jobTemplate: { fields: { metadata: OBJECT_META, spec: JOB_SPEC } } } } } },
  ServiceAccount: { fields: { metadata: OBJECT_META, secrets: byKey('name') } },
  Namespace: { fields: { metadata: OBJECT_META } },
  Node: {
    fields: {
      metadata: OBJECT_META,
      spec: { fields: { podCIDRs: { strategy: 'merge' } } },
      status: { fields: { addresses: byKey('type'), conditions: CONDITIONS, capacity: MAP, allocatable: MAP } },
    },
  },
  ConfigMap: { fields: { metadata: OBJECT_META, data: MAP, binaryData: MAP } },
  Secret: { fields: { metadata: OBJECT_META, data: MAP, stringData: MAP } },
  Event: { fields: { metadata: OBJECT_META } },
  Scale: { fields: { metadata: OBJECT_META } },
};

export function schemaFor(kind: string): PatchSchema {
  return PATCH_SCHEMAS[kind] ?? { fields: { metadata: OBJECT_META } };
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

// ---------------------------------------------------------------------------------------------
// RFC 7386

export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v);
  }
  return out;
}

/** The merge patch that turns `from` into `to` (used for the last-applied bookkeeping). */
export function createMergePatch(from: Json, to: Json): Json {
  if (!isObject(from) || !isObject(to)) return clone(to);
  const out: JsonObject = {};
  for (const k of Object.keys(from)) if (!(k in to)) out[k] = null;
  for (const [k, v] of Object.entries(to)) {
    const f = from[k];
    if (f === undefined) out[k] = clone(v);
    else if (isObject(f) && isObject(v)) {
      const sub = createMergePatch(f, v);
      if (isObject(sub) && Object.keys(sub).length) out[k] = sub;
    } else if (JSON.stringify(f) !== JSON.stringify(v)) out[k] = clone(v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// RFC 6902

interface JsonPatchOp {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

function parsePointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw new PatchError(`invalid JSON pointer: ${JSON.stringify(p)}`, 400);
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function resolveParent(doc: Json, tokens: string[], path: string): { parent: Json; key: string } {
  let cur: Json = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) {
      const i = Number(t);
      if (!Number.isInteger(i) || i < 0 || i >= cur.length) throw new PatchError(`doc is missing path: "${path}": missing value`);
      cur = cur[i]!;
    } else if (isObject(cur)) {
      if (!(t in cur)) throw new PatchError(`doc is missing path: "${path}": missing value`);
      cur = cur[t]!;
    } else throw new PatchError(`doc is missing path: "${path}": missing value`);
  }
  return { parent: cur, key: tokens[tokens.length - 1]! };
}

function getAt(doc: Json, path: string): Json {
  let cur: Json = doc;
  for (const t of parsePointer(path)) {
    if (Array.isArray(cur) && Number.isInteger(Number(t)) && Number(t) < cur.length) cur = cur[Number(t)]!;
    else if (isObject(cur) && t in cur) cur = cur[t]!;
    else throw new PatchError(`doc is missing path: "${path}": missing value`);
  }
  return cur;
}

function addAt(doc: Json, path: string, value: Json): Json {
  const tokens = parsePointer(path);
  if (!tokens.length) return clone(value);
  const { parent, key } = resolveParent(doc, tokens, path);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(i) || i < 0 || i > parent.length) throw new PatchError(`add operation does not apply: doc is missing path: "${path}": missing value`);
    parent.splice(i, 0, clone(value));
  } else if (isObject(parent)) parent[key] = clone(value);
  else throw new PatchError(`add operation does not apply: doc is missing path: "${path}": missing value`);
  return doc;
}

function removeAt(doc: Json, path: string, op = 'remove'): Json {
  const tokens = parsePointer(path);
  const { parent, key } = resolveParent(doc, tokens, path);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length) throw new PatchError(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
    parent.splice(i, 1);
  } else if (isObject(parent) && key in parent) delete parent[key];
  else throw new PatchError(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  return doc;
}

export function applyJsonPatch(target: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw new PatchError('json: cannot unmarshal object into Go value of type jsonpatch.Patch', 400);
  let doc = clone(target);
  for (const raw of ops as JsonPatchOp[]) {
    if (!isObject(raw as unknown) || typeof raw.op !== 'string' || typeof raw.path !== 'string') throw new PatchError('invalid JSON patch operation', 400);
    switch (raw.op) {
      case 'add':
        doc = addAt(doc, raw.path, raw.value ?? null);
        break;
      case 'remove':
        doc = removeAt(doc, raw.path);
        break;
      case 'replace':
        getAt(doc, raw.path);
        doc = removeAt(doc, raw.path, 'replace');
        doc = addAt(doc, raw.path, raw.value ?? null);
        break;
      case 'move': {
        const v = getAt(doc, raw.from ?? '');
        doc = removeAt(doc, raw.from ?? '', 'move');
        doc = addAt(doc, raw.path, v);
        break;
      }
      case 'copy':
        doc = addAt(doc, raw.path, getAt(doc, raw.from ?? ''));
        break;
      case 'test':
        if (JSON.stringify(getAt(doc, raw.path)) !== JSON.stringify(raw.value ?? null)) throw new PatchError(`testing value ${raw.path} failed: test failed`);
        break;
      default:
        throw new PatchError(`Unexpected kind: ${raw.op}`, 400);
    }
  }
  return doc;
}

// ---------------------------------------------------------------------------------------------
// Strategic merge patch

const DELETE = Symbol('delete');

function isDirectiveKey(k: string): boolean {
  return k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/') || k.startsWith('$deleteFromPrimitiveList/');
}

/** Strips directives from a value that is inserted as is. */
function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.filter((x) => !(isObject(x) && x['$patch'] !== undefined && Object.keys(x).length === 1)).map(stripDirectives);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) if (!isDirectiveKey(k)) out[k] = stripDirectives(x);
  return out;
}

function keyOf(el: Json, mergeKey: string): string | undefined {
  if (!isObject(el)) return undefined;
  const k = el[mergeKey];
  return k === undefined ? undefined : JSON.stringify(k);
}

function mergeList(orig: Json[], patch: Json[], s: PatchSchema, field: string): Json[] {
  if (patch.some((x) => isObject(x) && x['$patch'] === 'replace')) {
    return patch.filter((x) => !(isObject(x) && x['$patch'] === 'replace')).map(stripDirectives);
  }
  const mk = s.mergeKey;
  if (!mk) {
    // Set semantics for primitive lists with patchStrategy merge (finalizers).
    const out = clone(orig);
    for (const v of patch) if (!out.some((x) => JSON.stringify(x) === JSON.stringify(v))) out.push(clone(v));
    return out;
  }
  const out = clone(orig);
  for (const el of patch) {
    if (!isObject(el)) throw new PatchError(`unable to find api field in struct for the field ${field}: merging an object in json but data type is not struct, instead is: ${typeof el}`, 400);
    const k = keyOf(el, mk);
    if (k === undefined) throw new PatchError(`map: ${JSON.stringify(el)} does not contain declared merge key: ${mk}`, 400);
    const idx = out.findIndex((x) => keyOf(x, mk) === k);
    if (el['$patch'] === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) {
      const merged = mergeMap(out[idx] as JsonObject, el, s.items ?? {});
      if (merged === DELETE) out.splice(idx, 1);
      else out[idx] = merged;
    } else out.push(stripDirectives(el));
  }
  return out;
}

function reorder(list: Json[], order: Json[], mk: string | undefined): Json[] {
  const pos = (x: Json): number => order.findIndex((o) => (mk ? keyOf(o, mk) === keyOf(x, mk) : JSON.stringify(o) === JSON.stringify(x)));
  const listed = list.filter((x) => pos(x) >= 0).sort((a, b) => pos(a) - pos(b));
  const rest = list.filter((x) => pos(x) < 0);
  return [...listed, ...rest];
}

function mergeMap(orig: JsonObject, patch: JsonObject, s: PatchSchema): JsonObject | typeof DELETE {
  const directive = patch['$patch'];
  if (directive === 'delete') return DELETE;
  if (directive === 'replace') return stripDirectives(patch) as JsonObject;
  if (directive !== undefined && directive !== 'merge') throw new PatchError(`Unknown patch type: ${String(directive)} in map: ${JSON.stringify(patch)}`, 400);
  const out = clone(orig);
  for (const [key, pv] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys' || key.startsWith('$setElementOrder/')) continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[field];
      if (!Array.isArray(pv)) throw new PatchError('invalid patch: $deleteFromPrimitiveList must be a list', 400);
      if (Array.isArray(cur)) out[field] = cur.filter((x) => !pv.some((d) => JSON.stringify(d) === JSON.stringify(x)));
      continue;
    }
    if (pv === null) {
      delete out[key];
      continue;
    }
    const fs = s.fields?.[key] ?? (s.map ? s.items : undefined) ?? {};
    const ov = out[key];
    if (isObject(pv)) {
      if (isObject(ov)) {
        const merged = mergeMap(ov, pv, fs);
        if (merged === DELETE) delete out[key];
        else out[key] = merged;
      } else if (pv['$patch'] === 'delete') delete out[key];
      else out[key] = stripDirectives(pv);
    } else if (Array.isArray(pv)) {
      if (fs.strategy?.includes('merge')) out[key] = mergeList(Array.isArray(ov) ? ov : [], pv, fs, key);
      else out[key] = stripDirectives(pv);
    } else out[key] = pv;
  }
  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith('$setElementOrder/')) continue;
    const field = key.slice('$setElementOrder/'.length);
    const cur = out[field];
    if (!Array.isArray(order)) throw new PatchError('invalid patch: $setElementOrder must be a list', 400);
    if (Array.isArray(cur)) out[field] = reorder(cur, order, s.fields?.[field]?.mergeKey);
  }
  const retain = patch['$retainKeys'];
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw new PatchError('invalid patch: $retainKeys must be a list', 400);
    for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  }
  return out;
}

export function strategicMergePatch(original: JsonObject, patch: Json, schema: PatchSchema): JsonObject {
  if (!isObject(patch)) throw new PatchError('unable to unmarshal patch: json: cannot unmarshal into Go value of type map[string]interface {}', 400);
  const merged = mergeMap(original, patch, schema);
  if (merged === DELETE) return {};
  return merged;
}
