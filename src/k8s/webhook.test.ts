import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mutatePod, TOKEN_FILE, WINDOWS_TOKEN_FILE } from './webhook.js';
import type { K8sObject } from '../evidence/facts.js';

const ROLE = 'arn:aws:iam::111122223333:role/app';
const pod = (spec: Record<string, unknown>, annotations?: Record<string, string>): K8sObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns', ...(annotations ? { annotations } : {}) },
  spec,
});
type C = { name: string; env?: Array<{ name: string; value?: string }>; volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }> };
const containersOf = (p: K8sObject) => (p.spec as { containers: C[]; initContainers?: C[] }).containers;
const envOf = (c: C) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));

test('injects role, token file, region and the projected volume into every container', () => {
  const r = mutatePod(pod({ initContainers: [{ name: 'init' }], containers: [{ name: 'a' }, { name: 'b' }] }), { annotations: { 'eks.amazonaws.com/role-arn': ROLE } }, { defaultRegion: 'eu-west-1' });
  assert.equal(r.mutated, true);
  const spec = r.pod.spec as { containers: C[]; initContainers: C[]; volumes: Array<Record<string, unknown>> };
  for (const c of [...spec.containers, ...spec.initContainers]) {
    assert.deepEqual(envOf(c), { AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_FILE: TOKEN_FILE, AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-1' });
    assert.deepEqual(c.volumeMounts, [{ name: 'aws-iam-token', mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount', readOnly: true }]);
  }
  assert.deepEqual(spec.volumes, [
    { name: 'aws-iam-token', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 86400, path: 'token' } }] } },
  ]);
});

test('no or empty role-arn annotation: no mutation', () => {
  for (const annotations of [{}, { 'eks.amazonaws.com/role-arn': '' }] as Array<Record<string, string>>) {
    const r = mutatePod(pod({ containers: [{ name: 'a' }] }), { annotations });
    assert.equal(r.mutated, false);
    assert.deepEqual(containersOf(r.pod)[0], { name: 'a' });
  }
});

test('a pre-set AWS_ROLE_ARN or token file blocks both variables', () => {
  for (const name of ['AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE']) {
    const r = mutatePod(pod({ containers: [{ name: 'a', env: [{ name, value: 'x' }] }] }), { annotations: { 'eks.amazonaws.com/role-arn': ROLE } });
    assert.deepEqual(envOf(containersOf(r.pod)[0]!), { [name]: 'x' });
    assert.match(r.notes.join(), /adds neither/);
  }
});

test('skip-containers, audience, token-expiration (minimum 3600), regional STS and Windows', () => {
  const r = mutatePod(
    pod({ nodeSelector: { 'kubernetes.io/os': 'windows' }, containers: [{ name: 'a' }, { name: 'sidecar' }] }, { 'eks.amazonaws.com/skip-containers': 'sidecar', 'eks.amazonaws.com/token-expiration': '600' }),
    { annotations: { 'eks.amazonaws.com/role-arn': ROLE, 'eks.amazonaws.com/audience': 'custom', 'eks.amazonaws.com/sts-regional-endpoints': 'true' } },
  );
  const [a, sidecar] = containersOf(r.pod);
  assert.equal(envOf(a!)['AWS_WEB_IDENTITY_TOKEN_FILE'], WINDOWS_TOKEN_FILE);
  assert.equal(envOf(a!)['AWS_STS_REGIONAL_ENDPOINTS'], 'regional');
  assert.equal(sidecar!.env, undefined);
  const vol = (r.pod.spec as { volumes: Array<{ projected: { sources: Array<{ serviceAccountToken: Record<string, unknown> }> } }> }).volumes[0]!;
  assert.deepEqual(vol.projected.sources[0]!.serviceAccountToken, { audience: 'custom', expirationSeconds: 3600, path: 'token' });
});

test('an existing aws-iam-token volume is kept; the input is not modified', () => {
  const input = pod({ containers: [{ name: 'a' }], volumes: [{ name: 'aws-iam-token', emptyDir: {} }] });
  const before = structuredClone(input);
  const r = mutatePod(input, { annotations: { 'eks.amazonaws.com/role-arn': ROLE } });
  assert.deepEqual((r.pod.spec as { volumes: unknown[] }).volumes, [{ name: 'aws-iam-token', emptyDir: {} }]);
  assert.deepEqual(input, before);
});

test('as the real webhook: region and regional STS even when AWS_ROLE_ARN is preset; volume first; Go ParseBool; "" audience; strict token-expiration', () => {
  const r = mutatePod(
    pod({ volumes: [{ name: 'kube-api-access-x', projected: {} }], containers: [{ name: 'a', env: [{ name: 'AWS_ROLE_ARN', value: 'mine' }] }] }, { 'eks.amazonaws.com/token-expiration': '7200s' }),
    { annotations: { 'eks.amazonaws.com/role-arn': ROLE, 'eks.amazonaws.com/sts-regional-endpoints': 'True', 'eks.amazonaws.com/audience': '' } },
    { defaultRegion: 'eu-west-1' },
  );
  assert.deepEqual(envOf(containersOf(r.pod)[0]!), { AWS_ROLE_ARN: 'mine', AWS_STS_REGIONAL_ENDPOINTS: 'regional', AWS_DEFAULT_REGION: 'eu-west-1', AWS_REGION: 'eu-west-1' });
  const vols = (r.pod.spec as { volumes: Array<{ name: string; projected: { sources?: Array<{ serviceAccountToken: Record<string, unknown> }> } }> }).volumes;
  assert.deepEqual(vols.map((v) => v.name), ['aws-iam-token', 'kube-api-access-x']);
  assert.deepEqual(vols[0]!.projected.sources![0]!.serviceAccountToken, { audience: '', expirationSeconds: 86400, path: 'token' });
});

test('skip-containers is one untrimmed CSV record; the volume is added even when every container is skipped; Windows keeps the Linux mount path', () => {
  const r = mutatePod(pod({ containers: [{ name: 'a' }, { name: 'b' }] }, { 'eks.amazonaws.com/skip-containers': 'a, b' }), { annotations: { 'eks.amazonaws.com/role-arn': ROLE } });
  const [a, b] = containersOf(r.pod);
  assert.equal(a!.env, undefined);
  assert.equal(envOf(b!)['AWS_ROLE_ARN'], ROLE, '" b" is not "b"');
  const all = mutatePod(pod({ containers: [{ name: 'a' }] }, { 'eks.amazonaws.com/skip-containers': 'a' }), { annotations: { 'eks.amazonaws.com/role-arn': ROLE } });
  assert.equal((all.pod.spec as { volumes: Array<{ name: string }> }).volumes[0]!.name, 'aws-iam-token');
  const win = mutatePod(pod({ nodeSelector: { 'kubernetes.io/os': 'windows' }, containers: [{ name: 'a' }] }), { annotations: { 'eks.amazonaws.com/role-arn': ROLE } });
  assert.equal(containersOf(win.pod)[0]!.volumeMounts![0]!.mountPath, '/var/run/secrets/eks.amazonaws.com/serviceaccount');
});
