// The lab API server over HTTPS with a plain JSON client: the wire shapes kubectl does not
// show (Status bodies, continue tokens and their expiry, 409s, watch events, discovery formats,
// TokenRequest in JSON with a bound pod, anonymous access).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLabPki, type LabPki } from '../pki.js';
import { LabClock } from '../types.js';
import { startKubeApi, type RunningKubeApi } from './serve.js';
import { httpsRequest, jwtClaims, JoseTestSigner, type HttpResult } from './testing.js';

let pki: LabPki;
let kube: RunningKubeApi;
const clock = new LabClock();
let signer: JoseTestSigner;

function call(path: string, opts: { method?: string; body?: unknown; contentType?: string; token?: string | null; accept?: string } = {}): Promise<HttpResult> {
  const headers: Record<string, string> = { accept: opts.accept ?? 'application/json' };
  if (opts.token !== null) headers['authorization'] = `Bearer ${opts.token ?? kube.adminToken}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    headers['content-type'] = opts.contentType ?? 'application/json';
  }
  const o: Parameters<typeof httpsRequest>[1] = { method: opts.method ?? 'GET', headers, ca: pki.caPem };
  if (body !== undefined) o.body = body;
  return httpsRequest(`${kube.url}${path}`, o);
}

before(async () => {
  pki = await createLabPki();
  signer = new JoseTestSigner('https://oidc.eks.eu-west-1.amazonaws.com/id/FEDCBA9876543210FEDCBA9876543210', clock);
  kube = await startKubeApi({ pki, clock, signer, region: 'eu-west-1', watchHoldMs: 300 });
  for (let i = 0; i < 5; i++) kube.api.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: `sa-${i}`, namespace: 'default' } });
});

after(() => kube.close());

describe('lab Kubernetes API over HTTPS', { timeout: 60_000 }, () => {
  test('anonymous: /version is public, resources are forbidden to system:anonymous', async () => {
    const v = await call('/version', { token: null });
    assert.equal(v.status, 200);
    assert.equal((v.json() as { major: string }).major, '1');
    const apis = await call('/api/v1/namespaces/default/pods', { token: null });
    assert.equal(apis.status, 403);
    assert.equal((apis.json() as { message: string }).message, 'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "default"');
    const bad = await call('/api/v1/pods', { token: 'nope' });
    assert.equal(bad.status, 401);
    assert.deepEqual(bad.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  });

  test('discovery: aggregated v2 when asked, legacy lists otherwise, with subresources', async () => {
    const agg = await call('/apis', { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
    assert.equal(agg.headers['content-type'], 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const list = agg.json() as { kind: string; items: Array<{ metadata: { name: string }; versions: Array<{ resources: Array<{ resource: string; subresources?: Array<{ subresource: string; responseKind: { group: string; kind: string } }> }> }> }> };
    assert.equal(list.kind, 'APIGroupDiscoveryList');
    const apps = list.items.find((i) => i.metadata.name === 'apps')!;
    const deploy = apps.versions[0]!.resources.find((r) => r.resource === 'deployments')!;
    assert.deepEqual(deploy.subresources!.find((s) => s.subresource === 'scale')!.responseKind, { group: 'autoscaling', version: 'v1', kind: 'Scale' });
    const core = (await call('/api/v1')).json() as { groupVersion: string; resources: Array<{ name: string; kind: string; group?: string; shortNames?: string[]; singularName: string; namespaced: boolean }> };
    assert.equal(core.groupVersion, 'v1');
    assert.deepEqual(core.resources.find((r) => r.name === 'serviceaccounts/token'), { name: 'serviceaccounts/token', singularName: '', namespaced: true, group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] });
    const sa = core.resources.find((r) => r.name === 'serviceaccounts')!;
    assert.deepEqual(sa.shortNames, ['sa']);
    assert.equal(sa.singularName, 'serviceaccount');
    assert.ok(core.resources.some((r) => r.name === 'pods/log'));
  });

  test('pagination: opaque continue tokens, 410 Expired after compaction, inconsistent continuation', async () => {
    const first = (await call('/api/v1/namespaces/default/serviceaccounts?limit=2')).json() as { metadata: { continue: string; remainingItemCount: number; resourceVersion: string }; items: Array<{ metadata: { name: string } }> };
    assert.deepEqual(first.items.map((i) => i.metadata.name), ['default', 'sa-0']);
    assert.equal(first.metadata.remainingItemCount, 4);
    const second = (await call(`/api/v1/namespaces/default/serviceaccounts?limit=2&continue=${encodeURIComponent(first.metadata.continue)}`)).json() as { metadata: { continue: string }; items: Array<{ metadata: { name: string } }> };
    assert.deepEqual(second.items.map((i) => i.metadata.name), ['sa-1', 'sa-2']);
    // A write and a compaction later, the token is too old.
    kube.api.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa-late', namespace: 'default' } });
    kube.api.compact();
    const gone = await call(`/api/v1/namespaces/default/serviceaccounts?limit=2&continue=${encodeURIComponent(second.metadata.continue)}`);
    assert.equal(gone.status, 410);
    const st = gone.json() as { reason: string; message: string; metadata: { continue: string } };
    assert.equal(st.reason, 'Expired');
    assert.match(st.message, /^The provided continue parameter is too old to display a consistent list result\./);
    const rest = (await call(`/api/v1/namespaces/default/serviceaccounts?limit=10&continue=${encodeURIComponent(st.metadata.continue)}`)).json() as { items: Array<{ metadata: { name: string } }> };
    assert.deepEqual(rest.items.map((i) => i.metadata.name), ['sa-3', 'sa-4', 'sa-late']);
    const malformed = await call('/api/v1/namespaces/default/serviceaccounts?limit=2&continue=bm9wZQ');
    assert.equal(malformed.status, 400);
    assert.match((malformed.json() as { message: string }).message, /^continue key is not valid/);
  });

  test('optimistic concurrency: a PUT with a stale resourceVersion is a 409 Conflict', async () => {
    const sa = (await call('/api/v1/namespaces/default/serviceaccounts/sa-0')).json() as { metadata: Record<string, unknown> };
    const stale = structuredClone(sa);
    const upd = await call('/api/v1/namespaces/default/serviceaccounts/sa-0', { method: 'PUT', body: { ...sa, metadata: { ...sa.metadata, labels: { a: '1' } } } });
    assert.equal(upd.status, 200);
    const again = await call('/api/v1/namespaces/default/serviceaccounts/sa-0', { method: 'PUT', body: { ...stale, metadata: { ...stale.metadata, labels: { a: '2' } } } });
    assert.equal(again.status, 409);
    assert.deepEqual(again.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Operation cannot be fulfilled on serviceaccounts "sa-0": the object has been modified; please apply your changes to the latest version and try again',
      reason: 'Conflict',
      details: { name: 'sa-0', kind: 'serviceaccounts' },
      code: 409,
    });
  });

  test('patches: JSON patch, strategic merge by container name, unknown patch type is 415', async () => {
    const d = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }] }, { name: 'b', image: 'b:1' }] } } },
    };
    assert.equal((await call('/apis/apps/v1/namespaces/default/deployments', { method: 'POST', body: d })).status, 201);
    const smp = await call('/apis/apps/v1/namespaces/default/deployments/api?fieldManager=kubectl-set', {
      method: 'PATCH',
      contentType: 'application/strategic-merge-patch+json',
      body: { spec: { template: { spec: { containers: [{ name: 'b', image: 'b:2' }, { name: 'a', env: [{ name: 'Y', value: '2' }] }] } } } },
    });
    assert.equal(smp.status, 200);
    const cs = (smp.json() as { spec: { template: { spec: { containers: Array<{ name: string; image: string; env?: Array<{ name: string }> }> } } } }).spec.template.spec.containers;
    assert.deepEqual(cs.map((c) => [c.name, c.image]), [['a', 'a:1'], ['b', 'b:2']]);
    assert.deepEqual(cs[0]!.env!.map((e) => e.name), ['X', 'Y']);
    const jp = await call('/apis/apps/v1/namespaces/default/deployments/api', { method: 'PATCH', contentType: 'application/json-patch+json', body: [{ op: 'replace', path: '/spec/replicas', value: 3 }] });
    assert.equal((jp.json() as { spec: { replicas: number } }).spec.replicas, 3);
    assert.equal(kube.api.list('pods', 'default').filter((p) => (p['metadata'] as { labels: Record<string, string> }).labels['app'] === 'api').length, 3);
    const weird = await call('/apis/apps/v1/namespaces/default/deployments/api', { method: 'PATCH', contentType: 'text/plain', body: 'x' });
    assert.equal(weird.status, 415);
    assert.equal((weird.json() as { reason: string }).reason, 'UnsupportedMediaType');
  });

  test('watch: events after a resourceVersion, ERROR 410 from a compacted one', async () => {
    const rv = ((await call('/api/v1/namespaces/default/serviceaccounts')).json() as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    kube.api.annotate({ apiVersion: 'v1', kind: 'ServiceAccount', name: 'sa-1' }, { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/x' });
    const w = await call(`/api/v1/namespaces/default/serviceaccounts?watch=true&resourceVersion=${rv}`);
    const events = w.body.trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: { metadata: { name: string } } });
    assert.deepEqual(events.map((e) => [e.type, e.object.metadata.name]), [['MODIFIED', 'sa-1']]);
    kube.api.compact();
    const old = await call(`/api/v1/namespaces/default/serviceaccounts?watch=true&resourceVersion=2`);
    const ev = JSON.parse(old.body.trim()) as { type: string; object: { code: number; reason: string } };
    assert.equal(ev.type, 'ERROR');
    assert.equal(ev.object.code, 410);
    assert.equal(ev.object.reason, 'Expired');
  });

  test('TokenRequest in JSON bound to a pod: pod and node claims, the webhook-less default audience', async () => {
    kube.api.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { serviceAccountName: 'sa-2', containers: [{ name: 'c', image: 'busybox' }] } });
    const pod = kube.api.get('pods', 'default', 'p')!;
    const uid = (pod['metadata'] as { uid: string }).uid;
    const r = await call('/api/v1/namespaces/default/serviceaccounts/sa-2/token', {
      method: 'POST',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: ['sts.amazonaws.com'], expirationSeconds: 86400, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid } } },
    });
    assert.equal(r.status, 201);
    const tr = r.json() as { status: { token: string; expirationTimestamp: string }; spec: { expirationSeconds: number } };
    const claims = jwtClaims(tr.status.token) as { 'kubernetes.io': { pod: { name: string; uid: string }; node: { name: string } } };
    assert.deepEqual(claims['kubernetes.io'].pod, { name: 'p', uid });
    assert.match(claims['kubernetes.io'].node.name, /\.eu-west-1\.compute\.internal$/);
    assert.equal(Date.parse(tr.status.expirationTimestamp) - clock.now().getTime() > 86_000_000, true);
    const noAud = (await call('/api/v1/namespaces/default/serviceaccounts/sa-2/token', { method: 'POST', body: { spec: {} } })).json() as { spec: { audiences: string[]; expirationSeconds: number } };
    assert.deepEqual(noAud.spec.audiences, ['https://kubernetes.default.svc']);
    assert.equal(noAud.spec.expirationSeconds, 3600);
    const wrongPod = await call('/api/v1/namespaces/default/serviceaccounts/sa-3/token', { method: 'POST', body: { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p' } } } });
    assert.equal(wrongPod.status, 400);
    assert.equal((wrongPod.json() as { message: string }).message, 'cannot bind token for serviceaccount "sa-3" to pod running with different serviceaccount name.');
    const missing = await call('/api/v1/namespaces/default/serviceaccounts/ghost/token', { method: 'POST', body: { spec: {} } });
    assert.equal(missing.status, 404);
    assert.equal((missing.json() as { message: string }).message, 'serviceaccounts "ghost" not found');
  });
});
