// `kubectl get ... -o yaml|json` objects (single objects, `kind: List`, API lists such as
// `PodList` whose items carry no kind/apiVersion, multi-document YAML, user manifests) and
// `kubectl version` (`-o json|yaml`, the raw `/version` document, and the plain text form).

import { InputError } from '../facts.js';
import type { Fact, K8sMeta, K8sObject, K8sObjectFact, KubeVersionFact, Source } from '../facts.js';
import type { Recogniser } from './types.js';
import { describeType, docSource, docsOf, isRecord, lineOf, lines, linesOfItems, own, put, rec, sourceAt, str } from './util.js';
import type { Doc, Rec } from './util.js';

function fail(src: Source, doc: Doc, path: ReadonlyArray<string | number>, message: string): never {
  throw new InputError(src.path, message, lineOf(doc, path));
}

/** Annotations and labels must be maps of strings, as the API server requires. */
function stringMap(
  v: unknown,
  field: 'annotations' | 'labels',
  name: string,
  src: Source,
  doc: Doc,
  path: ReadonlyArray<string | number>,
): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined; // `annotations:` with nothing under it
  if (!isRecord(v)) fail(src, doc, path, `metadata.${field} of ${name} is ${describeType(v)}, expected a map of strings`);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val === 'string') put(out, k, val);
    // `key:` with no value: YAML null, which the API server stores as "" (an empty annotation).
    else if (val === null) put(out, k, '');
    else {
      fail(src, doc, [...path, k], `metadata.${field}["${k}"] of ${name} is ${describeType(val)}: ${field} values must be strings (quote it: "${String(val)}")`);
    }
  }
  return out;
}

/**
 * Checks and normalises one object: kind and metadata present, metadata fields of the right
 * types. Returns a shallow copy with `kind`/`apiVersion` filled from the list when missing.
 */
function toObject(
  v: Rec,
  src: Source,
  doc: Doc,
  path: ReadonlyArray<string | number>,
  fill?: { kind: string; apiVersion?: string },
): K8sObject {
  const kind = str(v, 'kind') ?? fill?.kind;
  if (kind === undefined || kind === '') fail(src, doc, path, 'Kubernetes object without a kind');
  const apiVersion = str(v, 'apiVersion') ?? fill?.apiVersion;
  const m = own(v, 'metadata');
  if (!isRecord(m)) fail(src, doc, [...path, 'metadata'], `${kind} without metadata`);
  const name = own(m, 'name');
  const label = typeof name === 'string' ? `${kind} ${name}` : kind;
  for (const f of ['name', 'generateName', 'namespace', 'uid', 'creationTimestamp', 'resourceVersion'] as const) {
    const x = own(m, f);
    if (x !== undefined && x !== null && typeof x !== 'string') {
      fail(src, doc, [...path, 'metadata', f], `metadata.${f} of ${label} is ${describeType(x)}, expected a string`);
    }
  }
  const meta: K8sMeta = { ...m };
  for (const f of ['annotations', 'labels'] as const) {
    const map = stringMap(own(m, f), f, label, src, doc, [...path, 'metadata', f]);
    if (map === undefined) delete meta[f];
    else meta[f] = map;
  }
  const owners = own(m, 'ownerReferences');
  if (owners !== undefined && owners !== null) {
    if (!Array.isArray(owners)) fail(src, doc, [...path, 'metadata', 'ownerReferences'], `metadata.ownerReferences of ${label} is not a list`);
    owners.forEach((o, i) => {
      if (!isRecord(o) || typeof own(o, 'kind') !== 'string' || typeof own(o, 'name') !== 'string') {
        fail(src, doc, [...path, 'metadata', 'ownerReferences', i], `metadata.ownerReferences[${i}] of ${label} needs a kind and a name`);
      }
    });
  } else delete meta.ownerReferences;
  const managed = own(m, 'managedFields');
  if (managed !== undefined && managed !== null && !Array.isArray(managed)) {
    fail(src, doc, [...path, 'metadata', 'managedFields'], `metadata.managedFields of ${label} is not a list`);
  }
  for (const f of ['spec', 'status'] as const) {
    const x = own(v, f);
    if (x !== undefined && x !== null && !isRecord(x)) fail(src, doc, [...path, f], `${f} of ${label} is ${describeType(x)}, expected an object`);
  }
  const obj: K8sObject = { ...v, kind, metadata: meta };
  if (apiVersion !== undefined) obj.apiVersion = apiVersion;
  for (const f of ['spec', 'status'] as const) if (obj[f] === null) delete obj[f];
  if (kind === 'Secret') redactSecret(obj);
  return obj;
}

export const REDACTED = '(redacted by irsa-doctor)';

/**
 * A Secret's values never enter the evidence (they could reach a report); its keys stay, since
 * they tell what it holds (`aws_access_key_id`, `credentials`).
 */
function redactSecret(obj: K8sObject): void {
  for (const f of ['data', 'stringData'] as const) {
    const d = obj[f];
    if (!isRecord(d)) continue;
    obj[f] = Object.fromEntries(Object.keys(d).map((k) => [k, REDACTED]));
  }
  const ann = obj.metadata.annotations;
  // `kubectl apply` keeps the whole applied Secret, values included, in this annotation.
  if (ann && 'kubectl.kubernetes.io/last-applied-configuration' in ann) {
    obj.metadata.annotations = { ...ann, 'kubectl.kubernetes.io/last-applied-configuration': REDACTED };
  }
}

/** `List` (kubectl) or `<Kind>List` (the API) with an `items` array. */
function isList(v: Rec): boolean {
  const kind = str(v, 'kind');
  return kind !== undefined && /List$/.test(kind) && Array.isArray(own(v, 'items'));
}

export const kubectlObjects: Recogniser = {
  format: 'kubectl get -o yaml|json',
  reads: 'structured',
  recognise(input, source) {
    const facts: Fact[] = [];
    const docs = docsOf(input);
    if (docs.length === 0) return null;
    for (const doc of docs) {
      const v = doc.value;
      if (!isRecord(v)) return null;
      const kind = str(v, 'kind');
      // An API error (`kind: Status`) is not an object (notfound.ts, hints.ts); a TokenRequest
      // carries a live token and is src/tls's.
      if (kind === undefined || kind === '' || kind === 'Status' || kind === 'TokenRequest') return null;
      const src = docSource(input, source, doc);
      if (isList(v)) {
        const items = own(v, 'items') as unknown[];
        const listKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
        const apiVersion = str(v, 'apiVersion');
        const at = linesOfItems(doc, ['items'], items.length);
        items.forEach((it, i) => {
          const itemSrc = sourceAt(source, at[i]);
          if (!isRecord(it)) fail(itemSrc, doc, ['items', i], `items[${i}] of the ${kind} is ${describeType(it)}, expected an object`);
          const fill = listKind !== undefined && listKind !== '' ? { kind: listKind, ...(apiVersion !== undefined ? { apiVersion } : {}) } : undefined;
          facts.push({ kind: 'k8sObject', source: itemSrc, object: toObject(it, itemSrc, doc, ['items', i], fill), fromList: kind } satisfies K8sObjectFact);
        });
        continue;
      }
      if (!isRecord(own(v, 'metadata'))) return null;
      facts.push({ kind: 'k8sObject', source: src, object: toObject(v, src, doc, []) } satisfies K8sObjectFact);
    }
    return facts;
  },
};

// ---------------------------------------------------------------- kubectl version

type Version = NonNullable<KubeVersionFact['server']>;

/** `v1.29.4-eks-036c24b` -> 1, 29. */
function fromGitVersion(git: string): { major: number; minor: number } | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(git);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/** A version.Info: `minor` may carry a `+` (`"29+"` on EKS) or be empty on some builds. */
function toVersion(info: Rec, src: Source, which: string): Version {
  const git = str(info, 'gitVersion') ?? '';
  const majorText = /^\d+/.exec(str(info, 'major') ?? '')?.[0];
  const minorText = /^\d+/.exec(str(info, 'minor') ?? '')?.[0];
  const fromGit = fromGitVersion(git);
  const major = majorText !== undefined ? Number(majorText) : fromGit?.major;
  const minor = minorText !== undefined ? Number(minorText) : fromGit?.minor;
  if (major === undefined || minor === undefined) {
    throw new InputError(src.path, `${which} has no readable version (major ${JSON.stringify(own(info, 'major') ?? null)}, minor ${JSON.stringify(own(info, 'minor') ?? null)}, gitVersion ${JSON.stringify(git)})`, src.line);
  }
  return { major, minor, gitVersion: git };
}

function isVersionInfo(v: unknown): v is Rec {
  return isRecord(v) && typeof own(v, 'gitVersion') === 'string' && ('major' in v || 'minor' in v);
}

export const kubectlVersion: Recogniser = {
  format: 'kubectl version -o json|yaml',
  reads: 'structured',
  recognise(input, source) {
    const facts: Fact[] = [];
    const docs = docsOf(input);
    if (docs.length === 0) return null;
    for (const doc of docs) {
      const v = doc.value;
      if (!isRecord(v)) return null;
      const src = docSource(input, source, doc);
      const client = rec(v, 'clientVersion');
      const server = rec(v, 'serverVersion');
      const fact: KubeVersionFact = { kind: 'kubeVersion', source: src };
      if (client || server) {
        if (client && !isVersionInfo(client)) return null;
        if (server && !isVersionInfo(server)) return null;
        if (client) fact.client = toVersion(client, src, 'clientVersion');
        if (server) fact.server = toVersion(server, src, 'serverVersion');
      } else if (isVersionInfo(v) && typeof own(v, 'platform') === 'string') {
        // `kubectl get --raw /version`: the server's own version.Info.
        fact.server = toVersion(v, src, 'the version');
      } else return null;
      facts.push(fact);
    }
    return facts;
  },
};

/**
 * `kubectl version` as text: 1.28+ prints `Client Version: v1.29.1`, older releases print
 * `Client Version: version.Info{Major:"1", Minor:"21", GitVersion:"v1.21.2", ...}`.
 */
export function parseVersionText(text: string): { client?: Version; server?: Version } | null {
  const out: { client?: Version; server?: Version } = {};
  let seen = false;
  for (const raw of lines(text)) {
    const l = raw.trim();
    if (l === '' || /^WARNING: /.test(l)) continue;
    const m = /^(Client|Server|Kustomize) Version: (.+)$/.exec(l);
    if (!m) return null;
    seen = true;
    if (m[1] === 'Kustomize') continue;
    const rest = m[2]!.trim();
    let v: Version | undefined;
    const info = /^version\.Info\{(.*)\}$/.exec(rest);
    if (info) {
      const field = (f: string): string | undefined => new RegExp(`(?:^|, )${f}:"([^"]*)"`).exec(info[1]!)?.[1];
      const git = field('GitVersion') ?? '';
      const major = /^\d+/.exec(field('Major') ?? '')?.[0];
      const minor = /^\d+/.exec(field('Minor') ?? '')?.[0];
      const g = fromGitVersion(git);
      const M = major !== undefined ? Number(major) : g?.major;
      const n = minor !== undefined ? Number(minor) : g?.minor;
      if (M !== undefined && n !== undefined) v = { major: M, minor: n, gitVersion: git };
    } else {
      const g = fromGitVersion(rest);
      if (g) v = { ...g, gitVersion: rest };
    }
    if (!v) return null;
    if (m[1] === 'Client') out.client = v;
    else out.server = v;
  }
  return seen && (out.client || out.server) ? out : null;
}

export const kubectlVersionText: Recogniser = {
  format: 'kubectl version',
  reads: 'text',
  recognise(input, source) {
    const v = parseVersionText(input.text);
    if (!v) return null;
    const fact: KubeVersionFact = { kind: 'kubeVersion', source };
    if (v.client) fact.client = v.client;
    if (v.server) fact.server = v.server;
    return [fact];
  },
};
