// IAM wildcard matching: `*` matches any run of characters (including none), `?` exactly one.
// There is no escape syntax in IAM patterns; a literal `*` or `?` can only come from the policy
// variables `${*}` / `${?}`, which is why a pattern may carry a mask saying which characters are
// live wildcards (see `Pattern`).
//
// Hot path (a cluster scan evaluates ~20,000 trust policies per second): patterns are compiled
// once into a small shape (`all`, `exact`, `prefix`, `suffix`, `glob`) and cached; matching is a
// linear two-pointer glob, never a RegExp, so hostile patterns such as `*a*a*a*a*b` cannot
// backtrack catastrophically. Characters are UTF-16 code units.

const STAR = 42; // '*'
const QMARK = 63; // '?'

/**
 * A pattern whose live wildcards are explicit: `wild[i] === 1` marks `text[i]` as a wildcard.
 * `wild === null` means every `*` and `?` in `text` is a wildcard (the usual case).
 */
export interface Pattern {
  readonly text: string;
  readonly wild: Uint8Array | null;
}

type Compiled =
  | { readonly kind: 'all' }
  | { readonly kind: 'exact'; readonly text: string }
  | { readonly kind: 'prefix'; readonly text: string }
  | { readonly kind: 'suffix'; readonly text: string }
  | { readonly kind: 'glob'; readonly text: string };

const MAX_CACHE = 10_000;
const sensitiveCache = new Map<string, Compiled>();
const insensitiveCache = new Map<string, Compiled>();

/** True when `s` contains a character IAM reads as a wildcard. */
export function hasWildcard(s: string): boolean {
  return s.includes('*') || s.includes('?');
}

function compile(pattern: string): Compiled {
  let stars = 0;
  let qmarks = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i);
    if (c === STAR) stars++;
    else if (c === QMARK) qmarks++;
  }
  if (stars === 0 && qmarks === 0) return { kind: 'exact', text: pattern };
  if (qmarks === 0) {
    if (stars === pattern.length) return { kind: 'all' };
    if (stars === 1 && pattern.charCodeAt(pattern.length - 1) === STAR) {
      return { kind: 'prefix', text: pattern.slice(0, -1) };
    }
    if (stars === 1 && pattern.charCodeAt(0) === STAR) return { kind: 'suffix', text: pattern.slice(1) };
  }
  return { kind: 'glob', text: pattern };
}

function compiled(pattern: string, ignoreCase: boolean): Compiled {
  const cache = ignoreCase ? insensitiveCache : sensitiveCache;
  let c = cache.get(pattern);
  if (c === undefined) {
    c = compile(ignoreCase ? pattern.toLowerCase() : pattern);
    if (cache.size >= MAX_CACHE) cache.clear();
    cache.set(pattern, c);
  }
  return c;
}

/** Two-pointer glob over `p` (with optional wildcard mask) against `s`. O(|p|·|s|) worst case. */
function glob(p: string, wild: Uint8Array | null, s: string): boolean {
  const m = p.length;
  const n = s.length;
  let pi = 0;
  let si = 0;
  let starP = -1;
  let starS = 0;
  while (si < n) {
    if (pi < m) {
      const pc = p.charCodeAt(pi);
      const live = wild === null ? pc === STAR || pc === QMARK : wild[pi] === 1;
      if (live && pc === STAR) {
        starP = pi++;
        starS = si;
        continue;
      }
      if ((live && pc === QMARK) || pc === s.charCodeAt(si)) {
        pi++;
        si++;
        continue;
      }
    }
    if (starP >= 0) {
      pi = starP + 1;
      si = ++starS;
      continue;
    }
    return false;
  }
  while (pi < m && p.charCodeAt(pi) === STAR && (wild === null || wild[pi] === 1)) pi++;
  return pi === m;
}

/**
 * Does `value` match the IAM wildcard `pattern`? Case-sensitive unless `ignoreCase`
 * (actions are matched case-insensitively, resources and StringLike values case-sensitively).
 */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const c = compiled(pattern, ignoreCase);
  const v = ignoreCase ? value.toLowerCase() : value;
  switch (c.kind) {
    case 'all':
      return true;
    case 'exact':
      return v === c.text;
    case 'prefix':
      return v.startsWith(c.text);
    case 'suffix':
      return v.endsWith(c.text);
    case 'glob':
      return glob(c.text, null, v);
  }
}

/** Match with an explicit wildcard mask (patterns produced by policy-variable substitution). */
export function patternMatch(pattern: Pattern, value: string, ignoreCase = false): boolean {
  if (pattern.wild === null) return wildcardMatch(pattern.text, value, ignoreCase);
  const text = ignoreCase ? pattern.text.toLowerCase() : pattern.text;
  // toLowerCase can change the length of exotic characters; the mask would then be misaligned.
  if (text.length !== pattern.text.length) return false;
  return glob(text, pattern.wild, ignoreCase ? value.toLowerCase() : value);
}

/** A plain pattern (every `*`/`?` live). */
export function plainPattern(text: string): Pattern {
  return { text, wild: null };
}

/** Slice a pattern, keeping its mask aligned. */
export function slicePattern(p: Pattern, start: number, end?: number): Pattern {
  return { text: p.text.slice(start, end), wild: p.wild === null ? null : p.wild.slice(start, end) };
}

/** Size of the compiled-pattern caches (exposed for tests of the cache bound). */
export function wildcardCacheSize(): number {
  return sensitiveCache.size + insensitiveCache.size;
}
