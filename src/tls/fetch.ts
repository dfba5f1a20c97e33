// Live mode: fetch the certificate chain a TLS server sends, the way `openssl s_client
// -showcerts` shows it, so IRSA004 can compute the thumbprint AWS would.
//
// Why `getPeerX509Certificate()` and not `getPeerCertificate(true)`: Node's legacy object walk
// appends issuers it finds in the connection's CA store (crypto_common.cc GetLastIssuedCert),
// so with `ca` holding the root, or for a public chain, its last entry is a root the server
// never sent, and its SHA-1 is not the thumbprint AWS computes (fetch.test.ts shows it). The
// X509Certificate walk only looks among the certificates the server sent.
// Limit: Node exposes that list as an issuance walk from the leaf, not as the raw Certificate
// message, so a certificate the server sends that is not on the leaf's issuer path (a stray
// extra) is not seen; for a correctly ordered chain the order equals the order sent.

import { isIP } from 'node:net';
import tls from 'node:tls';
import { trustContext } from './trust-context.js';
import type { X509Certificate } from 'node:crypto';

export interface FetchChainOptions {
  /** Extra trusted CAs (PEM), added to Node's default store for the `authorized` verdict only. */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** SNI name; defaults to `host` unless it is an IP address. */
  readonly servername?: string;
  /** Whole-operation limit (connect + handshake). */
  readonly timeoutMs: number;
}

export interface FetchedChain {
  readonly host: string;
  readonly port: number;
  readonly servername?: string;
  /** DER of each certificate the server sent, leaf first, in issuance order (see the header). */
  readonly certs: Buffer[];
  /** OpenSSL verified the chain against Node's default store plus `ca`, and the name matched. */
  readonly authorized: boolean;
  /** OpenSSL's or Node's code, e.g. `UNABLE_TO_GET_ISSUER_CERT_LOCALLY`, `ERR_TLS_CERT_ALTNAME_INVALID`. */
  readonly authorizationError?: string;
  /** e.g. `TLSv1.3` */
  readonly protocol?: string;
}

export class TlsFetchError extends Error {
  constructor(
    readonly code: string,
    readonly host: string,
    readonly port: number,
    message: string,
  ) {
    super(message);
    this.name = 'TlsFetchError';
  }
}

export function fetchChain(host: string, port: number, options: FetchChainOptions): Promise<FetchedChain> {
  const servername = options.servername ?? (isIP(host) === 0 ? host : undefined);
  const extra = options.ca === undefined ? undefined : Array.isArray(options.ca) ? (options.ca as ReadonlyArray<string | Buffer>) : [options.ca as string | Buffer];
  return new Promise<FetchedChain>((resolve, reject) => {
    let settled = false;
    const socket = tls.connect({
      host,
      port,
      ...(servername !== undefined ? { servername } : {}),
      rejectUnauthorized: false,
      // The verdict is "default store + ca" (trustContext keeps Node's roots).
      ...(extra ? { secureContext: trustContext(extra) } : {}),
    });
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      f();
    };
    const timer = setTimeout(() => {
      finish(() => reject(new TlsFetchError('ETIMEDOUT', host, port, `no TLS handshake with ${host}:${port} within ${options.timeoutMs} ms`)));
      socket.destroy();
    }, options.timeoutMs);
    socket.once('secureConnect', () => {
      const certs = sentChain(socket.getPeerX509Certificate());
      const protocol = socket.getProtocol();
      const authorizationError = socket.authorizationError;
      const result: FetchedChain = {
        host,
        port,
        ...(servername !== undefined ? { servername } : {}),
        certs,
        authorized: socket.authorized,
        // typed as Error, but Node sets the code string (tls.js onConnectSecure)
        ...(authorizationError ? { authorizationError: String(authorizationError) } : {}),
        ...(protocol ? { protocol } : {}),
      };
      socket.end();
      if (certs.length === 0) finish(() => reject(new TlsFetchError('ENOPEERCERT', host, port, `${host}:${port} sent no certificate`)));
      else finish(() => resolve(result));
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      finish(() => reject(new TlsFetchError(e.code ?? 'ERR_TLS', host, port, `TLS connection to ${host}:${port} failed: ${e.message}`)));
      socket.destroy();
    });
  });
}

/** Leaf, then each issuer among the certificates the server sent; stops at a self-issued one. */
function sentChain(leaf: X509Certificate | undefined): Buffer[] {
  const out: Buffer[] = [];
  const seen = new Set<string>();
  let c: X509Certificate | undefined = leaf;
  while (c && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    out.push(c.raw);
    c = c.issuerCertificate;
  }
  return out;
}
