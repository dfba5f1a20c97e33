// Version schemes of the ecosystems the AWS SDKs ship in, and the constraints (ranges) that
// manifests write instead of exact versions. Everything here is pure and total: a string that
// is not a version of the scheme gives `null` or a `ConstraintError`, never an exception, and
// no pattern here can backtrack badly (inputs longer than MAX_VERSION_LENGTH are refused).

export type SchemeId = 'semver' | 'go' | 'pep440' | 'maven' | 'nuget' | 'gem' | 'composer' | 'numeric';

/** One ecosystem's versions: parse a string, order two parsed versions. */
export interface Scheme<V> {
  readonly id: SchemeId;
  /** Shown in reasons: "not a Maven version". */
  readonly label: string;
  parse(text: string): V | null;
  compare(a: V, b: V): number;
  /** Constraint syntaxes of the ecosystem's manifests, beyond a bare version. */
  constraint(text: string): ConstraintResult<V>;
}

export interface Bound<V> {
  readonly version: V;
  /** As written, for messages. */
  readonly text: string;
  readonly inclusive: boolean;
}

/** The set of versions a dependency may resolve to: a point when `lower` and `upper` are the same inclusive version. */
export interface Constraint<V> {
  readonly lower: Bound<V> | null;
  readonly upper: Bound<V> | null;
  /** True when the text named one version (after the scheme's own rules). */
  readonly exact: boolean;
  /** Set when the text was a Go pseudo-version: what the range means. */
  readonly note?: string;
}

export type ConstraintErrorId =
  /** Nothing given: the version comes from somewhere else (BOM, parent, central file). */
  | 'versionMissing'
  /** `${prop}` / `$(Prop)` / `$var` that the file does not define. */
  | 'unresolvedProperty'
  /** `latest`, `latest.release`, `next`...: a moving tag. */
  | 'movingTag'
  /** git/URL/local path/branch/replace: not a release at all. */
  | 'notARelease'
  /** Anything else that the scheme does not read. */
  | 'unparseable';

export interface ConstraintError {
  readonly error: ConstraintErrorId;
  readonly text: string;
}

export type ConstraintResult<V> = Constraint<V> | ConstraintError;

export function isConstraintError<V>(r: ConstraintResult<V>): r is ConstraintError {
  return 'error' in r;
}

export const MAX_VERSION_LENGTH = 200;

// ---------------------------------------------------------------------------------------------
// Shared helpers

/** Compare two strings of decimal digits by value, whatever their length. */
export function compareDigits(a: string, b: string): number {
  const x = stripZeros(a);
  const y = stripZeros(b);
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

function stripZeros(s: string): string {
  let i = 0;
  while (i < s.length - 1 && s[i] === '0') i++;
  return s.slice(i);
}

/** Compare release number lists, the shorter padded with zeros (1.0 == 1.0.0). */
function compareRelease(a: readonly string[], b: readonly string[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareDigits(a[i] ?? '0', b[i] ?? '0');
    if (c !== 0) return c;
  }
  return 0;
}

const DIGITS = /^\d+$/;

/** SemVer 2 pre-release order: null (a release) sorts after any pre-release. */
function comparePre(a: readonly string[] | null, b: readonly string[] | null, caseInsensitive = false): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const xn = DIGITS.test(x);
    const yn = DIGITS.test(y);
    let c: number;
    if (xn && yn) c = compareDigits(x, y);
    else if (xn) c = -1;
    else if (yn) c = 1;
    else {
      const p = caseInsensitive ? x.toLowerCase() : x;
      const q = caseInsensitive ? y.toLowerCase() : y;
      c = p < q ? -1 : p > q ? 1 : 0;
    }
    if (c !== 0) return c;
  }
  return 0;
}

function cmpNum(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function exact<V>(version: V, text: string): Constraint<V> {
  const b = { version, text, inclusive: true };
  return { lower: b, upper: b, exact: true };
}

const ANY: Constraint<never> = { lower: null, upper: null, exact: false };

/**
 * The checks every scheme shares before its own parse: empty, `*`, moving tags, unresolved
 * properties, git/URL/local references. Returns null when the text should go to the scheme.
 */
function commonConstraint(text: string): ConstraintResult<never> | null {
  const t = text.trim();
  if (t === '') return { error: 'versionMissing', text };
  if (t.length > MAX_VERSION_LENGTH) return { error: 'unparseable', text };
  if (t === '*' || t === '+' || t.toLowerCase() === 'any') return ANY;
  if (t.includes('${') || t.includes('$(') || /^\$[A-Za-z_]/.test(t)) return { error: 'unresolvedProperty', text };
  const lower = t.toLowerCase();
  if (['latest', 'next', 'canary', 'nightly', 'head', 'master', 'main', 'trunk'].includes(lower) || lower.startsWith('latest.')) {
    return { error: 'movingTag', text };
  }
  if (/^(?:git\+|git:|github:|gitlab:|bitbucket:|https?:|file:|link:|workspace:|portal:|patch:|exec:|ssh:|\.{0,2}\/)/i.test(t)) {
    return { error: 'notARelease', text };
  }
  if (/^[0-9a-f]{40}$/i.test(t) || lower.startsWith('replaced by ') || lower.startsWith('builtin-baseline')) {
    return { error: 'notARelease', text };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// SemVer (npm) and Go module versions

export interface SemverV {
  readonly nums: readonly [string, string, string];
  readonly pre: readonly string[] | null;
  readonly raw: string;
}

const SEMVER = /^[v=]?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

function parseSemver(text: string): SemverV | null {
  const t = text.trim();
  if (t.length > MAX_VERSION_LENGTH) return null;
  const m = SEMVER.exec(t);
  if (!m) return null;
  return { nums: [m[1] ?? '0', m[2] ?? '0', m[3] ?? '0'], pre: m[4] !== undefined ? m[4].split('.') : null, raw: t };
}

function compareSemver(a: SemverV, b: SemverV): number {
  return compareRelease(a.nums, b.nums) || comparePre(a.pre, b.pre);
}

export const semver: Scheme<SemverV> = {
  id: 'semver',
  label: 'npm (SemVer)',
  parse: parseSemver,
  compare: compareSemver,
  constraint(text) {
    const common = commonConstraint(text);
    if (common) return common;
    let t = text.trim();
    // npm aliases as lockfiles write them: `npm:@aws-sdk/client-sts@3.400.0`
    if (t.startsWith('npm:')) t = t.slice(t.lastIndexOf('@') + 1);
    const v = parseSemver(t);
    return v ? exact(v, t) : { error: 'unparseable', text };
  },
};

const PSEUDO_BASELESS = /^\d{14}-[0-9a-f]{12}$/;
const PSEUDO_SUFFIX = /^0\.\d{14}-[0-9a-f]{12}$/;

export const go: Scheme<SemverV> = {
  id: 'go',
  label: 'Go module',
  parse(text) {
    const v = parseSemver(text);
    return v && !text.trim().startsWith('=') ? v : null;
  },
  compare: compareSemver,
  constraint(text) {
    const common = commonConstraint(text);
    if (common) return common;
    const t = text.trim();
    const v = go.parse(t);
    if (!v) return { error: 'unparseable', text };
    const pre = v.pre?.join('.') ?? null;
    if (pre === null) return exact(v, t);
    const [maj, min, pat] = v.nums;
    const core: SemverV = { nums: v.nums, pre: null, raw: `v${maj}.${min}.${pat}` };
    // vX.0.0-yyyymmddhhmmss-abcdefabcdef: a commit before any tag of this major
    if (PSEUDO_BASELESS.test(pre)) {
      return {
        lower: null,
        upper: { version: core, text: core.raw, inclusive: true },
        exact: false,
        note: `pseudo-version: a commit with no release tag before it`,
      };
    }
    // vX.Y.Z-pre.0.yyyymmddhhmmss-abcdefabcdef: a commit after vX.Y.Z-pre
    const dot = pre.lastIndexOf('.0.', pre.length - 30);
    if (pre.length > 30 && dot > 0 && PSEUDO_SUFFIX.test(pre.slice(dot + 1))) {
      const base: SemverV = { nums: v.nums, pre: pre.slice(0, dot).split('.'), raw: `${core.raw}-${pre.slice(0, dot)}` };
      return {
        lower: { version: base, text: base.raw, inclusive: true },
        upper: { version: core, text: core.raw, inclusive: true },
        exact: false,
        note: `pseudo-version: a commit after ${base.raw}, at or before ${core.raw}`,
      };
    }
    // vX.Y.(Z+1)-0.yyyymmddhhmmss-abcdefabcdef: a commit after vX.Y.Z
    if (PSEUDO_SUFFIX.test(pre) && pat !== '0' && /^\d+$/.test(pat)) {
      const prev = (BigInt(pat) - 1n).toString();
      const base: SemverV = { nums: [maj, min, prev], pre: null, raw: `v${maj}.${min}.${prev}` };
      return {
        lower: { version: base, text: base.raw, inclusive: true },
        upper: { version: core, text: core.raw, inclusive: true },
        exact: false,
        note: `pseudo-version: a commit after ${base.raw}, at or before ${core.raw}`,
      };
    }
    return exact(v, t);
  },
};

// ---------------------------------------------------------------------------------------------
// PEP 440 (Python)

export interface PepV {
  readonly epoch: string;
  readonly release: readonly string[];
  /** [rank a=0 b=1 rc=2, number] or null */
  readonly pre: readonly [number, string] | null;
  readonly post: string | null;
  readonly dev: string | null;
  readonly raw: string;
}

const PEP440 =
  /^v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d*))?(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d*))?(?:[-_.]?(dev)[-_.]?(\d*))?(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?$/i;

function parsePep(text: string): PepV | null {
  const t = text.trim();
  if (t.length > MAX_VERSION_LENGTH) return null;
  const m = PEP440.exec(t);
  if (!m) return null;
  const letter = m[3]?.toLowerCase();
  const pre: [number, string] | null =
    letter === undefined ? null : [letter.startsWith('a') ? 0 : letter.startsWith('b') ? 1 : 2, m[4] || '0'];
  const post = m[5] !== undefined ? m[5] : m[6] !== undefined ? m[7] || '0' : null;
  const dev = m[8] !== undefined ? m[9] || '0' : null;
  return { epoch: m[1] ?? '0', release: (m[2] ?? '0').split('.'), pre, post, dev, raw: t };
}

function comparePep(a: PepV, b: PepV): number {
  const c = compareDigits(a.epoch, b.epoch) || compareRelease(a.release, b.release);
  if (c !== 0) return c;
  // pre: a dev release of the final (1.0.dev1) sorts before any pre-release; a final after them
  const preKey = (v: PepV): [number, string] =>
    v.pre ? [v.pre[0], v.pre[1]] : v.post === null && v.dev !== null ? [-1, '0'] : [3, '0'];
  const [ar, an] = preKey(a);
  const [br, bn] = preKey(b);
  const p = cmpNum(ar, br) || compareDigits(an, bn);
  if (p !== 0) return p;
  const post = a.post === b.post ? 0 : a.post === null ? -1 : b.post === null ? 1 : compareDigits(a.post, b.post);
  if (post !== 0) return post;
  return a.dev === b.dev ? 0 : a.dev === null ? 1 : b.dev === null ? -1 : compareDigits(a.dev, b.dev);
}

/** The first version after every `prefix.*`: bump the last release number (1.9 -> 1.10). */
function bumpLast(release: readonly string[]): string[] {
  const out = release.slice();
  const last = out.length - 1;
  out[last] = (BigInt(out[last] ?? '0') + 1n).toString();
  return out;
}

const PEP_CLAUSE = /^(===|==|!=|~=|<=|>=|<|>)\s*([^\s,]+)$/;

export const pep440: Scheme<PepV> = {
  id: 'pep440',
  label: 'Python (PEP 440)',
  parse: parsePep,
  compare: comparePep,
  constraint(text) {
    const common = commonConstraint(text);
    if (common) return common;
    const t = text.trim();
    const bare = parsePep(t);
    if (bare) return exact(bare, t);
    let lower: Bound<PepV> | null = null;
    let upper: Bound<PepV> | null = null;
    let isExact = false;
    const tighterLower = (b: Bound<PepV>): void => {
      const c = lower ? comparePep(b.version, lower.version) : 1;
      if (!lower || c > 0 || (c === 0 && !b.inclusive)) lower = b;
    };
    const tighterUpper = (b: Bound<PepV>): void => {
      const c = upper ? comparePep(b.version, upper.version) : -1;
      if (!upper || c < 0 || (c === 0 && !b.inclusive)) upper = b;
    };
    for (const clause of t.split(',')) {
      const m = PEP_CLAUSE.exec(clause.trim());
      if (!m) return { error: 'unparseable', text };
      const op = m[1] ?? '';
      const ver = m[2] ?? '';
      if (op === '!=') continue;
      if ((op === '==' || op === '===') && ver.endsWith('.*')) {
        const v = parsePep(ver.slice(0, -2));
        if (!v) return { error: 'unparseable', text };
        const next = parsePep(bumpLast(v.release).join('.'));
        if (!next) return { error: 'unparseable', text };
        tighterLower({ version: v, text: ver.slice(0, -2), inclusive: true });
        tighterUpper({ version: { ...next, pre: null, dev: '0' }, text: next.raw, inclusive: false });
        continue;
      }
      const v = parsePep(ver);
      if (!v) return { error: 'unparseable', text };
      const b = { version: v, text: ver, inclusive: op !== '<' && op !== '>' };
      if (op === '==' || op === '===') {
        tighterLower(b);
        tighterUpper(b);
        isExact = true;
      } else if (op === '>=' || op === '>') tighterLower(b);
      else if (op === '<=' || op === '<') tighterUpper(b);
      else if (op === '~=') {
        if (v.release.length < 2) return { error: 'unparseable', text };
        tighterLower(b);
        const next = parsePep(bumpLast(v.release.slice(0, -1)).join('.'));
        if (!next) return { error: 'unparseable', text };
        tighterUpper({ version: { ...next, dev: '0' }, text: next.raw, inclusive: false });
      }
    }
    return { lower, upper, exact: isExact };
  },
};

// ---------------------------------------------------------------------------------------------
// Maven / Gradle

export interface MavenV {
  readonly release: readonly string[];
  /** Qualifier rank: alpha -5, beta -4, milestone -3, rc -2, snapshot -1, release 0, sp 1, build number 2; unknown words -6. */
  readonly rank: number;
  readonly qnum: string;
  readonly rest: string;
  readonly raw: string;
}

const MAVEN_QUALIFIERS: Record<string, number> = {
  alpha: -5, a: -5, beta: -4, b: -4, milestone: -3, m: -3, rc: -2, cr: -2, snapshot: -1,
  ga: 0, final: 0, release: 0, sp: 1,
};

const MAVEN = /^(\d+(?:\.\d+)*)(?:[-.]?([A-Za-z]*)[-.]?(\d*)([-.A-Za-z0-9_]*))?$/;

function parseMaven(text: string): MavenV | null {
  const t = text.trim();
  if (t.length > MAX_VERSION_LENGTH) return null;
  const m = MAVEN.exec(t);
  if (!m) return null;
  const word = (m[2] ?? '').toLowerCase();
  const qnum = m[3] ?? '';
  const rest = (m[4] ?? '').toLowerCase();
  let rank: number;
  if (word === '' && qnum === '' && rest === '') rank = 0;
  else if (word === '') rank = 2; // `1.0-1`: a build number after the release
  else rank = MAVEN_QUALIFIERS[word] ?? -6; // unknown words (preview, dev...) are read as pre-releases
  return { release: (m[1] ?? '0').split('.'), rank, qnum: qnum || '0', rest, raw: t };
}

function compareMaven(a: MavenV, b: MavenV): number {
  const c = compareRelease(a.release, b.release) || cmpNum(a.rank, b.rank) || compareDigits(a.qnum, b.qnum);
  return c !== 0 ? c : a.rest < b.rest ? -1 : a.rest > b.rest ? 1 : 0;
}

/** `[1.0,2.0)`, `[1.0,)`, `(,1.0]`, `[1.0]`, and unions of them (taken as their hull). */
function mavenRange(text: string): ConstraintResult<MavenV> | null {
  const t = text.replace(/\s+/g, '');
  if (!t.startsWith('[') && !t.startsWith('(')) return null;
  const sets = t.match(/[[(][^\])]*[\])]/g);
  if (!sets || sets.join(',') !== t) return { error: 'unparseable', text };
  let lower: Bound<MavenV> | null | undefined;
  let upper: Bound<MavenV> | null | undefined;
  for (const set of sets) {
    const open = set[0] === '[';
    const close = set[set.length - 1] === ']';
    const body = set.slice(1, -1);
    const comma = body.indexOf(',');
    const lo = comma < 0 ? body : body.slice(0, comma);
    const hi = comma < 0 ? body : body.slice(comma + 1);
    if (comma < 0 && !(open && close)) return { error: 'unparseable', text };
    const lv = lo === '' ? null : parseMaven(lo);
    const hv = hi === '' ? null : parseMaven(hi);
    if ((lo !== '' && !lv) || (hi !== '' && !hv)) return { error: 'unparseable', text };
    const lb = lv ? { version: lv, text: lo, inclusive: open } : null;
    const hb = hv ? { version: hv, text: hi, inclusive: close } : null;
    if (lower === undefined || lb === null || (lower !== null && compareMaven(lb.version, lower.version) < 0)) lower = lb;
    if (upper === undefined || hb === null || (upper !== null && compareMaven(hb.version, upper.version) > 0)) upper = hb;
  }
  const isExact = sets.length === 1 && !t.includes(',');
  return { lower: lower ?? null, upper: upper ?? null, exact: isExact };
}

export const maven: Scheme<MavenV> = {
  id: 'maven',
  label: 'Maven',
  parse: parseMaven,
  compare: compareMaven,
  constraint(text) {
    const common = commonConstraint(text);
    if (common) return common;
    // Gradle strict/required markers: `2.20.0!!`
    const t = text.trim().replace(/!!$/, '');
    const range = mavenRange(t);
    if (range) return range;
    // Gradle dynamic versions: `2.20.+`
    if (t.endsWith('.+')) {
      const prefix = t.slice(0, -2);
      if (!/^\d+(?:\.\d+)*$/.test(prefix)) return { error: 'unparseable', text };
      const lo = parseMaven(prefix);
      const hi = parseMaven(bumpLast(prefix.split('.')).join('.'));
      if (!lo || !hi) return { error: 'unparseable', text };
      return { lower: { version: lo, text: prefix, inclusive: true }, upper: { version: { ...hi, rank: -7 }, text: hi.raw, inclusive: false }, exact: false };
    }
    const v = parseMaven(t);
    return v ? exact(v, t) : { error: 'unparseable', text };
  },
};

// ---------------------------------------------------------------------------------------------
// NuGet

export interface NugetV {
  readonly release: readonly string[];
  readonly pre: readonly string[] | null;
  readonly raw: string;
}

const NUGET = /^(\d+(?:\.\d+){0,3})(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

function parseNuget(text: string): NugetV | null {
  const t = text.trim();
  if (t.length > MAX_VERSION_LENGTH) return null;
  const m = NUGET.exec(t);
  if (!m) return null;
  return { release: (m[1] ?? '0').split('.'), pre: m[2] !== undefined ? m[2].split('.') : null, raw: t };
}

function compareNuget(a: NugetV, b: NugetV): number {
  return compareRelease(a.release, b.release) || comparePre(a.pre, b.pre, true);
}

export const nuget: Scheme<NugetV> = {
  id: 'nuget',
  label: 'NuGet',
  parse: parseNuget,
  compare: compareNuget,
  constraint(text) {
    const common = commonConstraint(text);
    if (common) return common;
    const t = text.trim().replace(/\s+/g, '');
    if (t.startsWith('[') || t.startsWith('(')) {
      const close = t[t.length - 1];
      if (close !== ']' && close !== ')') return { error: 'unparseable', text };
      const body = t.slice(1, -1);
      const comma = body.indexOf(',');
      if (comma < 0) {
        const v = parseNuget(body);
        return v && t[0] === '[' && close === ']' ? exact(v, body) : { error: 'unparseable', text };
      }
      const lo = body.slice(0, comma);
      const hi = body.slice(comma + 1);
      const lv = lo === '' ? null : parseNuget(lo);
      const hv = hi === '' ? null : parseNuget(hi);
      if ((lo !== '' && !lv) || (hi !== '' && !hv) || hi.includes(',')) return { error: 'unparseable', text };
      return {
        lower: lv ? { version: lv, text: lo, inclusive: t[0] === '[' } : null,
        upper: hv ? { version: hv, text: hi, inclusive: close === ']' } : null,
        exact: false,
      };
    }
    // Floating versions: `3.7.*`, `3.7.100-*`
    if (t.endsWith('.*') || t.endsWith('-*')) {
      const prefix = t.slice(0, -2);
      const lo = parseNuget(prefix);
      if (!lo) return { error: 'unparseable', text };
      if (t.endsWith('-*')) return { lower: { version: { ...lo, pre: ['0'] }, text: prefix, inclusive: true }, upper: null, exact: false };
      const hi = parseNuget(bumpLast(lo.release).join('.'));
      if (!hi) return { error: 'unparseable', text };
      return { lower: { version: lo, text: prefix, inclusive: true }, upper: { version: { ...hi, pre: ['0'] }, text: hi.raw, inclusive: false }, exact: false };
    }
    // A bare version is NuGet's minimum; restore picks exactly it when it exists (nuget.org keeps every AWSSDK release).
    const v = parseNuget(t);
    return v ? exact(v, t) : { error: 'unparseable', text };
  },
};

// ---------------------------------------------------------------------------------------------
// RubyGems

export interface GemV {
  /** Canonical segments: numbers as digit strings, letters as words; trailing zeros dropped. */
  readonly segs: ReadonlyArray<{ readonly n: string } | { readonly s: string }>;
  readonly raw: string;
}

const GEM = /^\d+(?:\.[0-9A-Za-z]+)*$/;

function parseGem(text: string): GemV | null {
  const t = text.trim();
  if (t.length > MAX_VERSION_LENGTH || !GEM.test(t)) return null;
  const segs: Array<{ n: string } | { s: string }> = [];
  for (const part of t.split('.')) {
    for (const piece of part.match(/\d+|[A-Za-z]+/g) ?? []) {
      segs.push(/^\d/.test(piece) ? { n: piece } : { s: piece });
    }
  }
  // Gem::Version#canonical_segments drops trailing zeros of each numeric run
  while (segs.length > 1) {
    const last = segs[segs.length - 1];
    if (last && 'n' in last && stripZeros(last.n) === '0') segs.pop();
    else break;
  }
  return { segs, raw: t };
}

function compareGem(a: GemV, b: GemV): number {
  const n = Math.max(a.segs.length, b.segs.length);
  for (let i = 0; i < n; i++) {
    const x = a.segs[i] ?? { n: '0' };
    const y = b.segs[i] ?? { n: '0' };
    let c: number;
    if ('n' in x && 'n' in y) c = compareDigits(x.n, y.n);
    else if ('s' in x && 's' in y) c = x.s < y.s ? -1 : x.s > y.s ? 1 : 0;
    else c = 's' in x ? -1 : 1; // a letter segment (pre-release) sorts before a number
    if (c !== 0) return c;
  }
  return 0;
}

export const gem: Scheme<GemV> = {
  id: 'gem',
  label: 'RubyGems',
  parse: parseGem,
  compare: compareGem,
  constraint(text) {
    const common = commonConstraint(text);
    if (common) return common;
    const v = parseGem(text);
    return v ? exact(v, text.trim()) : { error: 'unparseable', text };
  },
};

// ---------------------------------------------------------------------------------------------
// Composer (PHP)

export interface ComposerV {
  readonly release: readonly string[];
  /** dev 0, alpha 1, beta 2, RC 3, stable 4, patch 5 */
  readonly stability: number;
  readonly snum: string;
  readonly raw: string;
}

const COMPOSER = /^v?(\d+(?:\.\d+){0,3})(?:[-.]?(stable|beta|b|rc|alpha|a|patch|pl|p|dev)[.-]?(\d*))?$/i;
const STABILITY: Record<string, number> = { dev: 0, alpha: 1, a: 1, beta: 2, b: 2, rc: 3, stable: 4, patch: 5, pl: 5, p: 5 };

function parseComposer(text: string): ComposerV | null {
  const t = text.trim();
  if (t.length > MAX_VERSION_LENGTH) return null;
  const m = COMPOSER.exec(t);
  if (!m) return null;
  return { release: (m[1] ?? '0').split('.'), stability: STABILITY[(m[2] ?? 'stable').toLowerCase()] ?? 4, snum: m[3] || '0', raw: t };
}

export const composer: Scheme<ComposerV> = {
  id: 'composer',
  label: 'Composer',
  parse: parseComposer,
  compare: (a, b) => compareRelease(a.release, b.release) || cmpNum(a.stability, b.stability) || compareDigits(a.snum, b.snum),
  constraint(text) {
    const common = commonConstraint(text);
    if (common) return common;
    const t = text.trim();
    if (/^dev-|-dev$/i.test(t)) return { error: 'notARelease', text };
    const v = parseComposer(t);
    return v ? exact(v, t) : { error: 'unparseable', text };
  },
};

// ---------------------------------------------------------------------------------------------
// Plain dotted numbers (aws-sdk-cpp, as vcpkg and Conan write it)

export interface NumericV {
  readonly release: readonly string[];
  readonly raw: string;
}

function parseNumeric(text: string): NumericV | null {
  // vcpkg appends the port revision: `1.11.263#2`
  const t = text.trim().replace(/#\d+$/, '');
  if (t.length > MAX_VERSION_LENGTH) return null;
  const m = /^v?(\d+(?:\.\d+)*)$/.exec(t);
  return m ? { release: (m[1] ?? '0').split('.'), raw: t } : null;
}

export const numeric: Scheme<NumericV> = {
  id: 'numeric',
  label: 'dotted-number',
  parse: parseNumeric,
  compare: (a, b) => compareRelease(a.release, b.release),
  constraint(text) {
    const common = commonConstraint(text);
    if (common) return common;
    const t = text.trim();
    // Conan/vcpkg lower bounds: `>=1.11.0`, `[>=1.11.0 <2]`
    const range = /^\[?\s*>=\s*([^\s\]<]+)(?:\s+<\s*([^\s\]]+))?\s*\]?$/.exec(t);
    if (range) {
      const lo = parseNumeric(range[1] ?? '');
      const hi = range[2] !== undefined ? parseNumeric(range[2]) : null;
      if (!lo || (range[2] !== undefined && !hi)) return { error: 'unparseable', text };
      return { lower: { version: lo, text: range[1] ?? '', inclusive: true }, upper: hi ? { version: hi, text: range[2] ?? '', inclusive: false } : null, exact: false };
    }
    const v = parseNumeric(t);
    return v ? exact(v, t) : { error: 'unparseable', text };
  },
};
