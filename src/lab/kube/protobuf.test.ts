// Kubernetes protobuf request bodies, built here with @bufbuild/protobuf's BinaryWriter the way
// client-go's gogo-generated marshalers lay them out (zero-valued non-pointer fields written,
// pointer fields only when set).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { decodeKubernetesProtobuf, PROTOBUF_MAGIC, ProtobufError } from './protobuf.js';
import { resourceForKind } from './resources.js';

const messageFor = (av: string, k: string): string | undefined => (k === 'TokenRequest' ? 'authentication.v1.TokenRequest' : resourceForKind(av, k)?.proto);

function envelope(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  const w = new BinaryWriter();
  w.tag(1, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string(apiVersion).tag(2, WireType.LengthDelimited).string(kind).join();
  w.tag(2, WireType.LengthDelimited).bytes(raw);
  w.tag(3, WireType.LengthDelimited).string('');
  w.tag(4, WireType.LengthDelimited).string('');
  return Buffer.concat([PROTOBUF_MAGIC, w.finish()]);
}

function objectMeta(w: BinaryWriter, name: string, annotations: Record<string, string> = {}): void {
  w.tag(1, WireType.LengthDelimited).string(name).tag(2, WireType.LengthDelimited).string('').tag(3, WireType.LengthDelimited).string('');
  w.tag(8, WireType.LengthDelimited).fork().join(); // creationTimestamp: zero Time
  for (const [k, v] of Object.entries(annotations)) w.tag(12, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string(k).tag(2, WireType.LengthDelimited).string(v).join();
}

describe('Kubernetes protobuf bodies', () => {
  test('TokenRequest as `kubectl create token --audience --duration` sends it', () => {
    const w = new BinaryWriter();
    w.tag(1, WireType.LengthDelimited).fork();
    objectMeta(w, '');
    w.join();
    w.tag(2, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string('sts.amazonaws.com').tag(4, WireType.Varint).int64(3600);
    w.tag(3, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string('Pod').tag(2, WireType.LengthDelimited).string('v1').tag(3, WireType.LengthDelimited).string('p').tag(4, WireType.LengthDelimited).string('uid-1').join();
    w.join();
    w.tag(3, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string('').join();
    const d = decodeKubernetesProtobuf(envelope('authentication.k8s.io/v1', 'TokenRequest', w.finish()), messageFor);
    assert.deepEqual(d.object, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: {},
      spec: { audiences: ['sts.amazonaws.com'], expirationSeconds: 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'uid-1' } },
      status: {},
    });
  });

  test('a ServiceAccount with annotations (a map) and automountServiceAccountToken=false (a pointer)', () => {
    const w = new BinaryWriter();
    w.tag(1, WireType.LengthDelimited).fork();
    objectMeta(w, 'app', { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/r' });
    w.join();
    w.tag(4, WireType.Varint).bool(false);
    w.tag(99, WireType.Varint).int32(1); // an unknown field is skipped
    const d = decodeKubernetesProtobuf(envelope('v1', 'ServiceAccount', w.finish()), messageFor);
    assert.deepEqual(d.object, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app', annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/r' } }, automountServiceAccountToken: false });
  });

  test('Quantity, IntOrString and inline Volume sources map to their JSON forms', () => {
    const w = new BinaryWriter();
    w.tag(1, WireType.LengthDelimited).fork();
    objectMeta(w, 'p');
    w.join();
    w.tag(2, WireType.LengthDelimited).fork();
    // volumes[0] = {name: cfg, volumeSource: {configMap: {localObjectReference: {name: c}}}}
    w.tag(1, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string('cfg').tag(2, WireType.LengthDelimited).fork().tag(19, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string('c').join().join().join().join();
    // containers[0] = {name: c, image: i, resources: {limits: {cpu: 500m}}, readinessProbe: {handler: {httpGet: {port: 8080}}}}
    w.tag(2, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string('c').tag(2, WireType.LengthDelimited).string('i');
    w.tag(8, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string('cpu').tag(2, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string('500m').join().join().join();
    w.tag(11, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).fork().tag(2, WireType.LengthDelimited).fork().tag(2, WireType.LengthDelimited).fork().tag(1, WireType.Varint).int64(0).tag(2, WireType.Varint).int32(8080).join().join().join().join();
    w.join();
    w.join();
    const d = decodeKubernetesProtobuf(envelope('v1', 'Pod', w.finish()), messageFor);
    const spec = d.object['spec'] as { volumes: unknown[]; containers: unknown[] };
    assert.deepEqual(spec.volumes, [{ name: 'cfg', configMap: { name: 'c' } }]);
    assert.deepEqual(spec.containers, [{ name: 'c', image: 'i', resources: { limits: { cpu: '500m' } }, readinessProbe: { httpGet: { port: 8080 } } }]);
  });

  test('a body without the k8s magic is refused', () => {
    assert.throws(() => decodeKubernetesProtobuf(Buffer.from('{"kind":"Pod"}'), messageFor), ProtobufError);
  });
});
