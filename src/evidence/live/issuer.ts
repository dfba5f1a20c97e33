// Live mode, issuer side: what STS reads from the cluster's OIDC issuer before it trusts a token.
// The discovery document (`<issuer>/.well-known/openid-configuration`), the JWKS at its
// `jwks_uri`, and the TLS chain each of those hosts sends (AWS's thumbprint rule takes the last
// certificate of the JWKS host's chain; both hosts when they differ). The facts are the ones the
// offline recognisers make from `curl` output and `openssl s_client -showcerts` (oidc.ts,
// tls/recognisers.ts), so IRSA004 and the discovery checks run unchanged.
//
// Trust: Node's roots plus NODE_EXTRA_CA_CERTS (Node reads it itself), plus `ca` (`--ca-file`).
// A document served under a CA none of those hold is still read (see getJson): STS checks such
// an issuer by thumbprint, not by this machine's trust store.
// A failure is an UnavailableFact (`issuer:<url>` for the documents, `chain:<host>` for TLS),
// never a throw. Proxies (HTTPS_PROXY) are not used: STS fetches from AWS's side, not through
// the user's proxy, so a direct fetch is the closer test; behind a proxy it reports unavailable.

import https from 'node:https';
import type { CertChainFact, DiscoveryFact, Fact, JwksFact, UnavailableFact } from '../facts.js';
import { fetchChain } from '../../tls/fetch.js';
import { trustContext } from '../../tls/trust-context.js';
import type { SecureContext } from 'node:tls';

export const DEFAULT_ISSUER_TIMEOUT_MS = 10_000;
const MAX_BODY_BYTES = 1024 * 1024;

export interface CollectIssuerOptions {
  /** PEM of extra trusted CAs (`--ca-file`). */
  ca?: string;
  /** Per request and per TLS handshake. */
  timeoutMs?: number;
}

class FetchProblem extends Error {
  constructor(
    message: string,
    readonly untrusted = false,
    /** A 5xx, 429, reset connection or timeout: worth asking again. */
    readonly transient = false,
  ) {
    super(message);
  }
}

/** Attempts per document: an issuer (S3, CloudFront, the EKS endpoint) has passing failures too. */
const ATTEMPTS = 3;

/**
 * GET `url` and parse its JSON. A certificate this machine does not trust is not what STS checks
 * (for a private CA it compares thumbprints, which IRSA004 judges from the chain facts), so the
 * document is then read without verification: the chain, fetched separately, tells the rest.
 */
async function getJson(url: string, ca: SecureContext | undefined, timeoutMs: number): Promise<unknown> {
  let verify = true;
  for (let attempt = 1; ; attempt++) {
    try {
      return await getJsonOnce(url, ca, timeoutMs, verify);
    } catch (e) {
      if (e instanceof FetchProblem && e.untrusted && verify) {
        verify = false;
        attempt--;
        continue;
      }
      if (e instanceof FetchProblem && e.transient && attempt < ATTEMPTS) {
        await new Promise((r) => setTimeout(r, 100 * attempt));
        continue;
      }
      throw e;
    }
  }
}

/** GET `url` (https only) and parse its JSON body; a FetchProblem says why not, in one line. */
function getJsonOnce(url: string, ca: SecureContext | undefined, timeoutMs: number, verify: boolean): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      reject(new FetchProblem(`${JSON.stringify(url)} is not a URL`));
      return;
    }
    if (u.protocol !== 'https:') {
      reject(new FetchProblem(`${url} is not https (AWS fetches only https)`));
      return;
    }
    let settled = false;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      f();
    };
    const req = https.get(u, { headers: { accept: 'application/json' }, ...(ca ? { secureContext: ca } : {}), agent: false, rejectUnauthorized: verify }, (res) => {
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        res.resume();
        const loc = res.headers.location;
        finish(() => reject(new FetchProblem(`HTTP ${status} from ${url}${loc ? ` (redirect to ${loc})` : ''}`, false, status >= 500 || status === 429)));
        req.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY_BYTES) {
          finish(() => reject(new FetchProblem(`${url} sent more than ${MAX_BODY_BYTES} bytes`)));
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      res.on('end', () =>
        finish(() => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve(JSON.parse(text));
          } catch {
            reject(new FetchProblem(`${url} did not send JSON (${JSON.stringify(text.slice(0, 60))}${text.length > 60 ? '...' : ''})`));
          }
        }),
      );
      res.on('error', (e) => finish(() => reject(new FetchProblem(`${url}: ${e.message}`))));
    });
    const timer = setTimeout(() => {
      finish(() => reject(new FetchProblem(`no answer from ${url} within ${timeoutMs} ms`, false, true)));
      req.destroy();
    }, timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) =>
      finish(() => {
        const code = e.code && !e.message.includes(e.code) ? `${e.code}: ` : '';
        const untrusted = /^(UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO_SELF_SIGNED|CERT_)/.test(e.code ?? '');
        reject(new FetchProblem(`GET ${url} failed: ${code}${e.message}`, untrusted, /ECONNRESET|socket hang up|EPIPE/.test(`${e.code ?? ''} ${e.message}`)));
      }),
    );
  });
}

const problemOf = (e: unknown): string => (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ');

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function unavailable(what: string, path: string, reason: string): UnavailableFact {
  return { kind: 'unavailable', source: { path }, what, reason };
}

/** host:port of an https URL (port 443 when not given). */
function endpointOf(url: string): { host: string; port: number } | undefined {
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' || u.hostname === '') return undefined;
    // URL keeps IPv6 literals in brackets; TLS wants them bare.
    return { host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: u.port === '' ? 443 : Number(u.port) };
  } catch {
    return undefined;
  }
}

async function chainOf(host: string, port: number, ca: string | undefined, timeoutMs: number): Promise<Fact> {
  const path = `tls:${host}:${port}`;
  try {
    const c = await fetchChain(host, port, { timeoutMs, ...(ca !== undefined ? { ca } : {}) });
    return { kind: 'certChain', source: { path }, certs: c.certs, host, fromSClient: false, complete: true } satisfies CertChainFact;
  } catch (e) {
    return unavailable(`chain:${host}`, path, problemOf(e));
  }
}

/**
 * The issuer's discovery document and JWKS, and the TLS chains of the issuer host and (when it
 * is another host or port) the JWKS host.
 */
export async function collectIssuer(issuerUrl: string, opts: CollectIssuerOptions = {}): Promise<Fact[]> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_ISSUER_TIMEOUT_MS;
  const ca = trustContext(opts.ca);
  const what = `issuer:${issuerUrl}`;
  const discoveryUrl = `${issuerUrl.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const issuerEnd = endpointOf(issuerUrl);
  if (!issuerEnd) return [unavailable(what, issuerUrl, `${JSON.stringify(issuerUrl)} is not an https URL`)];

  const issuerChain = chainOf(issuerEnd.host, issuerEnd.port, opts.ca, timeoutMs);
  const facts: Fact[] = [];
  const chains: Array<Promise<Fact>> = [issuerChain];
  try {
    const doc = await getJson(discoveryUrl, ca, timeoutMs);
    if (!isRecord(doc)) throw new FetchProblem(`${discoveryUrl} is not a JSON object`);
    const issuer = doc['issuer'];
    const jwksUri = doc['jwks_uri'];
    if (typeof issuer !== 'string' || typeof jwksUri !== 'string') {
      throw new FetchProblem(`the discovery document at ${discoveryUrl} has no ${typeof issuer !== 'string' ? '"issuer"' : '"jwks_uri"'}`);
    }
    facts.push({ kind: 'discovery', source: { path: discoveryUrl }, issuer, jwksUri, document: doc } satisfies DiscoveryFact);

    const jwksEnd = endpointOf(jwksUri);
    if (jwksEnd && (jwksEnd.host.toLowerCase() !== issuerEnd.host.toLowerCase() || jwksEnd.port !== issuerEnd.port)) {
      chains.push(chainOf(jwksEnd.host, jwksEnd.port, opts.ca, timeoutMs));
    }
    try {
      const set = await getJson(jwksUri, ca, timeoutMs);
      const keys = isRecord(set) ? set['keys'] : undefined;
      if (!Array.isArray(keys) || !keys.every(isRecord)) throw new FetchProblem(`${jwksUri} is not a JWKS (no "keys" array of objects)`);
      facts.push({ kind: 'jwks', source: { path: jwksUri }, keys } satisfies JwksFact);
    } catch (e) {
      facts.push(unavailable(what, jwksUri, `the JWKS: ${problemOf(e)}`));
    }
  } catch (e) {
    facts.push(unavailable(what, discoveryUrl, `the discovery document: ${problemOf(e)}`));
  }
  facts.push(...(await Promise.all(chains)));
  return facts;
}
