// The lab's Kubernetes API proven by a real kubectl 1.32 (subprocess, its own HOME and
// KUBECONFIG): discovery, protobuf creates, TokenRequest, apply with the pod identity webhook's
// mutation, annotate + rollout restart, describe, label selectors, chunked lists, RBAC denials,
// server-side apply conflicts, cascading deletes, StatefulSets/DaemonSets/Jobs.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { createLabPki, type LabPki } from '../pki.js';
import { LabClock } from '../types.js';
import type { LabRequest } from '../http.js';
import { startKubeApi, type RunningKubeApi } from './serve.js';
import { eksContextName, writeKubeconfig } from './kubeconfig.js';
import { JoseTestSigner, jwtClaims, kubectlPath, run, type RunResult } from './testing.js';

const KUBECTL = kubectlPath();
const CONTEXT = eksContextName('aws', 'us-west-2', '111122223333', 'lab');
const ROLE_A = 'arn:aws:iam::111122223333:role/app-a';
const ROLE_B = 'arn:aws:iam::111122223333:role/app-b';

let pki: LabPki;
let kube: RunningKubeApi;
let dir: string;
let signer: JoseTestSigner;
const clock = new LabClock();
const seen: string[] = [];

function env(kubeconfig: string): Record<string, string> {
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: join(dir, 'home'), KUBECONFIG: kubeconfig, NO_COLOR: '1' };
}

async function kubectl(args: string[], opts: { input?: string; kubeconfig?: string } = {}): Promise<RunResult> {
  return run(KUBECTL, args, env(opts.kubeconfig ?? join(dir, 'kubeconfig')), opts.input);
}

async function ok(args: string[], input?: string): Promise<string> {
  const r = await kubectl(args, input === undefined ? {} : { input });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lab-kube-'));
  pki = await createLabPki();
  signer = new JoseTestSigner('https://oidc.eks.us-west-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF', clock);
  kube = await startKubeApi({ pki, clock, signer, region: 'us-west-2', seed: 7 });
  const handle = kube.api.handle.bind(kube.api);
  kube.api.handle = (req: LabRequest) => {
    seen.push(`${req.method} ${req.url.pathname}${req.url.search}`);
    return handle(req);
  };
  writeFileSync(join(dir, 'kubeconfig'), kube.kubeconfig({ contextName: CONTEXT }));
});

after(async () => {
  await kube.close();
  rmSync(dir, { recursive: true, force: true });
});

const APP = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: app
  namespace: shop
  annotations:
    eks.amazonaws.com/role-arn: ${ROLE_A}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      serviceAccountName: app
      containers:
      - name: web
        image: nginx:1.27
        env:
        - {name: LOG_LEVEL, value: info}
`;

interface Pod {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { containers: Array<{ env?: Array<{ name: string; value?: string }>; volumeMounts?: Array<{ name: string; mountPath: string }> }>; volumes?: Array<{ name: string; projected?: { sources: unknown[] } }>; serviceAccountName: string };
  status: { phase: string; podIP: string };
}

describe('kubectl 1.32 against the lab API server', { timeout: 120_000 }, () => {
  test('discovery: the server version and aggregated discovery', async () => {
    const out = JSON.parse(await ok(['version', '-o', 'json'])) as { serverVersion: { gitVersion: string; minor: string } };
    assert.match(out.serverVersion.gitVersion, /^v1\.32\.\d+-eks-/);
    assert.equal(out.serverVersion.minor, '32+');
  });

  test('create namespace and serviceaccount: protobuf bodies decoded, kubectl-create owns the fields', async () => {
    assert.match(await ok(['create', 'namespace', 'shop']), /namespace\/shop created/);
    assert.match(await ok(['create', 'serviceaccount', 'batch', '-n', 'shop']), /serviceaccount\/batch created/);
    const sa = kube.api.get('serviceaccounts', 'shop', 'batch')!;
    const mf = (sa['metadata'] as { managedFields?: Array<{ manager: string }> }).managedFields;
    const ns = kube.api.get('namespaces', undefined, 'shop')!;
    assert.deepEqual((ns['metadata'] as { labels: Record<string, string> }).labels, { 'kubernetes.io/metadata.name': 'shop' });
    assert.equal(mf, undefined, 'an empty ServiceAccount has no tracked fields');
    assert.equal((ns['metadata'] as { managedFields: Array<{ manager: string }> }).managedFields[0]!.manager, 'kubectl-create');
  });

  test('create token: audience, duration and the Kubernetes claims; under 10 minutes is refused', async () => {
    const token = (await ok(['create', 'token', 'batch', '-n', 'shop', '--audience', 'sts.amazonaws.com', '--duration', '2h'])).trim();
    const c = jwtClaims(token);
    assert.deepEqual(c['aud'], ['sts.amazonaws.com']);
    assert.equal(c['sub'], 'system:serviceaccount:shop:batch');
    assert.equal(Number(c['exp']) - Number(c['iat']), 7200);
    assert.equal(c['iss'], signer.issuer);
    const short = await kubectl(['create', 'token', 'batch', '-n', 'shop', '--duration', '5m']);
    assert.notEqual(short.code, 0);
    assert.match(short.stderr, /TokenRequest\.authentication\.k8s\.io "" is invalid: spec\.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes/);
  });

  test('apply -f: the webhook mutates the pods of an annotated service account', async () => {
    const out = await ok(['apply', '-f', '-'], APP);
    assert.match(out, /serviceaccount\/app created/);
    assert.match(out, /deployment\.apps\/web created/);
    const pods = parseYaml(await ok(['get', 'pods', '-n', 'shop', '-l', 'app=web', '-o', 'yaml'])) as { items: Pod[] };
    assert.equal(pods.items.length, 2);
    for (const p of pods.items) {
      assert.equal(p.status.phase, 'Running');
      assert.match(p.status.podIP, /^192\.168\./);
      const env = Object.fromEntries((p.spec.containers[0]!.env ?? []).map((e) => [e.name, e.value]));
      assert.equal(env['AWS_ROLE_ARN'], ROLE_A);
      assert.equal(env['AWS_WEB_IDENTITY_TOKEN_FILE'], '/var/run/secrets/eks.amazonaws.com/serviceaccount/token');
      assert.equal(env['AWS_REGION'], 'us-west-2');
      assert.equal(env['LOG_LEVEL'], 'info');
      const vol = p.spec.volumes!.find((v) => v.name === 'aws-iam-token')!;
      assert.deepEqual(vol.projected!.sources, [{ serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 86400, path: 'token' } }]);
      assert.ok(p.spec.volumes!.some((v) => v.name.startsWith('kube-api-access-')));
      assert.ok(p.spec.containers[0]!.volumeMounts!.some((m) => m.name === 'aws-iam-token' && m.mountPath === '/var/run/secrets/eks.amazonaws.com/serviceaccount'));
    }
  });

  test('annotate sa + rollout restart: new pods carry the new role; managedFields time the annotation', async () => {
    const before = (parseYaml(await ok(['get', 'pods', '-n', 'shop', '-l', 'app=web', '-o', 'yaml'])) as { items: Pod[] }).items.map((p) => p.metadata.name);
    clock.advance(3_600_000);
    const t0 = Math.floor(clock.now().getTime() / 1000) * 1000;
    await ok(['annotate', 'sa', 'app', '-n', 'shop', `eks.amazonaws.com/role-arn=${ROLE_B}`, '--overwrite']);
    const t1 = clock.now().getTime();
    const sa = parseYaml(await ok(['get', 'sa', 'app', '-n', 'shop', '-o', 'yaml', '--show-managed-fields'])) as {
      metadata: { managedFields: Array<{ manager: string; operation: string; time: string; fieldsV1: { 'f:metadata'?: { 'f:annotations'?: Record<string, unknown> } } }> };
    };
    const byAnnotate = sa.metadata.managedFields.find((m) => m.manager === 'kubectl-annotate')!;
    assert.equal(byAnnotate.operation, 'Update');
    assert.ok(byAnnotate.fieldsV1['f:metadata']!['f:annotations']!['f:eks.amazonaws.com/role-arn']);
    const at = Date.parse(byAnnotate.time);
    assert.ok(at >= t0 && at <= t1, `annotation time ${byAnnotate.time} is the lab time of the annotate call`);
    const applied = sa.metadata.managedFields.find((m) => m.manager === 'kubectl-client-side-apply')!;
    assert.ok(Date.parse(applied.time) < t0 - 3_000_000, 'the apply happened an hour earlier in lab time');
    const byApply = sa.metadata.managedFields.find((m) => m.manager === 'kubectl-client-side-apply')!;
    assert.equal(byApply.fieldsV1['f:metadata']!['f:annotations']!['f:eks.amazonaws.com/role-arn'], undefined, 'ownership moved to kubectl-annotate');
    // Running pods keep the old role: the webhook mutates at CREATE only.
    const still = parseYaml(await ok(['get', 'pods', '-n', 'shop', '-l', 'app=web', '-o', 'yaml'])) as { items: Pod[] };
    assert.ok(still.items.every((p) => p.spec.containers[0]!.env!.some((e) => e.name === 'AWS_ROLE_ARN' && e.value === ROLE_A)));
    assert.match(await ok(['rollout', 'restart', 'deployment/web', '-n', 'shop']), /deployment\.apps\/web restarted/);
    assert.match(await ok(['rollout', 'status', 'deployment/web', '-n', 'shop', '--timeout=30s']), /successfully rolled out/);
    const after = (parseYaml(await ok(['get', 'pods', '-n', 'shop', '-l', 'app=web', '-o', 'yaml'])) as { items: Pod[] }).items;
    assert.equal(after.length, 2);
    for (const p of after) {
      assert.ok(!before.includes(p.metadata.name));
      assert.ok(p.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']);
      assert.ok(p.spec.containers[0]!.env!.some((e) => e.name === 'AWS_ROLE_ARN' && e.value === ROLE_B));
    }
    const rs = await ok(['get', 'rs', '-n', 'shop', '-l', 'app=web', '--no-headers']);
    assert.equal(rs.trim().split('\n').length, 2, 'the old ReplicaSet stays, scaled to 0');
    assert.match(rs, /web-\w+\s+0\s+0\s+0/);
  });

  test('get and describe: server-side tables, events, the pod identity env', async () => {
    const table = await ok(['get', 'deploy,sa,pods', '-n', 'shop']);
    assert.match(table, /NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
    assert.match(table, /deployment\.apps\/web\s+2\/2\s+2\s+2\s+/);
    assert.match(table, /serviceaccount\/app\s+0\s+/);
    assert.match(table, /pod\/web-\w+-\w{5}\s+1\/1\s+Running\s+0\s+/);
    const sa = await ok(['describe', 'sa', 'app', '-n', 'shop']);
    assert.match(sa, new RegExp(`Annotations:\\s+eks\\.amazonaws\\.com/role-arn: ${ROLE_B.replace(/[/.]/g, '\\$&')}`));
    const d = await ok(['describe', 'deployment', 'web', '-n', 'shop']);
    assert.match(d, /Service Account:\s+app/);
    assert.match(d, /NewReplicaSet:\s+web-\w+ \(2\/2 replicas created\)/);
    assert.match(d, /ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set web-/);
    const pod = (await ok(['get', 'pods', '-n', 'shop', '-l', 'app=web', '-o', 'name'])).trim().split('\n')[0]!;
    const p = await ok(['describe', '-n', 'shop', pod]);
    assert.match(p, /AWS_ROLE_ARN:\s+arn:aws:iam::111122223333:role\/app-b/);
    assert.match(p, /\/var\/run\/secrets\/eks\.amazonaws\.com\/serviceaccount from aws-iam-token \(ro\)/);
    assert.match(p, /Controlled By:\s+ReplicaSet\/web-/);
  });

  test('label selectors and chunked lists (--chunk-size=2 follows continue tokens)', async () => {
    await ok(['run', 'solo', '-n', 'shop', '--image=busybox', '--labels=app=solo,tier=tools', '--', 'sleep', '3600']);
    assert.deepEqual((await ok(['get', 'pods', '-n', 'shop', '-l', 'app!=web', '-o', 'name'])).trim().split('\n'), ['pod/solo']);
    assert.deepEqual((await ok(['get', 'pods', '-n', 'shop', '-l', 'tier in (tools,db)', '-o', 'name'])).trim().split('\n'), ['pod/solo']);
    const before = seen.length;
    const names = (await ok(['get', 'pods', '-n', 'shop', '--chunk-size=2', '-o', 'name'])).trim().split('\n');
    assert.equal(names.length, 3);
    const lists = seen.slice(before).filter((s) => s.startsWith('GET /api/v1/namespaces/shop/pods?'));
    assert.equal(lists.length, 2);
    assert.match(lists[1]!, /continue=/);
    assert.match(lists[0]!, /limit=2/);
  });

  test('RBAC: a user gets exactly its rules, and kubectl prints the Forbidden message', async () => {
    const u = kube.api.addUser({ name: 'irsa-doctor', rules: [{ apiGroups: [''], resources: ['pods', 'serviceaccounts'], verbs: ['get', 'list'], namespaces: ['shop'] }] });
    const kc = join(dir, 'kubeconfig-doctor');
    writeFileSync(kc, kube.kubeconfig({ contextName: CONTEXT, token: u.token }));
    const listed = await kubectl(['get', 'sa', '-n', 'shop', '-o', 'name'], { kubeconfig: kc });
    assert.equal(listed.code, 0, listed.stderr);
    const denied = await kubectl(['get', 'serviceaccount', 'x', '-n', 'kube-system'], { kubeconfig: kc });
    assert.equal(denied.stderr.trim(), 'Error from server (Forbidden): serviceaccounts "x" is forbidden: User "irsa-doctor" cannot get resource "serviceaccounts" in API group "" in the namespace "kube-system"');
    const token = await kubectl(['create', 'token', 'app', '-n', 'shop'], { kubeconfig: kc });
    assert.match(token.stderr, /serviceaccounts "app" is forbidden: User "irsa-doctor" cannot create resource "serviceaccounts\/token" in API group "" in the namespace "shop"/);
    const canI = await kubectl(['auth', 'can-i', 'list', 'deployments.apps', '-n', 'shop'], { kubeconfig: kc });
    assert.equal(canI.stdout.trim(), 'no');
    writeFileSync(join(dir, 'kubeconfig-bad'), kube.kubeconfig({ contextName: CONTEXT, token: 'not-a-lab-token' }));
    const bad = await kubectl(['get', 'pods'], { kubeconfig: join(dir, 'kubeconfig-bad') });
    assert.match(bad.stderr, /You must be logged in to the server \(Unauthorized\)/);
  });

  test('server-side apply: owned fields, conflicts with another manager', async () => {
    const cm = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\ndata: {mode: fast}\n`;
    assert.match(await ok(['apply', '--server-side', '-f', '-'], cm), /configmap\/settings serverside-applied/);
    const clash = await kubectl(['apply', '--server-side', '--field-manager=other', '-f', '-'], { input: cm.replace('fast', 'slow') });
    assert.notEqual(clash.code, 0);
    assert.match(clash.stderr, /Apply failed with 1 conflict: conflict with "kubectl" using v1: \.data\.mode/);
    assert.match(await ok(['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', '-'], cm.replace('fast', 'slow')), /serverside-applied/);
    const got = kube.api.get('configmaps', 'shop', 'settings')!;
    assert.equal((got['data'] as Record<string, string>)['mode'], 'slow');
  });

  test('StatefulSet, DaemonSet, and a Job created from a CronJob', async () => {
    const y = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres:16}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: shop}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: agent, image: fluent-bit:3}]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: shop}
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          serviceAccountName: app
          restartPolicy: OnFailure
          containers: [{name: report, image: amazon/aws-cli:2, args: [sts, get-caller-identity]}]
`;
    await ok(['apply', '-f', '-'], y);
    assert.match(await ok(['create', 'job', 'report-now', '--from=cronjob/report', '-n', 'shop']), /job\.batch\/report-now created/);
    assert.match(await ok(['rollout', 'status', 'statefulset/db', '-n', 'shop', '--timeout=30s']), /roll out complete/);
    assert.match(await ok(['rollout', 'status', 'daemonset/agent', '-n', 'shop', '--timeout=30s']), /successfully rolled out/);
    const names = (await ok(['get', 'pods', '-n', 'shop', '-o', 'name'])).trim().split('\n');
    assert.ok(names.includes('pod/db-0') && names.includes('pod/db-1'));
    assert.equal(names.filter((n) => n.startsWith('pod/agent-')).length, 1);
    const jobPod = kube.api.list('pods', 'shop').find((p) => (p['metadata'] as { labels: Record<string, string> }).labels['job-name'] === 'report-now')!;
    const env = (jobPod['spec'] as Pod['spec']).containers[0]!.env!;
    assert.ok(env.some((e) => e.name === 'AWS_ROLE_ARN' && e.value === ROLE_B), 'the Job pod is mutated too');
  });

  test('delete: a Deployment takes its ReplicaSets and pods with it; a namespace takes everything', async () => {
    assert.match(await ok(['delete', 'deployment', 'web', '-n', 'shop']), /deployment\.apps "web" deleted/);
    assert.equal((await ok(['get', 'rs,pods', '-n', 'shop', '-l', 'app=web', '-o', 'name'])).trim(), '');
    assert.match(await ok(['delete', 'namespace', 'shop']), /namespace "shop" deleted/);
    assert.equal(kube.api.list('pods', 'shop').length, 0);
  });
});

describe('kubeconfig files', () => {
  test('an EKS-style exec-plugin user is what kubectl reads back', async () => {
    const kc = join(dir, 'kubeconfig-exec');
    writeKubeconfig(kc, { server: kube.url, caPem: pki.caPem, contextName: CONTEXT, exec: { clusterName: 'lab', region: 'us-west-2', env: { AWS_STS_REGIONAL_ENDPOINTS: 'regional' } } });
    const view = JSON.parse((await kubectl(['config', 'view', '--minify', '-o', 'json'], { kubeconfig: kc })).stdout) as {
      'current-context': string;
      users: Array<{ name: string; user: { exec: { apiVersion: string; command: string; args: string[]; env: Array<{ name: string; value: string }> } } }>;
    };
    assert.equal(view['current-context'], CONTEXT);
    const exec = view.users[0]!.user.exec;
    assert.equal(exec.apiVersion, 'client.authentication.k8s.io/v1beta1');
    assert.deepEqual([exec.command, ...exec.args], ['aws', '--region', 'us-west-2', 'eks', 'get-token', '--cluster-name', 'lab', '--output', 'json']);
    assert.deepEqual(exec.env, [{ name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'regional' }]);
  });
});

describe('kubectl against a server without aggregated discovery', { timeout: 60_000 }, () => {
  test('falls back to /api/v1 and /apis/<group>/<version> resource lists', async () => {
    const legacy = await startKubeApi({ pki, clock, aggregatedDiscovery: false });
    try {
      const kc = join(dir, 'kubeconfig-legacy');
      writeFileSync(kc, legacy.kubeconfig({ contextName: 'legacy' }));
      const r = await kubectl(['get', 'deployments,serviceaccounts', '-n', 'default', '-o', 'name'], { kubeconfig: kc });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'serviceaccount/default');
    } finally {
      await legacy.close();
    }
  });
});
