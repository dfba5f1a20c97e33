// `kubectl describe serviceaccount NAME -n NS` text (article step 5). One output may hold
// several service accounts (`kubectl describe sa -n NS` without a name).
//
// kubectl prints (tabwriter, padded with spaces):
//   Name:                irsa
//   Namespace:           default
//   Labels:              app=web                       <- `key=value`, one per line
//                        team=payments
//   Annotations:         eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/x
//                        eks.amazonaws.com/sts-regional-endpoints: true
//   Image pull secrets:  <none>
//   Mountable secrets:   <none>
//   Tokens:              <none>
//   Events:              <none>
// An annotation whose `key: value` exceeds 140 characters, or whose value has newlines, is
// printed as `key:` followed by its value lines indented two more spaces; each such line is cut
// at 138 characters with `...` (so such a value is what kubectl showed, not necessarily whole).
// `kubectl.kubernetes.io/last-applied-configuration` is never shown. Empty sets print `<none>`
// (the article's translated example shows `none`: both are read).

import { InputError } from '../facts.js';
import type { DescribedServiceAccountFact, Fact, Source } from '../facts.js';
import type { Recogniser } from './types.js';
import { lines, put, sourceAt } from './util.js';

interface Field {
  readonly name: string;
  readonly line: number;
  /** The value on the field's own line and its continuation lines, with their columns. */
  readonly values: Array<{ text: string; indent: number; line: number }>;
}

const FIELD = /^([A-Z][A-Za-z]*(?: [A-Za-z]+)*):(?:([ \t]+)(.*))?$/;
/** A Kubernetes qualified name: optional DNS prefix and `/`, then the name. */
const ANNOTATION = /^((?:[A-Za-z0-9](?:[-A-Za-z0-9.]*[A-Za-z0-9])?\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?):(?: (.*))?$/;
const NONE = new Set(['<none>', 'none']);

function indentOf(s: string): number {
  let col = 0;
  for (const c of s) {
    if (c === ' ') col++;
    else if (c === '\t') col = (Math.floor(col / 8) + 1) * 8;
    else break;
  }
  return col;
}

/** Splits the text into blocks of top-level fields, one block per `Name:` line. */
function blocks(text: string): Field[][] | null {
  const out: Field[][] = [];
  let current: Field[] | null = null;
  const all = lines(text);
  for (let i = 0; i < all.length; i++) {
    const raw = all[i]!;
    // Blank lines, `#` comments and a pasted shell prompt line (`$ kubectl describe ...`).
    if (raw.trim() === '' || /^(?:#|\$ )/.test(raw)) continue;
    const lineNo = i + 1;
    if (!/^[ \t]/.test(raw)) {
      const m = FIELD.exec(raw);
      if (!m) return null;
      const name = m[1]!;
      if (name === 'Name') {
        current = [];
        out.push(current);
      }
      if (!current) return null;
      const value = m[3] ?? '';
      const indent = m[2] === undefined ? 0 : indentOf(`${' '.repeat(name.length + 1)}${m[2]}`);
      current.push({ name, line: lineNo, values: value === '' ? [] : [{ text: value.trimEnd(), indent, line: lineNo }] });
    } else {
      const last = current?.[current.length - 1];
      if (!last) return null;
      last.values.push({ text: raw.trim(), indent: indentOf(raw), line: lineNo });
    }
  }
  return out;
}

function parseLabels(f: Field | undefined, path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of f?.values ?? []) {
    if (NONE.has(v.text)) continue;
    const eq = v.text.indexOf('=');
    if (eq <= 0) throw new InputError(path, `label "${v.text}" is not key=value`, v.line);
    put(out, v.text.slice(0, eq), v.text.slice(eq + 1));
  }
  return out;
}

function parseAnnotations(f: Field | undefined, path: string): Record<string, string> {
  const out: Record<string, string> = {};
  // The annotation whose value is being read on the following lines (`key:` then value lines).
  let multi: { key: string; indent: number; parts: string[] } | null = null;
  for (const v of f?.values ?? []) {
    if (NONE.has(v.text) && Object.keys(out).length === 0 && multi === null) continue;
    const m: RegExpExecArray | null = multi !== null && v.indent > multi.indent ? null : ANNOTATION.exec(v.text);
    if (!m) {
      if (multi === null) throw new InputError(path, `annotation line "${v.text}" is not "key: value"`, v.line);
      multi.parts.push(v.text);
      continue;
    }
    if (multi !== null) put(out, multi.key, multi.parts.join('\n'));
    multi = null;
    const key: string = m[1]!;
    if (m[2] === undefined) multi = { key, indent: v.indent, parts: [] };
    else put(out, key, m[2]);
  }
  if (multi !== null) put(out, multi.key, multi.parts.join('\n'));
  return out;
}

export interface DescribedServiceAccount {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  line: number;
}

/** Parses `kubectl describe sa` output; null when the text is something else. */
export function parseDescribeServiceAccount(text: string, path: string): DescribedServiceAccount[] | null {
  const bs = blocks(text);
  if (!bs || bs.length === 0) return null;
  const out: DescribedServiceAccount[] = [];
  for (const b of bs) {
    const get = (n: string): Field | undefined => b.find((f) => f.name === n);
    const isSa = get('Image pull secrets') !== undefined || get('Mountable secrets') !== undefined || get('Tokens') !== undefined;
    const name = get('Name');
    const namespace = get('Namespace');
    if (!isSa || !name || !namespace) return null;
    const nameText = name.values[0]?.text ?? '';
    const nsText = namespace.values[0]?.text ?? '';
    if (nameText === '') throw new InputError(path, 'describe output without a service account name', name.line);
    if (nsText === '') throw new InputError(path, `service account ${nameText}: describe output without a namespace`, namespace.line);
    out.push({
      name: nameText,
      namespace: nsText,
      labels: parseLabels(get('Labels'), path),
      annotations: parseAnnotations(get('Annotations'), path),
      line: name.line,
    });
  }
  return out;
}

export const describeServiceAccount: Recogniser = {
  format: 'kubectl describe serviceaccount',
  reads: 'text',
  recognise(input, source: Source): Fact[] | null {
    const sas = parseDescribeServiceAccount(input.text, source.path);
    if (!sas) return null;
    return sas.map(
      (sa) =>
        ({
          kind: 'describedServiceAccount',
          source: sas.length > 1 ? sourceAt(source, sa.line) : source,
          name: sa.name,
          namespace: sa.namespace,
          annotations: sa.annotations,
          labels: sa.labels,
        }) satisfies DescribedServiceAccountFact,
    );
  },
};
