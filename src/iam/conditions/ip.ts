// IP address condition operators (IAM User Guide, "IP address condition operators"): values are
// IPv4 or IPv6 addresses or CIDR ranges; "If you specify an IP address without the associated
// routing prefix, IAM uses the default prefix value of /32" (so /128 for IPv6). No wildcards, no
// policy variables. An IPv4-mapped IPv6 request address (::ffff:a.b.c.d) is compared as IPv4.

import { boundedMemo, defineOperator, type OperatorDefinition } from './types.js';

export interface IpAddr {
  readonly version: 4 | 6;
  readonly value: bigint;
}

export interface Cidr extends IpAddr {
  readonly prefix: number;
}

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseV6(s: string): bigint | undefined {
  if (s.includes('%')) return undefined;
  let head = s;
  let tailV4: bigint | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.')) {
    tailV4 = parseV4(s.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const double = head.indexOf('::');
  if (double !== head.lastIndexOf('::')) return undefined;
  let groups: string[];
  if (double >= 0) {
    const left = head.slice(0, double) === '' ? [] : head.slice(0, double).split(':');
    const right = head.slice(double + 2) === '' ? [] : head.slice(double + 2).split(':');
    const missing = 8 - left.length - right.length;
    if (missing < 1) return undefined;
    groups = [...left, ...new Array<string>(missing).fill('0'), ...right];
  } else {
    groups = head.split(':');
  }
  if (groups.length !== 8) return undefined;
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tailV4 !== undefined) v = (v & ~0xffffffffn) | tailV4;
  return v;
}

export function parseIp(s: string): IpAddr | undefined {
  const t = s.trim();
  if (t.includes(':')) {
    const v = parseV6(t);
    return v === undefined ? undefined : { version: 6, value: v };
  }
  const v = parseV4(t);
  return v === undefined ? undefined : { version: 4, value: v };
}

export const parseCidr = boundedMemo((s: string): Cidr | undefined => {
  const t = s.trim();
  const slash = t.indexOf('/');
  const addr = parseIp(slash < 0 ? t : t.slice(0, slash));
  if (!addr) return undefined;
  const max = addr.version === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = t.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > max) return undefined;
  }
  return { ...addr, prefix };
});

const V4_MAPPED_PREFIX = 0xffffn << 32n;

function unmap(a: IpAddr): IpAddr {
  if (a.version === 6 && a.value >> 32n === 0xffffn && (a.value & ~0xffffffffn) === V4_MAPPED_PREFIX) {
    return { version: 4, value: a.value & 0xffffffffn };
  }
  return a;
}

/** Is `address` inside `cidr`? */
export function cidrContains(cidr: Cidr, address: IpAddr): boolean {
  const a = cidr.version === 4 ? unmap(address) : address;
  if (a.version !== cidr.version) return false;
  const bits = BigInt(cidr.version === 4 ? 32 : 128);
  const shift = bits - BigInt(cidr.prefix);
  return a.value >> shift === cidr.value >> shift;
}

function ip(name: string, negated: boolean): OperatorDefinition {
  return defineOperator({
    name,
    family: 'IpAddress',
    negated,
    variables: false,
    wildcards: false,
    validate: (s) => (parseCidr(s) === undefined ? `"${s}" is not an IP address or CIDR range` : undefined),
    compare: (v, p) => {
      const slash = v.indexOf('/');
      const a = parseIp(slash < 0 ? v : v.slice(0, slash));
      if (!a) return { error: `request value "${v}" is not an IP address` };
      const c = parseCidr(p.text);
      if (!c) return { error: `policy value "${p.text}" is not an IP address or CIDR range` };
      return cidrContains(c, a);
    },
  });
}

export const IpAddress = ip('IpAddress', false);
export const NotIpAddress = ip('NotIpAddress', true);

export const IP_OPERATORS: readonly OperatorDefinition[] = [IpAddress, NotIpAddress];
