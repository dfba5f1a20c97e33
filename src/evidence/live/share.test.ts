// PodSharer: replicas end up holding one frozen copy of what they have in common, and no pod's
// JSON changes; what differs (names, the API access volume, a pod-specific env var) stays each
// pod's own.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { K8sObject } from '../facts.js';
import { PodSharer } from './share.js';

function replica(name: string, suffix: string, extraEnv: Array<{ name: string; value: string }> = []): K8sObject {
  const api = `kube-api-access-${suffix}`;
  return JSON.parse(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: 'payments',
        labels: { app: 'api', 'pod-template-hash': '64b6db75f4' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'api-64b6db75f4', uid: 'u-1', controller: true }],
      },
      spec: {
        serviceAccountName: 'api',
        containers: [
          {
            name: 'app',
            image: 'public.ecr.aws/aws-cli/aws-cli:2.22.35',
            env: [{ name: 'AWS_ROLE_ARN', value: 'arn:aws:iam::111122223333:role/api' }, ...extraEnv],
            volumeMounts: [
              { name: api, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
              { name: 'aws-iam-token', readOnly: true, mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount' },
            ],
          },
        ],
        volumes: [
          { name: 'aws-iam-token', projected: { sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 86400, path: 'token' } }] } },
          { name: api, projected: { sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }] } },
        ],
        hostname: name,
        nodeName: 'ip-10-0-1-1.ec2.internal',
      },
    }),
  ) as K8sObject;
}

const spec = (p: K8sObject) => p.spec as { containers: Array<Record<string, unknown>>; volumes: Array<Record<string, unknown>> };

test('replicas share their equal subtrees, frozen; their JSON is unchanged; what differs stays their own', () => {
  const a = replica('api-64b6db75f4-28kjk', '4qxn9');
  const b = replica('api-64b6db75f4-x7p2m', 'zz81c');
  const c = replica('api-64b6db75f4-q9w3e', 'k2j4h', [{ name: 'DEBUG', value: '1' }]);
  const before = [a, b, c].map((p) => JSON.stringify(p));
  const sharer = new PodSharer();
  for (const p of [a, b, c]) sharer.pod(p);
  assert.deepEqual([a, b, c].map((p) => JSON.stringify(p)), before);

  assert.equal(a.metadata.labels, b.metadata.labels);
  assert.equal(a.metadata.ownerReferences, c.metadata.ownerReferences);
  assert.equal(spec(a).containers[0]!['env'], spec(b).containers[0]!['env']);
  assert.notEqual(spec(a).containers[0]!['env'], spec(c).containers[0]!['env'], 'a different env is not shared');
  assert.equal(spec(a).containers[0]!['image'], spec(c).containers[0]!['image']);
  assert.equal(spec(a).volumes[0], spec(c).volumes[0], 'the IRSA token volume is shared');
  assert.notEqual(spec(a).volumes[1], spec(b).volumes[1], 'the API access volume is named per pod');
  assert.equal(spec(a).volumes[1]!['projected'], spec(b).volumes[1]!['projected'], 'but its projection is shared');
  const mountsA = spec(a).containers[0]!['volumeMounts'] as unknown[];
  const mountsB = spec(b).containers[0]!['volumeMounts'] as unknown[];
  assert.notEqual(mountsA, mountsB);
  assert.equal(mountsA[1], mountsB[1]);
  assert.notEqual(a.metadata, b.metadata);
  assert.equal(Object.isFrozen(spec(a).containers[0]!['env']), true);
  assert.throws(() => (spec(b).containers[0]!['env'] as unknown[]).push({ name: 'X', value: 'y' }), TypeError);
  assert.equal(Object.isFrozen(a.metadata), false, 'the pod and what holds its names stay writable');
});

test('whatever the pods hold, sharing never changes their JSON', () => {
  const text = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('kube-api-access-abcde', 'web-0', 'data-web-0', ''));
  const json = fc.letrec<{ v: unknown }>((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, text, fc.integer(), fc.boolean(), fc.constant(null), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(text, tie('v'), { maxKeys: 3 })),
  })).v;
  const pod = fc.record({
    apiVersion: fc.constant('v1'),
    kind: fc.constant('Pod'),
    metadata: fc.record({ name: fc.constantFrom('web-0', 'web-1', 'api-x'), labels: json, annotations: json }, { requiredKeys: ['name'] }),
    spec: fc.oneof(json, fc.record({ containers: fc.array(fc.dictionary(text, json, { maxKeys: 4 }), { maxLength: 3 }), volumes: json, hostname: text })),
  });
  fc.assert(
    fc.property(fc.array(pod, { maxLength: 6 }), (pods) => {
      const objects = pods.map((p) => JSON.parse(JSON.stringify(p)) as K8sObject);
      const before = objects.map((p) => JSON.stringify(p));
      const sharer = new PodSharer();
      for (const p of objects) sharer.pod(p);
      assert.deepEqual(objects.map((p) => JSON.stringify(p)), before);
    }),
    { numRuns: 300 },
  );
});
