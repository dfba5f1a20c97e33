// The lab's IAM API against real clients in subprocesses: the aws CLI v1 (the article's
// commands), boto3 and the AWS SDK for JavaScript v3, pointed at the lab with
// AWS_ENDPOINT_URL_IAM and told about the lab CA (AWS_CA_BUNDLE / NODE_EXTRA_CA_CERTS), signing
// with keys the lab issued. Expected messages are IAM's own (see iam/errors.ts for sources).
// boto3 and the JS SDK run many calls per process to keep the file fast.

import { runProcess, runSdkScript } from '../../test/support/process.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AWS_MANAGED_POLICIES } from './aws-managed-policies.js';
import { Faults, serve, type RunningServer } from './http.js';
import { IamService } from './iam.js';
import { isIamError } from './iam/errors.js';
import * as iam from './iam/model.js';
import { createLabPki } from './pki.js';
import { SIGNATURE_MISMATCH, INVALID_TOKEN } from './sigv4.js';
import { LabState, type LabCredential } from './state.js';
import { LabClock } from './types.js';

const A = '111122223333';
const B = '444455556666';
const ISSUER = 'https://oidc.eks.us-west-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF';
const HOSTPATH = ISSUER.slice('https://'.length);
const PROVIDER_ARN = `arn:aws:iam::${A}:oidc-provider/${HOSTPATH}`;
const TP = '9e99a48a9960b14926bb7f3b02e22da2b0ab7280';

const trust = (sa: string) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Federated: PROVIDER_ARN },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { [`${HOSTPATH}:sub`]: `system:serviceaccount:default:${sa}`, [`${HOSTPATH}:aud`]: 'sts.amazonaws.com' } },
    },
  ],
});

let dir: string;
let caFile: string;
let server: RunningServer;
let state: LabState;
let clock: LabClock;
let keysA: LabCredential;
let keysB: LabCredential;
const faults = new Faults();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function env(keys: LabCredential, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: dir,
    AWS_CONFIG_FILE: join(dir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_CA_BUNDLE: caFile,
    NODE_EXTRA_CA_CERTS: caFile,
    AWS_ENDPOINT_URL_IAM: server.url,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: keys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
    AWS_MAX_ATTEMPTS: '1',
    ...extra,
  };
}

const run = runProcess;

async function aws(args: string[], keys = keysA): Promise<Run> {
  return run('aws', [...args, '--output', 'json'], env(keys));
}

async function awsJson(args: string[], keys = keysA): Promise<Record<string, unknown>> {
  const r = await aws(args, keys);
  assert.equal(r.code, 0, `aws ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim() === '' ? {} : (JSON.parse(r.stdout) as Record<string, unknown>);
}

/** Runs a boto3 script; it reads JSON input from stdin as `data` and prints JSON. */
async function boto3(script: string, data: unknown = {}, keys = keysA): Promise<any> {
  const prelude = [
    'import boto3, json, sys, datetime',
    'from botocore.config import Config',
    'from botocore.exceptions import ClientError',
    'data = json.loads(sys.stdin.read())',
    "iam = boto3.client('iam', config=Config(retries={'total_max_attempts': 1, 'mode': 'standard'}))",
    'def err(f):',
    '    try:',
    '        f()',
    "        return None",
    '    except ClientError as e:',
    "        return {'code': e.response['Error']['Code'], 'message': e.response['Error']['Message'], 'type': e.response['Error'].get('Type'), 'status': e.response['ResponseMetadata']['HTTPStatusCode']}",
    "def out(x): print(json.dumps(x, default=lambda o: o.isoformat() if isinstance(o, datetime.datetime) else str(o)))",
  ].join('\n');
  const r = await run('python3', ['-c', `${prelude}\n${script}`], env(keys), JSON.stringify(data));
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** Runs an ES module with the JS SDK v3 (`IAM` namespace imported); it prints JSON. */
async function jsSdk(body: string, keys = keysA, extra: Record<string, string> = {}): Promise<any> {
  return runSdkScript(["import * as IAM from '@aws-sdk/client-iam';", 'const client = new IAM.IAMClient({ maxAttempts: 1 });', 'const send = (name, input) => client.send(new IAM[name + "Command"](input));'], body, env(keys, extra), { errorType: true });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lab-iam-'));
  const pki = await createLabPki();
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, pki.caPem);
  const leaf = await pki.issueLeaf(['127.0.0.1', 'localhost']);
  state = new LabState();
  clock = new LabClock();
  state.account(A);
  state.account(B);
  keysA = state.issueUserKeys(A);
  keysB = state.issueUserKeys(B);
  server = await serve(new IamService({ state, clock }), { cert: leaf.chainPem, key: leaf.keyPem, faults });
});

after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('IAM API with the aws CLI v1 (the article commands)', { timeout: 120_000 }, () => {
  test('OIDC provider: create, list, get; duplicate and missing ones', async () => {
    const created = await awsJson(['iam', 'create-open-id-connect-provider', '--url', ISSUER, '--client-id-list', 'sts.amazonaws.com', '--thumbprint-list', TP]);
    assert.deepEqual(created, { OpenIDConnectProviderArn: PROVIDER_ARN });
    const [listed, got, dup, missing] = await Promise.all([
      awsJson(['iam', 'list-open-id-connect-providers']),
      awsJson(['iam', 'get-open-id-connect-provider', '--open-id-connect-provider-arn', PROVIDER_ARN]),
      aws(['iam', 'create-open-id-connect-provider', '--url', ISSUER, '--client-id-list', 'sts.amazonaws.com', '--thumbprint-list', TP]),
      // Account B does not see A's provider: IAM is per account.
      aws(['iam', 'get-open-id-connect-provider', '--open-id-connect-provider-arn', PROVIDER_ARN], keysB),
    ]);
    assert.deepEqual(listed, { OpenIDConnectProviderList: [{ Arn: PROVIDER_ARN }] });
    assert.equal(got['Url'], HOSTPATH);
    assert.deepEqual(got['ClientIDList'], ['sts.amazonaws.com']);
    assert.deepEqual(got['ThumbprintList'], [TP]);
    assert.deepEqual(got['Tags'], []);
    assert.match(String(got['CreateDate']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.notEqual(dup.code, 0);
    assert.equal(dup.stderr.trim(), `An error occurred (EntityAlreadyExists) when calling the CreateOpenIDConnectProvider operation: Provider with url ${ISSUER} already exists.`);
    assert.equal(missing.stderr.trim(), `An error occurred (NoSuchEntity) when calling the GetOpenIDConnectProvider operation: OpenIDConnect Provider not found for arn ${PROVIDER_ARN}`);
  });

  test('roles: create-role, update-assume-role-policy, get-role, list-attached-role-policies, get-policy-version', async () => {
    const trustFile = join(dir, 'trust.json');
    writeFileSync(trustFile, JSON.stringify(trust('app'), null, 2));
    const created = (await awsJson(['iam', 'create-role', '--role-name', 'app', '--assume-role-policy-document', `file://${trustFile}`]))['Role'] as Record<string, unknown>;
    assert.equal(created['Arn'], `arn:aws:iam::${A}:role/app`);
    assert.match(String(created['RoleId']), /^AROA[A-Z2-7]{17}$/);
    assert.deepEqual(created['AssumeRolePolicyDocument'], trust('app'));
    assert.equal(created['MaxSessionDuration'], undefined, 'CreateRole does not return MaxSessionDuration');
    // Seeded the way the world loader does it.
    assert.ok(!isIamError(iam.attachRolePolicy(state, A, { roleName: 'app', policyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' })));
    const newTrust = trust('other');
    await awsJson(['iam', 'update-assume-role-policy', '--role-name', 'app', '--policy-document', JSON.stringify(newTrust)]);
    const [got, attached, version, nope] = await Promise.all([
      awsJson(['iam', 'get-role', '--role-name', 'app']),
      awsJson(['iam', 'list-attached-role-policies', '--role-name', 'app']),
      awsJson(['iam', 'get-policy-version', '--policy-arn', 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', '--version-id', 'v3']),
      aws(['iam', 'get-role', '--role-name', 'nope']),
    ]);
    const role = got['Role'] as Record<string, unknown>;
    // The CLI decodes the URL-encoded document IAM returns.
    assert.deepEqual(role['AssumeRolePolicyDocument'], newTrust);
    assert.equal(role['MaxSessionDuration'], 3600);
    assert.deepEqual(role['RoleLastUsed'], {});
    assert.deepEqual(attached, { AttachedPolicies: [{ PolicyName: 'AmazonS3ReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' }] });
    const v = version['PolicyVersion'] as Record<string, unknown>;
    const data = AWS_MANAGED_POLICIES.find((p) => p.name === 'AmazonS3ReadOnlyAccess');
    assert.deepEqual(v['Document'], data?.versions[0]?.document);
    assert.equal(v['IsDefaultVersion'], true);
    assert.equal(nope.stderr.trim(), 'An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name nope cannot be found.');
  });

  test('get-account-authorization-details returns the role with its inline, attached and AWS-managed policies', async () => {
    const inline = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/*' }] };
    assert.ok(!isIamError(iam.putRolePolicy(state, A, { roleName: 'app', policyName: 'read-bucket', policyDocument: inline })));
    const gaad = await awsJson(['iam', 'get-account-authorization-details', '--filter', 'Role', 'AWSManagedPolicy']);
    const roles = gaad['RoleDetailList'] as Array<Record<string, unknown>>;
    const app = roles.find((r) => r['RoleName'] === 'app');
    assert.ok(app);
    assert.deepEqual(app['AssumeRolePolicyDocument'], trust('other'));
    assert.deepEqual(app['RolePolicyList'], [{ PolicyName: 'read-bucket', PolicyDocument: inline }]);
    assert.deepEqual(app['AttachedManagedPolicies'], [{ PolicyName: 'AmazonS3ReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' }]);
    assert.deepEqual(app['InstanceProfileList'], []);
    const policies = gaad['Policies'] as Array<Record<string, unknown>>;
    assert.deepEqual(
      policies.map((p) => [p['PolicyName'], p['AttachmentCount']]),
      [['AmazonS3ReadOnlyAccess', 1]],
      'only the AWS-managed policies in use',
    );
    const versions = policies[0]?.['PolicyVersionList'] as Array<Record<string, unknown>>;
    assert.equal(versions[0]?.['VersionId'], 'v3');
    assert.ok(typeof versions[0]?.['Document'] === 'object', 'the CLI decoded the version document');
    assert.deepEqual(gaad['UserDetailList'], []);
    assert.deepEqual(gaad['GroupDetailList'], []);
  });
});

describe('IAM API with boto3', { timeout: 120_000 }, () => {
  test('managed policies: versions, limits, default, AWS-managed writes denied', async () => {
    const r = await boto3(
      `
doc = lambda a: json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": a, "Resource": "*"}]})
p = iam.create_policy(PolicyName='app-policy', Path='/team/', PolicyDocument=doc('s3:GetObject'), Description='for app', Tags=[{'Key': 'a', 'Value': '1'}])['Policy']
res = {'create': p}
res['dup'] = err(lambda: iam.create_policy(PolicyName='app-policy', PolicyDocument=doc('s3:GetObject')))
for i in range(4):
    iam.create_policy_version(PolicyArn=p['Arn'], PolicyDocument=doc('s3:PutObject'), SetAsDefault=(i == 1))
res['limit'] = err(lambda: iam.create_policy_version(PolicyArn=p['Arn'], PolicyDocument=doc('s3:*')))
res['versions'] = iam.list_policy_versions(PolicyArn=p['Arn'])['Versions']
res['get'] = iam.get_policy(PolicyArn=p['Arn'])['Policy']
res['delDefault'] = err(lambda: iam.delete_policy_version(PolicyArn=p['Arn'], VersionId='v3'))
iam.delete_policy_version(PolicyArn=p['Arn'], VersionId='v5')
res['next'] = iam.create_policy_version(PolicyArn=p['Arn'], PolicyDocument=doc('s3:*'))['PolicyVersion']
iam.set_default_policy_version(PolicyArn=p['Arn'], VersionId='v1')
res['v1'] = iam.get_policy_version(PolicyArn=p['Arn'], VersionId='v1')['PolicyVersion']
res['missingVersion'] = err(lambda: iam.get_policy_version(PolicyArn=p['Arn'], VersionId='v9'))
res['badVersion'] = err(lambda: iam.get_policy_version(PolicyArn=p['Arn'], VersionId='1'))
res['delWithVersions'] = err(lambda: iam.delete_policy(PolicyArn=p['Arn']))
res['awsWrite'] = err(lambda: iam.create_policy_version(PolicyArn='arn:aws:iam::aws:policy/AmazonS3FullAccess', PolicyDocument=doc('s3:*')))
res['awsVersions'] = [v['VersionId'] for v in iam.list_policy_versions(PolicyArn='arn:aws:iam::aws:policy/AmazonS3FullAccess')['Versions']]
res['local'] = [x['PolicyName'] for x in iam.list_policies(Scope='Local')['Policies']]
res['awsAll'] = sorted(x['PolicyName'] for x in iam.list_policies(Scope='AWS')['Policies'])
res['attachedOnly'] = [x['PolicyName'] for x in iam.list_policies(OnlyAttached=True)['Policies']]
res['malformed'] = [err(lambda d=d: iam.create_policy(PolicyName='m', PolicyDocument=d)) for d in [
  '{not json', json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
  json.dumps({"Version": "2012-10-17", "Statement": [{"Action": "s3:*", "Resource": "*"}]}),
  json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "GetObject", "Resource": "*"}]}),
  json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]}),
  json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "bucket"}]}),
]]
out(res)
`,
    );
    assert.equal(r.create.Arn, `arn:aws:iam::${A}:policy/team/app-policy`);
    assert.equal(r.create.Description, undefined, 'CreatePolicy does not echo Description');
    assert.deepEqual(r.create.Tags, [{ Key: 'a', Value: '1' }]);
    assert.deepEqual(r.dup, { code: 'EntityAlreadyExists', message: 'A policy called app-policy already exists. Duplicate names are not allowed.', type: 'Sender', status: 409 });
    assert.deepEqual(r.limit, {
      code: 'LimitExceeded',
      message: 'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.',
      type: 'Sender',
      status: 409,
    });
    assert.deepEqual(
      r.versions.map((v: any) => [v.VersionId, v.IsDefaultVersion, 'Document' in v]),
      [
        ['v5', false, false],
        ['v4', false, false],
        ['v3', true, false],
        ['v2', false, false],
        ['v1', false, false],
      ],
    );
    assert.equal(r.get.DefaultVersionId, 'v3');
    assert.equal(r.get.Description, 'for app');
    assert.deepEqual(r.get.Tags, [{ Key: 'a', Value: '1' }]);
    assert.equal(r.delDefault.message, 'Cannot delete the default version of a policy.');
    assert.equal(r.next.VersionId, 'v6', 'version numbers are not reused after a delete');
    assert.equal(r.v1.IsDefaultVersion, true);
    // botocore decodes the URL-encoded Document (its json_decode_policies handler).
    assert.deepEqual(r.v1.Document, {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
    });
    assert.deepEqual(r.missingVersion, { code: 'NoSuchEntity', message: `Policy arn:aws:iam::${A}:policy/team/app-policy version v9 does not exist or is not attachable.`, type: 'Sender', status: 404 });
    assert.equal(r.badVersion.code, 'ValidationError');
    assert.equal(r.badVersion.message, "1 validation error detected: Value at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?");
    assert.equal(r.delWithVersions.code, 'DeleteConflict');
    assert.equal(r.awsWrite.code, 'AccessDenied');
    assert.equal(r.awsWrite.message, `User: arn:aws:iam::${A}:user/lab-admin is not authorized to perform: iam:CreatePolicyVersion on resource: policy arn:aws:iam::aws:policy/AmazonS3FullAccess`);
    assert.deepEqual(r.awsVersions, ['v2', 'v1']);
    assert.deepEqual(r.local, ['app-policy']);
    for (const name of ['AmazonS3ReadOnlyAccess', 'AmazonS3FullAccess', 'AmazonDynamoDBReadOnlyAccess', 'AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryReadOnly']) {
      assert.ok(r.awsAll.includes(name), name);
    }
    assert.deepEqual(r.attachedOnly, ['AmazonS3ReadOnlyAccess']);
    assert.deepEqual(
      r.malformed.map((e: any) => e.message),
      [
        'Syntax errors in policy.',
        'Policy document must be version 2012-10-17 or greater.',
        'Syntax errors in policy.',
        'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
        'Policy statement must contain resources.',
        'Resource bucket must be in ARN format or "*".',
      ],
    );
    assert.ok(r.malformed.every((e: any) => e.code === 'MalformedPolicyDocument' && e.status === 400));
  });

  test('ListRoles and GetAccountAuthorizationDetails paging with MaxItems and Marker', async () => {
    for (const n of ['r1', 'r2', 'r3']) {
      const role = iam.createRole(state, A, { roleName: n, path: '/paged/', assumeRolePolicyDocument: trust(n) }, clock);
      assert.ok(!isIamError(role));
    }
    const r = await boto3(`
res = {}
p1 = iam.list_roles(PathPrefix='/paged/', MaxItems=2)
p2 = iam.list_roles(PathPrefix='/paged/', MaxItems=2, Marker=p1['Marker'])
res['roles'] = [[x['RoleName'] for x in p1['Roles']], p1['IsTruncated'], [x['RoleName'] for x in p2['Roles']], p2['IsTruncated'], 'Marker' in p2]
res['listKeys'] = sorted(p1['Roles'][0].keys())
names = []
marker = None
pages = 0
while True:
    kw = {'Filter': ['Role'], 'MaxItems': 1}
    if marker: kw['Marker'] = marker
    page = iam.get_account_authorization_details(**kw)
    pages += 1
    names += [x['RoleName'] for x in page['RoleDetailList']]
    if not page['IsTruncated']: break
    marker = page['Marker']
res['gaad'] = [pages, names]
res['badMarker'] = err(lambda: iam.list_roles(Marker='garbage'))
res['tooMany'] = err(lambda: iam.get_account_authorization_details(MaxItems=1001))
out(res)
`);
    assert.deepEqual(r.roles, [['r1', 'r2'], true, ['r3'], false, false]);
    assert.deepEqual(r.listKeys, ['Arn', 'AssumeRolePolicyDocument', 'CreateDate', 'MaxSessionDuration', 'Path', 'RoleId', 'RoleName']);
    assert.deepEqual(r.gaad, [4, ['app', 'r1', 'r2', 'r3']]);
    assert.deepEqual(r.badMarker, { code: 'ValidationError', message: 'Invalid Marker.', type: 'Sender', status: 400 });
    // botocore only checks the minimum client-side; the maximum is the server's ValidationError.
    assert.deepEqual(r.tooMany, {
      code: 'ValidationError',
      message: "1 validation error detected: Value at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000",
      type: 'Sender',
      status: 400,
    });
  });
});

describe('IAM API with the JS SDK v3', { timeout: 120_000 }, () => {
  test('raw documents are URL-encoded; validation errors carry IAM codes and messages', async () => {
    const r = await jsSdk(`
const res = {};
const role = (await send('GetRole', { RoleName: 'app' })).Role;
res.doc = role.AssumeRolePolicyDocument;
res.rolePolicy = (await send('GetRolePolicy', { RoleName: 'app', PolicyName: 'read-bucket' })).PolicyDocument;
const url = 'https://issuer.example.com/id/X';
res.badThumbLen = await err(send('CreateOpenIDConnectProvider', { Url: url, ThumbprintList: ['abc'] }));
res.many = await err(send('CreateOpenIDConnectProvider', { Url: url, ThumbprintList: Array.from({ length: 6 }, (_, i) => String(i).repeat(40)) }));
res.nonHex = await err(send('CreateOpenIDConnectProvider', { Url: url, ThumbprintList: ['z'.repeat(40)] }));
res.http = await err(send('CreateOpenIDConnectProvider', { Url: 'http://issuer.example.com', ThumbprintList: ['${TP}'] }));
res.multi = await err(send('CreateOpenIDConnectProvider', { Url: 'b'.repeat(256), ThumbprintList: ['b'.repeat(41)], ClientIDList: ['b'.repeat(256)] }));
res.clients = await err(send('CreateOpenIDConnectProvider', { Url: url, ThumbprintList: ['${TP}'], ClientIDList: Array.from({ length: 101 }, (_, i) => 'c' + i) }));
const arn = (await send('CreateOpenIDConnectProvider', { Url: url, ClientIDList: ['sts.amazonaws.com'] })).OpenIDConnectProviderArn;
await send('AddClientIDToOpenIDConnectProvider', { OpenIDConnectProviderArn: arn, ClientID: 'extra' });
await send('AddClientIDToOpenIDConnectProvider', { OpenIDConnectProviderArn: arn, ClientID: 'extra' });
await send('RemoveClientIDFromOpenIDConnectProvider', { OpenIDConnectProviderArn: arn, ClientID: 'sts.amazonaws.com' });
await send('RemoveClientIDFromOpenIDConnectProvider', { OpenIDConnectProviderArn: arn, ClientID: 'absent' });
await send('UpdateOpenIDConnectProviderThumbprint', { OpenIDConnectProviderArn: arn, ThumbprintList: ['${TP.toUpperCase()}'] });
await send('TagOpenIDConnectProvider', { OpenIDConnectProviderArn: arn, Tags: [{ Key: 'b', Value: '2' }, { Key: 'a', Value: '1' }] });
await send('UntagOpenIDConnectProvider', { OpenIDConnectProviderArn: arn, TagKeys: ['b'] });
res.tags = (await send('ListOpenIDConnectProviderTags', { OpenIDConnectProviderArn: arn })).Tags;
const p = await send('GetOpenIDConnectProvider', { OpenIDConnectProviderArn: arn });
res.provider = { url: p.Url, clients: p.ClientIDList, thumbs: p.ThumbprintList, created: p.CreateDate instanceof Date };
await send('DeleteOpenIDConnectProvider', { OpenIDConnectProviderArn: arn });
res.deleteAgain = await err(send('DeleteOpenIDConnectProvider', { OpenIDConnectProviderArn: arn }));
res.noRole = await err(send('GetRolePolicy', { RoleName: 'app', PolicyName: 'nope' }));
res.dupRole = await err(send('CreateRole', { RoleName: 'APP', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] }) }));
res.badJson = await err(send('UpdateAssumeRolePolicy', { RoleName: 'app', PolicyDocument: 'not valid json' }));
res.resource = await err(send('UpdateAssumeRolePolicy', { RoleName: 'app', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole', Resource: '*' }] }) }));
res.federated = await err(send('UpdateAssumeRolePolicy', { RoleName: 'app', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: '[object Object]' }, Action: 'sts:AssumeRoleWithWebIdentity' }] }) }));
res.msd = await err(send('UpdateRole', { RoleName: 'app', MaxSessionDuration: 50000 }));
await send('UpdateRole', { RoleName: 'app', MaxSessionDuration: 7200, Description: 'the app' });
res.boundaryBad = await err(send('PutRolePermissionsBoundary', { RoleName: 'app', PermissionsBoundary: 'arn:aws:iam::${A}:not_a_policy/invalid' }));
res.boundaryMissing = await err(send('PutRolePermissionsBoundary', { RoleName: 'app', PermissionsBoundary: 'arn:aws:iam::${A}:policy/nonexistent-policy' }));
await send('PutRolePermissionsBoundary', { RoleName: 'app', PermissionsBoundary: 'arn:aws:iam::aws:policy/AmazonS3FullAccess' });
await send('TagRole', { RoleName: 'app', Tags: [{ Key: 'team', Value: 'x' }] });
res.dupTags = await err(send('TagRole', { RoleName: 'app', Tags: [{ Key: 'k', Value: '1' }, { Key: 'K', Value: '2' }] }));
const after = (await send('GetRole', { RoleName: 'app' })).Role;
res.after = { msd: after.MaxSessionDuration, desc: after.Description, boundary: after.PermissionsBoundary, tags: after.Tags };
res.detach = await err(send('DetachRolePolicy', { RoleName: 'app', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3FullAccess' }));
res.attachMissing = await err(send('AttachRolePolicy', { RoleName: 'app', PolicyArn: 'arn:aws:iam::${A}:policy/nonexistent-policy' }));
res.attachNotArn = await err(send('AttachRolePolicy', { RoleName: 'app', PolicyArn: 'longpolicynamebutnoarn' }));
res.inlineNames = (await send('ListRolePolicies', { RoleName: 'app' })).PolicyNames;
await send('DeleteRolePermissionsBoundary', { RoleName: 'app' });
res.badTrust = await err(send('CreateRole', { RoleName: 'bad', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 's3:GetObject' }] }) }));
res.deleteAttached = await err(send('DeleteRole', { RoleName: 'app' }));
await send('DetachRolePolicy', { RoleName: 'app', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' });
res.deleteInline = await err(send('DeleteRole', { RoleName: 'app' }));
await send('DeleteRolePolicy', { RoleName: 'app', PolicyName: 'read-bucket' });
await send('DeleteRole', { RoleName: 'app' });
res.gone = await err(send('ListRoleTags', { RoleName: 'app' }));
out(res);
`);
    assert.ok(r.doc.startsWith('%7B'), r.doc);
    assert.deepEqual(JSON.parse(decodeURIComponent(r.doc)), trust('other'));
    assert.ok(r.rolePolicy.startsWith('%7B'));
    const v = (n: number, what: string) => `${n} validation error${n > 1 ? 's' : ''} detected: ${what}`;
    assert.deepEqual(r.badThumbLen, {
      name: 'ValidationError',
      message: v(1, "Value at 'thumbprintList' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 40, Member must have length greater than or equal to 40]"),
      fault: 'client',
      status: 400,
      type: 'Sender',
    });
    assert.deepEqual([r.many.name, r.many.message, r.many.status], ['InvalidInputException', 'Thumbprint list must contain fewer than 5 entries.', 400]);
    assert.equal(r.nonHex.name, 'InvalidInputException');
    assert.deepEqual([r.http.name, r.http.message], ['ValidationError', 'Invalid Open ID Connect Provider URL']);
    assert.equal(
      r.multi.message,
      v(
        3,
        "Value at 'clientIDList' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater than or equal to 1]; Value at 'thumbprintList' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 40, Member must have length greater than or equal to 40]; Value at 'url' failed to satisfy constraint: Member must have length less than or equal to 255",
      ),
    );
    assert.deepEqual([r.clients.name, r.clients.message, r.clients.status], ['LimitExceededException', 'Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100', 409]);
    assert.deepEqual(r.tags, [{ Key: 'a', Value: '1' }]);
    assert.deepEqual(r.provider, { url: 'issuer.example.com/id/X', clients: ['extra'], thumbs: [TP], created: true });
    assert.deepEqual([r.deleteAgain.name, r.deleteAgain.message, r.deleteAgain.status], ['NoSuchEntityException', `OpenId connect Provider arn:aws:iam::${A}:oidc-provider/issuer.example.com/id/X cannot be found.`, 404]);
    assert.equal(r.noRole.message, 'The role policy with name nope cannot be found.');
    assert.deepEqual([r.dupRole.name, r.dupRole.message, r.dupRole.status], ['EntityAlreadyExistsException', 'Role with name APP already exists.', 409]);
    assert.deepEqual([r.badJson.name, r.badJson.message], ['MalformedPolicyDocumentException', 'This policy contains invalid Json']);
    assert.equal(r.resource.message, 'Has prohibited field Resource');
    assert.equal(r.federated.message, 'Federated principals must be valid domain names or SAML metadata ARNs');
    assert.deepEqual([r.msd.name, r.msd.message], ['ValidationError', v(1, "Value at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200")]);
    assert.deepEqual([r.boundaryBad.name, r.boundaryBad.message], ['InvalidInputException', `ARN arn:aws:iam::${A}:not_a_policy/invalid is not valid.`]);
    assert.deepEqual([r.boundaryMissing.name, r.boundaryMissing.message], ['NoSuchEntityException', `Scope ARN: arn:aws:iam::${A}:policy/nonexistent-policy does not exist or is not attachable.`]);
    assert.equal(r.dupTags.message, 'Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    assert.deepEqual(r.after, {
      msd: 7200,
      desc: 'the app',
      boundary: { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: 'arn:aws:iam::aws:policy/AmazonS3FullAccess' },
      tags: [{ Key: 'team', Value: 'x' }],
    });
    assert.equal(r.detach.message, 'Policy arn:aws:iam::aws:policy/AmazonS3FullAccess was not found.');
    assert.equal(r.attachMissing.message, `Policy arn:aws:iam::${A}:policy/nonexistent-policy does not exist or is not attachable.`);
    assert.deepEqual([r.attachNotArn.name, r.attachNotArn.message], ['ValidationError', 'ARN longpolicynamebutnoarn is not valid.']);
    assert.deepEqual(r.inlineNames, ['read-bucket']);
    assert.equal(r.badTrust.message, 'AssumeRole policy may only specify STS AssumeRole actions.');
    assert.deepEqual([r.deleteAttached.name, r.deleteAttached.message, r.deleteAttached.status], ['DeleteConflictException', 'Cannot delete entity, must detach all policies first.', 409]);
    assert.equal(r.deleteInline.message, 'Cannot delete entity, must delete policies first.');
    assert.equal(r.gone.message, 'The role with name app cannot be found.');
  });

  test('SigV4: unsigned, unknown key and wrong secret are refused with IAM answers', async () => {
    const unsigned = await fetchRaw('Action=ListRoles&Version=2010-05-08');
    assert.equal(unsigned.status, 403);
    assert.match(unsigned.body, /<Code>MissingAuthenticationToken<\/Code>/);
    assert.match(unsigned.body, /<Message>Request is missing Authentication Token<\/Message>/);
    const fake: LabCredential = { ...keysA, accessKeyId: 'AKIAFAKEFAKEFAKEFAKE' };
    const wrongSecret: LabCredential = { ...keysA, secretAccessKey: 'x'.repeat(40) };
    const r1 = await jsSdk(`out(await err(send('ListRoles', {})));`, fake);
    assert.deepEqual([r1.name, r1.message, r1.status], ['InvalidClientTokenId', INVALID_TOKEN, 403]);
    const r2 = await jsSdk(`out(await err(send('ListRoles', {})));`, wrongSecret);
    assert.deepEqual([r2.name, r2.message, r2.status], ['SignatureDoesNotMatch', SIGNATURE_MISMATCH, 403]);
  });
});

async function fetchRaw(body: string): Promise<{ status: number; body: string }> {
  const { request } = await import('node:https');
  const { readFileSync } = await import('node:fs');
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}/`, { method: 'POST', ca: readFileSync(caFile), headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      let b = '';
      res.on('data', (c: Buffer) => (b += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('IAM faults', { timeout: 60_000 }, () => {
  test('throttling answers Throttling / Rate exceeded (400) and 5xx answers ServiceFailure (500)', async () => {
    faults.configure({ services: { iam: { operations: { ListRoles: { throttleRps: 0.0001, throttleBurst: 1 }, GetRole: { errorRate: 1 } } } } });
    try {
      const r = await boto3(`
iam.list_roles()
out({'throttle': err(lambda: iam.list_roles()), 'fault': err(lambda: iam.get_role(RoleName='x'))})
`);
      assert.deepEqual(r.throttle, { code: 'Throttling', message: 'Rate exceeded', type: 'Sender', status: 400 });
      assert.deepEqual(r.fault, { code: 'ServiceFailure', message: 'The request processing has failed because of an unknown error, exception or failure.', type: 'Receiver', status: 500 });
      const log = faults.log.filter((e) => e.service === 'iam' && e.fault !== undefined).map((e) => [e.operation, e.status, e.fault]);
      assert.deepEqual(log.slice(-2), [
        ['ListRoles', 400, 'throttle'],
        ['GetRole', 500, '5xx'],
      ]);
    } finally {
      faults.configure({});
    }
  });
});

describe('seeding functions (what the world loader calls)', () => {
  test('seed and API share validation and errors', () => {
    const s = new LabState();
    const c = new LabClock();
    s.account('999988887777', 'aws-cn');
    const p = iam.createProvider(s, '999988887777', { url: 'https://oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC', clientIds: ['sts.amazonaws.com'], thumbprints: [TP] }, c);
    assert.ok(!isIamError(p));
    assert.equal(p.arn, 'arn:aws-cn:iam::999988887777:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC');
    const dup = iam.createProvider(s, '999988887777', { url: 'https://oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC' }, c);
    assert.ok(isIamError(dup) && dup.code === 'EntityAlreadyExists');
    const withPort = iam.createProvider(s, '999988887777', { url: 'https://127.0.0.1:8443/id/X' }, c);
    assert.ok(isIamError(withPort) && withPort.message === 'Invalid Open ID Connect Provider URL');
    assert.ok(!isIamError(iam.createProvider(s, '999988887777', { url: 'https://127.0.0.1:8443/id/X', allowPort: true }, c)));
    const role = iam.createRole(s, '999988887777', { roleName: 'cn-role', assumeRolePolicyDocument: trust('x'), maxSessionDuration: 7200 }, c);
    assert.ok(!isIamError(role));
    assert.equal(role.arn, 'arn:aws-cn:iam::999988887777:role/cn-role');
    const attached = iam.attachRolePolicy(s, '999988887777', { roleName: 'cn-role', policyArn: 'arn:aws-cn:iam::aws:policy/AmazonS3ReadOnlyAccess' });
    assert.ok(!isIamError(attached));
    const wrongPartition = iam.attachRolePolicy(s, '999988887777', { roleName: 'cn-role', policyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' });
    assert.ok(isIamError(wrongPartition) && wrongPartition.code === 'NoSuchEntity');
    const inline = iam.putRolePolicy(s, '999988887777', { roleName: 'cn-role', policyName: 'p', policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*' }] } });
    assert.ok(isIamError(inline) && inline.message === 'Policy statement must contain resources.');
    const pol = iam.createPolicy(s, '999988887777', { policyName: 'x', policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } }, c);
    assert.ok(!isIamError(pol) && pol.arn === 'arn:aws-cn:iam::999988887777:policy/x');
    const eleven = Array.from({ length: 11 }, (_, i) => iam.createPolicy(s, '999988887777', { policyName: `q${i}`, policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } }, c));
    const results = eleven.map((q) => (isIamError(q) ? q : iam.attachRolePolicy(s, '999988887777', { roleName: 'cn-role', policyArn: q.arn })));
    const last = results[results.length - 1];
    assert.ok(last && isIamError(last) && last.message === 'Cannot exceed quota for PoliciesPerRole: 10');
  });
});
