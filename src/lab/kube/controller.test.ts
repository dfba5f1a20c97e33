// The queue-driven controllers: whatever they leave unqueued is settled (a full resync after any
// sequence of writes changes nothing), the retries a full relist used to give for free (a refused
// pod create, an unschedulable pod, a new node), the work per write not growing with the cluster,
// and the frozen objects internal readers get.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KubeApi } from './api.js';
import { requeueEverything } from './controller.js';
import type { JsonObject } from './patch.js';
import { resourceByPlural } from './resources.js';
import { ManualClock } from './testing.js';

function lab(nodes = 2): { api: KubeApi; clock: ManualClock } {
  const clock = new ManualClock(new Date('2025-03-01T10:00:00Z'));
  return { api: new KubeApi({ clock, caPem: 'CA', nodes }), clock };
}

const deployment = (name: string, replicas: number, extra: JsonObject = {}, namespace = 'default'): JsonObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], ...extra } } },
});
const statefulSet = (name: string, replicas: number): JsonObject => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name, namespace: 'default' },
  spec: { replicas, serviceName: name, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'db', image: 'postgres:16' }] } } },
});
const nameOf = (o: JsonObject): string => String((o['metadata'] as JsonObject)['name']);
const ref = (kind: string, name: string, apiVersion = kind === 'Pod' || kind === 'Node' || kind === 'Namespace' ? 'v1' : 'apps/v1') => ({ apiVersion, kind, name, namespace: 'default' });

/** One API write of a random scenario. */
type Step =
  | { op: 'deploy'; i: number; replicas: number; gpu: boolean }
  | { op: 'scale'; i: number; replicas: number }
  | { op: 'restart'; i: number }
  | { op: 'delete'; i: number; policy: 'Background' | 'Foreground' | 'Orphan' }
  | { op: 'deletePod'; nth: number }
  | { op: 'sts'; replicas: number }
  | { op: 'label'; gpu: boolean };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('deploy' as const), i: fc.integer({ min: 0, max: 3 }), replicas: fc.integer({ min: 0, max: 3 }), gpu: fc.boolean() }),
  fc.record({ op: fc.constant('scale' as const), i: fc.integer({ min: 0, max: 3 }), replicas: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ op: fc.constant('restart' as const), i: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ op: fc.constant('delete' as const), i: fc.integer({ min: 0, max: 3 }), policy: fc.constantFrom('Background' as const, 'Foreground' as const, 'Orphan' as const) }),
  fc.record({ op: fc.constant('deletePod' as const), nth: fc.nat({ max: 20 }) }),
  fc.record({ op: fc.constant('sts' as const), replicas: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ op: fc.constant('label' as const), gpu: fc.boolean() }),
);

function run(api: KubeApi, clock: ManualClock, s: Step): void {
  clock.advance(1000);
  const exists = (plural: string, name: string) => api.engine.store.get(plural, `default/${name}`) !== undefined;
  switch (s.op) {
    case 'deploy':
      if (!exists('deployments', `d${s.i}`)) api.create(deployment(`d${s.i}`, s.replicas, s.gpu ? { nodeSelector: { role: 'gpu' } } : {}));
      break;
    case 'scale':
      if (exists('deployments', `d${s.i}`)) api.patch(ref('Deployment', `d${s.i}`), { spec: { replicas: s.replicas } });
      break;
    case 'restart':
      if (exists('deployments', `d${s.i}`)) api.rolloutRestart(ref('Deployment', `d${s.i}`));
      break;
    case 'delete':
      if (exists('deployments', `d${s.i}`)) api.delete(ref('Deployment', `d${s.i}`), { propagationPolicy: s.policy });
      break;
    case 'deletePod': {
      const pods = api.list('pods', 'default');
      if (pods.length) api.delete(ref('Pod', nameOf(pods[s.nth % pods.length]!)));
      break;
    }
    case 'sts':
      if (exists('statefulsets', 'db')) api.patch(ref('StatefulSet', 'db'), { spec: { replicas: s.replicas } });
      else api.create(statefulSet('db', s.replicas));
      break;
    case 'label': {
      const node = nameOf(api.list('nodes')[1]!);
      api.patch({ apiVersion: 'v1', kind: 'Node', name: node }, { metadata: { labels: { role: s.gpu ? 'gpu' : null } } });
      break;
    }
  }
}

describe('queue-driven controllers', () => {
  test('after any sequence of writes, a full resync finds nothing left to do', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => {
        const { api, clock } = lab();
        for (const s of steps) run(api, clock, s);
        const rev = api.engine.store.currentRevision;
        requeueEverything(api.engine);
        api.flush();
        assert.equal(api.engine.store.currentRevision, rev, 'a full pass wrote something the queues had left undone');
      }),
      { numRuns: 100 },
    );
  });

  test('a pod create refused by admission is retried on every later reconcile until it succeeds', () => {
    const { api } = lab();
    api.create(deployment('web', 2, { serviceAccountName: 'late' }));
    const failed = () => api.list('events', 'default').find((e) => e['reason'] === 'FailedCreate');
    const first = Number(failed()!['count']);
    api.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'unrelated', namespace: 'default' } });
    assert.equal(Number(failed()!['count']), first + 1, 'an unrelated write retried the ReplicaSet');
    assert.equal(api.list('pods', 'default').length, 0);
    api.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'late', namespace: 'default' } });
    assert.equal(api.list('pods', 'default').length, 2);
    const settled = Number(failed()!['count']);
    api.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'unrelated-2', namespace: 'default' } });
    assert.equal(Number(failed()!['count']), settled, 'no retries once the pods exist');
  });

  test('an unschedulable pod is scheduled when a node starts to fit; a DaemonSet follows new nodes', () => {
    const { api } = lab(1);
    api.create(deployment('gpu', 1, { nodeSelector: { role: 'gpu' } }));
    const pod = () => api.list('pods', 'default')[0]!;
    assert.equal((pod()['spec'] as JsonObject)['nodeName'], undefined);
    assert.ok(api.list('events', 'default').some((e) => e['reason'] === 'FailedScheduling'));
    const node = nameOf(api.list('nodes')[0]!);
    api.patch({ apiVersion: 'v1', kind: 'Node', name: node }, { metadata: { labels: { role: 'gpu' } } });
    assert.equal((pod()['spec'] as JsonObject)['nodeName'], node);
    assert.equal((pod()['status'] as JsonObject)['phase'], 'Running');

    api.create({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'kube-system' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'busybox' }] } } } });
    assert.equal(api.list('pods', 'kube-system').length, 1);
    api.engine.addNode({ name: 'ip-10-0-0-9.ec2.internal', internalIP: '10.0.0.9' });
    api.flush();
    assert.equal(api.list('pods', 'kube-system').length, 2);
  });

  test('the namespace controller puts back a deleted default service account; a StatefulSet recreates its pod', () => {
    const { api } = lab();
    api.delete({ apiVersion: 'v1', kind: 'ServiceAccount', name: 'default', namespace: 'default' });
    assert.ok(api.get('serviceaccounts', 'default', 'default'));
    api.create(statefulSet('db', 2));
    const uid = (api.get('pods', 'default', 'db-1')!['metadata'] as JsonObject)['uid'];
    api.delete(ref('Pod', 'db-1'));
    const again = api.get('pods', 'default', 'db-1')!;
    assert.notEqual((again['metadata'] as JsonObject)['uid'], uid);
    assert.equal((again['status'] as JsonObject)['phase'], 'Running');
  });

  test('garbage collection: dependents go with their owner, and an object whose owner never existed goes at once', () => {
    const { api } = lab();
    api.create(deployment('web', 3));
    assert.equal(api.list('pods', 'default').length, 3);
    api.delete(ref('Deployment', 'web'));
    assert.deepEqual([api.list('replicasets', 'default').length, api.list('pods', 'default').length], [0, 0]);
    api.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'stray', namespace: 'default', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'no-such-uid' }] } });
    assert.equal(api.get('configmaps', 'default', 'stray'), undefined);
  });

  test('the work one write causes does not grow with the number of objects in the cluster', () => {
    const readsFor = (deployments: number): number => {
      const { api } = lab();
      for (let i = 0; i < deployments; i++) api.create(deployment(`d${i}`, 2, {}, 'default'));
      const store = api.engine.store;
      let reads = 0;
      const count = <A extends unknown[], R>(f: (...a: A) => R) => (...a: A): R => {
        reads++;
        return f(...a);
      };
      store.get = count(store.get.bind(store));
      store.list = count(store.list.bind(store));
      store.page = count(store.page.bind(store));
      api.patch(ref('Deployment', 'd0'), { spec: { replicas: 3 } });
      api.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' } });
      return reads;
    };
    assert.equal(readsFor(40), readsFor(5));
  });

  test('internal readers get the frozen stored objects; the in-process API hands out copies', () => {
    const { api } = lab();
    api.create(deployment('web', 1));
    const stored = api.engine.get(resourceByPlural('deployments'), 'default', 'web')!;
    assert.ok(Object.isFrozen(stored) && Object.isFrozen(stored['spec']));
    assert.throws(() => {
      (stored['spec'] as JsonObject)['replicas'] = 5;
    }, TypeError);
    const copy = api.get('deployments', 'default', 'web')!;
    (copy['spec'] as JsonObject)['replicas'] = 5;
    assert.equal((api.get('deployments', 'default', 'web')!['spec'] as JsonObject)['replicas'], 1);
  });
});
