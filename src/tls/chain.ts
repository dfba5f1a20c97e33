// Certificate-chain evidence for IRSA004: describe certificates, compute the thumbprint AWS
// expects (and the ones people configure instead), judge whether the chain is publicly
// trusted, and match the leaf against a host name. Pure functions over DER buffers; the only
// outside input is Node's bundled root store, which callers may replace (`roots`).
//
// Sources for the thumbprint rule (see also shared/spec/aws-behavior.md section 2):
// - IAM User Guide, "Obtain the thumbprint for an OpenID Connect identity provider": IAM wants
//   the thumbprint of the "top intermediate CA"; the procedure runs
//   `openssl s_client -servername HOST -showcerts -connect HOST:443` and takes the LAST
//   certificate shown, then `openssl x509 -fingerprint -sha1 -noout`, colons removed.
// - eksctl pkg/iam/oidc/api.go `getIssuerCAThumbprint` (eksctl-io/eksctl@13cbbe7a): SHA-1 of
//   `response.TLS.PeerCertificates[len-1]`, i.e. the last certificate the server SENT. Its
//   comment says "root CA", but Go's PeerCertificates never contains a root from the local
//   store, so eksctl agrees with the s_client method.
// - terraform-provider-tls `data "tls_certificate"` (internal/provider/data_source_certificate.go,
//   hashicorp/terraform-provider-tls@04da235c): `certificates` is `ConnectionState().PeerCertificates`
//   reversed ("with the root of the chain first"), so the documented
//   `certificates[0].sha1_fingerprint` is again the last certificate sent, even with
//   verify_chain = true. (The module terraform-aws-eks once put every certificate's
//   fingerprint in the list: terraform-aws-modules/terraform-aws-eks#2732.)
// So every tool computes "the last certificate the server sends": the top intermediate for a
// normal server, the root when the server also sends its root. A provider that holds a real
// root from the store (what a browser's certificate viewer shows at the top) or the leaf
// (`openssl s_client | openssl x509` without -showcerts, seen in public scripts) is a
// different, explainable value: `alternatives` lists them.

import { X509Certificate, createHash } from 'node:crypto';
import { isIP } from 'node:net';
import tls from 'node:tls';

export { parsePemBundle, scanPemBlocks, PemFormatError } from './pem.js';
export type { PemBlock } from './pem.js';

export interface CertDescription {
  /** One line, RDNs in certificate order, e.g. `C=US, O=Amazon, CN=Amazon RSA 2048 M02`. */
  readonly subject: string;
  readonly issuer: string;
  /** Upper-case hex, as OpenSSL prints it. */
  readonly serialNumber: string;
  /** ISO 8601. */
  readonly notBefore: string;
  readonly notAfter: string;
  /** 40 lower-case hex digits, no colons: the IAM thumbprint format. */
  readonly sha1: string;
  /** 64 lower-case hex digits. */
  readonly sha256: string;
  /** basicConstraints CA:TRUE */
  readonly isCA: boolean;
  /** Issuer name equals subject and the certificate's own key verifies its signature. */
  readonly selfSigned: boolean;
  /** `DNS:name`, `IP:addr`, `URI:...`, `email:...` (OpenSSL's type names, `IP Address` shortened to `IP`). */
  readonly subjectAltNames: string[];
}

export interface RootStoreOptions {
  /**
   * Trusted roots as PEM text. Default: `tls.rootCertificates`, the Mozilla store bundled with
   * Node.js. AWS uses its own "library of trusted root CAs", which is not published: Node's
   * store is the nearest public stand-in, so "publicly trusted" here is an approximation.
   */
  readonly roots?: readonly string[];
}

export const DEFAULT_STORE_NAME = `the Mozilla root store bundled with Node.js ${process.versions.node} (tls.rootCertificates)`;

// ---------------------------------------------------------------------------------------------
// Describing one certificate

/** Parses DER; throws the error of `X509Certificate` when it is not a certificate. */
function x509(der: Uint8Array): X509Certificate {
  return new X509Certificate(der);
}

export function sha1Hex(der: Uint8Array): string {
  return createHash('sha1').update(der).digest('hex');
}

export function describeCert(der: Uint8Array): CertDescription {
  return describeX509(x509(der), der);
}

function describeX509(c: X509Certificate, der: Uint8Array = c.raw): CertDescription {
  return {
    subject: oneLine(c.subject),
    issuer: oneLine(c.issuer),
    serialNumber: c.serialNumber,
    notBefore: isoDate(c.validFrom),
    notAfter: isoDate(c.validTo),
    sha1: sha1Hex(der),
    sha256: createHash('sha256').update(der).digest('hex'),
    isCA: c.ca,
    selfSigned: issuedBy(c, c),
    subjectAltNames: splitSubjectAltName(c.subjectAltName),
  };
}

function oneLine(name: string): string {
  return name.split('\n').filter((s) => s.length > 0).join(', ');
}

function isoDate(openssl: string): string {
  const d = new Date(openssl);
  return Number.isNaN(d.getTime()) ? openssl : d.toISOString();
}

function time(openssl: string): number {
  return new Date(openssl).getTime();
}

/**
 * Splits Node's `subjectAltName` string (`DNS:a, IP Address:1.2.3.4`; values holding `,` or
 * `"` are JSON-quoted since Node 17.3/16.14) into `TYPE:value` entries.
 */
export function splitSubjectAltName(s: string | undefined): string[] {
  if (!s) return [];
  const out: string[] = [];
  const re = /\s*([^:,]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:,|$)/y;
  let m: RegExpExecArray | null;
  while (re.lastIndex < s.length && (m = re.exec(s)) !== null) {
    const type = (m[1] ?? '').trim();
    let value = m[2] ?? '';
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        // keep the quoted text as printed
      }
    }
    out.push(`${type === 'IP Address' ? 'IP' : type}:${value}`);
  }
  return out;
}

/** True when `parent`'s name matches `child`'s issuer and `parent`'s key verifies `child`. */
export function issuedBy(child: X509Certificate, parent: X509Certificate): boolean {
  if (!child.checkIssued(parent)) return false;
  try {
    return child.verify(parent.publicKey);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// The root store

interface StoreRoot {
  readonly cert: X509Certificate;
  readonly description: CertDescription;
}

const storeCache = new WeakMap<readonly string[], StoreRoot[]>();

function loadStore(roots: readonly string[]): StoreRoot[] {
  let store = storeCache.get(roots);
  if (!store) {
    store = [];
    for (const pem of roots) {
      try {
        const cert = new X509Certificate(pem);
        store.push({ cert, description: describeX509(cert) });
      } catch {
        // an unreadable root cannot anchor anything
      }
    }
    storeCache.set(roots, store);
  }
  return store;
}

function storeOf(options: RootStoreOptions | undefined): { roots: StoreRoot[]; name: string } {
  if (options?.roots) return { roots: loadStore(options.roots), name: `a root store of ${options.roots.length} certificates given by the caller` };
  return { roots: loadStore(tls.rootCertificates), name: DEFAULT_STORE_NAME };
}

/** Store roots that signed `cert` (signature verified, not only names compared). */
function storeIssuers(cert: X509Certificate, roots: readonly StoreRoot[]): StoreRoot[] {
  return roots.filter((r) => issuedBy(cert, r.cert));
}

/** The store root whose DER equals `der`, if any. */
export function findInStore(der: Uint8Array, options?: RootStoreOptions): CertDescription | undefined {
  const sha1 = sha1Hex(der);
  return storeOf(options).roots.find((r) => r.description.sha1 === sha1)?.description;
}

// ---------------------------------------------------------------------------------------------
// Thumbprints

export type CandidateRelation =
  /** index 0: what `openssl s_client | openssl x509` without -showcerts fingerprints; changes at every renewal. */
  | 'leaf'
  /** a CA certificate the server sends below the last one */
  | 'intermediate'
  /** the server sends its root too: the certificate just below it, the CA IAM's docs call "top intermediate" */
  | 'topIntermediate'
  /** a root in the store that signed the last certificate sent (not sent by the server) */
  | 'storeIssuer'
  /** the store root that anchors a shorter trusted path (a cross-signed chain); not sent by the server */
  | 'storeAnchor';

export interface ThumbprintAlternative {
  readonly sha1: string;
  readonly relation: CandidateRelation;
  /** Index in the chain as sent; absent for store certificates. */
  readonly index?: number;
  readonly certificate: CertDescription;
  /** Why a provider may hold this value, one sentence. */
  readonly why: string;
}

export interface ThumbprintCandidates {
  /** SHA-1 of the last certificate in the chain as sent: what AWS's documented procedure yields. */
  readonly expected: string;
  readonly index: number;
  readonly certificate: CertDescription;
  /** The rule applied, in words, for the finding's explanation. */
  readonly rule: string;
  /** Other thumbprints a provider may hold, each with why; never contains `expected`. */
  readonly alternatives: ThumbprintAlternative[];
  /** Limits of this answer, e.g. a chain of one certificate that is not self-signed. */
  readonly caveats: string[];
}

/**
 * AWS's thumbprint for a chain as the server sends it (index 0 = leaf), and the other values
 * people configure. Throws `RangeError` for an empty chain and the X509Certificate error for
 * unreadable DER.
 */
export function thumbprintCandidates(chain: readonly Uint8Array[], options?: RootStoreOptions): ThumbprintCandidates {
  if (chain.length === 0) throw new RangeError('thumbprintCandidates: empty chain');
  const certs = chain.map((d) => x509(d));
  const described = certs.map((c, i) => describeX509(c, chain[i]));
  const last = chain.length - 1;
  const top = described[last] as CertDescription;
  const topCert = certs[last] as X509Certificate;
  const caveats: string[] = [];
  let rule: string;
  const sentRoot = chain.length > 1 && top.selfSigned;
  if (chain.length === 1 && top.selfSigned) {
    rule = `The server sends one self-signed certificate (${top.subject}): it is its own CA, so its SHA-1 is the thumbprint.`;
  } else if (chain.length === 1) {
    rule = `AWS takes the SHA-1 of the last certificate the server sends; only the server certificate (${top.subject}) is known, so by that rule the thumbprint would be the leaf's, which changes at every certificate renewal.`;
    caveats.push(
      'Only one certificate, not self-signed: either the capture lacks the intermediates (openssl s_client run without -showcerts) or the server sends no intermediate. Rerun `openssl s_client -servername HOST -showcerts -connect HOST:443` to tell.',
    );
  } else if (sentRoot) {
    rule = `The server also sends its root (${top.subject}); AWS's documented method takes the last certificate \`openssl s_client -showcerts\` shows, which is then that root.`;
  } else {
    rule = `AWS takes the SHA-1 of the last certificate the server sends (the last one \`openssl s_client -showcerts\` shows, the "top intermediate CA"): ${top.subject}.`;
  }

  const alternatives: ThumbprintAlternative[] = [];
  const seen = new Set<string>([top.sha1]);
  const add = (a: ThumbprintAlternative): void => {
    if (seen.has(a.sha1)) return;
    seen.add(a.sha1);
    alternatives.push(a);
  };
  if (sentRoot) {
    const below = described[last - 1] as CertDescription;
    if (last - 1 > 0) {
      add({
        sha1: below.sha1,
        relation: 'topIntermediate',
        index: last - 1,
        certificate: below,
        why: 'the CA just below the root the server sends: what IAM\'s text calls the "top intermediate CA"; which of the two IAM retrieves itself when the root is sent is not documented',
      });
    }
  }
  const { roots } = storeOf(options);
  if (!top.selfSigned) {
    for (const r of storeIssuers(topCert, roots)) {
      add({
        sha1: r.description.sha1,
        relation: 'storeIssuer',
        certificate: r.description,
        why: 'the root CA (from the trust store, not sent by the server) that signed the last certificate sent: what a browser shows at the top of the chain',
      });
    }
  }
  const anchor = findAnchor(certs, roots);
  if (anchor && anchor.index < last) {
    add({
      sha1: anchor.root.description.sha1,
      relation: 'storeAnchor',
      certificate: anchor.root.description,
      why: `the trusted root (not sent by the server) that already signs certificate ${anchor.index} (${described[anchor.index]?.subject}): clients stop there, so tools that show the verified chain end with it`,
    });
  }
  for (let i = last - 1; i >= 0; i--) {
    const d = described[i] as CertDescription;
    add(
      i === 0
        ? {
            sha1: d.sha1,
            relation: 'leaf',
            index: 0,
            certificate: d,
            why: 'the server certificate itself, what `openssl s_client ... | openssl x509 -fingerprint` gives without -showcerts; it changes at every renewal',
          }
        : { sha1: d.sha1, relation: 'intermediate', index: i, certificate: d, why: 'an intermediate CA certificate the server sends, not the last one' },
    );
  }
  return { expected: top.sha1, index: last, certificate: top, rule, alternatives, caveats };
}

/** First index i whose certificate a store root signed (OpenSSL's trusted-first path building). */
function findAnchor(certs: readonly X509Certificate[], roots: readonly StoreRoot[]): { index: number; root: StoreRoot } | undefined {
  for (let i = 0; i < certs.length; i++) {
    const root = storeIssuers(certs[i] as X509Certificate, roots)[0];
    if (root) return { index: i, root };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Trust

export type ChainProblemCode = 'expired' | 'notYetValid' | 'brokenLink' | 'anchorExpired' | 'noAnchor';

export interface ChainProblem {
  readonly code: ChainProblemCode;
  /** Index in the chain as sent; absent for the store anchor and for `noAnchor`. */
  readonly index?: number;
  readonly message: string;
}

export interface ChainTrust {
  /**
   * A store root signed one of the certificates, and every certificate from the leaf up to it
   * (and the root) is within its validity and signed by the next one. What AWS checks before
   * it falls back to thumbprints (hostname is checked separately: `leafMatchesHost`).
   */
  readonly publiclyTrusted: boolean;
  /** The store root that signed `chain[anchoredAt]` (signature verified). */
  readonly anchor?: CertDescription;
  readonly anchoredAt?: number;
  /** Every problem found, one sentence each (the same as `details[].message`). */
  readonly problems: string[];
  readonly details: ChainProblem[];
  /** Which store was used, for the explanation. */
  readonly store: string;
}

export function trustOfChain(chain: readonly Uint8Array[], now: Date, options?: RootStoreOptions): ChainTrust {
  const certs = chain.map((d) => x509(d));
  const described = certs.map((c, i) => describeX509(c, chain[i]));
  const store = storeOf(options);
  const details: ChainProblem[] = [];
  const t = now.getTime();
  const name = (i: number): string => `certificate ${i} (${described[i]?.subject})`;
  const bad = new Set<number>();
  certs.forEach((c, i) => {
    if (t > time(c.validTo)) {
      details.push({ code: 'expired', index: i, message: `${name(i)} expired on ${described[i]?.notAfter}` });
      bad.add(i);
    } else if (t < time(c.validFrom)) {
      details.push({ code: 'notYetValid', index: i, message: `${name(i)} is not valid before ${described[i]?.notBefore}` });
      bad.add(i);
    }
  });
  const brokenAbove = new Set<number>();
  for (let i = 0; i + 1 < certs.length; i++) {
    if (!issuedBy(certs[i] as X509Certificate, certs[i + 1] as X509Certificate)) {
      brokenAbove.add(i);
      details.push({
        code: 'brokenLink',
        index: i,
        message: `${name(i)} is not signed by ${name(i + 1)}: the server sends its chain out of order or with a certificate that does not belong to it`,
      });
    }
  }
  const found = findAnchor(certs, store.roots);
  let publiclyTrusted = false;
  if (!found) {
    details.push({ code: 'noAnchor', message: `no root in ${store.name} signed any certificate of the chain: a private or untrusted CA` });
  } else {
    const { index, root } = found;
    let ok = true;
    for (let i = 0; i <= index; i++) if (bad.has(i)) ok = false;
    for (let i = 0; i < index; i++) if (brokenAbove.has(i)) ok = false;
    if (t > time(root.cert.validTo) || t < time(root.cert.validFrom)) {
      ok = false;
      details.push({ code: 'anchorExpired', message: `the trusted root ${root.description.subject} is outside its validity (${root.description.notBefore} to ${root.description.notAfter})` });
    }
    publiclyTrusted = ok;
  }
  return {
    publiclyTrusted,
    ...(found ? { anchor: found.root.description, anchoredAt: found.index } : {}),
    problems: details.map((d) => d.message),
    details,
    store: store.name,
  };
}

// ---------------------------------------------------------------------------------------------
// Host name

export interface HostMatch {
  readonly matches: boolean;
  readonly host: string;
  /** The SAN entry that matched. */
  readonly matchedName?: string;
  /** The DNS and IP names the leaf carries. */
  readonly names: string[];
  readonly reason: string;
}

/**
 * Whether the leaf (chain[0]) is valid for `host`, by its subjectAltNames (RFC 6125 / CA/B
 * rules that current clients apply): DNS names compare case-insensitively without a trailing
 * dot; a wildcard is only a whole left-most label (`*.example.com`), matches exactly one label
 * and needs two labels after it; IP hosts match IP entries only. The subject CN is not used
 * (Go, Java and browsers ignore it when SANs exist, Go ignores it always).
 */
export function leafMatchesHost(chain: readonly Uint8Array[], host: string): HostMatch {
  const leafDer = chain[0];
  if (!leafDer) return { matches: false, host, names: [], reason: 'the chain is empty' };
  const leaf = describeCert(leafDer);
  const names = leaf.subjectAltNames.filter((n) => n.startsWith('DNS:') || n.startsWith('IP:'));
  if (names.length === 0) {
    return { matches: false, host, names, reason: `the certificate (${leaf.subject}) has no DNS or IP subjectAltName; clients no longer match the subject CN` };
  }
  for (const n of names) {
    if (nameCoversHost(n, host)) {
      const how = n.includes('*') ? 'covers' : 'equals';
      return { matches: true, host, matchedName: n, names, reason: `${n} ${how} ${host}` };
    }
  }
  return { matches: false, host, names, reason: `${host} is not among the certificate's names (${names.join(', ')})` };
}

/**
 * Whether one SAN entry (`DNS:pattern` or `IP:address`) covers `host`, by the rules above.
 */
export function nameCoversHost(entry: string, host: string): boolean {
  const [type, value = ''] = splitOnce(entry);
  const h = normaliseHost(host);
  if (isIP(h) !== 0) return type === 'IP' && normaliseHost(value) === h;
  if (type !== 'DNS') return false;
  const pattern = normaliseHost(value);
  return pattern === h || wildcardMatches(pattern, h);
}

function splitOnce(entry: string): [string, string] {
  const i = entry.indexOf(':');
  return [entry.slice(0, i), entry.slice(i + 1)];
}

function normaliseHost(s: string): string {
  let h = s.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (isIP(h) === 6) {
    try {
      return new URL(`http://[${h}]/`).hostname.slice(1, -1);
    } catch {
      return h;
    }
  }
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

function wildcardMatches(pattern: string, host: string): boolean {
  const p = pattern.split('.');
  const q = host.split('.');
  if (p[0] !== '*' || p.length < 3 || p.length !== q.length) return false;
  if (p.slice(1).some((l) => l.includes('*') || l === '')) return false;
  if (!q[0]) return false;
  return p.slice(1).every((l, i) => l === q[i + 1]);
}
