import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from './join.js';
import type { Fact, K8sObject } from './facts.js';

const ROLE = 'arn:aws:iam::111122223333:role/app';
const ISSUER = 'https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E';
const sa = (name: string, ns = 'web', annotations: Record<string, string> = { 'eks.amazonaws.com/role-arn': ROLE }): Fact => ({
  kind: 'k8sObject',
  source: { path: `${ns}/sa.yaml` },
  object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns, annotations } },
});
const pod = (name: string, ns = 'web', extra: Partial<K8sObject['metadata']> = {}, dir = ns): Fact => ({
  kind: 'k8sObject',
  source: { path: `${dir}/pod-${name}.yaml` },
  object: { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, ...extra }, spec: { serviceAccountName: 'app', containers: [{ name: 'c' }] } },
});
const cluster: Fact = { kind: 'cluster', source: { path: 'cluster.json' }, name: 'prod', arn: 'arn:aws:eks:us-west-2:111122223333:cluster/prod', issuer: ISSUER, version: '1.30' };

test('env output joins its pod by HOSTNAME, id output by a # pod: line, otherwise a note', () => {
  const facts: Fact[] = [
    cluster,
    sa('app'),
    pod('a'),
    pod('b'),
    { kind: 'env', source: { path: 'x/env.txt' }, vars: { HOSTNAME: 'b', AWS_ROLE_ARN: ROLE } },
    { kind: 'id', source: { path: 'x/id.txt' }, uid: 1000, gid: 1000, groups: [1000], pod: { namespace: 'web', name: 'a' } },
    { kind: 'id', source: { path: 'x/id2.txt' }, uid: 0, gid: 0, groups: [0] },
  ];
  const { evidence } = join(facts);
  const a = evidence.pods.find((p) => p.name === 'a')!;
  const b = evidence.pods.find((p) => p.name === 'b')!;
  assert.equal(b.env.length, 1);
  assert.equal(a.env.length, 0);
  assert.equal(a.ids[0]?.uid, 1000);
  assert.equal(b.ids.length, 0);
  assert.match(evidence.notes.join('\n'), /x\/id2\.txt: `kubectl exec -- id` output not tied to one pod/);
});

test('a workload without pods becomes a mutated template; the owner chain is inferred from pod-template-hash', () => {
  const deploy: Fact = {
    kind: 'k8sObject',
    source: { path: 'deploy.yaml' },
    object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'web' }, spec: { template: { metadata: { labels: { app: 'api' } }, spec: { serviceAccountName: 'app', containers: [{ name: 'api' }] } } } },
  };
  const owned = pod('web-7c9d8-abcde', 'web', { labels: { 'pod-template-hash': '7c9d8' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'web-7c9d8', controller: true }] });
  const { evidence, subjects } = join([cluster, sa('app'), deploy, owned]);
  const tmpl = evidence.pods.find((p) => p.origin === 'template')!;
  assert.equal(tmpl.workload?.name, 'api');
  const env = ((tmpl.object.spec as { containers: Array<{ env: Array<{ name: string; value: string }> }> }).containers[0]!.env).map((e) => e.name);
  assert.deepEqual(env, ['AWS_STS_REGIONAL_ENDPOINTS', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE']);
  const real = evidence.pods.find((p) => p.origin === 'pod')!;
  assert.deepEqual(real.owners, [
    { kind: 'ReplicaSet', name: 'web-7c9d8', known: false },
    { kind: 'Deployment', name: 'web', known: false },
  ]);
  assert.deepEqual(
    subjects.map((s) => s.subject),
    [
      { namespace: 'web', serviceAccount: 'app', pod: 'web-7c9d8-abcde', roleArn: ROLE },
      { namespace: 'web', serviceAccount: 'app', workload: 'deployment/api', roleArn: ROLE },
    ],
  );
});

test('an empty provider listing is tied to the only account in the evidence, and says so', () => {
  const { evidence } = join([cluster, sa('app'), pod('a'), { kind: 'providerList', source: { path: 'providers.json' }, arns: [] }]);
  const acct = evidence.providerAccounts.find((a) => a.account === '111122223333');
  assert.ok(acct?.complete);
  assert.match(acct.assumption ?? '', /does not name its account; taken as account 111122223333/);
});

test('two service-account outputs with different role annotations are a conflict', () => {
  const other = { ...sa('app', 'web', { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/other' }), source: { path: 'old/sa.yaml' } } as Fact;
  const { evidence } = join([cluster, sa('app'), other, pod('a')]);
  assert.equal(evidence.conflicts.length, 1);
  assert.deepEqual(evidence.conflicts[0]!.scope, { kind: 'serviceAccount', key: 'web/app' });
});

test('a service account missing from a complete namespace listing is notFound, otherwise unknown', () => {
  const listed: Fact = { ...sa('other'), fromList: 'ServiceAccountList' } as Fact;
  assert.equal(join([cluster, listed, pod('a')]).subjects[0]!.serviceAccount.state, 'notFound');
  assert.equal(join([cluster, sa('other'), pod('a')]).subjects[0]!.serviceAccount.state, 'unknown');
});

test('managedFields give the time the role annotation was last written', () => {
  const s: Fact = {
    kind: 'k8sObject',
    source: { path: 'sa.yaml' },
    object: {
      kind: 'ServiceAccount',
      metadata: {
        name: 'app',
        namespace: 'web',
        annotations: { 'eks.amazonaws.com/role-arn': ROLE },
        managedFields: [
          { manager: 'kubectl-create', operation: 'Update', time: '2026-01-01T00:00:00Z', fieldsV1: {} },
          { manager: 'kubectl-annotate', operation: 'Update', time: '2026-02-01T00:00:00Z', fieldsV1: { 'f:metadata': { 'f:annotations': { 'f:eks.amazonaws.com/role-arn': {} } } } },
        ],
      },
    },
  };
  const { evidence } = join([s]);
  const found = evidence.serviceAccounts.get('web/app');
  assert.equal(found?.state === 'found' && found.value.roleAnnotationTime, '2026-02-01T00:00:00Z');
});
