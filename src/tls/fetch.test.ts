// Live fetch against a real HTTPS server on 127.0.0.1, and real `openssl s_client` output
// captured from it (spawned asynchronously: a synchronous s_client against a server in this
// process would deadlock).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { describeCert, leafMatchesHost, thumbprintCandidates, trustOfChain } from './chain.js';
import { TlsFetchError, fetchChain } from './fetch.js';
import { makePki, opensslSha1, startServer } from './pki-fixture.test.js';
import type { Pki, TestServer } from './pki-fixture.test.js';
import { sClientRecogniser } from './recognisers.js';
import type { TlsCertChainFact } from './recognisers.js';

let pki: Pki;
let server: TestServer; // sends leaf + intermediate
let serverWithRoot: TestServer; // sends leaf + intermediate + root
before(async () => {
  pki = makePki();
  server = await startServer(pki.leaf.keyPem, [pki.leaf.pem, pki.intermediate.pem.trimEnd()]);
  serverWithRoot = await startServer(pki.leaf.keyPem, [pki.leaf.pem, pki.intermediate.pem, pki.root.pem]);
});
after(async () => {
  await server.close();
  await serverWithRoot.close();
  pki.cleanup();
});

const NOW = new Date('2030-01-01T00:00:00Z');

describe('fetchChain', () => {
  test('records the chain sent and the thumbprint openssl gives for the intermediate', async () => {
    const got = await fetchChain('127.0.0.1', server.port, { servername: 'oidc.example.test', ca: pki.root.pem, timeoutMs: 5000 });
    assert.deepEqual(got.certs, [pki.leaf.der, pki.intermediate.der]);
    assert.equal(got.authorized, true);
    assert.equal(got.authorizationError, undefined);
    assert.equal(got.servername, 'oidc.example.test');
    assert.match(got.protocol ?? '', /^TLSv1\.[23]$/);
    assert.equal(thumbprintCandidates(got.certs).expected, opensslSha1(pki.intermediate.path));
    assert.equal(leafMatchesHost(got.certs, 'oidc.example.test').matches, true);
  });

  test('never appends the trusted root the server did not send (getPeerCertificate(true) does)', async () => {
    const got = await fetchChain('127.0.0.1', server.port, { servername: 'oidc.example.test', ca: [pki.root.pem], timeoutMs: 5000 });
    assert.equal(got.certs.length, 2);
    // the legacy walk, for contrast: it ends at the root taken from the `ca` store
    const legacy = await new Promise<string[]>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: server.port, servername: 'oidc.example.test', ca: [pki.root.pem], rejectUnauthorized: false }, () => {
        const names: string[] = [];
        let c: tls.DetailedPeerCertificate | undefined = s.getPeerCertificate(true);
        const seen = new Set<string>();
        while (c?.raw && !seen.has(c.fingerprint256)) {
          seen.add(c.fingerprint256);
          names.push(describeCert(c.raw).subject);
          c = c.issuerCertificate;
        }
        s.end();
        resolve(names);
      });
      s.on('error', reject);
    });
    assert.equal(legacy.length, 3);
    assert.match(legacy[2] ?? '', /Test Root CA/);
  });

  test('without the private root: not authorized, same chain', async () => {
    const got = await fetchChain('127.0.0.1', server.port, { servername: 'oidc.example.test', timeoutMs: 5000 });
    assert.deepEqual(got.certs, [pki.leaf.der, pki.intermediate.der]);
    assert.equal(got.authorized, false);
    assert.equal(got.authorizationError, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
    assert.equal(trustOfChain(got.certs, NOW).publiclyTrusted, false);
  });

  test('a name mismatch is reported as Node reports it', async () => {
    const got = await fetchChain('127.0.0.1', server.port, { servername: 'other.example.test', ca: pki.root.pem, timeoutMs: 5000 });
    assert.equal(got.authorized, false);
    assert.equal(got.authorizationError, 'ERR_TLS_CERT_ALTNAME_INVALID');
  });

  test('a server that sends its root: three certificates, the walk stops at the self-signed root', async () => {
    const got = await fetchChain('127.0.0.1', serverWithRoot.port, { servername: 'oidc.example.test', timeoutMs: 5000 });
    assert.deepEqual(got.certs, [pki.leaf.der, pki.intermediate.der, pki.root.der]);
    const c = thumbprintCandidates(got.certs);
    assert.equal(c.expected, opensslSha1(pki.root.path));
    assert.equal(c.alternatives[0]?.sha1, opensslSha1(pki.intermediate.path));
  });

  test('a server that never answers times out', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as AddressInfo).port;
    const started = Date.now();
    try {
      await assert.rejects(fetchChain('127.0.0.1', port, { timeoutMs: 300 }), (e: unknown) => e instanceof TlsFetchError && e.code === 'ETIMEDOUT' && e.port === port);
      assert.ok(Date.now() - started < 3000);
    } finally {
      silent.close();
    }
  });

  test('a refused connection is an error with its code', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    await assert.rejects(fetchChain('127.0.0.1', port, { timeoutMs: 3000 }), (e: unknown) => e instanceof TlsFetchError && e.code === 'ECONNREFUSED');
  });
});

/** Real `openssl s_client` output (stdout then stderr, as `2>&1` would mix them). */
function sClient(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'oidc.example.test', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', () => resolve(err + out));
    p.stdin.end(); // like `</dev/null`: s_client exits after the handshake
  });
}

describe('real openssl s_client captures', () => {
  test('-showcerts: the chain sent, its thumbprint equal to openssl\'s fingerprint of the intermediate', async () => {
    const text = await sClient(server.port, ['-showcerts']);
    assert.match(text, /Certificate chain/);
    const facts = sClientRecogniser.recognise({ path: 'capture.txt', text }, { path: 'capture.txt' });
    assert.ok(facts);
    const f = facts[0] as TlsCertChainFact;
    assert.equal(facts.length, 1);
    assert.deepEqual(f.certs, [pki.leaf.der, pki.intermediate.der]);
    assert.equal(f.complete, true);
    assert.equal(f.listed, 2);
    assert.equal(f.host, 'oidc.example.test');
    assert.equal(f.hostSource, 'certificate');
    assert.equal(f.verifyReturn?.code, 20);
    assert.equal(thumbprintCandidates(f.certs).expected, opensslSha1(pki.intermediate.path));
  });

  test('-showcerts with the root trusted, over TLS 1.2: verified, protocol recorded', async () => {
    const text = await sClient(server.port, ['-showcerts', '-CAfile', pki.root.path, '-tls1_2']);
    const f = sClientRecogniser.recognise({ path: 'c.txt', text }, { path: 'c.txt' })?.[0] as TlsCertChainFact;
    assert.deepEqual(f.verifyReturn, { code: 0, text: 'ok' });
    assert.equal(f.protocol, 'TLSv1.2');
    assert.equal(JSON.stringify(f).includes('Master-Key'), false);
  });

  test('a server sending its root: the capture ends with the root', async () => {
    const text = await sClient(serverWithRoot.port, ['-showcerts']);
    const f = sClientRecogniser.recognise({ path: 'c.txt', text }, { path: 'c.txt' })?.[0] as TlsCertChainFact;
    assert.deepEqual(f.certs, [pki.leaf.der, pki.intermediate.der, pki.root.der]);
    assert.equal(thumbprintCandidates(f.certs).expected, opensslSha1(pki.root.path));
  });

  test('without -showcerts: the leaf only, incomplete, and why', async () => {
    const text = await sClient(server.port, []);
    const f = sClientRecogniser.recognise({ path: 'c.txt', text }, { path: 'c.txt' })?.[0] as TlsCertChainFact;
    assert.deepEqual(f.certs, [pki.leaf.der]);
    assert.equal(f.complete, false);
    assert.equal(f.listed, 2);
    assert.match(f.incompleteReason ?? '', /rerun with -showcerts/);
  });
});
