// The live issuer collector against the lab's OIDC issuers (real HTTPS, real certificate chains
// under the lab CA): the facts equal what the offline recognisers read from `curl` of the same
// documents and `openssl s_client -showcerts` of the same hosts (both run as subprocesses, never
// synchronously: the servers live in this process), the thumbprints are the ones the lab
// computed for its providers, and IRSA004 judges the live facts as each world was built to.

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab, type Lab } from '../../lab/lab.js';
import { findWorld } from '../../lab/world.js';
import { readInputs } from '../offline/read.js';
import { diagnoseFacts } from '../../core/diagnose.js';
import type { CertChainFact, Fact, UnavailableFact } from '../facts.js';
import { makeAwsClients } from './clients.js';
import { collectCluster, collectProviders, collectRole } from './aws.js';
import { collectIssuer } from './issuer.js';

const WORLDS = {
  healthy: { cluster: 'acme-prod-usw2', role: 'EKS-IRSA', irsa004: ['pass', 'matches'] },
  'healthy-self-hosted-issuer': { cluster: 'telemetry-selfhosted', role: 'otel-collector', irsa004: ['pass', 'matches'] },
  'irsa004-thumbprint': { cluster: 'telemetry-selfhosted', role: 'otel-collector', irsa004: ['fail', 'mismatch'] },
} as const;
type WorldName = keyof typeof WORLDS;
const labs = new Map<WorldName, Lab>();
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'irsa-live-issuer-'));
  await Promise.all((Object.keys(WORLDS) as WorldName[]).map(async (w) => labs.set(w, await startLab({ world: findWorld(w) }))));
});

after(async () => {
  for (const l of labs.values()) await l.stop();
  rmSync(dir, { recursive: true, force: true });
});

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
    p.stdin.end('');
  });
}

const sha1 = (der: Buffer) => createHash('sha1').update(der).digest('hex');
const chains = (facts: Fact[]) => facts.filter((f): f is CertChainFact => f.kind === 'certChain');

describe('the issuer, its JWKS and the TLS chains, as curl and openssl s_client see them', () => {
  for (const world of Object.keys(WORLDS) as WorldName[]) {
    test(world, { timeout: 60_000 }, async () => {
      const l = labs.get(world)!;
      const issuer = l.clusters.get(WORLDS[world].cluster)!.issuer!;
      const facts = await collectIssuer(issuer.url, { ca: l.pki.caPem, timeoutMs: 5000 });
      assert.deepEqual(facts.filter((f) => f.kind === 'unavailable'), []);

      // Offline: curl the two documents, s_client each host, and read the files.
      const folder = join(dir, world);
      mkdirSync(folder, { recursive: true });
      const discoveryUrl = `${issuer.url}/.well-known/openid-configuration`;
      const d = await run('curl', ['-sS', '--fail', '--cacert', l.caPath, discoveryUrl]);
      assert.equal(d.code, 0, d.stderr);
      writeFileSync(join(folder, 'discovery.json'), d.stdout);
      const j = await run('curl', ['-sS', '--fail', '--cacert', l.caPath, issuer.jwksUri]);
      assert.equal(j.code, 0, j.stderr);
      writeFileSync(join(folder, 'jwks.json'), j.stdout);
      const hosts = [issuer.endpoint, ...(issuer.jwksEndpoint ? [issuer.jwksEndpoint] : [])];
      for (const [i, h] of hosts.entries()) {
        const s = await run('openssl', ['s_client', '-showcerts', '-connect', `${h.host}:${h.port}`]);
        writeFileSync(join(folder, `s_client-${i}.txt`), s.stdout);
      }
      const read = await readInputs([folder]);
      assert.deepEqual(read.errors, []);
      assert.deepEqual(read.unrecognised, []);
      const offline = read.facts;

      const strip = (f: Fact) => {
        const { source: _s, ...rest } = f;
        return rest;
      };
      assert.deepEqual(facts.filter((f) => f.kind === 'discovery').map(strip), offline.filter((f) => f.kind === 'discovery').map(strip));
      assert.deepEqual(facts.filter((f) => f.kind === 'jwks').map(strip), offline.filter((f) => f.kind === 'jwks').map(strip));
      const disc = facts.find((f) => f.kind === 'discovery');
      assert.ok(disc?.kind === 'discovery');
      assert.deepEqual([disc.issuer, disc.jwksUri, disc.source.path], [issuer.url, issuer.jwksUri, discoveryUrl]);

      // One chain per host (two when the JWKS has its own host), certificates in the order sent.
      const live = chains(facts);
      assert.deepEqual(
        live.map((c) => [c.host, c.source.path, c.fromSClient, c.complete]),
        hosts.map((h) => [h.host, `tls:${h.host}:${h.port}`, false, true]),
      );
      assert.deepEqual(
        live.map((c) => c.certs),
        chains(offline).map((c) => c.certs),
      );
      // AWS's thumbprint (the last certificate sent) is the one the lab gave its provider.
      assert.deepEqual(live.map((c) => sha1(c.certs.at(-1)!)), hosts.map((h) => h.thumbprint));
      assert.deepEqual([...new Set(live.map((c) => sha1(c.certs.at(-1)!)))].sort(), [...issuer.thumbprints].sort());
    });
  }
});

describe('IRSA004 judges the live facts as the world was built to', () => {
  for (const world of Object.keys(WORLDS) as WorldName[]) {
    test(world, { timeout: 60_000 }, async () => {
      const l = labs.get(world)!;
      const w = WORLDS[world];
      const e = l.env();
      const c = makeAwsClients({
        region: l.region,
        ca: l.pki.caPem,
        endpoints: { iam: l.iam.url, sts: l.sts.url, eks: l.eks.url },
        credentials: { accessKeyId: e['AWS_ACCESS_KEY_ID']!, secretAccessKey: e['AWS_SECRET_ACCESS_KEY']! },
      });
      const issuer = l.clusters.get(w.cluster)!.issuer!;
      const facts = (
        await Promise.all([
          collectCluster(c.eks, { name: w.cluster }),
          collectProviders(c.iam, l.homeAccount),
          collectRole(c.iam, `arn:aws:iam::${l.homeAccount}:role/${w.role}`, { account: l.homeAccount }),
          collectIssuer(issuer.url, { ca: l.pki.caPem, timeoutMs: 5000 }),
        ])
      ).flat();
      const report = diagnoseFacts(facts, { mode: 'live' });
      const f = report.subjects[0]!.findings.find((x) => x.check === 'IRSA004');
      assert.deepEqual([f?.status, f?.messageId], w.irsa004);
    });
  }
});

describe('failures are unavailable facts, never throws', () => {
  test('the issuer answering 5xx: the documents are unavailable, the chain is still read', { timeout: 30_000 }, async () => {
    const l = labs.get('healthy')!;
    const issuer = l.clusters.get('acme-prod-usw2')!.issuer!;
    l.faults.configure({ services: { issuer: { errorRate: 1 } } });
    try {
      const facts = await collectIssuer(issuer.url, { ca: l.pki.caPem, timeoutMs: 5000 });
      assert.deepEqual(facts.map((f) => f.kind), ['unavailable', 'certChain']);
      const u = facts[0] as UnavailableFact;
      assert.equal(u.what, `issuer:${issuer.url}`);
      assert.match(u.reason, /^the discovery document: HTTP 5\d\d from https:\/\/.*\/\.well-known\/openid-configuration$/);
      assert.equal(u.permission, undefined);
    } finally {
      l.faults.configure({});
    }
  });

  test('a hung issuer ends at the timeout', { timeout: 30_000 }, async () => {
    const l = labs.get('healthy')!;
    const issuer = l.clusters.get('acme-prod-usw2')!.issuer!;
    l.faults.configure({ services: { issuer: { hangRate: 1 } } });
    try {
      const facts = await collectIssuer(issuer.url, { ca: l.pki.caPem, timeoutMs: 300 });
      const u = facts.find((f) => f.kind === 'unavailable') as UnavailableFact;
      assert.match(u.reason, /^the discovery document: no answer from .* within 300 ms$/);
    } finally {
      l.faults.configure({});
    }
  });

  test('without the lab CA (a private CA this machine does not trust) the documents are still read, as STS would', async () => {
    const l = labs.get('healthy-self-hosted-issuer')!;
    const issuer = l.clusters.get('telemetry-selfhosted')!.issuer!;
    const facts = await collectIssuer(issuer.url, { timeoutMs: 5000 });
    assert.deepEqual(facts.map((f) => f.kind), ['discovery', 'jwks', 'certChain', 'certChain']);
  });

  test('nothing listening: the documents and the chain are unavailable', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const url = `https://127.0.0.1:${port}/id/X`;
    const facts = await collectIssuer(url, { timeoutMs: 2000 });
    assert.deepEqual(
      facts.map((f) => (f.kind === 'unavailable' ? [f.what, f.source.path] : [])),
      [
        [`issuer:${url}`, `${url}/.well-known/openid-configuration`],
        ['chain:127.0.0.1', `tls:127.0.0.1:${port}`],
      ],
    );
    assert.match((facts[0] as UnavailableFact).reason, /ECONNREFUSED/);
    assert.match((facts[1] as UnavailableFact).reason, /ECONNREFUSED/);
    assert.deepEqual(await collectIssuer('http://example.invalid/x', { timeoutMs: 100 }), [
      { kind: 'unavailable', source: { path: 'http://example.invalid/x' }, what: 'issuer:http://example.invalid/x', reason: '"http://example.invalid/x" is not an https URL' },
    ]);
  });
});
