// Small helpers shared by the recognisers: type guards over untrusted parsed values, line
// splitting for text formats, policy-document decoding and the `# pod:` comment convention.
// Everything here is total: it returns a value or throws InputError, never anything else.

import { InputError } from '../facts.js';
import type { Fact, PolicyDocument, Source } from '../facts.js';
import type { FileInput } from './types.js';

export type Rec = Record<string, unknown>;

export function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An own property: never reads through the prototype (`toString`, `__proto__`, ...). */
export function own(o: Rec, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

export function str(o: Rec, key: string): string | undefined {
  const v = own(o, key);
  return typeof v === 'string' ? v : undefined;
}

export function num(o: Rec, key: string): number | undefined {
  const v = own(o, key);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function rec(o: Rec, key: string): Rec | undefined {
  const v = own(o, key);
  return isRecord(v) ? v : undefined;
}

export function arr(o: Rec, key: string): unknown[] | undefined {
  const v = own(o, key);
  return Array.isArray(v) ? v : undefined;
}

/** Only the string elements of an array (the CLI never prints anything else there). */
export function strings(v: unknown[] | undefined): string[] {
  return (v ?? []).filter((x): x is string => typeof x === 'string');
}

/** A Source for part of a file: the line is kept only when it says something. */
export function sourceAt(source: Source, line: number | undefined): Source {
  return line === undefined ? { path: source.path } : { path: source.path, line };
}

/** Lines of a text file without their terminators (LF or CRLF, as pasted from Windows). */
export function lines(text: string): string[] {
  const out = text.split('\n');
  for (let i = 0; i < out.length; i++) {
    const l = out[i]!;
    if (l.endsWith('\r')) out[i] = l.slice(0, -1);
  }
  return out;
}

/**
 * The documents of a structured input, with a line lookup for items inside a document (see
 * parse.ts). `itemLines` may be missing when the input was built by hand (tests, other callers).
 */
export interface DocLines {
  /** 1-based start lines of the elements of the array found at `path`, in order. */
  itemLines?(path: ReadonlyArray<string | number>): Array<number | undefined>;
  /** 1-based line of the value at `path`. */
  lineOf?(path: ReadonlyArray<string | number>): number | undefined;
}
export type Doc = NonNullable<FileInput['docs']>[number] & DocLines;

export function docsOf(input: FileInput): Doc[] {
  return (input.docs ?? []) as Doc[];
}

/** Lines of the elements of the array at `path`, padded with the document's own line. */
export function linesOfItems(doc: Doc, path: ReadonlyArray<string | number>, count: number): Array<number | undefined> {
  let found: Array<number | undefined> = [];
  try {
    found = doc.itemLines?.(path) ?? [];
  } catch {
    found = [];
  }
  const out: Array<number | undefined> = [];
  for (let i = 0; i < count; i++) out.push(found[i] ?? doc.line);
  return out;
}

export function lineOf(doc: Doc, path: ReadonlyArray<string | number>): number {
  try {
    return doc.lineOf?.(path) ?? doc.line;
  } catch {
    return doc.line;
  }
}

/**
 * An IAM policy document as the CLI prints it (an object), or as the raw API returns it
 * (a URL-encoded JSON string, RFC 3986; form-style `+` for spaces is tolerated as a fallback).
 * `what` names the field for the error message.
 */
export function decodePolicyDocument(
  value: unknown,
  what: string,
  source: Source,
  line?: number,
): PolicyDocument {
  if (isRecord(value)) return value;
  if (typeof value !== 'string') {
    throw new InputError(source.path, `${what} is ${describeType(value)}, expected a policy document (a JSON object or a URL-encoded JSON string)`, line);
  }
  const s = value.trim();
  const attempts: Array<() => string> = s.startsWith('{')
    ? [() => s]
    : [() => decodeURIComponent(s), () => decodeURIComponent(s.replace(/\+/g, '%20'))];
  let lastProblem = 'it is empty';
  for (const decode of attempts) {
    let text: string;
    try {
      text = decode();
    } catch {
      lastProblem = 'it is not valid URL encoding';
      continue;
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (isRecord(parsed)) return parsed;
      lastProblem = `it decodes to ${describeType(parsed)}, not a JSON object`;
    } catch {
      lastProblem = 'it does not decode to JSON';
    }
  }
  throw new InputError(source.path, `${what} cannot be read: ${lastProblem}`, line);
}

export function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'number') return 'a number';
  if (typeof v === 'boolean') return 'a boolean';
  return typeof v;
}

/** Who a pasted command output is about: `# pod: ns/name` and `# container: c` comment lines. */
export interface PodRef {
  namespace?: string;
  name: string;
  container?: string;
}

const POD_COMMENT = /^#\s*pod:\s*(\S+)(?:\s+container:\s*(\S+))?\s*$/i;
const CONTAINER_COMMENT = /^#\s*container:\s*(\S+)\s*$/i;
/** kubectl's own stderr lines when `2>&1` was used with `kubectl exec` on a multi-container pod. */
const DEFAULTED_CONTAINER = /^Defaulted container "([^"]+)" out of: /;
const DEFAULTING_CONTAINER = /^Defaulting container name to ([^\s.]+(?:\.[^\s.]+)*)\.?$/;
const KUBECTL_EXEC_NOISE = [
  /^Use 'kubectl describe pod\/\S+ -n \S+' to see all of the containers in this pod\.$/,
  /^Unable to use a TTY - input is not a terminal or the right kind of file$/,
];

export interface Preamble {
  pod?: { namespace?: string; name?: string; container?: string };
  /** Lines left once the comments and kubectl notices are removed, with their 1-based line. */
  body: Array<{ text: string; line: number }>;
  /** Other `#` comment lines (a .env file may have them). */
  comments: number;
}

type PodHint = NonNullable<Preamble['pod']>;

/** Flags of kubectl (global and `exec`) that take a separate value. */
const KUBECTL_VALUE_FLAGS = new Set([
  '-n', '--namespace', '-c', '--container', '--context', '--kubeconfig', '--cluster', '--user', '-s', '--server',
  '--token', '--as', '--as-group', '--as-uid', '--request-timeout', '--pod-running-timeout', '-f', '--filename',
  '--cache-dir', '--certificate-authority', '--client-certificate', '--client-key', '--tls-server-name', '-v', '--v',
  '--profile', '--profile-output', '--log-file', '--password', '--username', '-o', '--output', '-l', '--selector',
  '--field-selector', '-L', '--label-columns', '--sort-by', '--template', '--chunk-size',
]);

export interface KubectlCommand {
  /** The subcommand: `exec`, `get`, `describe`, ... */
  verb: string;
  /** Positional words after the verb, up to `--`. */
  args: string[];
  namespace?: string;
  container?: string;
}

/** Reads a pasted `$ kubectl ...` prompt line (the `$ ` is optional). */
export function parseKubectlCommand(line: string): KubectlCommand | undefined {
  const words = line.replace(/^\$\s+/, '').trim().split(/\s+/);
  if (words[0] !== 'kubectl') return undefined;
  let verb: string | undefined;
  const args: string[] = [];
  let namespace: string | undefined;
  let container: string | undefined;
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--' || w === '|') break;
    const eq = /^(--?[A-Za-z-]+)=(.*)$/.exec(w);
    const flag = eq ? eq[1]! : w.startsWith('-') && w.length > 1 ? w : undefined;
    if (flag !== undefined) {
      let value = eq ? eq[2] : undefined;
      if (value === undefined && KUBECTL_VALUE_FLAGS.has(flag)) value = words[++i];
      if (value === undefined) continue;
      if (flag === '-n' || flag === '--namespace') namespace = value;
      if (flag === '-c' || flag === '--container') container = value;
      continue;
    }
    if (verb === undefined) verb = w;
    else args.push(w);
  }
  if (verb === undefined) return undefined;
  const out: KubectlCommand = { verb, args };
  if (namespace !== undefined) out.namespace = namespace;
  if (container !== undefined) out.container = container;
  return out;
}

/**
 * Reads the pod, namespace and container from a pasted `$ kubectl ... exec ... POD -- cmd`
 * prompt line. Only `pod/NAME` or a bare name names a pod (`deploy/x` picks one: unknown).
 */
export function parseKubectlExecPrompt(line: string): PodHint | undefined {
  const cmd = parseKubectlCommand(line);
  if (!cmd || cmd.verb !== 'exec') return undefined;
  const hint: PodHint = {};
  if (cmd.namespace !== undefined) hint.namespace = cmd.namespace;
  if (cmd.container !== undefined) hint.container = cmd.container;
  const target = cmd.args[0];
  const m = target === undefined ? null : /^(?:(?:pods?|po)\/)?([A-Za-z0-9][-A-Za-z0-9._]*)$/.exec(target);
  if (m) hint.name = m[1]!;
  return hint;
}

/**
 * Splits a pasted `kubectl exec` output into who it is about and its body. Who: the user's
 * `# pod: NS/NAME` (or `# pod: NAME`, optionally followed by `container: C` on the same line)
 * and `# container: C` comment lines first, then a pasted `$ kubectl -n NS exec POD -c C -- ...`
 * prompt line, then kubectl's own `Defaulted container "C" out of: ...` notice (present when
 * stderr was captured too). Blank lines, other `#` comments and kubectl notices are dropped.
 */
export function readPreamble(text: string): Preamble {
  const body: Preamble['body'] = [];
  const comment: PodHint = {};
  let prompt: PodHint = {};
  let defaulted: string | undefined;
  let comments = 0;
  const all = lines(text);
  for (let i = 0; i < all.length; i++) {
    const raw = all[i]!;
    const t = raw.trim();
    if (t === '') continue;
    let m = POD_COMMENT.exec(t);
    if (m) {
      const ref = m[1]!;
      const slash = ref.indexOf('/');
      if (slash > 0) {
        comment.namespace = ref.slice(0, slash);
        comment.name = ref.slice(slash + 1);
      } else comment.name = ref;
      if (m[2]) comment.container = m[2];
      continue;
    }
    m = CONTAINER_COMMENT.exec(t);
    if (m) {
      comment.container = m[1]!;
      continue;
    }
    m = DEFAULTED_CONTAINER.exec(t) ?? DEFAULTING_CONTAINER.exec(t);
    if (m) {
      defaulted = m[1]!;
      continue;
    }
    if (KUBECTL_EXEC_NOISE.some((r) => r.test(t))) continue;
    if (/^\$ \S/.test(t)) {
      prompt = parseKubectlExecPrompt(t) ?? prompt;
      continue;
    }
    if (t.startsWith('#')) {
      comments++;
      continue;
    }
    body.push({ text: raw, line: i + 1 });
  }
  const pod: PodHint = {};
  const name = comment.name ?? prompt.name;
  const namespace = comment.namespace ?? prompt.namespace;
  const container = comment.container ?? prompt.container ?? defaulted;
  if (name !== undefined) pod.name = name;
  if (namespace !== undefined) pod.namespace = namespace;
  if (container !== undefined) pod.container = container;
  return Object.keys(pod).length ? { pod, body, comments } : { body, comments };
}

/** The `pod` field of EnvFact/IdFact: only when a pod name is known. */
export function podRef(p: Preamble['pod'], fallbackName?: string): PodRef | undefined {
  const name = p?.name ?? fallbackName;
  if (name === undefined || name === '') return undefined;
  const out: PodRef = { name };
  if (p?.namespace !== undefined) out.namespace = p.namespace;
  if (p?.container !== undefined) out.container = p.container;
  return out;
}

/**
 * The source of a fact about a whole document: with the document's line when the file holds
 * several documents. (The dispatcher hands documents over one at a time, with the line already
 * in `source` for multi-document files.)
 */
export function docSource(input: FileInput, source: Source, doc: Doc): Source {
  return (input.docs?.length ?? 0) > 1 ? { path: source.path, line: doc.line } : source;
}

/** Sets an own enumerable property, even for keys such as `__proto__`. */
export function put(o: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * A structured recogniser's loop: the file is this format only when every document is a record
 * that `map` accepts (returns facts for); one document it rejects makes the whole file not ours.
 */
export function everyDoc(input: FileInput, source: Source, map: (v: Rec, src: Source, doc: Doc) => Fact[] | Fact | null): Fact[] | null {
  const docs = docsOf(input);
  if (docs.length === 0) return null;
  const facts: Fact[] = [];
  for (const doc of docs) {
    if (!isRecord(doc.value)) return null;
    const out = map(doc.value, docSource(input, source, doc), doc);
    if (out === null) return null;
    if (Array.isArray(out)) facts.push(...out);
    else facts.push(out);
  }
  return facts;
}
