// In-process semantics of the lab API (no HTTP): admission order and the webhook switches,
// ordering in lab time ("pod created before the annotation"), managedFields times, the
// ServiceAccount admission's rejection and the ReplicaSet's FailedCreate, cascades.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeApi } from './api.js';
import type { JsonObject } from './patch.js';
import { JoseTestSigner, ManualClock } from './testing.js';

const ROLE = 'arn:aws:iam::111122223333:role/reader';

function lab(opts: Partial<ConstructorParameters<typeof KubeApi>[0]> = {}): { api: KubeApi; clock: ManualClock } {
  const clock = new ManualClock(new Date('2025-03-01T10:00:00Z'));
  const api = new KubeApi({ clock, signer: new JoseTestSigner('https://issuer.lab/id/X', clock), region: 'ap-southeast-2', ...opts });
  return { api, clock };
}

const sa = (name: string, annotations: Record<string, string> = {}, namespace = 'default'): JsonObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, annotations } });
const deployment = (name: string, serviceAccountName: string, replicas = 1): JsonObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'default' },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { serviceAccountName, containers: [{ name: 'app', image: 'public.ecr.aws/aws-cli/aws-cli:2.17.0' }] } } },
});

function envOf(pod: JsonObject): Record<string, string | undefined> {
  const c = ((pod['spec'] as JsonObject)['containers'] as JsonObject[])[0]!;
  return Object.fromEntries(((c['env'] as Array<{ name: string; value?: string }>) ?? []).map((e) => [e.name, e.value]));
}
function podsOf(api: KubeApi, app: string): JsonObject[] {
  return api.list('pods', 'default').filter((p) => (p['metadata'] as { labels?: Record<string, string> }).labels?.['app'] === app);
}

describe('lab API semantics', () => {
  test('a pod created before the annotation is not mutated; rollout restart recreates it mutated', () => {
    const { api, clock } = lab();
    api.create(sa('reader'));
    api.create(deployment('web', 'reader'));
    const [p1] = podsOf(api, 'web');
    assert.equal(envOf(p1!)['AWS_ROLE_ARN'], undefined);
    clock.advance(600_000);
    api.annotate({ apiVersion: 'v1', kind: 'ServiceAccount', name: 'reader' }, { 'eks.amazonaws.com/role-arn': ROLE });
    assert.equal(envOf(podsOf(api, 'web')[0]!)['AWS_ROLE_ARN'], undefined, 'running pods are never mutated');
    clock.advance(60_000);
    api.rolloutRestart({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' });
    const [p2] = podsOf(api, 'web');
    assert.notEqual((p2!['metadata'] as { name: string }).name, (p1!['metadata'] as { name: string }).name);
    assert.equal(envOf(p2!)['AWS_ROLE_ARN'], ROLE);
    assert.equal(envOf(p2!)['AWS_REGION'], 'ap-southeast-2');
    assert.equal((p2!['metadata'] as { creationTimestamp: string }).creationTimestamp, '2025-03-01T10:11:00Z');
    // The doctor reads when the role annotation was set from managedFields.
    const mf = (api.get('serviceaccounts', 'default', 'reader')!['metadata'] as { managedFields: Array<{ manager: string; time: string }> }).managedFields;
    assert.deepEqual(
      mf.map((m) => [m.manager, m.time]),
      [
        ['kubectl-client-side-apply', '2025-03-01T10:00:00Z'],
        ['kubectl-annotate', '2025-03-01T10:10:00Z'],
      ],
    );
    assert.equal(api.engine.admissions.filter((a) => a.decision.mutated).length, 1);
  });

  test('webhook down: pods are admitted unmutated, silently', () => {
    const { api } = lab({ webhook: { enabled: false } });
    api.create(sa('reader', { 'eks.amazonaws.com/role-arn': ROLE }));
    api.create(deployment('web', 'reader', 2));
    const pods = podsOf(api, 'web');
    assert.equal(pods.length, 2);
    for (const p of pods) {
      assert.equal(envOf(p)['AWS_ROLE_ARN'], undefined);
      assert.ok(!((p['spec'] as JsonObject)['volumes'] as Array<{ name: string }>).some((v) => v.name === 'aws-iam-token'));
    }
    assert.equal(api.list('events', 'default').filter((e) => e['type'] === 'Warning').length, 0);
    api.engine.webhook.enabled = true;
    api.rolloutRestart({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' });
    assert.ok(podsOf(api, 'web').every((p) => envOf(p)['AWS_ROLE_ARN'] === ROLE));
  });

  test('SA not yet in the webhook cache: the first N pods within 100 ms of the SA are not mutated', () => {
    const { api, clock } = lab({ webhook: { enabled: true, cacheMiss: { pods: 1 } } });
    api.create(sa('reader', { 'eks.amazonaws.com/role-arn': ROLE }));
    api.create(deployment('web', 'reader', 2));
    const mutated = podsOf(api, 'web').map((p) => envOf(p)['AWS_ROLE_ARN'] === ROLE);
    assert.deepEqual(mutated.sort(), [false, true]);
    const miss = api.engine.admissions.find((a) => !a.decision.mutated)!;
    assert.equal(miss.decision.reason, 'Service account default/reader not found in the cache after 100ms. Not mutating.');
    clock.advance(1000);
    api.create(sa('late', { 'eks.amazonaws.com/role-arn': ROLE }));
    clock.advance(200);
    api.create(deployment('api', 'late'));
    assert.equal(envOf(podsOf(api, 'api')[0]!)['AWS_ROLE_ARN'], ROLE, 'created 200 ms after the SA: in the cache');
  });

  test('a missing service account: FailedCreate with the admission message, pods appear once it exists', () => {
    const { api } = lab();
    api.create(deployment('web', 'ghost'));
    assert.equal(podsOf(api, 'web').length, 0);
    const rs = api.list('replicasets', 'default')[0]!;
    const rsName = (rs['metadata'] as { name: string }).name;
    const ev = api.list('events', 'default').find((e) => e['reason'] === 'FailedCreate')!;
    assert.equal(ev['message'], `Error creating: pods "${rsName}-" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found`);
    const cond = ((rs['status'] as JsonObject)['conditions'] as JsonObject[])[0]!;
    assert.equal(cond['type'], 'ReplicaFailure');
    api.create(sa('ghost', { 'eks.amazonaws.com/role-arn': ROLE }));
    assert.equal(podsOf(api, 'web').length, 1);
    assert.equal(envOf(podsOf(api, 'web')[0]!)['AWS_ROLE_ARN'], ROLE);
    const d = api.get('deployments', 'default', 'web')!;
    assert.equal((d['status'] as { availableReplicas: number }).availableReplicas, 1);
  });

  test('webhook rules: pre-set AWS_ROLE_ARN blocks injection, skip-containers, Windows path, regional STS off', () => {
    const { api } = lab({ webhook: { enabled: true, regionalStsDefault: false, defaultRegion: 'eu-central-1' } });
    api.create(sa('reader', { 'eks.amazonaws.com/role-arn': ROLE, 'eks.amazonaws.com/audience': 'custom' }));
    api.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default', annotations: { 'eks.amazonaws.com/skip-containers': 'sidecar' } },
      spec: {
        serviceAccountName: 'reader',
        nodeSelector: { 'kubernetes.io/os': 'windows' },
        containers: [
          { name: 'app', image: 'app' },
          { name: 'preset', image: 'app', env: [{ name: 'AWS_ROLE_ARN', value: 'arn:aws:iam::1:role/other' }] },
          { name: 'sidecar', image: 'envoy' },
        ],
      },
    });
    const p = api.get('pods', 'default', 'p')!;
    const cs = (p['spec'] as JsonObject)['containers'] as JsonObject[];
    const env = (i: number) => Object.fromEntries(((cs[i]!['env'] as Array<{ name: string; value: string }>) ?? []).map((e) => [e.name, e.value]));
    assert.equal(env(0)['AWS_WEB_IDENTITY_TOKEN_FILE'], 'C:\\var\\run\\secrets\\eks.amazonaws.com\\serviceaccount\\token');
    assert.equal(env(0)['AWS_STS_REGIONAL_ENDPOINTS'], undefined);
    assert.equal(env(0)['AWS_DEFAULT_REGION'], 'eu-central-1');
    assert.equal(env(1)['AWS_ROLE_ARN'], 'arn:aws:iam::1:role/other');
    assert.equal(env(1)['AWS_WEB_IDENTITY_TOKEN_FILE'], undefined);
    assert.deepEqual(env(2), {});
    const vol = ((p['spec'] as JsonObject)['volumes'] as Array<{ name: string; projected?: { sources: Array<{ serviceAccountToken?: { audience: string } }> } }>).find((v) => v.name === 'aws-iam-token')!;
    assert.equal(vol.projected!.sources[0]!.serviceAccountToken!.audience, 'custom');
    // Windows pods do not fit the lab's Linux node: Pending with the scheduler's message.
    assert.equal((p['status'] as { phase: string }).phase, 'Pending');
  });

  test('conflicts, generation and deletes with propagation', () => {
    const { api } = lab();
    api.create(sa('reader'));
    api.create(deployment('web', 'reader', 2));
    const d1 = api.get('deployments', 'default', 'web')!;
    assert.equal((d1['metadata'] as { generation: number }).generation, 1);
    api.patch({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, { metadata: { labels: { team: 'a' } } });
    assert.equal((api.get('deployments', 'default', 'web')!['metadata'] as { generation: number }).generation, 1, 'metadata changes keep the generation');
    api.patch({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, { spec: { replicas: 3 } });
    const d3 = api.get('deployments', 'default', 'web')!;
    assert.equal((d3['metadata'] as { generation: number }).generation, 2);
    assert.equal((d3['status'] as { observedGeneration: number }).observedGeneration, 2);
    assert.throws(() => api.patch({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, { metadata: { resourceVersion: '1' }, spec: { replicas: 1 } }), /the object has been modified/);
    api.delete({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, { propagationPolicy: 'Orphan' });
    assert.equal(api.list('replicasets', 'default').length, 1, 'orphaned ReplicaSet stays');
    assert.equal((api.list('replicasets', 'default')[0]!['metadata'] as { ownerReferences?: unknown }).ownerReferences, undefined);
    api.delete({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: (api.list('replicasets', 'default')[0]!['metadata'] as { name: string }).name });
    assert.equal(podsOf(api, 'web').length, 0, 'background deletion: the garbage collector removes the pods');
  });

  test('ServiceAccount admission: the kube-api-access volume, unless automount is off', () => {
    const { api } = lab();
    api.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'quiet', namespace: 'default' }, automountServiceAccountToken: false });
    api.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    api.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b', namespace: 'default' }, spec: { serviceAccountName: 'quiet', containers: [{ name: 'c', image: 'x' }] } });
    const a = api.get('pods', 'default', 'a')!['spec'] as { serviceAccountName: string; volumes: Array<{ name: string }>; containers: Array<{ volumeMounts: Array<{ mountPath: string }> }> };
    assert.equal(a.serviceAccountName, 'default');
    assert.match(a.volumes[0]!.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(a.containers[0]!.volumeMounts[0]!.mountPath, '/var/run/secrets/kubernetes.io/serviceaccount');
    const b = api.get('pods', 'default', 'b')!['spec'] as { volumes?: unknown[] };
    assert.equal(b.volumes, undefined);
  });
});
