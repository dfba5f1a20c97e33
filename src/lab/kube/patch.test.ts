// Patch formats (RFC 7386, RFC 6902, strategic merge with its directives) and the FieldsV1
// bookkeeping of managedFields.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch, mergePatch, PATCH_SCHEMAS, PatchError, strategicMergePatch, type JsonObject } from './patch.js';
import { changedFields, fieldSetOf, updateManagedFields } from './managed-fields.js';

const deploy = (): JsonObject => ({
  metadata: { name: 'web', finalizers: ['a'], annotations: { keep: '1' } },
  spec: {
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } },
    template: {
      spec: {
        containers: [
          { name: 'app', image: 'app:1', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], args: ['x', 'y'] },
          { name: 'proxy', image: 'envoy:1' },
        ],
        volumes: [{ name: 'data', emptyDir: {} }],
      },
    },
  },
});
const D = PATCH_SCHEMAS['Deployment']!;
type Containers = Array<{ name: string; image?: string; env?: Array<{ name: string; value?: string }>; args?: string[] }>;
const containers = (o: JsonObject): Containers => ((o['spec'] as JsonObject)['template'] as { spec: { containers: Containers } }).spec.containers;

describe('strategic merge patch', () => {
  test('lists merge by their merge key; atomic lists are replaced; null deletes', () => {
    const out = strategicMergePatch(deploy(), { spec: { template: { spec: { containers: [{ name: 'app', args: ['z'], env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }] }, { name: 'new', image: 'n' }] } } }, metadata: { annotations: { keep: null } } }, D);
    const cs = containers(out);
    assert.deepEqual(cs.map((c) => c.name), ['app', 'proxy', 'new']);
    assert.deepEqual(cs[0]!.env, [{ name: 'A', value: '1' }, { name: 'B', value: '3' }, { name: 'C', value: '4' }]);
    assert.deepEqual(cs[0]!.args, ['z']);
    assert.deepEqual((out['metadata'] as JsonObject)['annotations'], {});
  });

  test('directives: $patch delete/replace, $retainKeys, $deleteFromPrimitiveList, $setElementOrder', () => {
    const out = strategicMergePatch(
      deploy(),
      {
        metadata: { '$deleteFromPrimitiveList/finalizers': ['a'], finalizers: ['b'] },
        spec: {
          strategy: { $retainKeys: ['type'], type: 'Recreate' },
          template: { spec: { containers: [{ name: 'proxy', $patch: 'delete' }, { name: 'app', env: [{ $patch: 'replace' }, { name: 'Z', value: '9' }] }], '$setElementOrder/containers': [{ name: 'app' }] } },
        },
      },
      D,
    );
    assert.deepEqual((out['metadata'] as JsonObject)['finalizers'], ['b']);
    assert.deepEqual((out['spec'] as JsonObject)['strategy'], { type: 'Recreate' });
    assert.deepEqual(containers(out).map((c) => c.name), ['app']);
    assert.deepEqual(containers(out)[0]!.env, [{ name: 'Z', value: '9' }]);
  });

  test('what kubectl rollout restart sends adds the template annotation', () => {
    const out = strategicMergePatch(deploy(), { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z' } } } } }, D);
    assert.deepEqual(((out['spec'] as JsonObject)['template'] as JsonObject)['metadata'], { annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z' } });
    assert.equal(containers(out).length, 2);
  });

  test('an element without its merge key is a 400', () => {
    assert.throws(
      () => strategicMergePatch(deploy(), { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }, D),
      (e: unknown) => e instanceof PatchError && e.status === 400 && /does not contain declared merge key: name/.test(e.message),
    );
  });
});

describe('JSON merge patch and JSON patch', () => {
  test('RFC 7386: objects merge, null removes, arrays replace', () => {
    assert.deepEqual(mergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { b: null, d: 3 }, l: [3] }), { a: { c: 2, d: 3 }, l: [3] });
  });

  test('RFC 6902: add/remove/replace/move/copy/test with escaped pointers', () => {
    const doc = { metadata: { annotations: { 'eks.amazonaws.com/role-arn': 'x' } }, list: [1, 2] };
    const out = applyJsonPatch(doc, [
      { op: 'replace', path: '/metadata/annotations/eks.amazonaws.com~1role-arn', value: 'y' },
      { op: 'add', path: '/list/-', value: 3 },
      { op: 'add', path: '/list/0', value: 0 },
      { op: 'copy', from: '/list/3', path: '/copied' },
      { op: 'move', from: '/copied', path: '/moved' },
      { op: 'remove', path: '/list/1' },
      { op: 'test', path: '/moved', value: 3 },
    ]);
    assert.deepEqual(out, { metadata: { annotations: { 'eks.amazonaws.com/role-arn': 'y' } }, list: [0, 2, 3], moved: 3 });
    assert.throws(() => applyJsonPatch(doc, [{ op: 'remove', path: '/nope' }]), /remove operation does not apply: doc is missing path: "\/nope"/);
    assert.throws(() => applyJsonPatch(doc, [{ op: 'test', path: '/list/0', value: 9 }]), /test failed/);
  });
});

describe('managedFields (FieldsV1)', () => {
  test('field sets use f:, k:{merge key}, v: and "." like the API server', () => {
    const fs = fieldSetOf({ metadata: { labels: { app: 'web' }, finalizers: ['x'] }, spec: { template: { spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80, protocol: 'TCP' }] }] } } } }, D);
    assert.deepEqual(fs, {
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} }, 'f:finalizers': { 'v:"x"': {} } },
      'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:name': {}, 'f:image': {}, 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} } } } } } } },
    });
  });

  test('an update takes over the fields it changed; removed fields belong to nobody', () => {
    const before = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 's', annotations: { a: '1', b: '2' } } };
    const S = PATCH_SCHEMAS['ServiceAccount']!;
    const t0 = new Date('2025-01-01T00:00:00Z');
    const t1 = new Date('2025-01-02T00:00:00Z');
    const created = updateManagedFields([], undefined, before, S, { manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'v1', time: t0 });
    const after = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 's', annotations: { a: '9' } } };
    assert.deepEqual(changedFields(before, after, S), { 'f:metadata': { 'f:annotations': { 'f:a': {} } } });
    const updated = updateManagedFields(created, before, after, S, { manager: 'kubectl-annotate', operation: 'Update', apiVersion: 'v1', time: t1 });
    assert.deepEqual(updated, [
      { manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'v1', time: '2025-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:annotations': { '.': {} } } } },
      { manager: 'kubectl-annotate', operation: 'Update', apiVersion: 'v1', time: '2025-01-02T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:annotations': { 'f:a': {} } } } },
    ]);
  });
});
