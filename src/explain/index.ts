// `irsa-doctor explain`: find the IRSA / Pod Identity errors in pasted text and explain each one
// with the checks that settle its likely causes and the evidence to collect.
//
// Pipeline: normalise the text (undo \n, \", \u escapes, keeping offsets) -> run each detector
// around the occurrences of its needles -> drop matches made redundant by a more specific one ->
// group repeats -> add values from the surrounding block and derived values -> render the
// catalogue entry's templates.

import { errorEntry, type EntryId } from './catalogue.js';
import { DETECTORS, type RawHit } from './detectors.js';
import { describeIssuer, detectSdk, epochToIso, humanDuration, parseArn, partitionOfRegion, roleNameOf } from './derive.js';
import { asciiLower, normalise } from './normalise.js';
import type { Condition, ErrorEntry, ExplainMatch, ExplainOptions } from './types.js';

export { ERRORS } from './catalogue.js';
export type { EntryId } from './catalogue.js';
export type { Condition, CauseSpec, CollectSpec, ErrorEntry, ExplainMatch, ExplainOptions, Scope } from './types.js';

/** Upper bounds that keep pathological inputs cheap: needle occurrences per needle, hits overall. */
const MAX_NEEDLE_HITS = 50000;
const MAX_HITS = 50000;
const EXCERPT_MAX = 300;

/** Values that change between repeats of the same error; they do not make a new match. */
const VOLATILE = new Set(['currentEpoch', 'expiryEpoch', 'tooOld', 'sessionName', 'assumedRoleArn', 'roleEvidence', 'message']);

const PLACEHOLDERS: Record<string, string> = {
  namespace: '<NAMESPACE>',
  serviceAccount: '<SERVICE_ACCOUNT>',
  pod: '<POD>',
  cluster: '<CLUSTER_NAME>',
  roleName: '<ROLE_NAME>',
  roleArn: '<ROLE_ARN>',
  account: '<ACCOUNT_ID>',
  partition: 'aws',
  issuer: '<ISSUER_URL>',
  issuerHost: '<ISSUER_HOST>',
  issuerId: '<ISSUER_ID>',
  providerPath: '<ISSUER_HOST_AND_PATH>',
  region: '<REGION>',
  action: '<ACTION>',
  resource: '<RESOURCE>',
  resourceArn: '<RESOURCE_ARN>',
  roleArnForPolicy: '<ROLE_ARN>',
  stsHost: '<STS_HOST>',
  tokenPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token',
};

/** Entries whose errors come from STS AssumeRoleWithWebIdentity: a lone role ARN nearby is the role being assumed. */
const ROLE_FROM_CONTEXT = new Set<string>([
  'sts-role-arn-invalid', 'sts-no-oidc-provider', 'sts-incorrect-audience', 'sts-missing-aud-claim', 'sts-thumbprint-mismatch',
  'sts-jwks-unreachable', 'sts-token-expired', 'sts-not-authorized-web-identity', 'sts-duration-exceeds-max', 'sts-invalid-identity-token',
]);

export function explain(text: string, opts: ExplainOptions = {}): ExplainMatch[] {
  if (typeof text !== 'string' || text.length === 0) return [];
  const norm = normalise(text);
  const t = norm.text;
  const lower = asciiLower(t);

  const hits: RawHit[] = [];
  for (const d of DETECTORS) {
    if (hits.length >= MAX_HITS) break;
    for (const [from, to] of windowsFor(lower, d.needles, d.window)) {
      hits.push(...d.find(t, from, to, opts));
      if (hits.length >= MAX_HITS) break;
    }
  }
  const kept = dropRedundant(hits, t);

  // Group repeats of the same error; keep the first occurrence.
  const groups = new Map<string, { hit: RawHit; count: number }>();
  for (const h of kept) {
    const key = identity(h);
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { hit: h, count: 1 });
  }

  return [...groups.values()]
    .sort((a, b) => a.hit.start - b.hit.start)
    .map(({ hit, count }) => {
      const entry = errorEntry(hit.entry);
      const extracted = enrich(hit, t, opts);
      return renderEntry(entry, extracted, opts, {
        excerpt: excerptOf(t, hit.start, hit.end),
        count,
        start: norm.toOriginal(hit.start),
        end: norm.toOriginal(hit.end),
      });
    });
}

/**
 * Maps a real STS error (code and message, as the live probe receives them) to the catalogue
 * entry that explains it, or undefined when the catalogue has nothing to say.
 */
export function explainStsError(code: string, message: string, opts: ExplainOptions = {}): ExplainMatch | undefined {
  const bareCode = code.trim().replace(/Exception$/, '');
  const text = `${bareCode}: ${message}`;
  const matches = explain(text, opts);
  const best = matches.find((m) => m.id !== 'sts-invalid-identity-token') ?? matches[0];
  if (best) return best;
  const fallback = CODE_FALLBACK.get(bareCode);
  if (!fallback) return undefined;
  const values: Record<string, string> = message.trim() ? { message: message.trim() } : {};
  return renderEntry(errorEntry(fallback), values, opts, { excerpt: collapse(text, EXCERPT_MAX), count: 1, start: 0, end: text.length });
}

/** STS error codes whose message the detectors may not know, and the entry that explains the code alone. */
const CODE_FALLBACK = new Map<string, EntryId>([
  ['InvalidIdentityToken', 'sts-invalid-identity-token'],
  ['IDPRejectedClaim', 'sts-invalid-identity-token'],
  ['IDPCommunicationError', 'sts-jwks-unreachable'],
  ['ExpiredToken', 'sts-token-expired'],
  ['AccessDenied', 'sts-not-authorized-web-identity'],
  ['RegionDisabled', 'sts-region-disabled'],
  ['InvalidClientTokenId', 'security-token-invalid'],
]);

// ---------------------------------------------------------------------------------------------
// Matching

/** Windows [from, to) around every occurrence of any needle, merged. */
function windowsFor(lower: string, needles: readonly string[], [back, fwd]: readonly [number, number]): Array<[number, number]> {
  const raw: Array<[number, number]> = [];
  for (const needle of needles) {
    let found = 0;
    let i = lower.indexOf(needle);
    while (i >= 0 && found < MAX_NEEDLE_HITS) {
      raw.push([Math.max(0, i - back), Math.min(lower.length, i + needle.length + fwd)]);
      found++;
      i = lower.indexOf(needle, i + needle.length);
    }
  }
  raw.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const w of raw) {
    const last = merged[merged.length - 1];
    if (last && w[0] <= last[1]) last[1] = Math.max(last[1], w[1]);
    else merged.push([w[0], w[1]]);
  }
  return merged;
}

/** Removes matches superseded by a more specific entry nearby, and overlapping repeats of one entry. */
function dropRedundant(hits: RawHit[], text: string): RawHit[] {
  const sorted = [...hits].sort((a, b) => a.start - b.start || b.end - b.start - (a.end - a.start));
  const removed = new Uint8Array(sorted.length);
  const starts = sorted.map((h) => h.start);
  // Paragraph breaks, found once: "no blank line between a and b" is then a binary search.
  const breaks: number[] = [];
  for (const m of text.matchAll(/\n[ \t]*\n/g)) breaks.push(m.index);
  for (const h of sorted) {
    const sup = errorEntry(h.entry).supersedes;
    if (!sup) continue;
    const ids = new Set(sup.ids);
    for (let j = lowerBound(starts, h.start - sup.within); j < sorted.length; j++) {
      const g = sorted[j] as RawHit;
      if (g.start > h.start + sup.within) break;
      if (removed[j] || !ids.has(g.entry)) continue;
      const a = Math.min(g.start, h.start);
      const b = Math.max(g.end, h.end);
      const k = lowerBound(breaks, a);
      if (k >= breaks.length || (breaks[k] as number) >= b) removed[j] = 1;
    }
  }
  const lastEnd = new Map<string, number>();
  const out: RawHit[] = [];
  sorted.forEach((h, i) => {
    if (removed[i]) return;
    const prev = lastEnd.get(h.entry);
    if (prev !== undefined && h.start < prev) return;
    lastEnd.set(h.entry, h.end);
    out.push(h);
  });
  return out;
}

function lowerBound(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function identity(h: RawHit): string {
  const stable = Object.entries(h.values)
    .filter(([k]) => !VOLATILE.has(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${h.entry}\u0000${JSON.stringify(stable)}`;
}

// ---------------------------------------------------------------------------------------------
// Values from the surroundings, and derived values

/** The paragraph around a match, at most `reach` characters on each side. */
function blockAround(text: string, start: number, end: number, reach = 600): string {
  let from = Math.max(0, start - reach);
  let to = Math.min(text.length, end + reach);
  const before = text.slice(from, start);
  const lastBlank = before.search(/\n[ \t]*\n(?![\s\S]*\n[ \t]*\n)/);
  if (lastBlank >= 0) from += lastBlank + 1;
  const after = text.slice(end, to);
  const nextBlank = after.search(/\n[ \t]*\n/);
  if (nextBlank >= 0) to = end + nextBlank;
  return text.slice(from, to);
}

const REQUEST_ID =
  /(?:request ?id|RequestId|x-amzn-requestid)["']?\s{0,3}[:=>]\s{0,3}["']?\s?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[A-Z0-9]{16,20})/i;
const HTTP_STATUS = /(?:status ?code|httpStatusCode|Status Code)["']?\s{0,2}[:=]\s{0,2}(\d{3})\b/i;
const ROLE_ARN = /arn:aws[a-z-]{0,12}:iam::\d{12}:role\/[\w+=,.@/-]{1,512}/g;
const EKS_ISSUER = /https:\/\/oidc[.-]eks\.[a-z0-9-]{1,30}\.(?:amazonaws\.com(?:\.cn)?|api\.aws)\/id\/[A-Za-z0-9]{1,64}/;

function enrich(hit: RawHit, text: string, opts: ExplainOptions): Record<string, string> {
  const v: Record<string, string> = { ...hit.values };
  const block = blockAround(text, hit.start, hit.end);
  const near = text.slice(Math.max(0, hit.start - 300), Math.min(text.length, hit.end + 400));

  const rid = REQUEST_ID.exec(near);
  if (rid && !v.requestId) v.requestId = rid[1] as string;
  const status = HTTP_STATUS.exec(near);
  if (status && !v.httpStatus) v.httpStatus = status[1] as string;
  const sdk = detectSdk(block);
  if (sdk && !v.sdk) v.sdk = sdk;

  if (!v.partitionHint) {
    if (/\.amazonaws\.com\.cn\b|arn:aws-cn:|\bcn-(?:north|northwest)-1\b/.test(block)) v.partitionHint = 'aws-cn';
    else if (/arn:aws-us-gov:|\bus-gov-(?:west|east)-1\b/.test(block)) v.partitionHint = 'aws-us-gov';
  }

  if (ROLE_FROM_CONTEXT.has(hit.entry)) {
    if (!v.issuer) {
      const iss = EKS_ISSUER.exec(block);
      if (iss) v.issuer = iss[0];
    }
    if (!v.roleArn) {
      const arns = new Set([...block.matchAll(ROLE_ARN)].map((m) => m[0].replace(/[.,]+$/, '')));
      if (arns.size === 1) v.roleArn = [...arns][0] as string;
      else if (opts.expectedRoleArn && parseArn(opts.expectedRoleArn.trim())) v.roleArn = opts.expectedRoleArn.trim();
    }
  }

  // Derived values.
  if (v.issuer) {
    const info = describeIssuer(v.issuer);
    if (info) {
      v.issuer = info.issuer;
      v.providerPath = info.providerPath;
      v.issuerHost = info.issuerHost;
      if (info.issuerId) v.issuerId = info.issuerId;
      if (info.region && !v.region) v.region = info.region;
      if (info.partition && !v.partition) v.partition = info.partition;
    }
  }
  if (v.roleArn) {
    const arn = parseArn(v.roleArn);
    const name = roleNameOf(v.roleArn);
    if (arn && name) {
      if (!v.account) v.account = arn.account;
      if (!v.roleName) v.roleName = name;
      if (!v.partition) v.partition = arn.partition;
    }
  }
  if (v.region && !v.partition) v.partition = partitionOfRegion(v.region);
  if (v.currentEpoch && v.expiryEpoch) {
    const now = Number(v.currentEpoch);
    const exp = Number(v.expiryEpoch);
    v.currentTime = epochToIso(now);
    v.expiresAt = epochToIso(exp);
    v.secondsPastExpiry = String(now - exp);
    v.expiredFor = humanDuration(now - exp);
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Rendering

function holds(c: Condition, v: Record<string, string>): boolean {
  const value = v[c.key];
  if ('present' in c) return (value !== undefined && value !== '') === c.present;
  if (value === undefined) return false;
  if ('oneOf' in c) return c.oneOf.includes(value);
  const n = Number(value);
  if (!Number.isFinite(n)) return false;
  if ('atLeast' in c) return n >= c.atLeast;
  return n < c.below;
}

function placeholder(key: string): string {
  return (Object.hasOwn(PLACEHOLDERS, key) ? PLACEHOLDERS[key] : undefined) ?? `<${key.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}>`;
}

/** Fills `{{key}}`; keeps `[[...]]` only when every key inside has a value. */
export function fillTemplate(tpl: string, values: Record<string, string>): string {
  const has = (k: string): boolean => values[k] !== undefined && values[k] !== '';
  const optional = tpl.replace(/\[\[(.*?)\]\]/gs, (_m, inner: string) => {
    const keys = [...inner.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1] as string);
    return keys.every(has) ? inner : '';
  });
  return optional.replace(/\{\{(\w+)\}\}/g, (_m, k: string) => (has(k) ? (values[k] as string) : placeholder(k)));
}

function renderEntry(
  entry: ErrorEntry,
  extracted: Record<string, string>,
  opts: ExplainOptions,
  at: { excerpt: string; count: number; start: number; end: number },
): ExplainMatch {
  const values: Record<string, string> = {};
  for (const k of ['namespace', 'serviceAccount', 'pod', 'cluster'] as const) {
    const o = opts[k];
    if (o && o.trim()) values[k] = o.trim();
  }
  Object.assign(values, extracted);

  let causes = entry.causes.filter((c) => !c.onlyWhen || holds(c.onlyWhen, values));
  const rule = entry.reorder?.find((r) => holds(r.when, values));
  if (rule) {
    const rank = (check: string): number => {
      const i = rule.first.indexOf(check as (typeof rule.first)[number]);
      return i < 0 ? rule.first.length : i;
    };
    causes = causes.map((c, i) => ({ c, i })).sort((a, b) => rank(a.c.check) - rank(b.c.check) || a.i - b.i).map((x) => x.c);
  }
  const collect: string[] = [];
  for (const item of entry.collect) {
    const spec = typeof item === 'string' ? { cmd: item } : item;
    if (spec.onlyWhen && !holds(spec.onlyWhen, values)) continue;
    const cmd = fillTemplate(spec.cmd, values);
    if (!collect.includes(cmd)) collect.push(cmd);
  }
  return {
    id: entry.id,
    title: entry.title,
    meaning: fillTemplate(entry.meaning, values),
    excerpt: at.excerpt,
    extracted,
    causes: causes.map((c) => ({ check: c.check, why: fillTemplate(c.why, values) })),
    collect,
    scope: entry.scope,
    count: at.count,
    start: at.start,
    end: at.end,
    sources: entry.sources,
  };
}

function collapse(s: string, max: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length <= max ? one : `${one.slice(0, max - 3)}...`;
}

/** The matched text with some of its line around it, whitespace collapsed, about EXCERPT_MAX characters. */
function excerptOf(text: string, start: number, end: number): string {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const nl = text.indexOf('\n', end);
  const lineEnd = nl < 0 ? text.length : nl;
  const matchLen = end - start;
  if (matchLen >= EXCERPT_MAX) return collapse(text.slice(start, end), EXCERPT_MAX);
  const room = EXCERPT_MAX - matchLen;
  const from = Math.max(lineStart, start - Math.floor(room / 3));
  const to = Math.min(lineEnd, end + (room - (start - from)));
  const head = from > lineStart ? '...' : '';
  const tail = to < lineEnd ? '...' : '';
  return collapse(`${head}${text.slice(from, to)}${tail}`, EXCERPT_MAX + 6);
}

