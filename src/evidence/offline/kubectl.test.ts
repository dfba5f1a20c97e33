import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { InputError } from '../facts.js';
import type { Fact, K8sObjectFact } from '../facts.js';
import type { Recogniser } from './types.js';
import { parseFile } from './parse.js';
import { recogniseFile } from './dispatch.js';
import { REDACTED, kubectlObjects, kubectlVersion, kubectlVersionText, parseVersionText } from './kubectl.js';
import { jwks, oidcDiscovery } from './oidc.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

function run(r: Recogniser, text: string, path = 'in'): Fact[] | null {
  const sets = r.reads === 'structured' ? { structured: [r], text: [] } : { structured: [], text: [r] };
  const out = recogniseFile(parseFile(path, text), sets);
  if (out.error) throw out.error;
  return out.formats.length ? out.facts : null;
}

function objects(text: string, path = 'in'): K8sObjectFact[] {
  const facts = run(kubectlObjects, text, path);
  assert.ok(facts, 'expected kubectl objects');
  return facts.map((f) => {
    assert.equal(f.kind, 'k8sObject');
    return f as K8sObjectFact;
  });
}

test('a ServiceAccount with managedFields keeps its annotations and the field times', () => {
  const [sa] = objects(fixture('kubectl/serviceaccount.yaml'), 'sa.yaml');
  assert.ok(sa);
  assert.deepEqual(sa.source, { path: 'sa.yaml' });
  assert.equal(sa.object.kind, 'ServiceAccount');
  assert.equal(sa.object.apiVersion, 'v1');
  assert.equal(sa.object.metadata.name, 'payments');
  assert.equal(sa.object.metadata.namespace, 'payments');
  assert.equal(sa.object.metadata.annotations?.['eks.amazonaws.com/role-arn'], 'arn:aws:iam::111122223333:role/payments-s3-reader');
  assert.equal(sa.object.metadata.annotations?.['eks.amazonaws.com/sts-regional-endpoints'], 'true');
  assert.deepEqual(
    sa.object.metadata.managedFields?.map((m) => [m.manager, m.time]),
    [
      ['kubectl-client-side-apply', '2024-02-05T10:12:31Z'],
      ['kubectl-annotate', '2024-03-18T14:02:09Z'],
    ],
  );
  assert.equal(sa.fromList, undefined);
});

test('a webhook-mutated pod: owner ReplicaSet, token volume, injected env', () => {
  const [pod] = objects(fixture('kubectl/pod.yaml'));
  assert.ok(pod);
  const o = pod.object;
  assert.equal(o.kind, 'Pod');
  assert.deepEqual(o.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller]), [['ReplicaSet', 'payments-api-7c9d8b6f5d', true]]);
  const spec = o.spec as { serviceAccountName: string; volumes: Array<{ name: string; projected?: { sources: Array<{ serviceAccountToken?: { audience?: string } }> } }>; containers: Array<{ env: Array<{ name: string; value: string }> }> };
  assert.equal(spec.serviceAccountName, 'payments');
  assert.equal(spec.volumes[0]?.name, 'aws-iam-token');
  assert.equal(spec.volumes[0]?.projected?.sources[0]?.serviceAccountToken?.audience, 'sts.amazonaws.com');
  assert.deepEqual(
    spec.containers[0]?.env.filter((e) => e.name.startsWith('AWS_')).map((e) => e.name),
    ['AWS_STS_REGIONAL_ENDPOINTS', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE'],
  );
  assert.equal((o.status as { phase: string }).phase, 'Running');
  // YAML timestamps stay strings (core schema), as kubectl printed them.
  assert.equal(o.metadata.creationTimestamp, '2024-03-18T13:55:02Z');
});

test('a ReplicaSet (JSON) owned by a Deployment', () => {
  const [rs] = objects(fixture('kubectl/replicaset.json'));
  assert.deepEqual(rs?.object.metadata.ownerReferences?.map((r) => [r.kind, r.name]), [['Deployment', 'payments-api']]);
});

test('kind: List keeps each item with its line and marks it as listed', () => {
  const items = objects(fixture('kubectl/serviceaccounts-list.yaml'), 'sas.yaml');
  assert.deepEqual(
    items.map((f) => [f.object.metadata.name, f.source.line, f.fromList]),
    [
      ['default', 3, 'List'],
      ['payments', 11, 'List'],
    ],
  );
});

test('API lists (PodList) lack kind/apiVersion on items: filled from the list', () => {
  const items = objects(fixture('kubectl/pods-api.json'));
  assert.deepEqual(
    items.map((f) => [f.object.kind, f.object.apiVersion, f.object.metadata.name, f.fromList]),
    [
      ['Pod', 'v1', 'orders-worker-0', 'PodList'],
      ['Pod', 'v1', 'orders-worker-1', 'PodList'],
    ],
  );
  const deployments = objects('{\n  "kind": "DeploymentList",\n  "apiVersion": "apps/v1",\n  "items": [\n    {"metadata": {"name": "a"}},\n    {"kind": "Deployment", "apiVersion": "apps/v1", "metadata": {"name": "b"}}\n  ]\n}');
  assert.deepEqual(
    deployments.map((f) => [f.object.kind, f.object.apiVersion, f.source.line]),
    [
      ['Deployment', 'apps/v1', 5],
      ['Deployment', 'apps/v1', 6],
    ],
  );
  // kubectl's own `List` cannot fill a missing kind.
  assert.throws(() => objects('{"kind": "List", "apiVersion": "v1", "items": [{"metadata": {"name": "x"}}]}'), /without a kind/);
});

test('an empty List is claimed with no facts', () => {
  assert.deepEqual(run(kubectlObjects, 'apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: ""\n'), []);
});

test('multi-document manifests: every object, each with its start line', () => {
  const items = objects(fixture('kubectl/manifests.yaml'), 'm.yaml');
  assert.deepEqual(
    items.map((f) => [f.object.kind, f.object.metadata.name, f.source.line]),
    [
      ['Namespace', 'payments', 2],
      ['ServiceAccount', 'payments', 7],
      ['Deployment', 'payments-api', 15],
    ],
  );
});

test('metadata is checked the way the API server would', () => {
  const bad: Array<[string, RegExp, number | undefined]> = [
    ['apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n  annotations:\n    eks.amazonaws.com/sts-regional-endpoints: true\n', /annotations\["eks\.amazonaws\.com\/sts-regional-endpoints"\] of ServiceAccount a is a boolean: annotations values must be strings \(quote it: "true"\)/, 6],
    ['apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels:\n    version: 2\n', /labels\["version"\] of Pod a is a number/, 6],
    ['apiVersion: v1\nkind: Pod\nmetadata:\n  name: [a]\n', /metadata\.name of Pod is an array, expected a string/, 4],
    ['apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  ownerReferences:\n  - kind: ReplicaSet\n', /ownerReferences\[0\] of Pod a needs a kind and a name/, 6],
    ['apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec: "x"\n', /spec of Pod a is a string, expected an object/, 5],
    ['apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  annotations: [x]\n', /metadata\.annotations of Pod a is an array/, 5],
  ];
  for (const [text, re, line] of bad) {
    assert.throws(
      () => run(kubectlObjects, text, 'bad.yaml'),
      (e: unknown) => e instanceof InputError && e.path === 'bad.yaml' && re.test(e.message) && e.line === line,
      text,
    );
  }
});

test('an annotation with no value is an empty string; empty annotations are dropped', () => {
  const [sa] = objects('apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n  annotations:\n    eks.amazonaws.com/role-arn:\n');
  assert.deepEqual(sa?.object.metadata.annotations, { 'eks.amazonaws.com/role-arn': '' });
  const [sb] = objects('apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: b\n  annotations:\n');
  assert.equal('annotations' in (sb?.object.metadata ?? {}), false);
});

test('what is not a kubectl object', () => {
  const declined = [
    '{"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "reason": "Forbidden"}',
    '{"kind": "Pod"}',
    '{"metadata": {"name": "x"}}',
    '{"bomFormat": "CycloneDX", "metadata": {"component": {}}}',
    '[1, 2]',
    '"text"',
  ];
  for (const text of declined) assert.equal(run(kubectlObjects, text), null, text);
});

test('kubectl version -o json / -o yaml / raw /version', () => {
  const v = run(kubectlVersion, fixture('kubectl/version.json'));
  assert.deepEqual(v, [
    {
      kind: 'kubeVersion',
      source: { path: 'in' },
      client: { major: 1, minor: 30, gitVersion: 'v1.30.2' },
      server: { major: 1, minor: 29, gitVersion: 'v1.29.4-eks-036c24b' },
    },
  ]);
  const yaml = 'clientVersion:\n  buildDate: "2024-06-11T20:29:44Z"\n  compiler: gc\n  gitVersion: v1.30.2\n  major: "1"\n  minor: "30"\n  platform: linux/amd64\nkustomizeVersion: v5.0.4\nserverVersion:\n  gitVersion: v1.18.20-eks-c9f1ce\n  major: "1"\n  minor: 18+\n  platform: linux/amd64\n';
  const y = run(kubectlVersion, yaml);
  assert.equal(y?.[0]?.kind === 'kubeVersion' ? y[0].server?.minor : undefined, 18);
  const raw = run(kubectlVersion, '{"major": "1", "minor": "", "gitVersion": "v1.31.0+k3s1", "platform": "linux/arm64"}');
  assert.deepEqual(raw?.[0]?.kind === 'kubeVersion' ? raw[0].server : undefined, { major: 1, minor: 31, gitVersion: 'v1.31.0+k3s1' });
  const clientOnly = run(kubectlVersion, '{"clientVersion": {"major": "1", "minor": "29", "gitVersion": "v1.29.0"}, "kustomizeVersion": "v5"}');
  assert.equal(clientOnly?.[0]?.kind === 'kubeVersion' ? clientOnly[0].server : 'x', undefined);
  assert.throws(() => run(kubectlVersion, '{"serverVersion": {"major": "", "minor": "", "gitVersion": "unknown"}}'), /no readable version/);
  assert.equal(run(kubectlVersion, '{"serverVersion": "1.29"}'), null);
});

test('kubectl version as text, new and old forms', () => {
  assert.deepEqual(parseVersionText(fixture('kubectl/version.txt')), {
    client: { major: 1, minor: 30, gitVersion: 'v1.30.2' },
    server: { major: 1, minor: 29, gitVersion: 'v1.29.4-eks-036c24b' },
  });
  const old = 'Client Version: version.Info{Major:"1", Minor:"21", GitVersion:"v1.21.2", GitCommit:"092fbfbf53427de67cac1e9fa54aaa09a28371d7", GitTreeState:"clean", BuildDate:"2021-06-16T12:59:11Z", GoVersion:"go1.16.5", Compiler:"gc", Platform:"linux/amd64"}\nServer Version: version.Info{Major:"1", Minor:"18+", GitVersion:"v1.18.20-eks-8c579e", GitCommit:"8c579edfc914f013ff48b2a2b2c1308fdcacc53f", GitTreeState:"clean", BuildDate:"2021-07-31T01:34:13Z", GoVersion:"go1.13.15", Compiler:"gc", Platform:"linux/amd64"}\n';
  assert.deepEqual(parseVersionText(old), {
    client: { major: 1, minor: 21, gitVersion: 'v1.21.2' },
    server: { major: 1, minor: 18, gitVersion: 'v1.18.20-eks-8c579e' },
  });
  const warned = 'Client Version: v1.31.0\nKustomize Version: v5.4.2\nServer Version: v1.28.9-eks-036c24b\nWARNING: version difference between client (1.31) and server (1.28) exceeds the supported minor version skew of +/-1\n';
  assert.equal(parseVersionText(warned)?.server?.minor, 28);
  assert.equal(parseVersionText('Kustomize Version: v5\n'), null);
  assert.equal(parseVersionText('Client Version: v1.30.2\nhello\n'), null);
  assert.equal(run(kubectlVersionText, 'Client Version: v1.30.2\n')?.length, 1);
});

test('OIDC discovery document and JWKS', () => {
  const d = run(oidcDiscovery, fixture('issuer/openid-configuration.json'));
  assert.ok(d?.[0]?.kind === 'discovery');
  assert.equal(d[0].issuer, 'https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E');
  assert.equal(d[0].jwksUri, 'https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E/keys');
  assert.deepEqual(d[0].document['id_token_signing_alg_values_supported'], ['RS256']);
  assert.equal(run(oidcDiscovery, '{"issuer": "https://x"}'), null);

  const k = run(jwks, fixture('issuer/keys.json'));
  assert.ok(k?.[0]?.kind === 'jwks');
  assert.equal(k[0].keys.length, 1);
  assert.equal(k[0].keys[0]?.['kid'], '3d5f8e2c1b0a49f7e6d5c4b3a29180f7e6d5c4b3');
  assert.deepEqual(run(jwks, '{"keys": []}')?.[0], { kind: 'jwks', source: { path: 'in' }, keys: [] });
  assert.throws(() => run(jwks, '{"keys": [{"kty": "RSA"}, {"kid": "x"}]}'), /keys\[1\] of the JWKS has no "kty"/);
  assert.equal(run(jwks, '{"keys": ["a", "b"]}'), null);
  assert.equal(run(jwks, '{"keys": [{"name": "a"}]}'), null);
});

test('the dispatcher sends each kubectl and issuer output to its recogniser', () => {
  const expected: Record<string, string> = {
    'kubectl/serviceaccount.yaml': 'kubectl get -o yaml|json',
    'kubectl/pod.yaml': 'kubectl get -o yaml|json',
    'kubectl/pods-api.json': 'kubectl get -o yaml|json',
    'kubectl/version.json': 'kubectl version -o json|yaml',
    'kubectl/version.txt': 'kubectl version',
    'issuer/openid-configuration.json': 'OIDC discovery document',
    'issuer/keys.json': 'JWKS (JSON Web Key Set)',
  };
  for (const [file, format] of Object.entries(expected)) {
    const out = recogniseFile(parseFile(file, fixture(file)));
    assert.equal(out.error, undefined, file);
    assert.deepEqual(out.formats, [format], file);
  }
});

test('a Secret keeps its keys but never its values', () => {
  const text = [
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    '  name: orders-aws',
    '  namespace: orders',
    '  annotations:',
    '    kubectl.kubernetes.io/last-applied-configuration: |',
    '      {"apiVersion":"v1","data":{"access-key-id":"QUtJQUlPU0ZPRE5ON0VYQU1QTEU="},"kind":"Secret"}',
    'type: Opaque',
    'data:',
    '  access-key-id: QUtJQUlPU0ZPRE5ON0VYQU1QTEU=',
    '  secret-access-key: d0phbHJYVXRuRkVNSS9LN01ERU5HL2JQeFJmaUNZRVhBTVBMRUtFWQ==',
    'stringData:',
    '  note: plain',
    '',
  ].join('\n');
  const [secret] = objects(text);
  assert.deepEqual(secret?.object['data'], { 'access-key-id': REDACTED, 'secret-access-key': REDACTED });
  assert.deepEqual(secret?.object['stringData'], { note: REDACTED });
  assert.equal(secret?.object.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], REDACTED);
  assert.doesNotMatch(JSON.stringify(secret), /QUtJQU|d0phbH|plain/);
});

test('a TokenRequest (kubectl create token -o json) goes to the token reader, not to kubectl objects', () => {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const jwt = `${b64({ alg: 'RS256', kid: 'k1' })}.${b64({ aud: ['sts.amazonaws.com'], exp: 1710856400, iat: 1710770000, iss: 'https://oidc.eks.eu-west-1.amazonaws.com/id/X', sub: 'system:serviceaccount:payments:payments' })}.${Buffer.from('sig').toString('base64url')}`;
  const tr = { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null, name: 'payments', namespace: 'payments' }, spec: { audiences: ['sts.amazonaws.com'], expirationSeconds: 86400 }, status: { expirationTimestamp: '2024-03-19T14:00:00Z', token: jwt } };
  assert.equal(run(kubectlObjects, JSON.stringify(tr)), null);
  const out = recogniseFile(parseFile('tr.json', JSON.stringify(tr, null, 4)));
  assert.deepEqual(out.facts.map((f) => f.kind), ['token']);
  assert.doesNotMatch(out.formats.join(), /kubectl get/);
});
