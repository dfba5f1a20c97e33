import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { InputError } from '../facts.js';
import type { Fact } from '../facts.js';
import type { Recogniser } from './types.js';
import { parseFile } from './parse.js';
import { recogniseFile } from './dispatch.js';
import { describeCluster, describeClusterIdentity, issuerUrl, parseIssuerLine, regionFromIssuer } from './aws-eks.js';
import {
  getAccountAuthorizationDetails,
  getOpenIdConnectProvider,
  getPolicy,
  getPolicyVersion,
  getRole,
  getRolePolicy,
  listAttachedRolePolicies,
  listOpenIdConnectProviders,
  listRolePolicies,
  listRoles,
  parseProviderArnLines,
  providerArnLines,
} from './aws-iam.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/aws/${name}`, import.meta.url), 'utf8');

/** Runs one recogniser over a text the way readInputs does; null when it declines. */
function run(r: Recogniser, text: string, path = 'in'): Fact[] | null {
  const sets = r.reads === 'structured' ? { structured: [r], text: [] } : { structured: [], text: [r] };
  const out = recogniseFile(parseFile(path, text), sets);
  if (out.error) throw out.error;
  return out.formats.length ? out.facts : null;
}

function only<K extends Fact['kind']>(facts: Fact[] | null, kind: K): Extract<Fact, { kind: K }> {
  assert.ok(facts, 'expected the recogniser to claim the input');
  assert.equal(facts.length, 1);
  const f = facts[0]!;
  assert.equal(f.kind, kind);
  return f as Extract<Fact, { kind: K }>;
}

const ISSUER = 'https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E';

// ---------------------------------------------------------------- EKS

test('describe-cluster (aws CLI v2 JSON)', () => {
  const c = only(run(describeCluster, fixture('describe-cluster.json'), 'dc.json'), 'cluster');
  assert.deepEqual(c, {
    kind: 'cluster',
    source: { path: 'dc.json' },
    issuer: ISSUER,
    name: 'prod-eu',
    arn: 'arn:aws:eks:eu-west-1:111122223333:cluster/prod-eu',
    version: '1.29',
    endpoint: 'https://5E1D0CEXAMPLEA591B746AFC5AB30262.gr7.eu-west-1.eks.amazonaws.com',
    status: 'ACTIVE',
    endpointPublicAccess: true,
    endpointPrivateAccess: true,
    region: 'eu-west-1',
  });
});

test('describe-cluster: shapes and edge cases', () => {
  const table: Array<[string, unknown, Partial<Extract<Fact, { kind: 'cluster' }>> | null]> = [
    ['no identity: issuer null', { cluster: { name: 'old', arn: 'arn:aws:eks:us-east-1:111122223333:cluster/old', status: 'ACTIVE' } }, { issuer: null, region: 'us-east-1' }],
    ['identity without oidc', { cluster: { name: 'c', identity: {} } }, { issuer: null }],
    ['China partition ARN', { cluster: { name: 'cn', arn: 'arn:aws-cn:eks:cn-north-1:111122223333:cluster/cn', identity: { oidc: { issuer: 'https://oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC' } } } }, { region: 'cn-north-1', issuer: 'https://oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC' }],
    ['region from the issuer when the ARN is missing', { cluster: { name: 'x', identity: { oidc: { issuer: 'https://oidc-eks.ap-south-2.api.aws/id/ABC' } } } }, { region: 'ap-south-2' }],
    ['--query cluster prints the bare object', { name: 'q', arn: 'arn:aws:eks:eu-west-1:111122223333:cluster/q', identity: { oidc: { issuer: ISSUER } }, version: '1.30' }, { name: 'q', issuer: ISSUER }],
    ['something else with a cluster key', { cluster: 'prod' }, null],
    ['an object without cluster markers', { name: 'x', endpoint: 'https://x' }, null],
  ];
  for (const [label, value, expected] of table) {
    const facts = run(describeCluster, JSON.stringify(value));
    if (expected === null) {
      assert.equal(facts, null, label);
      continue;
    }
    const c = only(facts, 'cluster');
    for (const [k, v] of Object.entries(expected)) assert.deepEqual((c as unknown as Record<string, unknown>)[k], v, `${label}: ${k}`);
  }
});

test('describe-cluster: a wrongly typed issuer is an error with the file', () => {
  assert.throws(
    () => run(describeCluster, JSON.stringify({ cluster: { name: 'c', identity: { oidc: { issuer: 42 } } } }), 'bad.json'),
    (e: unknown) => e instanceof InputError && e.path === 'bad.json' && /issuer is not a string/.test(e.message),
  );
});

test('describe-cluster --query cluster.identity', () => {
  const c = only(run(describeClusterIdentity, JSON.stringify({ oidc: { issuer: ISSUER } })), 'cluster');
  assert.equal(c.issuer, ISSUER);
  assert.equal(c.region, 'eu-west-1');
  assert.equal(run(describeClusterIdentity, JSON.stringify({ oidc: { issuer: 'not a url' } })), null);
});

test('the bare issuer URL of --output text', () => {
  const c = only(run(issuerUrl, fixture('issuer.txt'), 'issuer.txt'), 'cluster');
  assert.deepEqual(c, { kind: 'cluster', source: { path: 'issuer.txt' }, issuer: ISSUER, region: 'eu-west-1' });
  const table: Array<[string, string | null]> = [
    [`${ISSUER}\r\n`, ISSUER],
    [`"${ISSUER}"\n`, ISSUER], // --output json
    ['  https://issuer.example.com/cluster-a  \n\n', 'https://issuer.example.com/cluster-a'],
    ['None\n', null],
    ['null\n', null],
    ['http://oidc.example.com/id/X\n', null],
    [`${ISSUER}?x=1\n`, null],
    [`${ISSUER}\n${ISSUER}\n`, null],
    ['see https://example.com for details\n', null],
    [`${ISSUER}/.well-known/openid-configuration\n`, null],
    [`${ISSUER}/keys\n`, null],
    ['https://kubernetes.default.svc/openid/v1/jwks\n', null],
    ['', null],
  ];
  for (const [text, expected] of table) assert.equal(parseIssuerLine(text), expected, JSON.stringify(text));
});

test('regionFromIssuer', () => {
  assert.equal(regionFromIssuer('https://oidc.eks.us-gov-west-1.amazonaws.com/id/X'), 'us-gov-west-1');
  assert.equal(regionFromIssuer('https://oidc.eks.cn-northwest-1.amazonaws.com.cn/id/X'), 'cn-northwest-1');
  assert.equal(regionFromIssuer('https://s3.amazonaws.com/my-bucket'), undefined);
});

// ---------------------------------------------------------------- OIDC providers

test('list-open-id-connect-providers', () => {
  const p = only(run(listOpenIdConnectProviders, fixture('list-open-id-connect-providers.json')), 'providerList');
  assert.deepEqual(p.arns, [
    'arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/0A1B2C3D4E5F60718293A4B5C6D7E8F9',
    'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com',
  ]);
  assert.deepEqual(only(run(listOpenIdConnectProviders, '{"OpenIDConnectProviderList": []}'), 'providerList').arns, []);
  // --query 'OpenIDConnectProviderList[].Arn' --output json
  const q = only(run(listOpenIdConnectProviders, '["arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/A"]'), 'providerList');
  assert.equal(q.arns.length, 1);
  assert.equal(run(listOpenIdConnectProviders, '["a", "b"]'), null);
  assert.throws(() => run(listOpenIdConnectProviders, '{\n"OpenIDConnectProviderList": [\n  {"Arn": "x"},\n  {"arn": "y"}\n]}', 'l.json'), (e: unknown) => e instanceof InputError && e.line === 4 && /\[1\] has no Arn/.test(e.message));
});

test("the article's grep line and the --output text forms", () => {
  const p = only(run(providerArnLines, fixture('providers-grep.txt')), 'providerList');
  assert.deepEqual(p.arns, ['arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E']);
  const A = 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/A';
  const B = 'arn:aws-cn:iam::111122223333:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/B';
  const table: Array<[string, string[] | null]> = [
    [`"Arn": "${A}",\n"Arn": "${B}"\n`, [A, B]],
    [`OPENIDCONNECTPROVIDERLIST\t${A}\nOPENIDCONNECTPROVIDERLIST\t${B}\n`, [A, B]],
    [`${A}\t${B}\n`, [A, B]],
    [`"Arn": "arn:aws:iam::111122223333:role/x"\n`, null],
    ['"Arn": ""\n', null],
    ['', null],
  ];
  for (const [text, expected] of table) assert.deepEqual(parseProviderArnLines(text), expected, text);
});

test('get-open-id-connect-provider (no ARN in the output)', () => {
  const p = only(run(getOpenIdConnectProvider, fixture('get-open-id-connect-provider.json'), 'p.json'), 'provider');
  assert.deepEqual(p, {
    kind: 'provider',
    source: { path: 'p.json' },
    url: 'oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E',
    clientIds: ['sts.amazonaws.com'],
    thumbprints: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'],
    tags: [{ Key: 'alpha.eksctl.io/cluster-name', Value: 'prod-eu' }],
    createDate: '2023-03-14T09:40:12.788000+00:00',
  });
  // ThumbprintList is optional now.
  const noThumb = only(run(getOpenIdConnectProvider, '{"Url": "oidc.example.com/x", "ClientIDList": ["sts.amazonaws.com"]}'), 'provider');
  assert.deepEqual(noThumb.thumbprints, []);
  assert.equal(run(getOpenIdConnectProvider, '{"Url": "x"}'), null);
});

// ---------------------------------------------------------------- roles

test('get-role with the decoded trust policy (aws CLI)', () => {
  const r = only(run(getRole, fixture('get-role.json'), 'r.json'), 'role');
  assert.equal(r.arn, 'arn:aws:iam::111122223333:role/payments-s3-reader');
  assert.equal(r.name, 'payments-s3-reader');
  assert.equal(r.path, '/');
  assert.equal(r.roleId, 'AROAQ55NEXAMPLELOEISVX');
  assert.equal(r.maxSessionDuration, 3600);
  assert.equal(r.permissionsBoundaryArn, 'arn:aws:iam::111122223333:policy/workload-boundary');
  assert.equal(r.createDate, '2024-03-18T13:40:21+00:00');
  assert.deepEqual((r.trustPolicy?.['Statement'] as Array<Record<string, unknown>>)[0]?.['Action'], 'sts:AssumeRoleWithWebIdentity');
});

test('get-role with the URL-encoded trust policy (raw API / SDK response)', () => {
  const r = only(run(getRole, fixture('get-role-sdk-v3.json')), 'role');
  assert.equal(r.name, 'orders-worker');
  assert.equal(r.path, '/service-role/');
  assert.equal(r.maxSessionDuration, 7200);
  const stmt = (r.trustPolicy?.['Statement'] as Array<Record<string, unknown>>)[0];
  assert.deepEqual(stmt?.['Condition'], {
    StringLike: {
      'oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E:sub': 'system:serviceaccount:orders:*',
      'oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E:aud': 'sts.amazonaws.com',
    },
  });
});

test('trust policy decoding: tolerant, but an undecodable document is an error', () => {
  const role = (doc: unknown) => JSON.stringify({ Role: { RoleName: 'r', Arn: 'arn:aws:iam::111122223333:role/r', AssumeRolePolicyDocument: doc } });
  const plusForm = '%7B%22Version%22%3A+%222012-10-17%22%2C+%22Statement%22%3A+%5B%5D%7D';
  assert.deepEqual(only(run(getRole, role(plusForm)), 'role').trustPolicy, { Version: '2012-10-17', Statement: [] });
  assert.deepEqual(only(run(getRole, role(' {"Statement": []} ')), 'role').trustPolicy, { Statement: [] });
  const bad: Array<[unknown, RegExp]> = [
    ['%E0%A4%A', /not valid URL encoding/],
    ['%5B1%5D', /not a JSON object/],
    ['hello', /does not decode to JSON/],
    [42, /is a number/],
  ];
  for (const [doc, re] of bad) {
    assert.throws(() => run(getRole, role(doc), 'r.json'), (e: unknown) => e instanceof InputError && e.path === 'r.json' && re.test(e.message), String(doc));
  }
  // No trust policy at all (e.g. --query 'Role.{RoleName:RoleName,Arn:Arn}'): kept absent.
  assert.equal(only(run(getRole, role(null)), 'role').trustPolicy, undefined);
});

test('get-role: --query Role prints the role alone; a Role object without Arn is an error', () => {
  const bare = only(run(getRole, JSON.stringify({ RoleName: 'r', Arn: 'arn:aws:iam::111122223333:role/team/r', Path: '/team/' })), 'role');
  assert.equal(bare.path, '/team/');
  assert.throws(() => run(getRole, '{"Role": {"RoleName": "r"}}'), (e: unknown) => e instanceof InputError && /has no Arn/.test(e.message));
  assert.equal(run(getRole, '{"RoleName": "r", "Arn": "arn:aws:iam::111122223333:user/r"}'), null);
});

test('list-roles: one RoleFact per role, each with its line', () => {
  const facts = run(listRoles, fixture('list-roles.json'), 'roles.json');
  assert.ok(facts);
  assert.deepEqual(
    facts.map((f) => (f.kind === 'role' ? [f.name, f.source.line, f.trustPolicy !== undefined] : null)),
    [
      ['payments-s3-reader', 3, true],
      ['orders-worker', 30, true],
    ],
  );
  assert.deepEqual(run(listRoles, '{"Roles": []}'), []);
  // --query 'Roles[]'
  assert.equal(run(listRoles, JSON.stringify([{ RoleName: 'a', Arn: 'arn:aws:iam::111122223333:role/a' }]))?.length, 1);
  assert.equal(run(listRoles, '[]'), null);
});

// ---------------------------------------------------------------- policies

test('list-attached-role-policies and list-role-policies', () => {
  const a = only(run(listAttachedRolePolicies, fixture('list-attached-role-policies.json')), 'attachedPolicies');
  assert.deepEqual(a.policies, [
    { name: 'payments-s3-read', arn: 'arn:aws:iam::111122223333:policy/payments-s3-read' },
    { name: 'AmazonSQSReadOnlyAccess', arn: 'arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess' },
  ]);
  assert.deepEqual(only(run(listAttachedRolePolicies, '{"AttachedPolicies": [], "IsTruncated": false}'), 'attachedPolicies').policies, []);
  assert.throws(() => run(listAttachedRolePolicies, '{"AttachedPolicies": [{"PolicyName": "x"}]}'), InputError);
  const n = only(run(listRolePolicies, fixture('list-role-policies.json')), 'inlinePolicyNames');
  assert.deepEqual(n.names, ['kms-decrypt']);
  assert.throws(() => run(listRolePolicies, '{"PolicyNames": [1]}'), InputError);
});

test('get-role-policy, get-policy, get-policy-version', () => {
  const ip = only(run(getRolePolicy, fixture('get-role-policy.json')), 'inlinePolicy');
  assert.equal(ip.roleName, 'payments-s3-reader');
  assert.equal(ip.policyName, 'kms-decrypt');
  assert.equal((ip.document['Statement'] as unknown[]).length, 1);
  const encoded = only(run(getRolePolicy, JSON.stringify({ RoleName: 'r', PolicyName: 'p', PolicyDocument: encodeURIComponent('{"Version":"2012-10-17","Statement":[]}') })), 'inlinePolicy');
  assert.deepEqual(encoded.document, { Version: '2012-10-17', Statement: [] });

  const mp = only(run(getPolicy, fixture('get-policy.json')), 'managedPolicy');
  assert.deepEqual({ ...mp, source: undefined }, {
    kind: 'managedPolicy',
    source: undefined,
    arn: 'arn:aws:iam::111122223333:policy/payments-s3-read',
    name: 'payments-s3-read',
    defaultVersionId: 'v3',
    attachmentCount: 1,
  });

  const pv = only(run(getPolicyVersion, fixture('get-policy-version.json')), 'policyVersion');
  assert.equal(pv.versionId, 'v3');
  assert.equal(pv.isDefault, true);
  assert.equal(pv.policyArn, undefined);
  assert.equal((pv.document['Statement'] as Array<Record<string, unknown>>)[0]?.['Sid'], 'ReadPaymentsBucket');
  assert.throws(() => run(getPolicyVersion, '{"PolicyVersion": {"Document": {}, "VersionId": "v1"}}'), /IsDefaultVersion/);
});

test('get-account-authorization-details: roles, their policies, managed policies and versions', () => {
  const facts = run(getAccountAuthorizationDetails, fixture('get-account-authorization-details.json'), 'gaad.json');
  assert.ok(facts);
  const summary = facts.map((f) => {
    switch (f.kind) {
      case 'role':
        return `role ${f.name} @${f.source.line} boundary=${f.permissionsBoundaryArn ?? '-'}`;
      case 'attachedPolicies':
        return `attached ${(f as typeof f & { roleName: string }).roleName}: ${f.policies.map((p) => p.name).join(',')}`;
      case 'inlinePolicyNames':
        return `inline names ${(f as typeof f & { roleName: string }).roleName}: ${f.names.join(',')}`;
      case 'inlinePolicy':
        return `inline ${f.roleName}/${f.policyName}`;
      case 'managedPolicy':
        return `managed ${f.arn} @${f.source.line}`;
      case 'policyVersion':
        return `version ${f.policyArn} ${f.versionId} default=${f.isDefault}`;
      default:
        return f.kind;
    }
  });
  assert.deepEqual(summary, [
    'role payments-s3-reader @5 boundary=arn:aws:iam::111122223333:policy/workload-boundary',
    'attached payments-s3-reader: payments-s3-read',
    'inline payments-s3-reader/kms-decrypt',
    'inline names payments-s3-reader: kms-decrypt',
    'role orders-worker @66 boundary=-',
    'attached orders-worker: ',
    'inline orders-worker/orders-queue',
    'inline names orders-worker: orders-queue',
    'managed arn:aws:iam::111122223333:policy/payments-s3-read @112',
    'version arn:aws:iam::111122223333:policy/payments-s3-read v3 default=true',
    'version arn:aws:iam::111122223333:policy/payments-s3-read v2 default=false',
  ]);
  assert.equal(run(getAccountAuthorizationDetails, '{"Policies": []}'), null);
  assert.deepEqual(run(getAccountAuthorizationDetails, '{"RoleDetailList": []}'), []);
});

test('the dispatcher sends each aws output to its recogniser', () => {
  const expected: Record<string, string> = {
    'describe-cluster.json': 'aws eks describe-cluster',
    'issuer.txt': 'aws eks describe-cluster --query cluster.identity.oidc.issuer --output text',
    'list-open-id-connect-providers.json': 'aws iam list-open-id-connect-providers',
    'providers-grep.txt': 'aws iam list-open-id-connect-providers (grep or --output text)',
    'get-open-id-connect-provider.json': 'aws iam get-open-id-connect-provider',
    'get-role.json': 'aws iam get-role',
    'get-role-sdk-v3.json': 'aws iam get-role',
    'list-roles.json': 'aws iam list-roles',
    'list-attached-role-policies.json': 'aws iam list-attached-role-policies',
    'list-role-policies.json': 'aws iam list-role-policies',
    'get-role-policy.json': 'aws iam get-role-policy',
    'get-policy.json': 'aws iam get-policy',
    'get-policy-version.json': 'aws iam get-policy-version',
    'get-account-authorization-details.json': 'aws iam get-account-authorization-details',
    'get-role-no-such-entity.txt': 'aws CLI error (not found)',
  };
  for (const [file, format] of Object.entries(expected)) {
    const out = recogniseFile(parseFile(file, fixture(file)));
    assert.equal(out.error, undefined, file);
    assert.deepEqual(out.formats, [format], file);
  }
});
