import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { InputError } from '../facts.js';
import type { Fact } from '../facts.js';
import type { Recogniser } from './types.js';
import { parseFile } from './parse.js';
import { defaultRecognisers, recogniseFile } from './dispatch.js';
import { describeServiceAccount, parseDescribeServiceAccount } from './describe-sa.js';
import { execEnv, parseEnv } from './env.js';
import { execId, parseId } from './id.js';
import { parseKubectlCommand, parseKubectlExecPrompt, readPreamble } from './util.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

function run(r: Recogniser, text: string, path = 'in'): Fact[] | null {
  const out = recogniseFile(parseFile(path, text), { structured: [], text: [r] });
  if (out.error) throw out.error;
  return out.formats.length ? out.facts : null;
}

// ---------------------------------------------------------------- kubectl describe sa

test("describe sa: the article's example (`none` for empty sets)", () => {
  assert.deepEqual(run(describeServiceAccount, fixture('kubectl/describe-sa.txt'), 'd.txt'), [
    {
      kind: 'describedServiceAccount',
      source: { path: 'd.txt' },
      name: 'irsa',
      namespace: 'default',
      annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/EKS-IRSA' },
      labels: {},
    },
  ]);
});

test('describe sa: several accounts, multi-line labels and annotations, a long value cut by kubectl', () => {
  const sas = parseDescribeServiceAccount(fixture('kubectl/describe-sa-all.txt'), 'd.txt');
  assert.ok(sas);
  assert.deepEqual(
    sas.map((s) => [s.name, s.namespace, s.line]),
    [
      ['default', 'payments', 1],
      ['payments', 'payments', 11],
    ],
  );
  assert.deepEqual(sas[0]?.annotations, {});
  assert.deepEqual(sas[1]?.labels, { 'app.kubernetes.io/managed-by': 'Helm', 'app.kubernetes.io/name': 'payments' });
  assert.deepEqual(Object.keys(sas[1]?.annotations ?? {}), [
    'eks.amazonaws.com/role-arn',
    'eks.amazonaws.com/sts-regional-endpoints',
    'example.com/change-note',
    'meta.helm.sh/release-name',
    'meta.helm.sh/release-namespace',
  ]);
  assert.equal(sas[1]?.annotations['eks.amazonaws.com/sts-regional-endpoints'], 'true');
  assert.match(sas[1]?.annotations['example.com/change-note'] ?? '', /^ticket=PAY-4411; .*\.\.\.$/);
  const facts = run(describeServiceAccount, fixture('kubectl/describe-sa-all.txt'), 'd.txt');
  assert.deepEqual(
    facts?.map((f) => f.source),
    [
      { path: 'd.txt', line: 1 },
      { path: 'd.txt', line: 11 },
    ],
  );
});

test('describe sa: table of variants', () => {
  const pad = (k: string) => k.padEnd(21, ' ');
  const sa = (annotations: string[], labels = ['<none>']) =>
    [
      `${pad('Name:')}app`,
      `${pad('Namespace:')}team-a`,
      `${pad('Labels:')}${labels[0]}`,
      ...labels.slice(1).map((l) => `${pad('')}${l}`),
      `${pad('Annotations:')}${annotations[0] ?? '<none>'}`,
      ...annotations.slice(1).map((a) => `${pad('')}${a}`),
      `${pad('Image pull secrets:')}<none>`,
      `${pad('Mountable secrets:')}<none>`,
      `${pad('Tokens:')}<none>`,
      `${pad('Events:')}<none>`,
    ].join('\n');
  const table: Array<[string, string, Record<string, string> | null]> = [
    ['no annotations', sa([]), {}],
    ['empty role-arn value', sa(['eks.amazonaws.com/role-arn: ']), { 'eks.amazonaws.com/role-arn': '' }],
    ['near-miss key kept as is', sa(['eks.amazonaws.com/role_arn: arn:aws:iam::111122223333:role/x']), { 'eks.amazonaws.com/role_arn': 'arn:aws:iam::111122223333:role/x' }],
    ['value with ": " inside', sa(['example.com/note: a: b']), { 'example.com/note': 'a: b' }],
    ['multi-line value', sa(['example.com/script:', '  line one', '  line two', 'eks.amazonaws.com/audience: sts.amazonaws.com']), { 'example.com/script': 'line one\nline two', 'eks.amazonaws.com/audience': 'sts.amazonaws.com' }],
    ['CRLF line ends', sa(['eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/x']).replace(/\n/g, '\r\n'), { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/x' }],
    ['a pasted prompt line first', `$ kubectl describe sa app -n team-a\n${sa(['eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/x'])}`, { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/x' }],
  ];
  for (const [label, text, annotations] of table) {
    const got = parseDescribeServiceAccount(text, 'd.txt');
    if (annotations === null) assert.equal(got, null, label);
    else assert.deepEqual(got?.[0]?.annotations, annotations, label);
  }
});

test('describe sa: not a service account, or broken', () => {
  const pod = 'Name:             web-0\nNamespace:        default\nService Account:  default\nNode:             ip-10-0-1-2/10.0.1.2\n';
  assert.equal(parseDescribeServiceAccount(pod, 'p.txt'), null);
  assert.equal(parseDescribeServiceAccount('Namespace: x\nImage pull secrets: <none>\n', 'p.txt'), null);
  assert.equal(parseDescribeServiceAccount('hello world\n', 'p.txt'), null);
  assert.throws(
    () => parseDescribeServiceAccount('Name:                app\nNamespace:           ns\nLabels:              team\nImage pull secrets:  <none>\n', 'd.txt'),
    (e: unknown) => e instanceof InputError && e.line === 3 && /label "team" is not key=value/.test(e.message),
  );
  assert.throws(() => parseDescribeServiceAccount('Name:                app\nNamespace:           \nImage pull secrets:  <none>\n', 'd.txt'), /without a namespace/);
});

// ---------------------------------------------------------------- kubectl exec -- env

test("env: the article's `| grep AWS` subset with # pod / # container comments", () => {
  assert.deepEqual(run(execEnv, fixture('kubectl/env-grep.txt'), 'env.txt'), [
    {
      kind: 'env',
      source: { path: 'env.txt' },
      vars: {
        AWS_REGION: 'eu-west-1',
        AWS_ROLE_ARN: 'arn:aws:iam::111122223333:role/payments-s3-reader',
        AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token',
        AWS_DEFAULT_REGION: 'eu-west-1',
        AWS_STS_REGIONAL_ENDPOINTS: 'regional',
      },
      pod: { name: 'payments-api-7c9d8b6f5d-x2kqp', namespace: 'payments', container: 'api' },
    },
  ]);
});

test('env: full `exec -it` output (CRLF), HOSTNAME names the pod, values keep their `=`', () => {
  const env = parseEnv(fixture('kubectl/env-exec-it.txt'));
  assert.ok(env);
  assert.deepEqual(env.pod, { name: 'payments-api-7c9d8b6f5d-x2kqp' });
  assert.equal(env.vars['DB_URL'], 'jdbc:postgresql://payments-db:5432/payments?sslmode=require');
  assert.equal(env.vars['JAVA_TOOL_OPTIONS'], '-XX:MaxRAMPercentage=75 -Dfile.encoding=UTF-8');
  assert.equal(env.vars['HOME'], '/home/app');
  assert.equal(Object.keys(env.vars).length, 15);
});

test('env: what is and is not an environment', () => {
  const table: Array<[string, string, Record<string, string> | null]> = [
    ['the article example', 'AWS_REGION=ap-southeast-2\nAWS_ROLE_ARN=arn:aws:iam::111122223333:role/EKS-IRSA\n', { AWS_REGION: 'ap-southeast-2', AWS_ROLE_ARN: 'arn:aws:iam::111122223333:role/EKS-IRSA' }],
    ['static keys (shadowing)', 'AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n', { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }],
    ['empty value', 'AWS_ROLE_ARN=\nHOME=/\n', { AWS_ROLE_ARN: '', HOME: '/' }],
    ['a value with newlines continues', 'HOME=/root\nCA_BUNDLE=-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\nPATH=/bin\n', { HOME: '/root', CA_BUNDLE: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----', PATH: '/bin' }],
    ['a .env file with comments', '# local settings\nAWS_PROFILE=dev\n\nAWS_REGION=eu-west-1\n', { AWS_PROFILE: 'dev', AWS_REGION: 'eu-west-1' }],
    ['requirements.txt pins', 'boto3==1.9.0\nbotocore==1.12.0\n', null],
    ['requirements.txt with other operators', 'boto3>=1.9.220\nrequests~=2.31\n', null],
    ['.npmrc (no container marker)', 'registry=https://registry.npmjs.org/\nsave-exact=true\n', null],
    ['Java properties (dotted keys)', 'spring.datasource.url=jdbc:x\nserver.port=8080\n', null],
    ['YAML', 'apiVersion: v1\nkind: Pod\n', null],
    ['first line is not a variable', 'hello\nAWS_REGION=x\n', null],
    ['only comments', '# pod: ns/name\n', null],
  ];
  for (const [label, text, vars] of table) {
    const got = parseEnv(text);
    if (vars === null) assert.equal(got, null, label);
    else assert.deepEqual(got?.vars, vars, label);
  }
});

test('env: who the variables belong to', () => {
  const table: Array<[string, string, unknown]> = [
    ['# pod: name only', '# pod: web-0\nAWS_REGION=x\n', { name: 'web-0' }],
    ['# pod with container on the same line', '# pod: ns/web-0 container: app\nAWS_REGION=x\n', { namespace: 'ns', name: 'web-0', container: 'app' }],
    ['comment wins over HOSTNAME', '# pod: ns/web-0\nHOSTNAME=node-1\nAWS_REGION=x\n', { namespace: 'ns', name: 'web-0' }],
    ['pasted prompt', '$ kubectl -n YOUR_NAMESPACE exec -it POD_NAME -- env | grep AWS\nAWS_REGION=x\n', { namespace: 'YOUR_NAMESPACE', name: 'POD_NAME' }],
    ['prompt with pod/ and --container=', '$ kubectl exec --container=sidecar pod/web-1 --namespace shop -- env\nAWS_REGION=x\n', { namespace: 'shop', name: 'web-1', container: 'sidecar' }],
    ['prompt on a deployment names no pod; HOSTNAME does', '$ kubectl exec deploy/web -n shop -- env\nHOSTNAME=web-5d4f-abcde\nAWS_REGION=x\n', { namespace: 'shop', name: 'web-5d4f-abcde' }],
    ["kubectl's Defaulted container notice", 'Defaulted container "app" out of: app, istio-proxy, istio-init (init)\nHOSTNAME=web-0\nAWS_REGION=x\n', { name: 'web-0', container: 'app' }],
    ['no name known', '# container: app\nAWS_REGION=x\n', undefined],
  ];
  for (const [label, text, pod] of table) assert.deepEqual(parseEnv(text)?.pod, pod, label);
});

// ---------------------------------------------------------------- kubectl exec -- id

test('id: forms of the output', () => {
  const table: Array<[string, string, unknown]> = [
    ['the article (root)', 'uid=0(root) gid=0(root) groups=0(root)\n', { uid: 0, gid: 0, groups: [0], user: 'root' }],
    ['no names', 'uid=1000 gid=1000 groups=1000\n', { uid: 1000, gid: 1000, groups: [1000] }],
    ['several groups, some unnamed', 'uid=1000(app) gid=1000(app) groups=1000(app),2000,65534(nogroup)\n', { uid: 1000, gid: 1000, groups: [1000, 2000, 65534], user: 'app' }],
    ['no groups', 'uid=65532 gid=65532\n', { uid: 65532, gid: 65532, groups: [] }],
    ['SELinux context', 'uid=0(root) gid=0(root) groups=0(root) context=system_u:system_r:container_t:s0:c1,c2\n', { uid: 0, gid: 0, groups: [0], user: 'root' }],
    ['group names with spaces', 'uid=500(ad user) gid=513(domain users) groups=513(domain users)\n', { uid: 500, gid: 513, groups: [513], user: 'ad user' }],
    ['exec -it CRLF', 'uid=10001(app) gid=10001(app) groups=10001(app)\r\n', { uid: 10001, gid: 10001, groups: [10001], user: 'app' }],
    ['two id lines', 'uid=0 gid=0\nuid=1 gid=1\n', null],
    ['something else', 'uid is 0\n', null],
  ];
  for (const [label, text, expected] of table) {
    const got = parseId(text, 'id.txt');
    if (expected === null) assert.equal(got, null, label);
    else assert.deepEqual(got, expected, label);
  }
  assert.throws(() => parseId('uid=99999999999 gid=0\n', 'id.txt'), (e: unknown) => e instanceof InputError && e.line === 1 && /not a valid id/.test(e.message));
});

test('id: the fixture with a pasted prompt names pod, namespace and container', () => {
  assert.deepEqual(run(execId, fixture('kubectl/id.txt'), 'id.txt'), [
    {
      kind: 'id',
      source: { path: 'id.txt' },
      uid: 10001,
      gid: 10001,
      groups: [10001, 65534],
      user: 'app',
      pod: { name: 'payments-api-7c9d8b6f5d-x2kqp', namespace: 'payments', container: 'api' },
    },
  ]);
});

test('kubectl prompt lines', () => {
  assert.deepEqual(parseKubectlCommand('$ kubectl --context prod -n payments get sa payments -o yaml'), { verb: 'get', args: ['sa', 'payments'], namespace: 'payments' });
  assert.deepEqual(parseKubectlExecPrompt('$ kubectl exec -ti po/web-0 -c app -- id'), { name: 'web-0', container: 'app' });
  assert.equal(parseKubectlExecPrompt('$ kubectl get pods'), undefined);
  assert.equal(parseKubectlExecPrompt('$ helm list'), undefined);
  const p = readPreamble('Unable to use a TTY - input is not a terminal or the right kind of file\n# note\nA=1\n');
  assert.deepEqual(p, { body: [{ text: 'A=1', line: 3 }], comments: 1 });
});

test('the dispatcher: text outputs reach their recogniser; env goes last', () => {
  const expected: Record<string, string> = {
    'kubectl/describe-sa.txt': 'kubectl describe serviceaccount',
    'kubectl/describe-sa-all.txt': 'kubectl describe serviceaccount',
    'kubectl/env-grep.txt': 'kubectl exec -- env',
    'kubectl/env-exec-it.txt': 'kubectl exec -- env',
    'kubectl/id.txt': 'kubectl exec -- id',
    'kubectl/sa-not-found.txt': 'kubectl error (NotFound)',
  };
  for (const [file, format] of Object.entries(expected)) {
    const out = recogniseFile(parseFile(file, fixture(file)));
    assert.equal(out.error, undefined, file);
    assert.deepEqual(out.formats, [format], file);
  }
  const text = defaultRecognisers().text;
  assert.equal(text[text.length - 1], execEnv);
  // A requirements.txt is the SDK readers' (or nobody's), never an environment.
  const req = recogniseFile(parseFile('requirements.txt', 'boto3==1.9.0\nbotocore==1.12.0\n'));
  assert.ok(!req.formats.includes(execEnv.format));
  assert.ok(req.facts.every((f) => f.kind !== 'env'));
});
