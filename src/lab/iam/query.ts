// Reading AWS Query-protocol requests: `application/x-www-form-urlencoded` bodies (what botocore
// and the JS SDK v3 POST) or a GET query string, with `Action`, `Version` and the operation's
// members. Lists are `Name.member.1`, `Name.member.2`... (botocore serialize.py QuerySerializer);
// an empty list is sent as the bare `Name=` (both SDKs do). Structures in lists are
// `Tags.member.1.Key` / `Tags.member.1.Value`.

import type { LabRequest } from '../http.js';
import type { LabTag } from '../state.js';
import { iamError, NOT_NULL, validationError, type IamError } from './errors.js';
import { PATTERNS } from './validate.js';

const cache = new WeakMap<LabRequest, QueryParams>();

/** The lowerCamel member name IAM uses in validation messages (`RoleName` -> `roleName`). */
export function memberName(param: string): string {
  return param.charAt(0).toLowerCase() + param.slice(1);
}

export class QueryParams {
  constructor(readonly params: URLSearchParams) {}

  static of(req: LabRequest): QueryParams {
    let q = cache.get(req);
    if (!q) {
      const merged = new URLSearchParams(req.url.search);
      if (req.body.length > 0) for (const [k, v] of new URLSearchParams(req.body.toString('utf8'))) merged.append(k, v);
      q = new QueryParams(merged);
      cache.set(req, q);
    }
    return q;
  }

  get action(): string | undefined {
    return this.params.get('Action') ?? undefined;
  }

  get version(): string | undefined {
    return this.params.get('Version') ?? undefined;
  }

  string(name: string): string | undefined {
    return this.params.get(name) ?? undefined;
  }

  /** `Name.member.N` values in N order; `[]` for a bare `Name=`; undefined when absent. */
  list(name: string): string[] | undefined {
    const prefix = `${name}.member.`;
    const items: Array<[number, string]> = [];
    for (const [k, v] of this.params) {
      if (k.startsWith(prefix)) {
        const n = Number(k.slice(prefix.length));
        if (Number.isInteger(n) && n > 0) items.push([n, v]);
      }
    }
    if (items.length === 0) return this.params.has(name) ? [] : undefined;
    return items.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  }

  /** `Tags.member.N.Key` / `.Value` pairs. */
  tags(name = 'Tags'): LabTag[] | undefined {
    const prefix = `${name}.member.`;
    const byIndex = new Map<number, { Key?: string; Value?: string }>();
    for (const [k, v] of this.params) {
      if (!k.startsWith(prefix)) continue;
      const m = /^(\d+)\.(Key|Value)$/.exec(k.slice(prefix.length));
      if (!m) continue;
      const i = Number(m[1]);
      const t = byIndex.get(i) ?? {};
      t[m[2] as 'Key' | 'Value'] = v;
      byIndex.set(i, t);
    }
    if (byIndex.size === 0) return this.params.has(name) ? [] : undefined;
    return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, t]) => ({ Key: t.Key ?? '', Value: t.Value ?? '' }));
  }

  integer(name: string): number | IamError | undefined {
    const v = this.params.get(name);
    if (v === null) return undefined;
    if (!/^-?\d+$/.test(v.trim())) return iamError('InvalidParameterValue', `Value (${v}) for parameter ${name} is invalid. Expected an integer.`);
    return Number(v);
  }

  boolean(name: string): boolean | undefined {
    const v = this.params.get(name);
    if (v === null) return undefined;
    return v.toLowerCase() === 'true';
  }

  /** The required members that are missing, as IAM's `Value null ... must not be null` error. */
  required(...names: string[]): IamError | undefined {
    const missing = names.filter((n) => !this.params.has(n) && this.list(n) === undefined && this.tags(n) === undefined);
    if (missing.length === 0) return undefined;
    return validationError(missing.map((n) => ({ member: memberName(n), constraint: NOT_NULL })).sort((a, b) => (a.member < b.member ? -1 : 1)));
  }
}

// Paging: IAM's Marker is opaque; the lab's encodes the offset of the next item.

export interface Page<T> {
  items: T[];
  isTruncated: boolean;
  marker?: string;
}

export function pageParams(q: QueryParams, maxDefault = 100): { offset: number; maxItems: number } | IamError {
  const maxItems = q.integer('MaxItems');
  if (typeof maxItems === 'object') return maxItems;
  if (maxItems !== undefined && (maxItems < 1 || maxItems > 1000)) {
    return validationError([{ member: 'maxItems', constraint: maxItems < 1 ? 'Member must have value greater than or equal to 1' : 'Member must have value less than or equal to 1000' }]);
  }
  const marker = q.string('Marker');
  let offset = 0;
  if (marker !== undefined) {
    if (!PATTERNS.marker.re.test(marker)) return validationError([{ member: 'marker', constraint: `Member must satisfy regular expression pattern: ${PATTERNS.marker.text}` }]);
    const m = /^lab-marker:(\d+)$/.exec(Buffer.from(marker, 'base64').toString('utf8'));
    // moto and IAM answer a marker they did not issue with ValidationError "Invalid Marker."
    if (!m) return iamError('ValidationError', 'Invalid Marker.');
    offset = Number(m[1]);
  }
  return { offset, maxItems: maxItems ?? maxDefault };
}

export function paginate<T>(all: readonly T[], offset: number, maxItems: number): Page<T> {
  const items = all.slice(offset, offset + maxItems);
  const next = offset + items.length;
  if (next < all.length) return { items, isTruncated: true, marker: Buffer.from(`lab-marker:${next}`).toString('base64') };
  return { items, isTruncated: false };
}
