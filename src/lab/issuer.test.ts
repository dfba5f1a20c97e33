// The lab OIDC issuer over real HTTPS, checked with clients no one here wrote: curl (discovery
// and JWKS), jose's remote JWKS (signature verification, rotation), and `openssl s_client
// -showcerts` (the chain a server sends and the thumbprint AWS computes from it). Subprocesses
// are spawned asynchronously: a synchronous client against a server in this process deadlocks.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, customFetch, decodeProtectedHeader, jwtVerify, type FetchImplementation } from 'jose';
import { Faults } from './http.js';
import { addIssuer, startIssuer, type RunningIssuer } from './issuer.js';
import { createLabPki, type LabPki } from './pki.js';
import { LabClock } from './types.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
    p.stdin.end(input ?? '');
  });
}

/** node:https with the lab CA: jose's fetch hook (Node's global fetch takes no CA). */
function fetchWithCa(ca: string): FetchImplementation {
  return (url, options) =>
    new Promise((resolve, reject) => {
      const req = httpsRequest(url, { method: options.method, headers: Object.fromEntries(new Headers(options.headers)), ca, signal: options.signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
          resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500, headers }));
        });
      });
      req.on('error', reject);
      req.end();
    });
}

let dir: string;
let caFile: string;
let pki: LabPki;
let clock: LabClock;
let one: RunningIssuer;
let split: RunningIssuer;
const faults = new Faults();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lab-issuer-'));
  pki = await createLabPki('issuer test');
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, pki.caPem);
  clock = new LabClock();
  one = await startIssuer({ pki, clock, faults });
  split = await startIssuer({ pki, clock, faults, separateJwks: true });
}, { timeout: 120_000 });

after(async () => {
  await one?.close();
  await split?.close();
  rmSync(dir, { recursive: true, force: true });
});

const spec = { namespace: 'shop', serviceAccount: 'cart', serviceAccountUid: '6f1c6d1e-8f4e-4f57-9d0a-5a7d1f1f0c11', audiences: ['sts.amazonaws.com'], expirationSeconds: 3600 };

describe('hosting', { timeout: 120_000 }, () => {
  test('an EKS-like issuer URL; without a port when the process may bind 443', () => {
    assert.match(one.url, /\/id\/[0-9A-F]{32}$/);
    if (process.getuid?.() === 0) {
      assert.equal(one.hasPort, false);
      assert.match(one.url, /^https:\/\/127\.42\.\d{1,3}\.\d{1,3}\/id\/[0-9A-F]{32}$/);
      assert.notEqual(one.endpoint.host, split.endpoint.host, 'each issuer draws its own loopback address');
    } else {
      assert.equal(one.hasPort, true);
      assert.match(one.url, /^https:\/\/127\.0\.0\.1:\d+\/id\/[0-9A-F]{32}$/);
    }
    assert.equal(one.issuer.issuer, one.url);
    assert.equal(one.jwksUri, `${one.url}/keys`);
    assert.deepEqual(one.thumbprints, [pki.thumbprint]);
  });

  test('curl fetches the discovery document with the lab CA', async () => {
    const r = await run('curl', ['-sS', '--fail', '--cacert', caFile, `${one.url}/.well-known/openid-configuration`]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      issuer: one.url,
      jwks_uri: `${one.url}/keys`,
      authorization_endpoint: 'urn:kubernetes:programmatic_authorization',
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      claims_supported: ['sub', 'iss'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
  });

  test('curl fetches the JWKS: RS256 RSA keys with kid, use and alg', async () => {
    const r = await run('curl', ['-sS', '--fail', '--cacert', caFile, one.jwksUri]);
    assert.equal(r.code, 0, r.stderr);
    const jwks = JSON.parse(r.stdout) as { keys: Array<Record<string, string>> };
    assert.equal(jwks.keys.length, 1);
    const k = jwks.keys[0] as Record<string, string>;
    assert.deepEqual(Object.keys(k).sort(), ['alg', 'e', 'kid', 'kty', 'n', 'use']);
    assert.equal(k['kty'], 'RSA');
    assert.equal(k['use'], 'sig');
    assert.equal(k['alg'], 'RS256');
    assert.equal(k['e'], 'AQAB');
    assert.equal(Buffer.from(k['n'] as string, 'base64url').length, 256, '2048-bit modulus');
    assert.deepEqual(one.issuer.kids(), [k['kid']]);
  });

  test('unknown paths, other issuer ids and writes are refused', async () => {
    const r404 = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', caFile, `${one.url.replace(/\/id\/.*/, '')}/id/${'0'.repeat(32)}/keys`]);
    assert.equal(r404.stdout, '404');
    const r405 = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'POST', '--cacert', caFile, one.jwksUri]);
    assert.equal(r405.stdout, '405');
  });

  test('one host serves several issuers, each under its own /id/<ID> (as EKS does)', async () => {
    const second = await addIssuer(one, { clock });
    assert.notEqual(second.id, one.issuer.id);
    assert.equal(second.issuer, `${one.endpoint.base}/id/${second.id}`);
    const r = await run('curl', ['-sS', '--fail', '--cacert', caFile, `${second.issuer}/.well-known/openid-configuration`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { issuer: string }).issuer, second.issuer);
    const k = await run('curl', ['-sS', '--fail', '--cacert', caFile, second.jwksUri]);
    assert.deepEqual((JSON.parse(k.stdout) as { keys: Array<{ kid: string }> }).keys.map((x) => x.kid), second.kids());
  });

  test('openssl s_client -showcerts: leaf + intermediate, and the last one is the PKI thumbprint', async () => {
    const r = await run('openssl', ['s_client', '-showcerts', '-connect', `${one.endpoint.host}:${one.endpoint.port}`, '-CAfile', caFile], '');
    const pems = r.stdout.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    assert.equal(pems.length, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /Verify return code: 0 \(ok\)/);
    const last = new X509Certificate(pems[1] as string);
    assert.equal(createHash('sha1').update(last.raw).digest('hex'), pki.thumbprint);
    assert.match(last.subject, /Issuing CA/);
    const leaf = new X509Certificate(pems[0] as string);
    assert.equal(leaf.checkIP(one.endpoint.host), one.endpoint.host, 'the leaf names the issuer host');
  });
});

describe('tokens', { timeout: 120_000 }, () => {
  test('a signed token has the Kubernetes claims and verifies against the remote JWKS (jose)', async () => {
    const t0 = Math.floor(clock.now().getTime() / 1000);
    const { token, expiresAt } = await one.issuer.sign({ ...spec, pod: { name: 'cart-7d9f', uid: 'a9e3c2d4-1b2c-4d5e-8f90-1234567890ab' } });
    const jwks = createRemoteJWKSet(new URL(one.jwksUri), { [customFetch]: fetchWithCa(pki.caPem) });
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: one.url, audience: 'sts.amazonaws.com', algorithms: ['RS256'] });
    assert.deepEqual(Object.keys(protectedHeader).sort(), ['alg', 'kid']);
    assert.equal(protectedHeader.kid, one.issuer.kids()[0]);
    assert.deepEqual(Object.keys(payload), ['aud', 'exp', 'iat', 'iss', 'jti', 'kubernetes.io', 'nbf', 'sub']);
    assert.deepEqual(payload.aud, ['sts.amazonaws.com']);
    assert.equal(payload.sub, 'system:serviceaccount:shop:cart');
    assert.equal(payload.iat, payload.nbf);
    assert.ok((payload.iat as number) >= t0 && (payload.iat as number) <= t0 + 60);
    assert.equal(payload.exp, (payload.iat as number) + 3600);
    assert.equal(expiresAt.getTime(), (payload.exp as number) * 1000);
    assert.deepEqual(payload['kubernetes.io'], {
      namespace: 'shop',
      pod: { name: 'cart-7d9f', uid: 'a9e3c2d4-1b2c-4d5e-8f90-1234567890ab' },
      serviceaccount: { name: 'cart', uid: '6f1c6d1e-8f4e-4f57-9d0a-5a7d1f1f0c11' },
    });
  });

  test('times come from the lab clock', async () => {
    const c = new LabClock();
    c.advance(10 * 24 * 3600 * 1000);
    const other = await startIssuer({ pki, clock: c, faults, bind: 'loopback-port' });
    try {
      assert.equal(other.hasPort, true);
      const { token } = await other.issuer.sign(spec);
      const jwks = createRemoteJWKSet(new URL(other.jwksUri), { [customFetch]: fetchWithCa(pki.caPem) });
      const { payload } = await jwtVerify(token, jwks, { currentDate: c.now() });
      assert.ok((payload.iat as number) * 1000 > Date.now() + 9 * 24 * 3600 * 1000);
    } finally {
      await other.close();
    }
  });

  test('rotation: new tokens use the newest key, old tokens verify until the old key is removed', async () => {
    const jwksFor = () => createRemoteJWKSet(new URL(one.jwksUri), { [customFetch]: fetchWithCa(pki.caPem) });
    const [oldKid] = one.issuer.kids();
    const before = (await one.issuer.sign(spec)).token;
    const newKid = await one.issuer.rotate();
    const afterRotation = (await one.issuer.sign(spec)).token;
    assert.equal(decodeProtectedHeader(before).kid, oldKid);
    assert.equal(decodeProtectedHeader(afterRotation).kid, newKid);

    const r = await run('curl', ['-sS', '--fail', '--cacert', caFile, one.jwksUri]);
    assert.deepEqual((JSON.parse(r.stdout) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid), [oldKid, newKid]);
    await jwtVerify(before, jwksFor());
    await jwtVerify(afterRotation, jwksFor());

    assert.equal(one.issuer.removeKey(oldKid as string), true);
    await assert.rejects(jwtVerify(before, jwksFor()), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
    await jwtVerify(afterRotation, jwksFor());
    assert.deepEqual(one.issuer.kids(), [newKid]);
  });

  test('a token from an unpublished key does not verify', async () => {
    const token = await one.issuer.signClaims({ iss: one.url, sub: 'system:serviceaccount:shop:cart', aud: ['sts.amazonaws.com'] }, { unpublishedKey: true });
    const jwks = createRemoteJWKSet(new URL(one.jwksUri), { [customFetch]: fetchWithCa(pki.caPem) });
    await assert.rejects(jwtVerify(token, jwks), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
  });
});

describe('JWKS on another host', { timeout: 120_000 }, () => {
  test('the discovery document points at the JWKS host, which has its own chain and thumbprint', async () => {
    assert.ok(split.jwksEndpoint);
    const jwksHost = split.jwksEndpoint;
    assert.notEqual(`${jwksHost.host}:${jwksHost.port}`, `${split.endpoint.host}:${split.endpoint.port}`);
    assert.equal(split.jwksUri, `${jwksHost.base}/id/${split.issuer.id}/keys`);
    const d = await run('curl', ['-sS', '--fail', '--cacert', caFile, `${split.url}/.well-known/openid-configuration`]);
    assert.equal((JSON.parse(d.stdout) as { jwks_uri: string }).jwks_uri, split.jwksUri);
    assert.equal(split.thumbprints.length, 2);
    assert.equal(split.thumbprints[0], pki.thumbprint);
    assert.notEqual(split.thumbprints[1], pki.thumbprint);

    const s = await run('openssl', ['s_client', '-showcerts', '-connect', `${jwksHost.host}:${jwksHost.port}`, '-CAfile', caFile], '');
    const pems = s.stdout.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    assert.equal(pems.length, 2);
    assert.match(s.stdout, /Verify return code: 0 \(ok\)/, 'the second intermediate chains to the same lab root');
    assert.equal(createHash('sha1').update(new X509Certificate(pems[1] as string).raw).digest('hex'), split.thumbprints[1]);
  });

  test('keys are served by the JWKS host only, and verify tokens', async () => {
    const onIssuerHost = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', caFile, `${split.url}/keys`]);
    assert.equal(onIssuerHost.stdout, '404');
    const { token } = await split.issuer.sign(spec);
    const jwks = createRemoteJWKSet(new URL(split.jwksUri), { [customFetch]: fetchWithCa(pki.caPem) });
    const { payload } = await jwtVerify(token, jwks, { issuer: split.url });
    assert.equal(payload.iss, split.url);
  });

  test('served documents are in the call log', () => {
    const counts = faults.counts();
    assert.ok((counts['issuer:discovery'] ?? 0) >= 2);
    assert.ok((counts['issuer:jwks'] ?? 0) >= 4);
  });
});
