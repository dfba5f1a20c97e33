import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Fact } from '../facts.js';
import type { Recogniser } from './types.js';
import { parseFile } from './parse.js';
import { recogniseFile } from './dispatch.js';
import { apiStatusNotFound, awsMissing, awsNotFound, kubectlNotFound, parseAwsCliError, parseKubectlErrors } from './notfound.js';
import { hintFor, parseServiceAccountTable } from './hints.js';

function run(r: Recogniser, text: string, path = 'in'): Fact[] | null {
  const sets = r.reads === 'structured' ? { structured: [r], text: [] } : { structured: [], text: [r] };
  const out = recogniseFile(parseFile(path, text), sets);
  if (out.error) throw out.error;
  return out.formats.length ? out.facts : null;
}

test('kubectl NotFound errors become NotFoundFacts', () => {
  const table: Array<[string, string, unknown]> = [
    [
      'bare error: no namespace known',
      'Error from server (NotFound): serviceaccounts "irsa" not found\n',
      [{ kind: 'notFound', source: { path: 'in' }, resource: 'serviceAccount', name: 'irsa', text: 'Error from server (NotFound): serviceaccounts "irsa" not found' }],
    ],
    [
      '# namespace comment',
      '# namespace: payments\nError from server (NotFound): pods "web-0" not found\n',
      [{ kind: 'notFound', source: { path: 'in' }, resource: 'pod', name: 'web-0', namespace: 'payments', text: 'Error from server (NotFound): pods "web-0" not found' }],
    ],
    [
      'a namespace has no namespace',
      '$ kubectl get ns payments -n default\nError from server (NotFound): namespaces "payments" not found\n',
      [{ kind: 'notFound', source: { path: 'in' }, resource: 'namespace', name: 'payments', text: 'Error from server (NotFound): namespaces "payments" not found' }],
    ],
    [
      'several, each with its line; other kinds are "other"',
      'Error from server (NotFound): serviceaccounts "a" not found\nError from server (NotFound): deployments.apps "b" not found\n',
      [
        { kind: 'notFound', source: { path: 'in', line: 1 }, resource: 'serviceAccount', name: 'a', text: 'Error from server (NotFound): serviceaccounts "a" not found' },
        { kind: 'notFound', source: { path: 'in', line: 2 }, resource: 'other', name: 'b', text: 'Error from server (NotFound): deployments.apps "b" not found' },
      ],
    ],
    ['Forbidden proves nothing', 'Error from server (Forbidden): serviceaccounts "a" is forbidden: User "dev" cannot get resource "serviceaccounts"\n', null],
    ['mixed NotFound and Forbidden', 'Error from server (NotFound): serviceaccounts "a" not found\nError from server (Forbidden): pods is forbidden\n', null],
    ['an error followed by other text', 'Error from server (NotFound): serviceaccounts "a" not found\nmore\n', null],
  ];
  for (const [label, text, expected] of table) assert.deepEqual(run(kubectlNotFound, text), expected, label);
  assert.equal(parseKubectlErrors('hello')?.errors, undefined);
});

test('the API Status document (NotFound)', () => {
  const status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'serviceaccounts "irsa" not found',
    reason: 'NotFound',
    details: { name: 'irsa', kind: 'serviceaccounts' },
    code: 404,
  };
  assert.deepEqual(run(apiStatusNotFound, JSON.stringify(status)), [
    { kind: 'notFound', source: { path: 'in' }, resource: 'serviceAccount', name: 'irsa', text: 'serviceaccounts "irsa" not found' },
  ]);
  assert.equal(run(apiStatusNotFound, JSON.stringify({ ...status, reason: 'Forbidden' })), null);
  assert.equal(run(apiStatusNotFound, JSON.stringify({ ...status, details: {} })), null);
});

test('aws CLI errors that prove absence', () => {
  const table: Array<[string, string, unknown]> = [
    ['GetRole', '\nAn error occurred (NoSuchEntity) when calling the GetRole operation: The role with name payments-s3-reader cannot be found.\n', { resource: 'role', name: 'payments-s3-reader' }],
    ['ListAttachedRolePolicies on a missing role', 'An error occurred (NoSuchEntity) when calling the ListAttachedRolePolicies operation: The role with name x cannot be found.\n', { resource: 'role', name: 'x' }],
    ['DescribeCluster', 'An error occurred (ResourceNotFoundException) when calling the DescribeCluster operation: No cluster found for name: prod-eu.\n', { resource: 'cluster', name: 'prod-eu' }],
    [
      'GetOpenIDConnectProvider, ARN from the prompt line',
      '$ aws iam get-open-id-connect-provider --open-id-connect-provider-arn arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC\nAn error occurred (NoSuchEntity) when calling the GetOpenIDConnectProvider operation: OpenIDConnect Provider not found\n',
      { resource: 'oidcProvider', name: 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC' },
    ],
    ['GetPolicy, ARN in the message', 'An error occurred (NoSuchEntity) when calling the GetPolicy operation: Policy arn:aws:iam::111122223333:policy/x was not found.\n', { resource: 'policy', name: 'arn:aws:iam::111122223333:policy/x' }],
    ['AccessDenied proves nothing', 'An error occurred (AccessDenied) when calling the GetRole operation: User: arn:aws:iam::111122223333:user/dev is not authorized to perform: iam:GetRole\n', null],
    ['an unknown NoSuchEntity message', 'An error occurred (NoSuchEntity) when calling the GetUser operation: The user with name x cannot be found.\n', null],
  ];
  for (const [label, text, expected] of table) {
    const e = parseAwsCliError(text);
    assert.ok(e, label);
    assert.deepEqual(awsMissing(e), expected, label);
    const facts = run(awsNotFound, text);
    if (expected === null) assert.equal(facts, null, label);
    else assert.equal(facts?.length, 1, label);
  }
  assert.equal(parseAwsCliError('An error occurred (A) when calling the B operation: x\nAn error occurred (A) when calling the B operation: y\n'), null);
});

test('kubectl get sa table output is parsed but not claimed (no namespace, no annotations)', () => {
  const article = 'NAME      SECRETS   AGE\ndefault   1         28d\nirsa      1         66m\n';
  assert.deepEqual(parseServiceAccountTable(article), { accounts: [{ name: 'default' }, { name: 'irsa' }] });
  assert.deepEqual(parseServiceAccountTable(`# namespace: payments\n${article}`), {
    namespace: 'payments',
    accounts: [
      { namespace: 'payments', name: 'default' },
      { namespace: 'payments', name: 'irsa' },
    ],
  });
  assert.deepEqual(parseServiceAccountTable('NAMESPACE   NAME      SECRETS   AGE\npayments    irsa      0         3d\n'), { accounts: [{ namespace: 'payments', name: 'irsa' }] });
  assert.equal(parseServiceAccountTable('NAME READY STATUS\nweb-0 1/1 Running\n'), null);
  const out = recogniseFile(parseFile('sa.txt', article));
  assert.deepEqual(out.formats, []);
  assert.match(out.note ?? '', /kubectl get serviceaccounts` table output \(default, irsa\)/);
});

test('hints for files nothing recognises', () => {
  const table: Array<[string, RegExp]> = [
    ['', /the file is empty/],
    ['None\n', /`None` is what the aws CLI prints/],
    ['null', /`null` is what the aws CLI prints/],
    ['Error from server (Forbidden): pods is forbidden: User "dev" cannot list resource "pods"\n', /kubectl error output \(Forbidden: /],
    ['No resources found in payments namespace.\n', /kubectl found no objects/],
    ['An error occurred (AccessDenied) when calling the GetRole operation: denied\n', /aws CLI error output \(GetRole: AccessDenied: denied\)/],
    ['NAME                     READY   STATUS    RESTARTS   AGE\nweb-0                    1/1     Running   0          3d\n', /`kubectl get` table output/],
    ['Name:             web-0\nNamespace:        default\nService Account:  default\n', /`kubectl describe pod` output is not read/],
    ['Name:         web\nNamespace:    default\nSelector:     app=web\n', /`kubectl describe` output of a kind/],
    ['    serviceAccountName: irsa\n', /lines grepped from a pod manifest/],
    ['----------------------------\n|          GetRole         |\n+--------------------------+\n', /--output table/],
    ['{"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]}', /IAM policy document on its own does not name its role/],
    ['{"kind": "Status", "status": "Failure", "reason": "Forbidden", "message": "no"}', /Kubernetes API error \(Status Forbidden: no\)/],
    ['{"kind": "Widget"}', /kind Widget but no metadata/],
    ['{"a": 1, "b": 2}', /JSON with top-level keys a, b: not an output/],
    ['[1, 2]', /JSON that is not an object/],
    ['key: [unclosed\n', /nor valid YAML: line 2:1: /],
    ['[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = x\n', /AWS shared credentials\/config file/],
    ['[profile dev]\nrole_arn = arn:aws:iam::111122223333:role/x\nsource_profile = default\n', /AWS shared credentials\/config file/],
    ['just some words\n', /not an output irsa-doctor reads \(aws CLI JSON/],
  ];
  for (const [text, re] of table) {
    const out = recogniseFile(parseFile('x', text));
    assert.deepEqual(out.formats, [], text);
    assert.equal(out.error, undefined, text);
    assert.match(out.note ?? '', re, text);
    assert.match(hintFor(parseFile('x', text)), re, text);
  }
});
