// Authorization of the lab's IAM and EKS APIs by the caller's identity policies, proven with real
// clients in subprocesses (the aws CLI v1, boto3, the AWS SDK for JavaScript v3) signing with keys
// of lab users that have exactly the permissions a test gives them, and with an assumed-role
// session authorized by its role's AWS-managed policy. Expected messages are IAM's own sentences
// (see authz.ts for where they were seen).

import { runProcess, runSdkScript } from '../../test/support/process.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authorize, IAM_AUTHZ_OPERATIONS, iamAuthzRequests } from './authz.js';
import { EksService } from './eks.js';
import { Faults, serve, type LabRequest, type RunningServer } from './http.js';
import { IAM_OPERATIONS, IamService } from './iam.js';
import { isIamError, type IamError } from './iam/errors.js';
import * as iam from './iam/model.js';
import { QueryParams } from './iam/query.js';
import { createLabPki } from './pki.js';
import { LabState, type LabCredential } from './state.js';
import { LabClock } from './types.js';

const A = '111122223333';
const REGION = 'us-west-2';
const ISSUER = 'https://oidc.eks.us-west-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF';
const HOSTPATH = ISSUER.slice('https://'.length);
const PROVIDER_ARN = `arn:aws:iam::${A}:oidc-provider/${HOSTPATH}`;
const CLUSTER_ARN = `arn:aws:eks:${REGION}:${A}:cluster/demo`;
const TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Federated: PROVIDER_ARN }, Action: 'sts:AssumeRoleWithWebIdentity' }],
};
const allow = (action: string | string[], resource: string | string[] = '*') => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: resource }] });

let dir: string;
let caFile: string;
let iamServer: RunningServer;
let eksServer: RunningServer;
let state: LabState;
let clock: LabClock;
let admin: LabCredential;
/** Exactly iam:GetRole on role `app` (path /team/). */
let roleReader: LabCredential;
/** IAMReadOnlyAccess plus an inline Deny of iam:GetRole on `app`. */
let denied: LabCredential;
/** IAMReadOnlyAccess, with a boundary that allows only iam:GetRole and denies iam:ListRolePolicies. */
let bounded: LabCredential;
/** eks:ListClusters only. */
let lister: LabCredential;
/** A session of role `iam-reader`, which has the AWS-managed IAMReadOnlyAccess attached. */
let session: LabCredential;
const faults = new Faults();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function env(keys: LabCredential, region = 'us-east-1'): Record<string, string> {
  const e: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: dir,
    AWS_CONFIG_FILE: join(dir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_CA_BUNDLE: caFile,
    NODE_EXTRA_CA_CERTS: caFile,
    AWS_ENDPOINT_URL_IAM: iamServer.url,
    AWS_ENDPOINT_URL_EKS: eksServer.url,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: keys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
    AWS_MAX_ATTEMPTS: '1',
  };
  if (keys.sessionToken !== undefined) e['AWS_SESSION_TOKEN'] = keys.sessionToken;
  return e;
}

const run = runProcess;

function aws(args: string[], keys: LabCredential, region = 'us-east-1'): Promise<Run> {
  return run('aws', [...args, '--output', 'json'], env(keys, region));
}

/** boto3 with `iam` and `eks` clients; `err(f)` returns the error's code, message, type and status. */
async function boto3(script: string, keys: LabCredential): Promise<any> {
  const prelude = [
    'import boto3, json',
    'from botocore.config import Config',
    'from botocore.exceptions import ClientError',
    "cfg = Config(retries={'total_max_attempts': 1, 'mode': 'standard'})",
    "iam = boto3.client('iam', region_name='us-east-1', config=cfg)",
    `eks = boto3.client('eks', region_name='${REGION}', config=cfg)`,
    'def err(f):',
    '    try:',
    '        f()',
    "        return None",
    '    except ClientError as e:',
    "        return {'code': e.response['Error']['Code'], 'message': e.response['Error']['Message'], 'type': e.response['Error'].get('Type'), 'status': e.response['ResponseMetadata']['HTTPStatusCode']}",
    'def out(x): print(json.dumps(x, default=str))',
  ].join('\n');
  const r = await run('python3', ['-c', `${prelude}\n${script}`], env(keys));
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** The JS SDK v3 with `iam` and `eks` clients; `err(p)` returns name, message, fault and status. */
async function jsSdk(body: string, keys: LabCredential): Promise<any> {
  return runSdkScript(
    ["import * as IAM from '@aws-sdk/client-iam';", "import * as EKS from '@aws-sdk/client-eks';", "const iam = new IAM.IAMClient({ maxAttempts: 1, region: 'us-east-1' });", `const eks = new EKS.EKSClient({ maxAttempts: 1, region: '${REGION}' });`],
    body,
    env(keys),
  );
}

const user = (name: string) => `arn:aws:iam::${A}:user/${name}`;
const noIdentityAllows = (who: string, action: string, resource: string) =>
  `User: ${who} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;

function ok<T>(r: T | IamError): T {
  if (isIamError(r)) assert.fail(JSON.stringify(r));
  return r;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lab-authz-'));
  const pki = await createLabPki();
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, pki.caPem);
  const leaf = await pki.issueLeaf(['127.0.0.1', 'localhost']);
  state = new LabState();
  clock = new LabClock();
  state.account(A);
  admin = state.issueUserKeys(A);

  ok(iam.createProvider(state, A, { url: ISSUER, clientIds: ['sts.amazonaws.com'], thumbprints: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'] }, clock));
  ok(iam.createRole(state, A, { roleName: 'app', path: '/team/', assumeRolePolicyDocument: JSON.stringify(TRUST) }, clock));
  ok(iam.createRole(state, A, { roleName: 'other', assumeRolePolicyDocument: JSON.stringify(TRUST) }, clock));
  const reader = ok(iam.createRole(state, A, { roleName: 'iam-reader', assumeRolePolicyDocument: JSON.stringify(TRUST) }, clock));
  ok(iam.attachRolePolicy(state, A, { roleName: 'iam-reader', policyArn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess' }));
  const boundary = ok(
    iam.createPolicy(
      state,
      A,
      {
        policyName: 'reader-boundary',
        policyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'iam:GetRole', Resource: '*' },
            { Effect: 'Deny', Action: 'iam:ListRolePolicies', Resource: '*' },
          ],
        }),
      },
      clock,
    ),
  );
  state.clusters.set(CLUSTER_ARN, {
    name: 'demo',
    arn: CLUSTER_ARN,
    region: REGION,
    account: A,
    version: '1.31',
    issuer: ISSUER,
    endpoint: 'https://127.0.0.1:6443',
    certificateAuthority: pki.caPem,
    status: 'ACTIVE',
    createdAt: new Date('2024-05-01T10:20:30.456Z'),
    endpointPublicAccess: true,
    endpointPrivateAccess: false,
    tags: {},
  });

  roleReader = state.createUser(A, 'role-reader', [{ name: 'get-app', document: allow('iam:GetRole', `arn:aws:iam::${A}:role/team/app`) }]).credential;
  denied = state.createUser(
    A,
    'denied',
    [{ name: 'no-app', document: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iam:GetRole', Resource: `arn:aws:iam::${A}:role/team/*` }] } }],
    { attachedPolicies: ['arn:aws:iam::aws:policy/IAMReadOnlyAccess'] },
  ).credential;
  bounded = state.createUser(A, 'bounded', [], { attachedPolicies: ['arn:aws:iam::aws:policy/IAMReadOnlyAccess'], permissionsBoundary: boundary.arn }).credential;
  lister = state.createUser(A, 'lister', [{ name: 'list', document: JSON.stringify(allow('eks:ListClusters')) }]).credential;
  session = state.issueSession(A, reader, 'doctor', 3600, clock.now());

  iamServer = await serve(new IamService({ state, clock }), { cert: leaf.chainPem, key: leaf.keyPem, faults });
  eksServer = await serve(new EksService({ state, clock }), { cert: leaf.chainPem, key: leaf.keyPem, faults });
});

after(async () => {
  await iamServer?.close();
  await eksServer?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a user with exactly iam:GetRole on one role', { timeout: 120_000 }, () => {
  test('the aws CLI: get-role on that role works; another role and list-open-id-connect-providers are AccessDenied', async () => {
    const [got, other, providers, eksList] = await Promise.all([
      aws(['iam', 'get-role', '--role-name', 'app'], roleReader),
      aws(['iam', 'get-role', '--role-name', 'other'], roleReader),
      aws(['iam', 'list-open-id-connect-providers'], roleReader),
      aws(['eks', 'list-clusters'], roleReader, REGION),
    ]);
    assert.equal(got.code, 0, got.stderr);
    assert.equal((JSON.parse(got.stdout) as { Role: { Arn: string } }).Role.Arn, `arn:aws:iam::${A}:role/team/app`);
    assert.notEqual(other.code, 0);
    assert.equal(
      other.stderr.trim(),
      `An error occurred (AccessDenied) when calling the GetRole operation: ${noIdentityAllows(user('role-reader'), 'iam:GetRole', 'role other')}`,
    );
    assert.equal(
      providers.stderr.trim(),
      `An error occurred (AccessDenied) when calling the ListOpenIDConnectProviders operation: ${noIdentityAllows(user('role-reader'), 'iam:ListOpenIDConnectProviders', `arn:aws:iam::${A}:oidc-provider/*`)}`,
    );
    assert.equal(
      eksList.stderr.trim(),
      `An error occurred (AccessDeniedException) when calling the ListClusters operation: ${noIdentityAllows(user('role-reader'), 'eks:ListClusters', `arn:aws:eks:${REGION}:${A}:cluster/*`)}`,
    );
  });

  test('boto3 and the JS SDK read AccessDenied, Sender, 403 and the exact message', async () => {
    const py = await boto3(
      `out({
  'get': iam.get_role(RoleName='app')['Role']['RoleName'],
  'other': err(lambda: iam.get_role(RoleName='other')),
  'missing': err(lambda: iam.get_role(RoleName='nope')),
  'providers': err(lambda: iam.list_open_id_connect_providers()),
  'details': err(lambda: iam.get_account_authorization_details()),
  'policy': err(lambda: iam.get_policy(PolicyArn='arn:aws:iam::aws:policy/IAMReadOnlyAccess')),
  'listRoles': err(lambda: iam.list_roles(PathPrefix='/team/')),
  'listPolicies': err(lambda: iam.list_policies()),
})`,
      roleReader,
    );
    const who = user('role-reader');
    assert.equal(py.get, 'app');
    assert.deepEqual(py.other, { code: 'AccessDenied', message: noIdentityAllows(who, 'iam:GetRole', 'role other'), type: 'Sender', status: 403 });
    // Authorization comes before the lookup: no NoSuchEntity for a role the caller may not read.
    assert.deepEqual(py.missing, { code: 'AccessDenied', message: noIdentityAllows(who, 'iam:GetRole', 'role nope'), type: 'Sender', status: 403 });
    assert.equal(py.providers.message, noIdentityAllows(who, 'iam:ListOpenIDConnectProviders', `arn:aws:iam::${A}:oidc-provider/*`));
    assert.equal(py.details.message, noIdentityAllows(who, 'iam:GetAccountAuthorizationDetails', '*'));
    assert.equal(py.policy.message, noIdentityAllows(who, 'iam:GetPolicy', 'policy arn:aws:iam::aws:policy/IAMReadOnlyAccess'));
    assert.equal(py.listRoles.message, noIdentityAllows(who, 'iam:ListRoles', `arn:aws:iam::${A}:role/team/`));
    assert.equal(py.listPolicies.message, noIdentityAllows(who, 'iam:ListPolicies', 'policy path /'));

    const js = await jsSdk(
      `out({
  get: (await iam.send(new IAM.GetRoleCommand({ RoleName: 'app' }))).Role.Arn,
  other: await err(iam.send(new IAM.GetRoleCommand({ RoleName: 'other' }))),
  providers: await err(iam.send(new IAM.ListOpenIDConnectProvidersCommand({}))),
})`,
      roleReader,
    );
    assert.equal(js.get, `arn:aws:iam::${A}:role/team/app`);
    assert.deepEqual(js.other, { name: 'AccessDenied', message: noIdentityAllows(who, 'iam:GetRole', 'role other'), fault: 'client', status: 403 });
    assert.deepEqual(js.providers, {
      name: 'AccessDenied',
      message: noIdentityAllows(who, 'iam:ListOpenIDConnectProviders', `arn:aws:iam::${A}:oidc-provider/*`),
      fault: 'client',
      status: 403,
    });
  });
});

describe('explicit denies and permissions boundaries', { timeout: 120_000 }, () => {
  test('an inline Deny wins over IAMReadOnlyAccess (aws CLI and boto3)', async () => {
    const [app, other] = await Promise.all([aws(['iam', 'get-role', '--role-name', 'app'], denied), aws(['iam', 'get-role', '--role-name', 'other'], denied)]);
    const message = `User: ${user('denied')} is not authorized to perform: iam:GetRole on resource: role app with an explicit deny in an identity-based policy`;
    assert.equal(app.stderr.trim(), `An error occurred (AccessDenied) when calling the GetRole operation: ${message}`);
    assert.equal(other.code, 0, other.stderr);
    const py = await boto3(`out({'app': err(lambda: iam.get_role(RoleName='app')), 'attached': iam.list_attached_role_policies(RoleName='app')['AttachedPolicies']})`, denied);
    assert.deepEqual(py.app, { code: 'AccessDenied', message, type: 'Sender', status: 403 });
    assert.deepEqual(py.attached, [], 'the Deny names iam:GetRole only');
  });

  test('a permissions boundary: what it does not allow, and what it denies', async () => {
    const py = await boto3(
      `out({
  'get': iam.get_role(RoleName='other')['Role']['RoleName'],
  'list': err(lambda: iam.list_roles()),
  'inline': err(lambda: iam.list_role_policies(RoleName='other')),
})`,
      bounded,
    );
    const who = user('bounded');
    assert.equal(py.get, 'other');
    assert.deepEqual(py.list, {
      code: 'AccessDenied',
      message: `User: ${who} is not authorized to perform: iam:ListRoles on resource: arn:aws:iam::${A}:role/ because no permissions boundary allows the iam:ListRoles action`,
      type: 'Sender',
      status: 403,
    });
    assert.equal(py.inline.message, `User: ${who} is not authorized to perform: iam:ListRolePolicies on resource: role other with an explicit deny in a permissions boundary`);
  });
});

describe('an assumed-role session is authorized by its role’s policies', { timeout: 120_000 }, () => {
  test('a role with the AWS-managed IAMReadOnlyAccess can read IAM but not CreateRole (aws CLI, boto3, JS SDK)', async () => {
    const who = `arn:aws:sts::${A}:assumed-role/iam-reader/doctor`;
    const createDenied = noIdentityAllows(who, 'iam:CreateRole', `arn:aws:iam::${A}:role/new-role`);
    const [got, providers, created] = await Promise.all([
      aws(['iam', 'get-role', '--role-name', 'app'], session),
      aws(['iam', 'list-open-id-connect-providers'], session),
      aws(['iam', 'create-role', '--role-name', 'new-role', '--assume-role-policy-document', JSON.stringify(TRUST)], session),
    ]);
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(JSON.parse(providers.stdout), { OpenIDConnectProviderList: [{ Arn: PROVIDER_ARN }] });
    assert.equal(created.stderr.trim(), `An error occurred (AccessDenied) when calling the CreateRole operation: ${createDenied}`);
    const py = await boto3(
      `out({
  'details': len(iam.get_account_authorization_details(Filter=['Role'])['RoleDetailList']),
  'create': err(lambda: iam.create_role(RoleName='new-role', AssumeRolePolicyDocument='{}')),
  'describe': err(lambda: eks.describe_cluster(name='demo')),
})`,
      session,
    );
    assert.equal(py.details, 3);
    assert.deepEqual(py.create, { code: 'AccessDenied', message: createDenied, type: 'Sender', status: 403 });
    assert.equal(py.describe.code, 'AccessDeniedException');
    assert.equal(py.describe.message, noIdentityAllows(who, 'eks:DescribeCluster', CLUSTER_ARN));
    const js = await jsSdk(
      `out({
  created: await err(iam.send(new IAM.CreateRoleCommand({ RoleName: 'new-role', AssumeRolePolicyDocument: '{}' }))),
  version: (await iam.send(new IAM.GetPolicyVersionCommand({ PolicyArn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess', VersionId: 'v4' }))).PolicyVersion.IsDefaultVersion,
})`,
      session,
    );
    assert.deepEqual(js.created, { name: 'AccessDenied', message: createDenied, fault: 'client', status: 403 });
    assert.equal(js.version, true);
    assert.equal(state.account(A).roles.has('new-role'), false);
  });

  test('a policy change applies to the existing session at its next call', () => {
    const role = state.account(A).roles.get('iam-reader');
    assert.ok(role);
    const before = authorize(state, session, 'iam:PutRolePolicy', { arn: role.arn, display: 'role iam-reader' });
    assert.equal(before?.reason, 'noPolicyAllows');
    role.inlinePolicies.set('write', JSON.stringify(allow('iam:PutRolePolicy', role.arn)));
    try {
      assert.equal(authorize(state, session, 'iam:PutRolePolicy', { arn: role.arn, display: 'role iam-reader' }), undefined);
    } finally {
      role.inlinePolicies.delete('write');
    }
  });
});

describe('EKS', { timeout: 120_000 }, () => {
  test('DescribeCluster is AccessDeniedException for a user without eks:DescribeCluster; ListClusters works (aws CLI, boto3, JS SDK)', async () => {
    const message = noIdentityAllows(user('lister'), 'eks:DescribeCluster', CLUSTER_ARN);
    const [listed, described, missing] = await Promise.all([
      aws(['eks', 'list-clusters'], lister, REGION),
      aws(['eks', 'describe-cluster', '--name', 'demo'], lister, REGION),
      aws(['eks', 'describe-cluster', '--name', 'nope'], lister, REGION),
    ]);
    assert.deepEqual(JSON.parse(listed.stdout), { clusters: ['demo'] });
    assert.equal(described.stderr.trim(), `An error occurred (AccessDeniedException) when calling the DescribeCluster operation: ${message}`);
    // A cluster that does not exist is refused the same way: authorization comes first.
    assert.equal(
      missing.stderr.trim(),
      `An error occurred (AccessDeniedException) when calling the DescribeCluster operation: ${noIdentityAllows(user('lister'), 'eks:DescribeCluster', `arn:aws:eks:${REGION}:${A}:cluster/nope`)}`,
    );
    const py = await boto3(`out(err(lambda: eks.describe_cluster(name='demo')))`, lister);
    assert.deepEqual(py, { code: 'AccessDeniedException', message, type: null, status: 403 });
    const js = await jsSdk(`out(await err(eks.send(new EKS.DescribeClusterCommand({ name: 'demo' }))))`, lister);
    assert.deepEqual(js, { name: 'AccessDeniedException', message, fault: 'client', status: 403 });
  });

  test('the administrator keys still read everything', async () => {
    const r = await aws(['eks', 'describe-cluster', '--name', 'demo', '--query', 'cluster.identity.oidc.issuer'], admin, REGION);
    assert.equal(JSON.parse(r.stdout), ISSUER, r.stderr);
  });
});

describe('wiring', () => {
  test('every IAM operation the lab serves has its authorization request', () => {
    assert.deepEqual([...IAM_AUTHZ_OPERATIONS].sort(), [...IAM_OPERATIONS].sort());
  });

  test('create with tags also needs the Tag permission on the new resource', () => {
    const q = new QueryParams(new URLSearchParams({ Action: 'CreateOpenIDConnectProvider', Url: 'https://oidc.example.com/id/X', 'Tags.member.1.Key': 'k', 'Tags.member.1.Value': 'v' }));
    const reqs = iamAuthzRequests(state, A, 'CreateOpenIDConnectProvider', q);
    assert.deepEqual(
      reqs.map((r) => [r.action, r.resource.arn]),
      [
        ['iam:CreateOpenIDConnectProvider', `arn:aws:iam::${A}:oidc-provider/oidc.example.com`],
        ['iam:TagOpenIDConnectProvider', `arn:aws:iam::${A}:oidc-provider/oidc.example.com`],
      ],
    );
    assert.equal(reqs[1]?.context?.['aws:RequestTag/k'], 'v');
  });

  test('the `authorize` option replaces the check (here: allow everything)', () => {
    const nobody: LabCredential = { accessKeyId: 'AKIANOBODY', secretAccessKey: 'x', arn: user('nobody'), account: A, userId: 'AIDANOBODY' };
    const authenticate = () => ({ ok: true as const, credential: nobody, accessKeyId: nobody.accessKeyId, region: 'us-east-1', service: 'iam', presigned: false });
    const req: LabRequest = { method: 'POST', url: new URL('https://127.0.0.1/'), headers: {}, body: Buffer.from('Action=GetRole&Version=2010-05-08&RoleName=other'), remote: '127.0.0.1' };
    const strict = new IamService({ state, clock, authenticate }).handle(req);
    assert.equal(strict.status, 403);
    assert.match(String(strict.body), /<Code>AccessDenied<\/Code>/);
    const open = new IamService({ state, clock, authenticate, authorize: () => undefined }).handle(req);
    assert.equal(open.status, 200);
    assert.match(String(open.body), /<RoleName>other<\/RoleName>/);
  });
});
