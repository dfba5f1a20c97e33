// The Kubernetes collector against the lab's API server, through real kubeconfigs: live facts
// equal what the offline recognisers make of `kubectl get -o json` of the same objects; every
// selector kind resolves its pods and owners; RBAC denials become UnavailableFacts naming the
// permission; TokenRequest claims; kubeconfig merging, contexts, token, exec-plugin, in-cluster
// and client-certificate users (kube-auth.test.ts covers the rest of the kubeconfig's settings).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startLab, type Lab, type LabClusterHandle } from '../../lab/lab.js';
import { findWorld, type Step, type World } from '../../lab/world.js';
import type { LabRequest, LabResponse } from '../../lab/http.js';
import type { KubeRule } from '../../lab/kube/rbac.js';
import { kubectlPath, run } from '../../lab/kube/testing.js';
import { readInputs } from '../offline/read.js';
import type { Fact, K8sObjectFact, UnavailableFact } from '../facts.js';
import { KubeConfigError, collectWorkload, eksClusterHint, kubeFailure, labelSelectorQuery, loadKube, requestToken, serverVersion, type LoadedKube } from './kube.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const KUBECTL = kubectlPath();
const OPTS = { timeout: 60_000 };

/**
 * The demo world plus the Kubernetes objects of the worlds that hold the other kinds (a
 * StatefulSet, a DaemonSet, a CronJob, a bare Pod), applied to the demo's cluster: one lab.
 */
function kindsWorld(): World {
  const demo = findWorld('demo');
  const cluster = demo.clusters[0]!.name;
  const extra: Step[] = ['irsa002-stale-provider', 'irsa307-china-no-region', 'irsa108-role-without-policy', 'irsa303-pod-before-annotation'].flatMap((n) =>
    findWorld(n).steps.flatMap((s): Step[] => ('apply' in s ? [{ apply: { ...s.apply, cluster } }] : 'annotate' in s ? [{ annotate: { ...s.annotate, cluster } }] : [])),
  );
  return { ...demo, name: 'demo-with-every-kind', steps: [...demo.steps, ...extra] };
}

let lab: Lab;
let cluster: LabClusterHandle;
let dir: string;
let admin: LoadedKube;

function kubeconfig(name: string, doc: Record<string, unknown>): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, stringify(doc), { mode: 0o600 });
  return path;
}

/** A kubeconfig with one context `name` for the lab's API server and the given user. */
function configFor(file: string, name: string, user: Record<string, unknown>, extra: { clusterName?: string; namespace?: string } = {}): string {
  const clusterName = extra.clusterName ?? name;
  return kubeconfig(file, {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': name,
    clusters: [{ name: clusterName, cluster: { server: cluster.kube.url, 'certificate-authority-data': Buffer.from(lab.pki.caPem).toString('base64') } }],
    contexts: [{ name, context: { cluster: clusterName, user: name, ...(extra.namespace ? { namespace: extra.namespace } : {}) } }],
    users: [{ name, user }],
  });
}

/** A lab user holding exactly `rules`, and a loaded kubeconfig with its token. */
function userKube(name: string, rules: KubeRule[]): LoadedKube {
  const u = cluster.kube.api.addUser({ name, rules });
  return loadKube({ kubeconfig: configFor(`${name}.yaml`, name, { token: u.token }) });
}

async function kubectl(args: string[], config = lab.kubeconfigPath): Promise<string> {
  const r = await run(KUBECTL, args, { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: join(dir, 'home'), KUBECONFIG: config, NO_COLOR: '1' });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

const objects = (facts: Fact[]): K8sObjectFact[] => facts.filter((f): f is K8sObjectFact => f.kind === 'k8sObject');
const names = (facts: Fact[]): string[] => objects(facts).map((f) => `${f.object.kind}/${f.object.metadata.name}`);
const unavailable = (facts: Fact[]): UnavailableFact[] => facts.filter((f): f is UnavailableFact => f.kind === 'unavailable');

/** Facts compared across live and offline: the object, and whether it came from a list. */
function comparable(facts: Fact[]) {
  // One entry per object (a service account can be both read and listed); from a list only if
  // every copy was.
  const byKey = new Map<string, { object: K8sObjectFact['object']; fromList: boolean }>();
  for (const f of objects(facts)) {
    const key = `${f.object.kind}/${f.object.metadata.namespace}/${f.object.metadata.name}`;
    const prev = byKey.get(key);
    byKey.set(key, { object: f.object, fromList: (prev ? prev.fromList : true) && f.fromList !== undefined });
  }
  return [...byKey.values()].sort((a, b) => `${a.object.kind}/${a.object.metadata.name}`.localeCompare(`${b.object.kind}/${b.object.metadata.name}`));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'irsa-live-kube-'));
  mkdirSync(join(dir, 'home'));
  lab = await startLab({ world: kindsWorld() });
  cluster = [...lab.clusters.values()][0]!;
  admin = loadKube({ kubeconfig: lab.kubeconfigPath });
  // CronJobs are not scheduled in the lab: make one of its Jobs as a user would.
  await kubectl(['create', 'job', 'stock-loader-manual', '--from=cronjob/stock-loader', '-n', 'warehouse']);
});

after(async () => {
  await lab?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------

describe('live and offline agree (demo world)', () => {
  const deployments = ['payments/api', 'analytics/etl', 'web/storefront', 'batch/report', 'media/resizer', 'ops/legacy'];
  for (const ref of deployments) {
    test(`deploy/${ref.split('/')[1]} in ${ref.split('/')[0]}: the same K8sObject facts as kubectl get -o json`, OPTS, async () => {
      const [ns, name] = ref.split('/') as [string, string];
      const live = await collectWorkload(admin, `deploy/${name}`, ns);
      assert.deepEqual(unavailable(live.facts), []);
      const deploy = objects(live.facts).find((f) => f.object.kind === 'Deployment')!.object;
      const sel = labelSelectorQuery((deploy.spec as Record<string, unknown>)['selector'])!;
      const sa = live.serviceAccounts.map((s) => s.name);
      assert.equal(sa.length, 1);

      const out = join(dir, 'offline', ns, name);
      mkdirSync(out, { recursive: true });
      const get = (args: string[]) => kubectl(['get', ...args, '-n', ns, '-o', 'json', '--show-managed-fields']);
      writeFileSync(join(out, 'deployment.json'), await get(['deployment', name]));
      writeFileSync(join(out, 'replicasets.json'), await get(['replicasets', '-l', sel]));
      writeFileSync(join(out, 'pods.json'), await get(['pods', '-l', sel]));
      writeFileSync(join(out, 'serviceaccount.json'), await get(['serviceaccount', sa[0]!]));
      // An account without the role annotation brings the namespace's list (which one was meant?).
      const own = objects(live.facts).find((f) => f.object.kind === 'ServiceAccount' && f.object.metadata.name === sa[0]);
      if (!own?.object.metadata.annotations?.['eks.amazonaws.com/role-arn']) writeFileSync(join(out, 'serviceaccounts.json'), await get(['serviceaccounts']));
      const offline = await readInputs([out]);
      assert.deepEqual(offline.errors, []);

      assert.deepEqual(comparable(live.facts), comparable(offline.facts));
      const kinds = objects(live.facts).map((f) => f.object.kind);
      assert.ok(kinds.includes('ReplicaSet') && kinds.includes('Pod') && kinds.includes('ServiceAccount'), kinds.join(','));
      for (const f of objects(live.facts)) {
        assert.match(f.source.path, /^api:kubernetes:(read|list)Namespaced\w+$/);
        assert.equal(f.source.line, undefined);
        assert.ok(f.object.apiVersion && f.object.kind, 'list items get their kind and apiVersion');
      }
    });
  }

  test('the service account comes with its managedFields, which kubectl hides by default', OPTS, async () => {
    const live = await collectWorkload(admin, 'sa/report', 'batch');
    const sa = objects(live.facts).find((f) => f.object.kind === 'ServiceAccount')!;
    const managers = (sa.object.metadata.managedFields ?? []).map((m) => m.manager);
    assert.ok(managers.includes('kubectl-annotate'), managers.join(','));
    const plain = JSON.parse(await kubectl(['get', 'sa', 'report', '-n', 'batch', '-o', 'json'])) as { metadata: Record<string, unknown> };
    assert.equal(plain.metadata['managedFields'], undefined);
  });

  test('pages of one item give the same facts as one page', OPTS, async () => {
    const paged = await collectWorkload(loadKube({ kubeconfig: lab.kubeconfigPath, pageSize: 1 }), 'deploy/api', 'payments');
    const whole = await collectWorkload(admin, 'deploy/api', 'payments');
    assert.deepEqual(paged, whole);
    assert.equal(objects(whole.facts).filter((f) => f.object.kind === 'Pod').length, 3);
  });
});

describe('selectors', () => {
  test('sts/: the StatefulSet, its pods and service account', OPTS, async () => {
    const r = await collectWorkload(admin, 'sts/indexer', 'search');
    assert.equal(names(r.facts)[0], 'StatefulSet/indexer');
    assert.ok(names(r.facts).includes('Pod/indexer-0'), names(r.facts).join(','));
    assert.ok(names(r.facts).includes('ServiceAccount/indexer'));
    assert.deepEqual(r.serviceAccounts, [{ namespace: 'search', name: 'indexer' }]);
  });

  test('ds/: the DaemonSet and one pod per node', OPTS, async () => {
    const r = await collectWorkload(admin, 'daemonset/log-archiver', 'logging');
    const pods = objects(r.facts).filter((f) => f.object.kind === 'Pod');
    assert.ok(pods.length >= 1);
    for (const p of pods) assert.equal(p.object.metadata.ownerReferences?.[0]?.kind, 'DaemonSet');
    assert.deepEqual(r.serviceAccounts, [{ namespace: 'logging', name: 'log-archiver' }]);
  });

  test('cronjob/: the CronJob, its Jobs and their pods', OPTS, async () => {
    const r = await collectWorkload(admin, 'cj/stock-loader', 'warehouse');
    const n = names(r.facts);
    assert.equal(n[0], 'CronJob/stock-loader');
    assert.ok(n.includes('Job/stock-loader-manual'), n.join(','));
    assert.ok(n.some((x) => x.startsWith('Pod/stock-loader-manual-')), n.join(','));
    assert.deepEqual(r.serviceAccounts, [{ namespace: 'warehouse', name: 'stock-loader' }]);
  });

  test('job/: the Job, its owning CronJob and its pods', OPTS, async () => {
    const r = await collectWorkload(admin, 'job/stock-loader-manual', 'warehouse');
    const n = names(r.facts);
    assert.deepEqual(n.slice(0, 2), ['Job/stock-loader-manual', 'CronJob/stock-loader']);
    assert.ok(n.some((x) => x.startsWith('Pod/stock-loader-manual-')), n.join(','));
  });

  test('pod/: a bare pod and its service account', OPTS, async () => {
    const r = await collectWorkload(admin, 'pod/s3-sync', 'tools');
    assert.deepEqual(names(r.facts), ['Pod/s3-sync', 'ServiceAccount/s3-sync']);
    assert.deepEqual(r.serviceAccounts, [{ namespace: 'tools', name: 's3-sync' }]);
  });

  test('pod/ of a Deployment: the owner chain ReplicaSet -> Deployment', OPTS, async () => {
    const pod = cluster.kube.api.list('pods', 'web')[0]!;
    const name = String((pod['metadata'] as Record<string, unknown>)['name']);
    const r = await collectWorkload(admin, `pod/${name}`, 'web');
    // web's pods run as an account without the role annotation: the namespace's accounts follow.
    const kinds = objects(r.facts).map((f) => f.object.kind);
    assert.deepEqual(kinds.slice(0, 4), ['Pod', 'ReplicaSet', 'Deployment', 'ServiceAccount']);
    assert.ok(kinds.slice(4).every((k) => k === 'ServiceAccount'), kinds.join(','));
  });

  test('sa/: the account and the pods that run as it (field selector), with their owners', OPTS, async () => {
    const r = await collectWorkload(admin, 'sa/default', 'media');
    const pods = objects(r.facts).filter((f) => f.object.kind === 'Pod');
    assert.equal(pods.length, 2);
    assert.deepEqual(names(r.facts)[0], 'ServiceAccount/default');
    assert.ok(names(r.facts).includes('Deployment/resizer'));
    assert.deepEqual(r.serviceAccounts, [{ namespace: 'media', name: 'default' }]);
  });

  test('sa/ on a server without the spec.serviceAccountName field selector: the pods are filtered', OPTS, async () => {
    const api = cluster.kube.api;
    const original = api.handle.bind(api);
    const seen: string[] = [];
    api.handle = (req: LabRequest): Promise<LabResponse> => {
      seen.push(req.url.search);
      if (req.url.searchParams.has('fieldSelector')) {
        const status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'field label not supported: spec.serviceAccountName', reason: 'BadRequest', code: 400 };
        return Promise.resolve({ status: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify(status) });
      }
      return original(req);
    };
    try {
      const r = await collectWorkload(admin, 'sa/api', 'payments');
      assert.equal(objects(r.facts).filter((f) => f.object.kind === 'Pod').length, 3);
      assert.deepEqual(unavailable(r.facts), []);
      assert.ok(seen.some((s) => s.includes('fieldSelector')));
    } finally {
      api.handle = original;
    }
  });

  test('a workload that does not exist is a NotFoundFact; a missing service account too', OPTS, async () => {
    const r = await collectWorkload(admin, 'deploy/nope', 'payments');
    assert.deepEqual(r, {
      facts: [{ kind: 'notFound', source: { path: 'api:kubernetes:readNamespacedDeployment' }, resource: 'other', name: 'nope', namespace: 'payments', text: 'deployments.apps "nope" not found' }],
      serviceAccounts: [],
    });
    const sa = await collectWorkload(admin, 'sa/ghost', 'payments');
    assert.deepEqual(sa.facts[0], { kind: 'notFound', source: { path: 'api:kubernetes:readNamespacedServiceAccount' }, resource: 'serviceAccount', name: 'ghost', namespace: 'payments', text: 'serviceaccounts "ghost" not found' });
    assert.deepEqual(sa.serviceAccounts, []);
  });

  test('a workload with no pods yields its own object and the template\'s service account', OPTS, async () => {
    await cluster.kube.apply(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'idle', namespace: 'payments' },
        spec: { replicas: 0, selector: { matchLabels: { app: 'idle' } }, template: { metadata: { labels: { app: 'idle' } }, spec: { serviceAccountName: 'api', containers: [{ name: 'c', image: 'busybox' }] } } },
      },
      'kubectl-client-side-apply',
    );
    const r = await collectWorkload(admin, 'deploy/idle', 'payments');
    assert.deepEqual(names(r.facts), ['Deployment/idle', 'ServiceAccount/api']);
    assert.deepEqual(r.serviceAccounts, [{ namespace: 'payments', name: 'api' }]);
  });

  test('a selector string that is not one is rejected before any call', async () => {
    await assert.rejects(collectWorkload(admin, 'svc/api', 'payments'), /not supported: a Service runs no pods/);
  });
});

describe('permissions', () => {
  const READ_WORKLOADS: KubeRule = { apiGroups: ['apps'], resources: ['deployments', 'replicasets'], verbs: ['get', 'list'] };
  const READ_SA: KubeRule = { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get'] };
  const LIST_PODS: KubeRule = { apiGroups: [''], resources: ['pods'], verbs: ['list'] };

  test('no `pods list`: an UnavailableFact naming it, and the rest is collected', OPTS, async () => {
    const k = userKube('no-pods', [READ_WORKLOADS, READ_SA]);
    const r = await collectWorkload(k, 'deploy/api', 'payments');
    assert.deepEqual(
      objects(r.facts).map((f) => f.object.kind),
      ['Deployment', 'ReplicaSet', 'ServiceAccount'],
    );
    const u = unavailable(r.facts);
    assert.equal(u.length, 1);
    assert.deepEqual({ what: u[0]!.what, permission: u[0]!.permission, path: u[0]!.source.path }, { what: 'pods:payments', permission: 'pods list', path: 'api:kubernetes:listNamespacedPod' });
    assert.equal(u[0]!.reason, 'Forbidden: pods is forbidden: User "no-pods" cannot list resource "pods" in API group "" in the namespace "payments"');
    assert.deepEqual(r.serviceAccounts, [{ namespace: 'payments', name: 'api' }]);
  });

  test('no `serviceaccounts get`: the account is unavailable, not missing', OPTS, async () => {
    const k = userKube('no-sa', [READ_WORKLOADS, LIST_PODS]);
    const r = await collectWorkload(k, 'deploy/api', 'payments');
    assert.equal(objects(r.facts).filter((f) => f.object.kind === 'Pod').length, 3);
    const u = unavailable(r.facts);
    assert.deepEqual(
      u.map((x) => [x.what, x.permission]),
      [['serviceAccount:payments/api', 'serviceaccounts get']],
    );
    assert.match(u[0]!.reason, /^Forbidden: serviceaccounts "api" is forbidden: User "no-sa" cannot get resource "serviceaccounts"/);
    assert.deepEqual(r.serviceAccounts, [{ namespace: 'payments', name: 'api' }]);
  });

  test('no `replicasets list`: the pods are still found through their owner names', OPTS, async () => {
    const k = userKube('no-rs', [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] }, READ_SA, LIST_PODS]);
    const r = await collectWorkload(k, 'deploy/api', 'payments');
    assert.equal(objects(r.facts).filter((f) => f.object.kind === 'Pod').length, 3);
    assert.deepEqual(
      unavailable(r.facts).map((x) => [x.what, x.permission]),
      [['replicaSets:payments', 'replicasets.apps list']],
    );
  });

  test('no `deployments get`: the workload itself is unavailable', OPTS, async () => {
    const k = userKube('nothing', []);
    const r = await collectWorkload(k, 'deploy/api', 'payments');
    assert.deepEqual(
      unavailable(r.facts).map((x) => [x.what, x.permission]),
      [['deployment:payments/api', 'deployments.apps get']],
    );
    // Every authenticated user may read /version.
    const v = await serverVersion(k);
    assert.equal(v.kind, 'kubeVersion');
  });

  test('kubeFailure reads client-node ApiException-shaped errors and network errors', () => {
    const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'pods "x" not found', reason: 'NotFound', details: { name: 'x', kind: 'pods' }, code: 404 });
    assert.deepEqual(kubeFailure({ code: 404, body, headers: {} }), { code: 404, reason: 'NotFound', message: 'pods "x" not found', details: { kind: 'pods', name: 'x' } });
    assert.deepEqual(kubeFailure({ code: 502, body: '<html>\n<h1>Bad Gateway</h1>' }), { code: 502, reason: 'HTTP502', message: '<html>' });
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    assert.deepEqual(kubeFailure(err), { reason: 'Unreachable', message: 'connect ECONNREFUSED 127.0.0.1:1' });
  });
});

describe('failing calls', () => {
  test('a call that hangs times out into an UnavailableFact; the other calls go on', OPTS, async () => {
    lab.faults.configure({ services: { kube: { operations: { 'list pods': { hangRate: 1 } } } } });
    try {
      const k = loadKube({ kubeconfig: lab.kubeconfigPath, timeoutMs: 300 });
      const r = await collectWorkload(k, 'deploy/api', 'payments');
      assert.deepEqual(
        objects(r.facts).map((f) => f.object.kind),
        ['Deployment', 'ReplicaSet', 'ServiceAccount'],
      );
      const u = unavailable(r.facts);
      assert.deepEqual(
        u.map((x) => [x.what, x.permission]),
        [['pods:payments', 'pods list']],
      );
      assert.equal(u[0]!.reason, `Timeout: no answer from ${new URL(cluster.kube.url).origin} within 0.3 s`);
    } finally {
      lab.faults.configure({});
    }
  });

  test('5xx answers are retried, then reported with the server\'s Status', OPTS, async () => {
    lab.faults.configure({ services: { kube: { operations: { 'get serviceaccounts': { errorRate: 1 } } } } });
    const before = lab.faults.log.length;
    try {
      const r = await collectWorkload(admin, 'sa/api', 'payments');
      const u = unavailable(r.facts);
      assert.deepEqual(
        u.map((x) => [x.what, x.permission]),
        [['serviceAccount:payments/api', 'serviceaccounts get']],
      );
      assert.match(u[0]!.reason, /^InternalError: /);
      const tries = lab.faults.log.slice(before).filter((e) => e.operation === 'get serviceaccounts');
      assert.equal(tries.length, 5, 'five attempts (kube.ts MAX_ATTEMPTS) before giving up');
      assert.equal(objects(r.facts).filter((f) => f.object.kind === 'Pod').length, 3, 'the pods are still listed');
    } finally {
      lab.faults.configure({});
    }
  });

  test('a server certificate the kubeconfig does not trust: TLSError naming the certificate-authority', OPTS, async () => {
    const k = loadKube({ kubeconfig: configFor('wrong-ca/config', 'wrong-ca', { token: cluster.kube.adminToken }) });
    const other = await (await import('../../lab/pki.js')).createLabPki('another');
    k.endpoint.cluster = { ...k.endpoint.cluster, caData: Buffer.from(other.caPem).toString('base64') };
    const v = await serverVersion(k);
    assert.equal(v.kind, 'unavailable');
    assert.match(v.kind === 'unavailable' ? v.reason : '', /^TLSError: TLS to https:\/\/127\.0\.0\.1:\d+ failed: .*check the cluster's certificate-authority/);
  });

  test('a plain-HTTP server (kubectl proxy) with no user in the context', OPTS, async () => {
    const proxy = spawn(KUBECTL, ['proxy', '--port=0'], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: join(dir, 'home'), KUBECONFIG: lab.kubeconfigPath }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const port = await new Promise<string>((resolve, reject) => {
        let out = '';
        proxy.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        proxy.on('exit', (code) => reject(new Error(`kubectl proxy exited with ${code}`)));
      });
      const config = kubeconfig('proxy/config', {
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'proxy',
        clusters: [{ name: 'proxy', cluster: { server: `http://127.0.0.1:${port}` } }],
        contexts: [{ name: 'proxy', context: { cluster: 'proxy' } }],
      });
      const r = await collectWorkload(loadKube({ kubeconfig: config }), 'deploy/api', 'payments');
      assert.deepEqual(unavailable(r.facts), []);
      assert.equal(objects(r.facts).filter((f) => f.object.kind === 'Pod').length, 3);
    } finally {
      proxy.kill();
    }
  });
});

describe('version and tokens', () => {
  test('serverVersion: the cluster version as a KubeVersionFact', OPTS, async () => {
    assert.deepEqual(await serverVersion(admin), {
      kind: 'kubeVersion',
      source: { path: 'api:kubernetes:getCode' },
      server: { major: 1, minor: 31, gitVersion: (JSON.parse(await kubectl(['get', '--raw', '/version'])) as { gitVersion: string }).gitVersion },
    });
  });

  test('requestToken: claims with the requested audience and the lab issuer; the token only beside the fact', OPTS, async () => {
    for (const audience of ['sts.amazonaws.com', 'irsa-doctor-test']) {
      const { fact, token } = await requestToken(admin, 'payments', 'api', { audience });
      assert.equal(fact.kind, 'token');
      if (fact.kind !== 'token') return;
      assert.deepEqual(fact.claims['aud'], [audience]);
      assert.equal(fact.claims['iss'], cluster.issuer!.url);
      assert.equal(fact.claims['sub'], 'system:serviceaccount:payments:api');
      assert.equal((fact.claims['exp'] as number) - (fact.claims['iat'] as number), 600);
      assert.equal(fact.header['alg'], 'RS256');
      assert.equal(fact.source.path, 'api:kubernetes:createNamespacedServiceAccountToken');
      assert.equal(typeof token, 'string');
      const [, , signature] = token!.split('.');
      const text = JSON.stringify(fact);
      assert.ok(!text.includes(token!) && !text.includes(signature!), 'no token or signature in the fact');
    }
    const long = await requestToken(admin, 'payments', 'api', { audience: 'sts.amazonaws.com', expirationSeconds: 3600 });
    assert.equal(long.fact.kind === 'token' && (long.fact.claims['exp'] as number) - (long.fact.claims['iat'] as number), 3600);
  });

  test('requestToken without `serviceaccounts/token create`: UnavailableFact, no token', OPTS, async () => {
    const k = userKube('no-token', [{ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get'] }]);
    const r = await requestToken(k, 'payments', 'api', { audience: 'sts.amazonaws.com' });
    assert.equal(r.token, undefined);
    assert.deepEqual(r.fact, {
      kind: 'unavailable',
      source: { path: 'api:kubernetes:createNamespacedServiceAccountToken' },
      what: 'token:payments/api',
      reason: 'Forbidden: serviceaccounts "api" is forbidden: User "no-token" cannot create resource "serviceaccounts/token" in API group "" in the namespace "payments"',
      permission: 'serviceaccounts/token create',
    });
  });

  test('requestToken with only `serviceaccounts/token create` works', OPTS, async () => {
    const k = userKube('token-only', [{ apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] }]);
    const r = await requestToken(k, 'payments', 'api', { audience: 'sts.amazonaws.com' });
    assert.equal(r.fact.kind, 'token');
  });
});

describe('kubeconfig', () => {
  const ARN = () => [...lab.clusters.values()][0]!.cluster.arn;

  test('the lab kubeconfig: context, server and the EKS cluster from the ARN context name', () => {
    assert.equal(admin.contextName, ARN());
    assert.equal(admin.server, cluster.kube.url);
    assert.deepEqual(admin.cluster, { arn: ARN(), name: 'acme-prod-usw2', region: 'us-west-2', account: '111122223333', partition: 'aws', from: 'context' });
    assert.deepEqual(admin.files, [lab.kubeconfigPath]);
  });

  test('two files in KUBECONFIG are merged, the first one winning; --context selects the second', OPTS, async () => {
    const u = cluster.kube.api.addUser({ name: 'second', rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] }] });
    const second = kubeconfig('merge/second.yaml', {
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'second',
      // Same cluster name as the first file, with a server that does not exist: the first file's wins.
      clusters: [
        { name: ARN(), cluster: { server: 'https://127.0.0.1:1' } },
        { name: 'lab-second', cluster: { server: cluster.kube.url, 'certificate-authority-data': Buffer.from(lab.pki.caPem).toString('base64') } },
      ],
      contexts: [{ name: 'second', context: { cluster: 'lab-second', user: 'second-user', namespace: 'payments' } }],
      users: [{ name: 'second-user', user: { token: u.token } }],
    });
    const env = { KUBECONFIG: `${lab.kubeconfigPath}:${join(dir, 'merge', 'missing.yaml')}:${second}`, HOME: join(dir, 'home') };
    const first = loadKube({ env });
    assert.equal(first.contextName, ARN(), 'the current-context of the first file that sets one');
    assert.equal(first.server, cluster.kube.url, 'the first definition of a cluster name wins');
    assert.deepEqual(first.files, [lab.kubeconfigPath, second], 'a missing file is skipped');
    assert.equal((await collectWorkload(first, 'deploy/api', 'payments')).facts.filter((f) => f.kind === 'unavailable').length, 0);

    const k = loadKube({ env, context: 'second' });
    assert.equal(k.contextName, 'second');
    assert.equal(k.namespace, 'payments');
    assert.deepEqual(k.cluster, {});
    const r = await collectWorkload(k, 'deploy/api', 'payments');
    assert.deepEqual(
      unavailable(r.facts).map((x) => x.what),
      ['replicaSets:payments', 'pods:payments', 'serviceAccount:payments/api'],
      'the second context authenticates as its own (restricted) user',
    );
  });

  test('--kubeconfig ignores KUBECONFIG; an unknown context or no configuration is a clear error', () => {
    const k = loadKube({ kubeconfig: lab.kubeconfigPath, env: { KUBECONFIG: '/nonexistent', HOME: join(dir, 'home') } });
    assert.equal(k.contextName, ARN());
    assert.throws(() => loadKube({ kubeconfig: lab.kubeconfigPath, context: 'nope' }), (e: unknown) => e instanceof KubeConfigError && e.message === `context "nope" not found in ${lab.kubeconfigPath} (contexts: ${ARN()})`);
    assert.throws(() => loadKube({ kubeconfig: join(dir, 'absent.yaml') }), /--kubeconfig .*absent\.yaml: no such file/);
    assert.throws(() => loadKube({ env: { HOME: join(dir, 'home') } }), (e: unknown) => e instanceof KubeConfigError && /no Kubernetes configuration: KUBECONFIG is not set and .*\.kube\/config does not exist, and this is not a pod/.test(e.message) && !/localhost:8080/.test(e.message));
    assert.throws(() => loadKube({ env: { KUBECONFIG: join(dir, 'none-a'), HOME: join(dir, 'home') } }), /none of its files exist/);
    const bad = kubeconfig('bad/config', { apiVersion: 'v1', kind: 'Config', contexts: [{ name: 'x', context: { cluster: 'gone', user: 'u' } }], clusters: [], users: [] });
    assert.throws(() => loadKube({ kubeconfig: bad }), /sets no current-context: pass --context \(contexts: x\)/);
    assert.throws(() => loadKube({ kubeconfig: bad, context: 'x' }), /context "x" names cluster "gone", which .* does not define/);
  });

  test('~/.kube/config is read when KUBECONFIG is not set', () => {
    const home = join(dir, 'home-with-config');
    mkdirSync(join(home, '.kube'), { recursive: true });
    writeFileSync(join(home, '.kube', 'config'), readFileSync(lab.kubeconfigPath));
    const k = loadKube({ env: { HOME: home } });
    assert.equal(k.contextName, ARN());
    assert.deepEqual(k.files, [join(home, '.kube', 'config')]);
  });

  test('a token-file user, relative to the kubeconfig, trimmed', OPTS, async () => {
    const u = cluster.kube.api.addUser({ name: 'file-user', rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] }] });
    mkdirSync(join(dir, 'tf'), { recursive: true });
    writeFileSync(join(dir, 'tf', 'token'), `${u.token}\n`);
    const k = loadKube({ kubeconfig: configFor('tf/config', 'tf', { 'token-file': 'token' }) });
    const r = await collectWorkload(k, 'deploy/api', 'payments');
    assert.equal(names(r.facts)[0], 'Deployment/api');
  });

  test('an exec-plugin user: run once per run, re-run once after a 401, cluster hint from its args', OPTS, async () => {
    const u = cluster.kube.api.addUser({ name: 'exec-user', admin: true });
    const bin = join(dir, 'exec', 'bin');
    mkdirSync(bin, { recursive: true });
    const log = join(dir, 'exec', 'calls.log');
    // The first call hands out a token the server rejects (as an expired one), later calls a good one.
    writeFileSync(
      join(bin, 'fake-aws'),
      `#!/bin/sh
echo "$*" >> ${JSON.stringify(log)}
n=$(wc -l < ${JSON.stringify(log)})
if [ "$n" -eq 1 ]; then t=expired; else t=${JSON.stringify(u.token)}; fi
printf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"%s"}}\\n' "$t"
`,
    );
    chmodSync(join(bin, 'fake-aws'), 0o755);
    const exec = { apiVersion: 'client.authentication.k8s.io/v1beta1', command: './bin/fake-aws', args: ['--region', 'us-west-2', 'eks', 'get-token', '--cluster-name', 'acme-prod-usw2', '--output', 'json'], interactiveMode: 'IfAvailable' };
    const k = loadKube({ kubeconfig: configFor('exec/config', 'acme', { exec }) });
    assert.deepEqual(k.cluster, { name: 'acme-prod-usw2', region: 'us-west-2', from: 'exec' });
    const r = await collectWorkload(k, 'deploy/api', 'payments');
    assert.deepEqual(unavailable(r.facts), []);
    assert.equal(objects(r.facts).filter((f) => f.object.kind === 'Pod').length, 3);
    assert.deepEqual(await serverVersion(k).then((v) => v.kind), 'kubeVersion');
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    assert.equal(calls.length, 2, 'once, then once more after the 401; cached for the other calls');
    assert.equal(calls[0], '--region us-west-2 eks get-token --cluster-name acme-prod-usw2 --output json');
  });

  test('an exec plugin that fails: every call is unavailable with its error, nothing thrown', OPTS, async () => {
    const bin = join(dir, 'exec-fail');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'aws'), '#!/bin/sh\necho "An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: The security token included in the request is expired" >&2\nexit 255\n');
    chmodSync(join(bin, 'aws'), 0o755);
    const k = loadKube({ kubeconfig: configFor('exec-fail/config', 'fail', { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: join(bin, 'aws'), args: ['eks', 'get-token', '--cluster-name', 'x'] } }) });
    const r = await collectWorkload(k, 'deploy/api', 'payments');
    const u = unavailable(r.facts);
    assert.equal(u.length, 1);
    assert.equal(u[0]!.what, 'deployment:payments/api');
    assert.equal(u[0]!.reason, `ExecPluginFailed: the kubeconfig's exec plugin \`${join(bin, 'aws')} eks get-token --cluster-name x\` failed: An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: The security token included in the request is expired`);
    const t = await requestToken(k, 'payments', 'api', { audience: 'sts.amazonaws.com' });
    assert.equal(t.fact.kind, 'unavailable');

    const missing = loadKube({ kubeconfig: configFor('exec-missing/config', 'missing', { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'irsa-doctor-no-such-plugin', args: [] } }) });
    const v = await serverVersion(missing);
    assert.equal(v.kind === 'unavailable' && v.reason, "ExecPluginFailed: the kubeconfig's exec plugin `irsa-doctor-no-such-plugin` was not found (is it installed and on PATH?)");
  });

  test('in-cluster: the service account files and KUBERNETES_SERVICE_HOST/PORT', OPTS, async () => {
    const root = join(dir, 'pod-root');
    const sa = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'token'), cluster.kube.adminToken);
    writeFileSync(join(sa, 'ca.crt'), lab.pki.caPem);
    writeFileSync(join(sa, 'namespace'), 'payments');
    const url = new URL(cluster.kube.url);
    const k = loadKube({ env: { HOME: join(dir, 'home'), KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port }, inClusterRoot: root });
    assert.deepEqual({ inCluster: k.inCluster, namespace: k.namespace, server: k.server, context: k.contextName }, { inCluster: true, namespace: 'payments', server: cluster.kube.url, context: 'inClusterContext' });
    const r = await collectWorkload(k, 'deploy/api', k.namespace!);
    assert.deepEqual(unavailable(r.facts), []);
    assert.throws(() => loadKube({ env: { HOME: join(dir, 'home'), KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port }, inClusterRoot: join(dir, 'no-root') }), /automountServiceAccountToken: false/);
  });

  test('eksClusterHint: ARN cluster under an alias context, --cluster-name=, aws-iam-authenticator -i, nothing', () => {
    assert.deepEqual(eksClusterHint({ name: 'prod', cluster: 'arn:aws-cn:eks:cn-north-1:111122223333:cluster/bjs' }, null), {
      arn: 'arn:aws-cn:eks:cn-north-1:111122223333:cluster/bjs',
      name: 'bjs',
      region: 'cn-north-1',
      account: '111122223333',
      partition: 'aws-cn',
      from: 'cluster',
    });
    assert.deepEqual(eksClusterHint({ name: 'a', cluster: 'b' }, { exec: { command: 'aws', args: ['eks', 'get-token', '--cluster-name=x'], env: [{ name: 'AWS_REGION', value: 'eu-west-1' }] } }), { name: 'x', region: 'eu-west-1', from: 'exec' });
    assert.deepEqual(eksClusterHint({ name: 'a', cluster: 'b' }, { exec: { command: 'aws-iam-authenticator', args: ['token', '-i', 'legacy'] } }), { name: 'legacy', from: 'exec' });
    assert.deepEqual(eksClusterHint({ name: 'kind-kind', cluster: 'kind-kind' }, { exec: undefined }), {});
  });

  test('client certificates (the lab API has none: a TLS server that requires one stands in)', OPTS, async () => {
    const certs = join(dir, 'certs');
    mkdirSync(certs, { recursive: true });
    const ssl = (args: string[]) => execFileSync('openssl', args, { cwd: certs, stdio: 'pipe' });
    ssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client-ca.key', '-out', 'client-ca.crt', '-subj', '/CN=client CA', '-days', '2']);
    ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/O=system:masters/CN=cert-user']);
    writeFileSync(join(certs, 'ext.cnf'), 'extendedKeyUsage=clientAuth\n');
    ssl(['x509', '-req', '-in', 'client.csr', '-CA', 'client-ca.crt', '-CAkey', 'client-ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '2', '-extfile', 'ext.cnf']);
    const leaf = await lab.pki.issueLeaf(['127.0.0.1']);
    const server: Server = createServer({ cert: leaf.chainPem, key: leaf.keyPem, ca: readFileSync(join(certs, 'client-ca.crt')), requestCert: true, rejectUnauthorized: false }, (req, res) => {
      const sock = req.socket as import('node:tls').TLSSocket;
      const cn = sock.authorized ? String(sock.getPeerCertificate().subject?.CN ?? '') : '';
      res.setHeader('content-type', 'application/json');
      if (cn !== 'cert-user') {
        res.statusCode = 401;
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }));
        return;
      }
      res.end(JSON.stringify({ major: '1', minor: '30', gitVersion: 'v1.30.0', platform: 'linux/amd64' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const doc = (user: Record<string, unknown>) => ({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'x509',
        clusters: [{ name: 'x509', cluster: { server: `https://127.0.0.1:${port}`, 'certificate-authority-data': Buffer.from(lab.pki.caPem).toString('base64') } }],
        contexts: [{ name: 'x509', context: { cluster: 'x509', user: 'x509' } }],
        users: [{ name: 'x509', user }],
      });
      // Relative file paths, resolved against the kubeconfig's folder.
      writeFileSync(join(certs, 'config'), stringify(doc({ 'client-certificate': 'client.crt', 'client-key': 'client.key' })));
      const v = await serverVersion(loadKube({ kubeconfig: join(certs, 'config') }));
      assert.deepEqual(v, { kind: 'kubeVersion', source: { path: 'api:kubernetes:getCode' }, server: { major: 1, minor: 30, gitVersion: 'v1.30.0' } });
      writeFileSync(join(certs, 'config-data'), stringify(doc({ 'client-certificate-data': readFileSync(join(certs, 'client.crt')).toString('base64'), 'client-key-data': readFileSync(join(certs, 'client.key')).toString('base64') })));
      assert.equal((await serverVersion(loadKube({ kubeconfig: join(certs, 'config-data') }))).kind, 'kubeVersion');
      writeFileSync(join(certs, 'config-none'), stringify(doc({})));
      const none = await serverVersion(loadKube({ kubeconfig: join(certs, 'config-none') }));
      assert.deepEqual(none, { kind: 'unavailable', source: { path: 'api:kubernetes:getCode' }, what: 'kubeVersion', reason: 'Unauthorized: Unauthorized', permission: '/version get' });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
