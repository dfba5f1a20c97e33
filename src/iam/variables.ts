// Policy variables (IAM User Guide, "IAM policy elements: Variables and tags"):
// - `${key}` is replaced by the request's value for `key` (keys are case-insensitive);
// - `${key, 'default'}` uses `default` when the key is absent;
// - `${*}`, `${?}`, `${$}` stand for a literal `*`, `?`, `$` (never wildcards);
// - only with `"Version": "2012-10-17"`: earlier or missing versions keep `${...}` as literal text;
// - multivalued keys cannot be used as variables;
// - "If AWS cannot resolve a variable, this might cause the entire statement to be invalid": an
//   unresolvable variable makes the value unusable, which evaluate.ts reports and treats as a
//   non-matching element.

import type { ContextIndex } from './context.js';
import type { Pattern } from './wildcard.js';

export type Substitution =
  | { readonly ok: true; readonly pattern: Pattern; readonly changed: boolean }
  | { readonly ok: false; readonly variable: string; readonly reason: 'missing' | 'multivalued' };

const DEFAULT_RE = /^(.*?)\s*,\s*'(.*)'\s*$/s;

/**
 * Substitute policy variables in `text`. When `enabled` is false (Version is not 2012-10-17) the
 * text is returned unchanged. Characters coming from a variable are never wildcards: when one of
 * them is `*` or `?`, the returned pattern carries a mask saying which characters are live.
 */
export function substituteVariables(text: string, context: ContextIndex, enabled: boolean): Substitution {
  if (!enabled || !text.includes('${')) return { ok: true, pattern: { text, wild: null }, changed: false };
  let out = '';
  const mask: number[] = [];
  let literalWildcard = false;
  let i = 0;
  const pushLiteral = (s: string): void => {
    for (let k = 0; k < s.length; k++) {
      const c = s[k] as string;
      const isWild = c === '*' || c === '?';
      mask.push(0);
      if (isWild) literalWildcard = true;
    }
    out += s;
  };
  const pushTemplate = (s: string): void => {
    for (let k = 0; k < s.length; k++) {
      const c = s[k] as string;
      mask.push(c === '*' || c === '?' ? 1 : 0);
    }
    out += s;
  };
  while (i < text.length) {
    const start = text.indexOf('${', i);
    if (start < 0) {
      pushTemplate(text.slice(i));
      break;
    }
    const end = text.indexOf('}', start + 2);
    if (end < 0) {
      pushTemplate(text.slice(i));
      break;
    }
    pushTemplate(text.slice(i, start));
    const inner = text.slice(start + 2, end).trim();
    if (inner === '*' || inner === '?' || inner === '$') {
      pushLiteral(inner);
    } else {
      const d = DEFAULT_RE.exec(inner);
      const key = (d ? (d[1] as string) : inner).trim();
      const entry = context.get(key.toLowerCase());
      if (entry !== undefined && entry.values.length > 1) {
        return { ok: false, variable: `\${${inner}}`, reason: 'multivalued' };
      }
      if (entry !== undefined) pushLiteral(entry.values[0] as string);
      else if (d) pushLiteral(d[2] as string);
      else return { ok: false, variable: `\${${inner}}`, reason: 'missing' };
    }
    i = end + 1;
  }
  return { ok: true, pattern: { text: out, wild: literalWildcard ? Uint8Array.from(mask) : null }, changed: true };
}
