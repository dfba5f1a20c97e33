// The fault knobs, seen by a real HTTPS client: latency, throttling with the service's own error,
// 5xx, connection resets, hung responses, determinism by seed, and the call log.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { createLabPki, type Leaf } from './pki.js';
import { Faults, serve, seededRandom, type RunningServer, type Service } from './http.js';

const echo: Service = {
  name: 'eks',
  operationOf: (req) => (req.url.pathname === '/slow' ? 'Slow' : 'Echo'),
  handle: (req) => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: `ok ${req.method} ${req.url.pathname}` }),
  throttled: () => ({ status: 429, headers: { 'x-amzn-errortype': 'TooManyRequestsException' }, body: '{"message":"Too Many Requests"}' }),
  serverError: () => ({ status: 500, body: '{"message":"boom"}' }),
};

let leaf: Leaf;
let ca: string;
before(async () => {
  const pki = await createLabPki();
  leaf = await pki.issueLeaf(['127.0.0.1']);
  ca = pki.caPem;
});

function get(server: RunningServer, path = '/', timeoutMs = 5000): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = request(`${server.url}${path}`, { ca, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('ETIMEDOUT')));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end();
  });
}

describe('faults', () => {
  let faults: Faults;
  let server: RunningServer;
  before(async () => {
    faults = new Faults();
    server = await serve(echo, { cert: leaf.chainPem, key: leaf.keyPem, faults });
  });
  after(() => server.close());

  test('no faults: answered and logged with the operation', async () => {
    faults.configure({});
    faults.log.length = 0;
    assert.deepEqual(await get(server, '/x'), { status: 200, body: 'ok GET /x' });
    assert.equal(faults.log.length, 1);
    assert.equal(faults.log[0]!.operation, 'Echo');
    assert.deepEqual(faults.counts(), { 'eks:Echo': 1 });
  });

  test('throttling answers with the service error beyond the bucket', async () => {
    faults.configure({ services: { eks: { throttleRps: 1, throttleBurst: 2 } } });
    faults.log.length = 0;
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      const r = await get(server);
      statuses.push('status' in r ? r.status : 0);
    }
    assert.deepEqual(statuses.slice(0, 2), [200, 200]);
    assert.ok(statuses.slice(2).includes(429));
    assert.ok(faults.log.some((e) => e.fault === 'throttle' && e.status === 429));
  });

  test('an operation can have its own rule', async () => {
    faults.configure({ services: { eks: { operations: { Slow: { errorRate: 1 } } } } });
    assert.equal(((await get(server, '/slow')) as { status: number }).status, 500);
    assert.equal(((await get(server, '/fast')) as { status: number }).status, 200);
  });

  test('resets and hangs are what the client sees', async () => {
    faults.configure({ all: { resetRate: 1 } });
    assert.deepEqual(await get(server), { error: 'ECONNRESET' });
    faults.configure({ all: { hangRate: 1 } });
    const r = await get(server, '/', 300);
    assert.ok('error' in r, JSON.stringify(r));
    assert.equal(faults.log.at(-1)!.fault, 'hang');
  });

  test('latency is added to every call', async () => {
    faults.configure({ all: { latencyMs: 150 } });
    faults.log.length = 0;
    await get(server);
    assert.ok(faults.log[0]!.ms >= 150, `${faults.log[0]!.ms} ms`);
  });

  test('the same seed gives the same fault sequence', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const c = seededRandom(8);
    const sa = Array.from({ length: 20 }, a);
    assert.deepEqual(sa, Array.from({ length: 20 }, b));
    assert.notDeepEqual(sa, Array.from({ length: 20 }, c));
    const f1 = new Faults({ seed: 3 });
    const f2 = new Faults({ seed: 3 });
    assert.deepEqual(
      Array.from({ length: 50 }, () => f1.roll(0.3)),
      Array.from({ length: 50 }, () => f2.roll(0.3)),
    );
  });
});

describe('bodies', () => {
  // A list page is sent as its items' cached buffers, gathered into slices of about 64 KiB: the
  // client must get exactly their concatenation, whatever the sizes (empty, tiny, over a slice).
  const sizes = [0, 1, 7, 65_535, 65_536, 65_537, 3, 200_000, 0, 64 * 1024 * 3 + 5, 11];
  const chunks = sizes.map((n, i) => Buffer.alloc(n, String.fromCharCode(97 + (i % 26))));
  const chunked: Service = { ...echo, handle: () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: chunks }) };
  let server: RunningServer;
  before(async () => {
    server = await serve(chunked, { cert: leaf.chainPem, key: leaf.keyPem, faults: new Faults() });
  });
  after(() => server.close());

  test('a body of many buffers arrives as their concatenation, with its length', async () => {
    const r = await get(server, '/list');
    assert.ok('status' in r, JSON.stringify(r));
    assert.equal(r.status, 200);
    assert.equal(r.body.length, sizes.reduce((a, b) => a + b, 0));
    assert.equal(r.body, Buffer.concat(chunks).toString());
  });
});
