// Input constraints of IAM's API model (botocore/data/iam/2010-05-08/service-2.json: min/max/
// pattern of roleNameType, pathType, policyPathType, tagListType, thumbprintType, ...), reported
// the way IAM does: one ValidationError listing every violated member, members in alphabetical
// order, `Value at '<member>' failed to satisfy constraint: <constraint>` (recorded from real
// IAM in LocalStack's snapshots: test_iam_oidc "multiple-validation-errors", test_iam_roles tag
// errors). Tag rules beyond the model (duplicate keys, 50 per entity) come from the same snapshots.

import type { LabTag } from '../state.js';
import { iamError, msg, validationError, type IamError } from './errors.js';

export interface Violation {
  member: string;
  constraint: string;
}

const maxLen = (n: number) => `Member must have length less than or equal to ${n}`;
const minLen = (n: number) => `Member must have length greater than or equal to ${n}`;
const pattern = (p: string) => `Member must satisfy regular expression pattern: ${p}`;

export const PATTERNS = {
  name: { re: /^[\w+=,.@-]+$/, text: '[\\w+=,.@-]+' },
  path: { re: /^(\/|\/[\u0021-\u007e]+\/)$/, text: '(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)' },
  policyPath: { re: /^((\/[A-Za-z0-9.,+@=_-]+)*)\/$/, text: '((/[A-Za-z0-9\\.,\\+@=_-]+)*)/' },
  pathPrefix: { re: /^\/[\u0021-\u007f]*$/, text: '\\u002F[\\u0021-\\u007F]*' },
  document: { re: /^[\u0009\u000a\u000d\u0020-\u00ff]+$/, text: '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+' },
  versionId: { re: /^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$/, text: 'v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?' },
  tagKey: { re: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u, text: '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+' },
  tagValue: { re: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u, text: '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*' },
  marker: { re: /^[\u0020-\u00ff]+$/, text: '[\\u0020-\\u00FF]+' },
} as const;

/** Collects violations; `error()` turns them into IAM's single ValidationError. */
export class Constraints {
  private readonly found: Violation[] = [];

  add(member: string, constraint: string): this {
    this.found.push({ member, constraint });
    return this;
  }

  /** A string member: length bounds and an optional pattern, checked in the model's order. */
  string(member: string, value: string | undefined, opts: { min?: number; max?: number; pattern?: { re: RegExp; text: string } }): this {
    if (value === undefined) return this;
    const problems: string[] = [];
    if (opts.max !== undefined && value.length > opts.max) problems.push(maxLen(opts.max));
    if (opts.min !== undefined && value.length < opts.min) problems.push(minLen(opts.min));
    if (opts.pattern && value.length > 0 && !opts.pattern.re.test(value)) problems.push(pattern(opts.pattern.text));
    for (const p of problems) this.add(member, p);
    return this;
  }

  integer(member: string, value: number | undefined, min: number, max: number): this {
    if (value === undefined) return this;
    if (value < min) this.add(member, `Member must have value greater than or equal to ${min}`);
    if (value > max) this.add(member, `Member must have value less than or equal to ${max}`);
    return this;
  }

  /** List members whose every element must satisfy the same constraints (IAM bundles them). */
  members(member: string, values: readonly string[] | undefined, min: number, max: number): this {
    if (!values) return this;
    if (values.some((v) => v.length < min || v.length > max)) {
      this.add(member, `Member must satisfy constraint: [${maxLen(max)}, ${minLen(min)}]`);
    }
    return this;
  }

  listLength(member: string, values: readonly unknown[] | undefined, max: number): this {
    if (values && values.length > max) this.add(member, maxLen(max));
    return this;
  }

  tags(tags: readonly LabTag[] | undefined, member = 'tags'): this {
    if (!tags) return this;
    this.listLength(member, tags, 50);
    tags.forEach((t, i) => {
      this.string(`${member}.${i + 1}.member.key`, t.Key, { min: 1, max: 128, pattern: PATTERNS.tagKey });
      this.string(`${member}.${i + 1}.member.value`, t.Value, { max: 256, pattern: PATTERNS.tagValue });
    });
    return this;
  }

  tagKeys(keys: readonly string[] | undefined): this {
    if (!keys) return this;
    this.listLength('tagKeys', keys, 50);
    if (keys.some((k) => k.length < 1 || k.length > 128 || !PATTERNS.tagKey.re.test(k))) {
      this.add('tagKeys', `Member must satisfy constraint: [${maxLen(128)}, ${minLen(1)}, ${pattern(PATTERNS.tagKey.text)}, Member must not be null]`);
    }
    return this;
  }

  error(): IamError | undefined {
    if (this.found.length === 0) return undefined;
    const sorted = [...this.found].sort((a, b) => (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
    return validationError(sorted);
  }
}

/** Duplicate keys in one request: role and provider tag keys compare case-insensitively, policy tag keys exactly. */
export function duplicateTagKeys(tags: readonly LabTag[], caseInsensitive: boolean): IamError | undefined {
  const seen = new Set<string>();
  for (const t of tags) {
    const k = caseInsensitive ? t.Key.toLowerCase() : t.Key;
    if (seen.has(k)) return iamError('InvalidInput', caseInsensitive ? msg.duplicateTagKeys : msg.duplicatePolicyTagKeys);
    seen.add(k);
  }
  return undefined;
}

/**
 * Merges new tags into existing ones (a tag with an existing key replaces its value), refusing
 * to go over 50 tags per entity.
 */
export function mergeTags(existing: readonly LabTag[], added: readonly LabTag[], caseInsensitive: boolean): LabTag[] | IamError {
  const out = existing.map((t) => ({ ...t }));
  for (const t of added) {
    const same = (x: LabTag) => (caseInsensitive ? x.Key.toLowerCase() === t.Key.toLowerCase() : x.Key === t.Key);
    const i = out.findIndex(same);
    if (i >= 0) out[i] = { Key: t.Key, Value: t.Value };
    else out.push({ Key: t.Key, Value: t.Value });
  }
  if (out.length > 50) return iamError('LimitExceeded', msg.tagLimit);
  return out;
}

export function removeTags(existing: readonly LabTag[], keys: readonly string[], caseInsensitive: boolean): LabTag[] {
  const drop = new Set(caseInsensitive ? keys.map((k) => k.toLowerCase()) : keys);
  return existing.filter((t) => !drop.has(caseInsensitive ? t.Key.toLowerCase() : t.Key));
}

/** IAM counts policy sizes without white space (IAM User Guide, "IAM and AWS STS quotas"). */
export function policySize(text: string): number {
  return text.replace(/\s+/g, '').length;
}
