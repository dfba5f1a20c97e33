// Test fixtures made at test time with the openssl CLI (no checked-in certificates to expire):
// a root -> intermediate -> leaf chain, plus helpers shared by the tls tests. The tests at the
// bottom hold the fixture itself to what openssl says about it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface Issued {
  readonly pem: string;
  readonly keyPem: string;
  readonly der: Buffer;
  readonly path: string;
  readonly keyPath: string;
}

export interface Pki {
  readonly dir: string;
  readonly root: Issued;
  readonly intermediate: Issued;
  readonly leaf: Issued;
  /** Issue another certificate; `signer` undefined = self-signed. */
  issue(name: string, subject: string, signer: Issued | undefined, ext: string, key?: Issued): Issued;
  cleanup(): void;
}

export function openssl(args: string[], cwd?: string): string {
  return execFileSync('openssl', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** What `openssl x509 -fingerprint -sha1 -noout` prints, colons removed, lower-cased: the IAM form. */
export function opensslSha1(path: string): string {
  const out = openssl(['x509', '-in', path, '-noout', '-fingerprint', '-sha1']);
  const m = /Fingerprint=([0-9A-F:]+)/i.exec(out);
  assert.ok(m, `unexpected openssl output: ${out}`);
  return (m[1] as string).replace(/:/g, '').toLowerCase();
}

export function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

export const CA_EXT = 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n';
const INTERMEDIATE_EXT = 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n';
export const LEAF_EXT =
  'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,DNS:oidc.example.test,IP:127.0.0.1\n';

export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'irsa-tls-'));
  let serial = 1000;
  const issue = (name: string, subject: string, signer: Issued | undefined, ext: string, key?: Issued): Issued => {
    const keyPath = join(dir, `${name}.key`);
    if (key) writeFileSync(keyPath, key.keyPem);
    else openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyPath]);
    const extPath = join(dir, `${name}.ext`);
    writeFileSync(extPath, ext + (signer ? 'authorityKeyIdentifier=keyid:always\n' : ''));
    const csr = join(dir, `${name}.csr`);
    openssl(['req', '-new', '-key', keyPath, '-subj', subject, '-out', csr]);
    const certPath = join(dir, `${name}.pem`);
    const signArgs = signer
      ? ['-CA', signer.path, '-CAkey', signer.keyPath]
      : ['-signkey', keyPath];
    openssl(['x509', '-req', '-in', csr, ...signArgs, '-set_serial', String(serial++), '-days', '36500', '-sha256', '-extfile', extPath, '-out', certPath]);
    const pem = readFileSync(certPath, 'utf8');
    return { pem, keyPem: readFileSync(keyPath, 'utf8'), der: pemToDer(pem), path: certPath, keyPath };
  };
  const root = issue('root', '/O=irsa-doctor tests/CN=Test Root CA', undefined, CA_EXT);
  const intermediate = issue('intermediate', '/O=irsa-doctor tests/CN=Test Intermediate CA', root, INTERMEDIATE_EXT);
  const leaf = issue('leaf', '/CN=oidc.example.test', intermediate, LEAF_EXT);
  return { dir, root, intermediate, leaf, issue, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestServer {
  readonly port: number;
  close(): Promise<void>;
}

/** An HTTPS server on 127.0.0.1 that sends `chain` (PEMs, leaf first) with `key`. */
export async function startServer(key: string, chain: string[]): Promise<TestServer> {
  // PEMs without a trailing newline must not be glued together
  const cert = chain.map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join('');
  const server = https.createServer({ key, cert }, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

test('the fixture chain verifies with openssl and its fingerprints are in IAM form', () => {
  const pki = makePki();
  try {
    const out = openssl(['verify', '-CAfile', pki.root.path, '-untrusted', pki.intermediate.path, pki.leaf.path]);
    assert.match(out, /: OK/);
    const fp = opensslSha1(pki.intermediate.path);
    assert.match(fp, /^[0-9a-f]{40}$/);
    assert.notEqual(fp, opensslSha1(pki.root.path));
  } finally {
    pki.cleanup();
  }
});
