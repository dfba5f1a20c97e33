// How a scan reads one kind's pages: the next page is asked for as soon as the current one's head
// (its list metadata, with the continue token) has arrived, while the rest of it is still on the
// wire; no page is asked for twice or in vain. Against an HTTPS server written here that holds the
// tail of each page until the next page's request has arrived: a client that waited for whole
// pages would stall it (the server then gives up holding and the test sees it).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createLabPki } from '../../lab/pki.js';
import { loadKube } from './kube.js';
import { listAll } from './scan-collect.js';

const PAGES = [['a', 'b'], ['c', 'd'], ['e']];
const HOLD_MS = 3000;
const NOTE = 'café ☕ 日本 \u00e9\u00ff';

/** An HTTPS API server on 127.0.0.1 answering with `handler`, and a kubeconfig pointing at it. */
async function apiServer(handler: RequestListener): Promise<{ server: Server; kubeconfig: string; close: () => void }> {
  const pki = await createLabPki('list test');
  const leaf = await pki.issueLeaf(['127.0.0.1']);
  const server = createServer({ cert: leaf.chainPem, key: leaf.keyPem }, handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const dir = mkdtempSync(join(tmpdir(), 'irsa-list-'));
  const kubeconfig = join(dir, 'config');
  writeFileSync(
    kubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 't',
      clusters: [{ name: 't', cluster: { server: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, 'certificate-authority-data': Buffer.from(pki.caPem).toString('base64') } }],
      contexts: [{ name: 't', context: { cluster: 't', user: 't' } }],
      users: [{ name: 't', user: { token: 'secret' } }],
    }),
  );
  return {
    server,
    kubeconfig,
    close: () => {
      server.closeAllConnections();
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('listAll', () => {
  let api: Awaited<ReturnType<typeof apiServer>>;
  const events: string[] = [];
  const arrived = new Map<string, () => void>();
  const waitFor = (cont: string) => new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), HOLD_MS);
    arrived.set(cont, () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

  before(async () => {
    api = await apiServer((req, res) => {
      const url = new URL(req.url ?? '/', 'https://x');
      const cont = url.searchParams.get('continue') ?? '';
      events.push(`request ${cont || 'first'}`);
      arrived.get(cont)?.();
      const n = cont === '' ? 0 : Number(cont.slice(1));
      const next = n + 1 < PAGES.length ? `c${n + 1}` : '';
      // Each pod carries 3 KB of annotation, so that a page's head (4 KiB) is never the whole page.
      // Page 2 holds non-ASCII text, which must arrive as written (the others are decoded as ASCII).
      const items = PAGES[n]!.map((name) => JSON.stringify({ metadata: { name, namespace: 'ns', uid: name, annotations: { pad: 'x'.repeat(3000), ...(name === 'd' ? { note: NOTE } : {}) } }, spec: { serviceAccountName: 'default', containers: [{ name: 'app', image: 'app' }] } }));
      const text = `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7"${next ? `,"continue":"${next}"` : ''}},"items":[${items.join(',')}]}`;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
      const cut = 4096 + 100;
      res.write(text.slice(0, cut));
      const rest = () => {
        events.push(`end ${cont || 'first'}`);
        res.end(text.slice(cut));
      };
      if (!next) return rest();
      void waitFor(next).then((early) => {
        if (!early) events.push(`stalled ${cont || 'first'}`);
        rest();
      });
    });
  });
  after(() => api.close());

  test("the next page is asked for from the current page's head, before its end", async () => {
    const k = loadKube({ kubeconfig: api.kubeconfig, pageSize: 2 });
    const seen: number[] = [];
    const out = await listAll(k, { kind: 'Pod', group: '', plural: 'pods' }, undefined, 2, (n) => seen.push(n));
    assert.ok('items' in out, JSON.stringify(out));
    assert.deepEqual(out.items.map((f) => f.object.metadata.name), ['a', 'b', 'c', 'd', 'e']);
    assert.equal(out.pages, 3);
    assert.equal(out.items[3]!.object.metadata.annotations?.['note'], NOTE);
    assert.equal(out.items[2]!.object.metadata.annotations?.['note'], undefined);
    assert.deepEqual(seen, [2, 2, 1]);
    // Every page's tail was sent only after the next page had been asked for; three requests in all.
    assert.deepEqual(events.filter((e) => e.startsWith('request')), ['request first', 'request c1', 'request c2']);
    assert.ok(!events.some((e) => e.startsWith('stalled')), events.join(', '));
    assert.ok(events.indexOf('request c1') < events.indexOf('end first'), events.join(', '));
    assert.ok(events.indexOf('request c2') < events.indexOf('end c1'), events.join(', '));
  });
});

describe('listAll when a page is cut after its head', () => {
  // The first page's head names c1, then the connection drops; asked again, the server is at a
  // newer snapshot and names c1b. The list must follow c1b, and what it read ahead from c1 must
  // not end up in it.
  let api: Awaited<ReturnType<typeof apiServer>>;
  const requests: string[] = [];
  let firstPages = 0;

  before(async () => {
    api = await apiServer((req, res) => {
      const cont = new URL(req.url ?? '/', 'https://x').searchParams.get('continue') ?? '';
      requests.push(cont || 'first');
      const page = (names: string[], next: string, snapshot: string) => {
        const items = names.map((name) => JSON.stringify({ metadata: { name, namespace: 'ns', uid: `${name}-${snapshot}`, annotations: { pad: 'x'.repeat(3000) } }, spec: { containers: [{ name: 'app', image: 'app' }] } }));
        return `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"${snapshot}"${next ? `,"continue":"${next}"` : ''}},"items":[${items.join(',')}]}`;
      };
      let text: string;
      if (cont === '') {
        firstPages++;
        text = firstPages === 1 ? page(['a', 'b'], 'c1', '7') : page(['a', 'b'], 'c1b', '8');
        if (firstPages === 1) {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(text.length) });
          res.write(text.slice(0, 5000), () => setTimeout(() => res.socket?.destroy(), 50));
          return;
        }
      } else if (cont === 'c1' || cont === 'c1b') text = page(['c', 'd'], cont === 'c1' ? 'c2old' : 'c2', cont === 'c1' ? '7' : '8');
      else if (cont === 'c2' || cont === 'c2old') text = page(['e'], '', cont === 'c2' ? '8' : '7');
      else text = '{"kind":"Status","code":410}';
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(text.length) });
      res.end(text);
    });
  });
  after(() => api.close());

  test('the retried page is followed; what was read ahead from the cut one is dropped', async () => {
    const k = loadKube({ kubeconfig: api.kubeconfig, pageSize: 2 });
    const out = await listAll(k, { kind: 'Pod', group: '', plural: 'pods' }, undefined, 2, () => undefined);
    assert.ok('items' in out, JSON.stringify(out));
    assert.deepEqual(out.items.map((f) => `${f.object.metadata.name}-${f.object.metadata.uid}`), ['a-a-8', 'b-b-8', 'c-c-8', 'd-d-8', 'e-e-8']);
    assert.equal(firstPages, 2, 'the cut first page was asked for again');
    assert.ok(requests.includes('c1b') && requests.includes('c2'), requests.join(', '));
    assert.ok(!requests.includes('c2old'), `nothing read ahead from the old snapshot's pages: ${requests.join(', ')}`);
  });
});

describe('listAll when a page read ahead is not needed', () => {
  // Page 2's head names c2, then its body turns out not to be JSON: the list fails, and the page
  // it asked for ahead (which the server never answers) must be abandoned, not left to time out.
  let api: Awaited<ReturnType<typeof apiServer>>;
  let closed: () => void = () => undefined;
  const abandoned = new Promise<void>((r) => (closed = r));
  const requests: string[] = [];
  let c2Arrived: () => void = () => undefined;
  const c2Asked = new Promise<void>((r) => (c2Arrived = r));

  before(async () => {
    api = await apiServer((req, res) => {
      const cont = new URL(req.url ?? '/', 'https://x').searchParams.get('continue') ?? '';
      requests.push(cont || 'first');
      const pad = 'x'.repeat(5000);
      if (cont === 'c2') {
        req.socket.on('close', () => closed());
        c2Arrived();
        return; // never answered
      }
      const text = cont === '' ? `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7","continue":"c1"},"items":[{"metadata":{"name":"a","namespace":"ns","annotations":{"pad":"${pad}"}}}]}` : `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7","continue":"c2"},"items":[{"metadata":{"name":"b","annotations":{"pad":"${pad}"}}} not JSON`;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(text.length) });
      if (cont === '') return res.end(text);
      // The rest of page 2 only once the page after it has been asked for.
      res.write(text.slice(0, 4500));
      void Promise.race([c2Asked, new Promise((r) => setTimeout(r, 3000))]).then(() => res.end(text.slice(4500)));
    });
  });
  after(() => api.close());

  test('the list fails, and the page asked for ahead is abandoned at once', async () => {
    const k = loadKube({ kubeconfig: api.kubeconfig, pageSize: 1, timeoutMs: 60_000 });
    const out = await listAll(k, { kind: 'Pod', group: '', plural: 'pods' }, undefined, 1, () => undefined);
    assert.ok('failure' in out, JSON.stringify(out));
    assert.deepEqual(requests, ['first', 'c1', 'c2']);
    const gaveUp = await Promise.race([abandoned.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
    assert.ok(gaveUp, 'the connection of the page asked for ahead was closed');
  });
});
