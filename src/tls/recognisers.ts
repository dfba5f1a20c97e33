// Offline recognisers for IRSA004 and IRSA401 evidence:
//   - `openssl s_client [-showcerts] -connect HOST:443` output (stdout, or stdout+stderr),
//   - a plain PEM chain file,
//   - a raw service-account token (the projected token file, `kubectl create token` output),
//   - `kubectl create token ... -o json|yaml` (an authentication.k8s.io TokenRequest).
// Each claims a file by content and returns facts, `null` when the file is not its format, and
// throws only `InputError` (with a line when known) when it is its format but broken.

import { InputError } from '../evidence/facts.js';
import type { CertChainFact, Source, TokenFact } from '../evidence/facts.js';
import type { FileInput, Recogniser } from '../evidence/offline/types.js';
import { describeCert, leafMatchesHost } from './chain.js';
import type { CertDescription } from './chain.js';
import { PemFormatError, lineOf, lineStarts, scanPemBlocks } from './pem.js';
import type { PemBlock } from './pem.js';
import { TokenFormatError, decodeToken, jwtCandidate } from './token.js';

/**
 * A `CertChainFact` with what the capture tells beyond the certificates. The extra fields are
 * optional so that consumers typed on `CertChainFact` keep working.
 */
export interface TlsCertChainFact extends CertChainFact {
  /**
   * `true`: the text holds every certificate the server sent. `false`: it holds fewer (see
   * `incompleteReason`), so the thumbprint cannot be computed: rerun with -showcerts.
   * Absent: cannot tell (a PEM file says nothing about what a server sends).
   */
  complete?: boolean;
  incompleteReason?: string;
  /** How many certificates s_client listed under "Certificate chain" (what the server sent). */
  listed?: number;
  /** Where `host` came from: the pasted command line, or the leaf certificate's names. */
  hostSource?: 'servername' | 'connect' | 'certificate';
  /** s_client's `Verify return code: N (text)` against the local trust store. */
  verifyReturn?: { code: number; text: string };
  /** Negotiated protocol, e.g. `TLSv1.3` (AWS falls back to thumbprints when TLS 1.3 is required). */
  protocol?: string;
}

// ---------------------------------------------------------------------------------------------
// openssl s_client

const SCLIENT_MARKERS = [
  /^CONNECTED\([0-9A-Fa-f]+\)/m,
  /^Certificate chain[ \t]*\r?$/m,
  /^Server certificate[ \t]*\r?$/m,
  /^no peer certificate available/m,
  /^\s*Verify return code: \d+ \(/m,
];

export const sClientRecogniser: Recogniser = {
  format: 'openssl s_client output',
  reads: 'text',
  recognise(input: FileInput, source: Source) {
    if (!SCLIENT_MARKERS.some((re) => re.test(input.text))) return null;
    return guard(input.path, () => parseSClient(input.text, input.path, source));
  },
};

interface Section {
  /** Offset where the session starts (its CONNECTED line, or 0). */
  readonly start: number;
  readonly end: number;
  /** Its CONNECTED line (or the end of the text when there is none). */
  readonly connectedAt: number;
  /** Where a command line typed for this run may start: the previous run's CONNECTED line. */
  readonly commandFrom: number;
}

function parseSClient(text: string, path: string, source: Source): TlsCertChainFact[] {
  const starts = lineStarts(text);
  const blocks = pemBlocks(text, path);
  const sessions = splitSessions(text);
  const commands = commandHosts(text);
  const facts: TlsCertChainFact[] = [];
  const seenChains = new Set<string>();
  for (const s of sessions) {
    const body = text.slice(s.start, s.end);
    const chainAt = matchOffset(body, /^Certificate chain[ \t]*\r?$/m, s.start);
    const serverAt = matchOffset(body, /^Server certificate[ \t]*\r?$/m, s.start);
    const inSession = blocks.filter((b) => b.der && b.start >= s.start && b.end <= s.end);
    // the "Certificate chain" listing: ` 0 s:...` lines until the next `---` or `Server certificate`
    let listed: number | undefined;
    if (chainAt !== undefined) {
      const listEnd = serverAt ?? nextSeparator(text, chainAt, s.end);
      const listing = text.slice(chainAt, listEnd);
      listed = [...listing.matchAll(/^\s*\d+ s:/gm)].length;
    }
    let certs: PemBlock[];
    let complete: boolean | undefined;
    let incompleteReason: string | undefined;
    const chainBlocks = chainAt !== undefined ? inSession.filter((b) => b.start > chainAt && (serverAt === undefined || b.start < serverAt)) : [];
    const serverBlocks = serverAt !== undefined ? inSession.filter((b) => b.start > serverAt) : [];
    if (chainBlocks.length > 0) {
      certs = chainBlocks;
      if (listed !== undefined && listed > chainBlocks.length) {
        complete = false;
        incompleteReason = `s_client listed ${listed} certificates under "Certificate chain" but the text holds ${chainBlocks.length}: part of the output is missing`;
      } else complete = true;
    } else if (serverBlocks.length > 0) {
      certs = serverBlocks.slice(0, 1);
      const leafSelfSigned = selfSigned(certs[0]);
      if (listed !== undefined ? listed > 1 : !leafSelfSigned) {
        complete = false;
        incompleteReason =
          listed !== undefined
            ? `s_client listed ${listed} certificates under "Certificate chain" but printed only the server certificate: rerun with -showcerts`
            : 'only the server certificate was printed (s_client without -showcerts): rerun with -showcerts';
      } else complete = true;
    } else {
      certs = inSession;
      complete = undefined;
    }
    if (certs.length === 0) {
      if (sessions.length > 1) continue;
      const noPeer = /^no peer certificate available/m.test(body);
      throw new InputError(
        path,
        noPeer
          ? 'openssl s_client output without a certificate ("no peer certificate available"): the TLS handshake failed; check the host, port and -servername'
          : 'openssl s_client output without any certificate: capture the whole output of `openssl s_client -servername HOST -showcerts -connect HOST:443 </dev/null`',
        lineOf(starts, s.start),
      );
    }
    const ders = certs.map((b) => b.der as Buffer);
    const key = ders.map((d) => d.toString('base64')).join('.');
    if (seenChains.has(key)) continue;
    seenChains.add(key);
    const [leaf] = certs.map((b) => describeOrThrow(b, path));
    // the command typed for this run sits after the previous run's CONNECTED line and before its own
    const own = commands.filter((c) => c.at >= s.commandFrom && c.at < s.connectedAt).pop();
    const command = own ?? (sessions.length === 1 ? commands[0] : undefined);
    const host = command ?? hostFromLeaf(ders, leaf as CertDescription);
    const verify = lastMatch(body, /^\s*Verify return code: (\d+) \(([^)\r\n]*)\)/gm);
    // "Protocol  : TLSv1.2" (session block) is exact; old OpenSSL prints "New, TLSv1/SSLv3," for any version
    const protocol = /^\s*Protocol\s*: (TLSv[\d.]+|SSLv3)/m.exec(body)?.[1] ?? /^New, (TLSv[\d.]+|SSLv3),/m.exec(body)?.[1];
    const fact: TlsCertChainFact = {
      kind: 'certChain',
      source: sessions.length > 1 ? { ...source, line: lineOf(starts, certs[0]?.start ?? s.start) } : source,
      certs: ders,
      fromSClient: true,
      ...(host ? { host: host.host, hostSource: host.from } : {}),
      ...(complete !== undefined ? { complete } : {}),
      ...(incompleteReason ? { incompleteReason } : {}),
      ...(listed !== undefined ? { listed } : {}),
      ...(verify ? { verifyReturn: { code: Number(verify[1]), text: verify[2] ?? '' } } : {}),
      ...(protocol ? { protocol } : {}),
    };
    facts.push(fact);
  }
  if (facts.length === 0) throw new InputError(path, 'openssl s_client output without any certificate', 1);
  return facts;
}

/** One session per `CONNECTED(...)` line (several s_client runs pasted in one file). */
function splitSessions(text: string): Section[] {
  const at = [...text.matchAll(/^CONNECTED\([0-9A-Fa-f]+\)/gm)].map((m) => m.index ?? 0);
  if (at.length <= 1) return [{ start: 0, end: text.length, connectedAt: at[0] ?? text.length, commandFrom: 0 }];
  // stderr lines (depth=..., verify return) of a run come before its CONNECTED line
  return at.map((start, i) => ({ start: i === 0 ? 0 : start, end: at[i + 1] ?? text.length, connectedAt: start, commandFrom: i === 0 ? 0 : (at[i - 1] as number) }));
}

function matchOffset(body: string, re: RegExp, base: number): number | undefined {
  const m = re.exec(body);
  return m ? base + (m.index ?? 0) : undefined;
}

function nextSeparator(text: string, from: number, limit: number): number {
  const re = /^---[ \t]*\r?$/gm;
  re.lastIndex = from;
  const m = re.exec(text);
  return m && m.index < limit ? m.index : limit;
}

function lastMatch(body: string, re: RegExp): RegExpExecArray | undefined {
  let last: RegExpExecArray | undefined;
  for (const m of body.matchAll(re)) last = m;
  return last;
}

/** Hosts named by pasted command lines (`-servername` wins over `-connect`/`-host`), with offsets. */
function commandHosts(text: string): Array<{ host: string; from: 'servername' | 'connect'; at: number }> {
  const out: Array<{ host: string; from: 'servername' | 'connect'; at: number }> = [];
  for (const m of text.matchAll(/^.*\bs_client\b.*$/gm)) {
    const line = m[0];
    const at = m.index ?? 0;
    const sni = /\s-servername[ \t=]+([^\s'"]+)/.exec(line)?.[1];
    if (sni) {
      out.push({ host: sni.toLowerCase(), from: 'servername', at });
      continue;
    }
    const connect = /\s-connect[ \t=]+([^\s'"]+)/.exec(line)?.[1] ?? /\s-host[ \t=]+([^\s'"]+)/.exec(line)?.[1];
    const host = connect ? stripPort(connect) : '';
    if (host) out.push({ host: host.toLowerCase(), from: 'connect', at });
  }
  return out;
}

function stripPort(hostPort: string): string {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(hostPort);
  if (v6) return v6[1] as string;
  const colons = hostPort.split(':').length - 1;
  return colons === 1 ? hostPort.replace(/:\d*$/, '') : hostPort;
}

/**
 * Without a command line, the host the leaf was issued for: its subject CN when the SANs cover
 * it, else its only non-wildcard DNS name. Undefined when that is ambiguous.
 */
function hostFromLeaf(ders: Buffer[], leaf: CertDescription): { host: string; from: 'certificate' } | undefined {
  const cn = /(?:^|, )CN=([^,]+)$/.exec(leaf.subject)?.[1] ?? /(?:^|, )CN=([^,]+)/.exec(leaf.subject)?.[1];
  if (cn && /^[a-z0-9.-]+$/i.test(cn) && cn.includes('.') && leafMatchesHost(ders, cn).matches) return { host: cn.toLowerCase(), from: 'certificate' };
  const dns = leaf.subjectAltNames.filter((n) => n.startsWith('DNS:') && !n.includes('*')).map((n) => n.slice(4));
  return dns.length === 1 ? { host: (dns[0] as string).toLowerCase(), from: 'certificate' } : undefined;
}

// ---------------------------------------------------------------------------------------------
// PEM chain file

export const pemChainRecogniser: Recogniser = {
  format: 'PEM certificate chain',
  reads: 'text',
  recognise(input: FileInput, source: Source) {
    if (!/-----BEGIN (?:TRUSTED |X509 )?CERTIFICATE-----/.test(input.text)) return null;
    if (SCLIENT_MARKERS.some((re) => re.test(input.text))) return null; // s_client's own recogniser
    if (looksStructured(input)) return null; // a manifest or JSON document that embeds a PEM
    return guard(input.path, () => {
      const blocks = pemBlocks(input.text, input.path).filter((b) => b.der);
      if (blocks.length === 0) return null;
      blocks.forEach((b) => describeOrThrow(b, input.path));
      const ders = blocks.map((b) => b.der as Buffer);
      const fact: TlsCertChainFact = { kind: 'certChain', source, certs: ders, fromSClient: false };
      return [fact];
    });
  },
};

/** JSON text, or YAML/JSON documents that are Kubernetes objects, are other recognisers' business. */
function looksStructured(input: FileInput): boolean {
  if (/^\s*[[{]/.test(input.text)) return true;
  return (input.docs ?? []).some((d) => d.value !== null && typeof d.value === 'object' && ('kind' in d.value || 'apiVersion' in d.value));
}

// ---------------------------------------------------------------------------------------------
// Service-account tokens

export const tokenRecogniser: Recogniser = {
  format: 'service-account token (JWT)',
  reads: 'text',
  recognise(input: FileInput, source: Source) {
    const trimmed = input.text.trim();
    if (/^Bearer\s+eyJ/i.test(trimmed)) {
      throw new InputError(input.path, 'this is an HTTP Authorization value ("Bearer <token>"), not a token file: remove the "Bearer " prefix', 1, 1);
    }
    const jwt = jwtCandidate(input.text);
    if (!jwt) return null;
    return guard(input.path, () => [tokenFact(jwt, input.path, source, firstContentLine(input.text))]);
  },
};

/** `kubectl create token SA -o json|yaml`: an authentication.k8s.io TokenRequest with status.token. */
export const tokenRequestRecogniser: Recogniser = {
  format: 'Kubernetes TokenRequest (kubectl create token -o json|yaml)',
  reads: 'structured',
  recognise(input: FileInput, source: Source) {
    const facts: TokenFact[] = [];
    for (const d of input.docs ?? []) {
      const v = d.value;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) continue;
      const o = v as Record<string, unknown>;
      if (o['kind'] !== 'TokenRequest' || typeof o['apiVersion'] !== 'string' || !o['apiVersion'].startsWith('authentication.k8s.io/')) continue;
      const status = o['status'];
      const token = status !== null && typeof status === 'object' ? (status as Record<string, unknown>)['token'] : undefined;
      if (typeof token !== 'string' || token.trim() === '') {
        throw new InputError(input.path, 'TokenRequest without status.token: the token was not issued (this is the request, not the response?)', d.line);
      }
      const docSource = (input.docs?.length ?? 0) > 1 ? { ...source, line: d.line } : source;
      facts.push(guard(input.path, () => tokenFact(token.trim(), input.path, docSource, d.line)));
    }
    return facts.length > 0 ? facts : null;
  },
};

function tokenFact(jwt: string, path: string, source: Source, line: number): TokenFact {
  try {
    const { header, claims } = decodeToken(jwt);
    return { kind: 'token', source, header, claims };
  } catch (e) {
    if (e instanceof TokenFormatError) throw new InputError(path, `service-account token: ${e.message}`, line);
    throw e;
  }
}

function firstContentLine(text: string): number {
  const m = /\S/.exec(text);
  return m ? lineOf(lineStarts(text), m.index) : 1;
}

// ---------------------------------------------------------------------------------------------
// shared

function pemBlocks(text: string, path: string): PemBlock[] {
  try {
    return scanPemBlocks(text);
  } catch (e) {
    if (e instanceof PemFormatError) throw new InputError(path, e.message, e.line);
    throw e;
  }
}

function describeOrThrow(b: PemBlock, path: string): CertDescription {
  try {
    return describeCert(b.der as Buffer);
  } catch (e) {
    throw new InputError(path, `${b.label} block at line ${b.line} is not a readable X.509 certificate (${(e as Error).message})`, b.line);
  }
}

function selfSigned(b: PemBlock | undefined): boolean {
  if (!b?.der) return false;
  try {
    return describeCert(b.der).selfSigned;
  } catch {
    return false;
  }
}

/** Runs `f`; anything but InputError becomes an InputError naming the file (the contract). */
function guard<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(path, `unreadable: ${(e as Error)?.message ?? String(e)}`);
  }
}

/** Every recogniser of this folder, for the offline registry. */
export const tlsRecognisers: Recogniser[] = [sClientRecogniser, pemChainRecogniser, tokenRecogniser, tokenRequestRecogniser];
