// Conformance of the lab's IAM and EKS with moto_server, the community's reference emulator: the
// same data is seeded into both through the same client (boto3), then the read operations a
// diagnosis uses are called on both and the SHAPES of what boto3 parses are compared (keys and
// value types; ids, dates and generated values differ by nature).
//
// Where the two differ, the difference is listed below with its reason: each is either a known
// moto gap (libraries.md; moto 5.2.1 source) or something real AWS returns and moto does not,
// per LocalStack's recordings of real IAM/EKS (see iam/render.ts and eks.ts). Any other
// difference fails the test.

import { runProcess } from '../../../test/support/process.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EksService } from '../eks.js';
import { Faults, serve, type RunningServer } from '../http.js';
import { IamService } from '../iam.js';
import { createLabPki } from '../pki.js';
import { LabState, type LabCredential } from '../state.js';
import { LabClock } from '../types.js';

// moto's default account, so that ARNs line up.
const ACCOUNT = '123456789012';

let dir: string;
let caFile: string;
let moto: ChildProcess | undefined;
let motoUrl: string;
let iamServer: RunningServer;
let eksServer: RunningServer;
let state: LabState;
let keys: LabCredential;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(`${url}/moto-api/`);
      if (r.status < 500) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > until) throw new Error(`moto_server did not start at ${url}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const run = runProcess;

// Seeds through boto3 (IAM always; the EKS cluster only on moto, which can create one, while the
// lab's clusters come from its state), then prints every read's parsed result, datetimes marked.
const SCRIPT = String.raw`
import boto3, json, sys, datetime
cfg = json.loads(sys.stdin.read())
kw = dict(region_name='us-west-2')
iam = boto3.client('iam', endpoint_url=cfg['iam'], **kw)
eks = boto3.client('eks', endpoint_url=cfg['eks'], **kw)
issuer_host = 'oidc.eks.us-west-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF'
acct = cfg['account']
provider = iam.create_open_id_connect_provider(Url='https://' + issuer_host, ClientIDList=['sts.amazonaws.com'], ThumbprintList=['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'], Tags=[{'Key': 'cluster', 'Value': 'demo'}])['OpenIDConnectProviderArn']
trust = {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Principal': {'Federated': provider}, 'Action': 'sts:AssumeRoleWithWebIdentity',
         'Condition': {'StringEquals': {issuer_host + ':sub': 'system:serviceaccount:default:app', issuer_host + ':aud': 'sts.amazonaws.com'}}}]}
iam.create_role(RoleName='app', AssumeRolePolicyDocument=json.dumps(trust), Description='the app', MaxSessionDuration=7200, Tags=[{'Key': 'team', 'Value': 'x'}])
iam.create_role(RoleName='plain', Path='/svc/', AssumeRolePolicyDocument=json.dumps(trust))
doc = lambda a: json.dumps({'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': a, 'Resource': '*'}]})
iam.put_role_policy(RoleName='app', PolicyName='inline', PolicyDocument=doc('s3:GetObject'))
pol = iam.create_policy(PolicyName='app-policy', PolicyDocument=doc('dynamodb:GetItem'), Description='custom')['Policy']['Arn']
iam.create_policy_version(PolicyArn=pol, PolicyDocument=doc('dynamodb:*'), SetAsDefault=True)
iam.attach_role_policy(RoleName='app', PolicyArn=pol)
s3ro = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'
iam.attach_role_policy(RoleName='app', PolicyArn=s3ro)
iam.put_role_permissions_boundary(RoleName='app', PermissionsBoundary=pol)
if cfg['createCluster']:
    eks.create_cluster(name='demo', version='1.31', roleArn='arn:aws:iam::%s:role/demo-cluster-role' % acct,
                       resourcesVpcConfig={'subnetIds': ['subnet-1'], 'securityGroupIds': ['sg-1']}, tags={'team': 'platform'})
out = {}
def strip(r):
    r = dict(r)
    r.pop('ResponseMetadata', None)
    return r
out['ListOpenIDConnectProviders'] = strip(iam.list_open_id_connect_providers())
out['GetOpenIDConnectProvider'] = strip(iam.get_open_id_connect_provider(OpenIDConnectProviderArn=provider))
out['GetRole'] = strip(iam.get_role(RoleName='app'))
out['ListAttachedRolePolicies'] = strip(iam.list_attached_role_policies(RoleName='app'))
out['ListRolePolicies'] = strip(iam.list_role_policies(RoleName='app'))
out['GetRolePolicy'] = strip(iam.get_role_policy(RoleName='app', PolicyName='inline'))
out['GetPolicy(customer)'] = strip(iam.get_policy(PolicyArn=pol))
out['GetPolicy(aws)'] = strip(iam.get_policy(PolicyArn=s3ro))
out['GetPolicyVersion(customer)'] = strip(iam.get_policy_version(PolicyArn=pol, VersionId='v2'))
out['GetPolicyVersion(aws)'] = strip(iam.get_policy_version(PolicyArn=s3ro, VersionId='v3'))
out['ListRoles'] = strip(iam.list_roles())
out['GetAccountAuthorizationDetails(Role,LocalManagedPolicy)'] = strip(iam.get_account_authorization_details(Filter=['Role', 'LocalManagedPolicy']))
gaad_aws = strip(iam.get_account_authorization_details(Filter=['AWSManagedPolicy'], MaxItems=1000))
gaad_aws['Policies'] = [p for p in gaad_aws['Policies'] if p['Arn'] == s3ro]
gaad_aws.pop('Marker', None)
gaad_aws['IsTruncated'] = False
out['GetAccountAuthorizationDetails(AWSManagedPolicy)'] = gaad_aws
out['GetAccountSummary'] = strip(iam.get_account_summary())
out['DescribeCluster'] = strip(eks.describe_cluster(name='demo'))
out['ListClusters'] = strip(eks.list_clusters())
def enc(o):
    if isinstance(o, datetime.datetime): return {'$date': o.isoformat()}
    raise TypeError(type(o))
print(json.dumps(out, default=enc))
`;

type Shape = string | { [k: string]: Shape } | { $array: Shape | null };

function shapeOf(v: unknown): Shape {
  if (v === null) return 'null';
  if (Array.isArray(v)) {
    let merged: Shape | null = null;
    for (const x of v) merged = merged === null ? shapeOf(x) : mergeShapes(merged, shapeOf(x));
    return { $array: merged };
  }
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Object.keys(o).length === 1 && typeof o['$date'] === 'string') return 'datetime';
    const out: Record<string, Shape> = {};
    for (const [k, x] of Object.entries(o)) out[k] = shapeOf(x);
    return out;
  }
  return typeof v;
}

function mergeShapes(a: Shape, b: Shape): Shape {
  if (typeof a === 'string' || typeof b === 'string') return a === b ? a : `${String(typeof a === 'string' ? a : 'object')}|${String(typeof b === 'string' ? b : 'object')}`;
  if ('$array' in a && '$array' in b) return { $array: a.$array === null ? b.$array : b.$array === null ? a.$array : mergeShapes(a.$array, b.$array) };
  const out: Record<string, Shape> = { ...(a as Record<string, Shape>) };
  for (const [k, v] of Object.entries(b as Record<string, Shape>)) out[k] = k in out ? mergeShapes(out[k] as Shape, v) : v;
  return out;
}

/** Differences as `path: lab-only` / `path: moto-only` / `path: lab <t> vs moto <t>`. */
function diff(lab: Shape, moto: Shape, path: string, out: string[]): void {
  if (typeof lab === 'string' || typeof moto === 'string') {
    if (lab !== moto) out.push(`${path}: lab ${describe_(lab)} vs moto ${describe_(moto)}`);
    return;
  }
  if ('$array' in lab || '$array' in moto) {
    if (!('$array' in lab) || !('$array' in moto)) {
      out.push(`${path}: lab ${describe_(lab)} vs moto ${describe_(moto)}`);
      return;
    }
    // An empty list on one side says nothing about element shapes.
    if (lab.$array !== null && moto.$array !== null) diff(lab.$array, moto.$array, `${path}[]`, out);
    return;
  }
  const l = lab as Record<string, Shape>;
  const m = moto as Record<string, Shape>;
  for (const k of new Set([...Object.keys(l), ...Object.keys(m)])) {
    if (!(k in m)) out.push(`${path}.${k}: lab only`);
    else if (!(k in l)) out.push(`${path}.${k}: moto only`);
    else diff(l[k] as Shape, m[k] as Shape, `${path}.${k}`, out);
  }
}

function describe_(s: Shape): string {
  if (typeof s === 'string') return s;
  return '$array' in s ? 'list' : 'structure';
}

/**
 * Every expected difference, with its reason. `lab only`: real AWS returns it and moto does not;
 * `moto only`: moto returns it and real AWS does not (or the lab does not model it).
 */
const EXPECTED: Record<string, string> = {
  // GetPolicy: real IAM returns PermissionsBoundaryUsageCount for every policy and the
  // Description of AWS-managed ones (LocalStack test_iam_policies "get-policy-response",
  // test_iam_managed_policies "get-policy").
  'GetPolicy(customer).Policy.PermissionsBoundaryUsageCount: lab only': 'moto omits PermissionsBoundaryUsageCount [moto gap]',
  'GetPolicy(aws).Policy.PermissionsBoundaryUsageCount: lab only': 'moto omits PermissionsBoundaryUsageCount [moto gap]',
  'GetPolicy(aws).Policy.Description: lab only': "moto's AWS-managed data has no descriptions [moto gap]",
  // moto's policy documents in GetPolicyVersion come back as JSON, not URL-encoded (libraries.md):
  // both are strings to boto3, which decodes either, so the shape is the same.
  // GetAccountAuthorizationDetails: moto's ManagedPolicyDetail lacks PolicyName/PolicyId (real
  // IAM has them: LocalStack test_iam_account_authorization_details) and adds an empty Description.
  'GetAccountAuthorizationDetails(AWSManagedPolicy).Policies[].PolicyName: lab only': 'moto omits PolicyName in ManagedPolicyDetail [moto gap]',
  'GetAccountAuthorizationDetails(AWSManagedPolicy).Policies[].PolicyId: lab only': 'moto omits PolicyId in ManagedPolicyDetail [moto gap]',
  'GetAccountAuthorizationDetails(AWSManagedPolicy).Policies[].PermissionsBoundaryUsageCount: lab only': 'moto omits PermissionsBoundaryUsageCount [moto gap]',
  'GetAccountAuthorizationDetails(Role,LocalManagedPolicy).Policies[].PolicyName: lab only': 'moto omits PolicyName in ManagedPolicyDetail [moto gap]',
  'GetAccountAuthorizationDetails(Role,LocalManagedPolicy).Policies[].PolicyId: lab only': 'moto omits PolicyId in ManagedPolicyDetail [moto gap]',
  'GetAccountAuthorizationDetails(Role,LocalManagedPolicy).Policies[].PermissionsBoundaryUsageCount: lab only': 'moto omits PermissionsBoundaryUsageCount [moto gap]',
  // DescribeCluster: moto echoes the request's VPC config; real EKS adds the rest (botocore
  // VpcConfigResponse, EKS API reference DescribeCluster response syntax).
  'DescribeCluster.cluster.resourcesVpcConfig.clusterSecurityGroupId: lab only': 'real EKS returns it; moto echoes the request only [moto gap]',
  'DescribeCluster.cluster.resourcesVpcConfig.vpcId: lab only': 'real EKS returns it [moto gap]',
  'DescribeCluster.cluster.resourcesVpcConfig.endpointPublicAccess: lab only': 'real EKS returns it [moto gap]',
  'DescribeCluster.cluster.resourcesVpcConfig.endpointPrivateAccess: lab only': 'real EKS returns it [moto gap]',
  'DescribeCluster.cluster.resourcesVpcConfig.publicAccessCidrs: lab only': 'real EKS returns it [moto gap]',
  'DescribeCluster.cluster.kubernetesNetworkConfig.ipFamily: lab only': 'real EKS returns it (ipv4/ipv6) [moto gap]',
  'DescribeCluster.cluster.kubernetesNetworkConfig.elasticLoadBalancing: lab only': 'real EKS returns it (EKS Auto Mode field) [moto gap]',
  'DescribeCluster.cluster.health: lab only': 'real EKS returns health.issues [moto gap]',
  'DescribeCluster.cluster.accessConfig: lab only': 'real EKS returns accessConfig.authenticationMode [moto gap]',
  'DescribeCluster.cluster.upgradePolicy: lab only': 'real EKS returns upgradePolicy.supportType [moto gap]',
  'DescribeCluster.cluster.clientRequestToken: moto only': 'the idempotency token of CreateCluster; the lab creates no clusters over the API',
  'DescribeCluster.cluster.encryptionConfig: moto only': 'moto returns an empty list; real EKS omits it when secrets encryption is off',
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lab-moto-'));
  const port = await freePort();
  motoUrl = `http://127.0.0.1:${port}`;
  moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' },
    stdio: 'ignore',
  });
  const pki = await createLabPki();
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, pki.caPem);
  const leaf = await pki.issueLeaf(['127.0.0.1']);
  state = new LabState();
  const clock = new LabClock();
  state.account(ACCOUNT);
  keys = state.issueUserKeys(ACCOUNT);
  state.clusters.set(`arn:aws:eks:us-west-2:${ACCOUNT}:cluster/demo`, {
    name: 'demo',
    arn: `arn:aws:eks:us-west-2:${ACCOUNT}:cluster/demo`,
    region: 'us-west-2',
    account: ACCOUNT,
    version: '1.31',
    issuer: 'https://oidc.eks.us-west-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF',
    endpoint: 'https://127.0.0.1:6443',
    certificateAuthority: pki.caPem,
    status: 'ACTIVE',
    createdAt: clock.now(),
    endpointPublicAccess: true,
    endpointPrivateAccess: false,
    tags: { team: 'platform' },
  });
  const faults = new Faults();
  iamServer = await serve(new IamService({ state, clock }), { cert: leaf.chainPem, key: leaf.keyPem, faults });
  eksServer = await serve(new EksService({ state, clock }), { cert: leaf.chainPem, key: leaf.keyPem, faults });
  await waitFor(motoUrl, 30_000);
});

after(async () => {
  moto?.kill('SIGTERM');
  await iamServer?.close();
  await eksServer?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function readsFrom(target: 'lab' | 'moto'): Promise<Record<string, unknown>> {
  const e: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: dir,
    AWS_CONFIG_FILE: join(dir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CA_BUNDLE: caFile,
    AWS_ACCESS_KEY_ID: target === 'lab' ? keys.accessKeyId : 'testing',
    AWS_SECRET_ACCESS_KEY: target === 'lab' ? keys.secretAccessKey : 'testing',
  };
  const cfg = target === 'lab' ? { iam: iamServer.url, eks: eksServer.url, createCluster: false, account: ACCOUNT } : { iam: motoUrl, eks: motoUrl, createCluster: true, account: ACCOUNT };
  const r = await run('python3', ['-c', SCRIPT], e, JSON.stringify(cfg));
  assert.equal(r.code, 0, `${target}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

// Errors and writes where moto is known to fall short of IAM (libraries.md "moto 5.2.1 gaps"): the
// lab answers as IAM does, moto does not. Kept as a test so that a moto upgrade that closes a gap
// is noticed.
const GAPS_SCRIPT = String.raw`
import boto3, json, sys
from botocore.exceptions import ClientError
cfg = json.loads(sys.stdin.read())
iam = boto3.client('iam', endpoint_url=cfg['iam'], region_name='us-west-2')
def call(f):
    try:
        f()
        return 'ok'
    except ClientError as e:
        return [e.response['Error']['Code'], e.response['Error']['Message']]
    except Exception as e:
        return ['unparsed', type(e).__name__]
arn = iam.create_open_id_connect_provider(Url='https://gaps.example.com/id/1', ClientIDList=['a'], ThumbprintList=['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'])['OpenIDConnectProviderArn']
print(json.dumps({
  'addClientId': call(lambda: iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID='b')),
  'duplicateProvider': call(lambda: iam.create_open_id_connect_provider(Url='https://gaps.example.com/id/1', ThumbprintList=['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'])),
  'missingRole': call(lambda: iam.get_role(RoleName='nope')),
}))
`;

describe('moto_server conformance of the IAM and EKS reads a diagnosis uses', { timeout: 120_000 }, () => {
  test('same shapes from the lab and from moto for the same seeded data', async () => {
    const [lab, mo] = await Promise.all([readsFrom('lab'), readsFrom('moto')]);
    assert.deepEqual(Object.keys(lab).sort(), Object.keys(mo).sort());
    const found: string[] = [];
    for (const op of Object.keys(lab)) diff(shapeOf(lab[op]), shapeOf(mo[op]), op, found);
    const unexpected = found.filter((d) => !(d in EXPECTED));
    const missing = Object.keys(EXPECTED).filter((d) => !found.includes(d));
    assert.deepEqual(unexpected, [], `differences with no recorded reason:\n${unexpected.join('\n')}`);
    assert.deepEqual(missing, [], `recorded differences that no longer occur:\n${missing.join('\n')}`);
    // Values the lab and moto must agree on, beyond shapes.
    const v = (x: Record<string, unknown>, ...p: string[]) => p.reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], x);
    assert.deepEqual(v(lab, 'ListOpenIDConnectProviders'), v(mo, 'ListOpenIDConnectProviders'));
    assert.deepEqual(v(lab, 'GetRole', 'Role', 'AssumeRolePolicyDocument'), v(mo, 'GetRole', 'Role', 'AssumeRolePolicyDocument'));
    assert.deepEqual(v(lab, 'GetRole', 'Role', 'Arn'), v(mo, 'GetRole', 'Role', 'Arn'));
    // moto sorts attached policies by name; IAM lists them in its own (not alphabetical) order, as
    // real `list-attached-role-policies` outputs show, and the lab in attachment order.
    const byArn = (x: unknown) => [...((x as { AttachedPolicies: Array<{ PolicyArn: string }> }).AttachedPolicies ?? [])].sort((a, b) => (a.PolicyArn < b.PolicyArn ? -1 : 1));
    assert.deepEqual(byArn(v(lab, 'ListAttachedRolePolicies')), byArn(v(mo, 'ListAttachedRolePolicies')));
    assert.deepEqual(v(lab, 'GetRolePolicy'), v(mo, 'GetRolePolicy'));
    assert.deepEqual(v(lab, 'GetPolicyVersion(aws)', 'PolicyVersion', 'Document'), v(mo, 'GetPolicyVersion(aws)', 'PolicyVersion', 'Document'));
    assert.deepEqual(v(lab, 'DescribeCluster', 'cluster', 'arn'), v(mo, 'DescribeCluster', 'cluster', 'arn'));
    assert.deepEqual(v(lab, 'ListClusters'), v(mo, 'ListClusters'));
    // The account's size, as the scan's role plan reads it.
    for (const key of ['Roles', 'Policies', 'Providers', 'RolesQuota', 'PoliciesQuota']) assert.equal(v(lab, 'GetAccountSummary', 'SummaryMap', key), v(mo, 'GetAccountSummary', 'SummaryMap', key), key);
  });
});

describe('where moto falls short of IAM (known gaps), the lab answers as IAM', { timeout: 60_000 }, () => {
  test('AddClientIDToOpenIDConnectProvider, duplicate provider and missing role messages', async () => {
    const go = async (target: 'lab' | 'moto') => {
      const e: Record<string, string> = {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        HOME: dir,
        AWS_CONFIG_FILE: join(dir, 'no-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CA_BUNDLE: caFile,
        AWS_MAX_ATTEMPTS: '1',
        AWS_ACCESS_KEY_ID: target === 'lab' ? keys.accessKeyId : 'testing',
        AWS_SECRET_ACCESS_KEY: target === 'lab' ? keys.secretAccessKey : 'testing',
      };
      const r = await run('python3', ['-c', GAPS_SCRIPT], e, JSON.stringify({ iam: target === 'lab' ? iamServer.url : motoUrl }));
      assert.equal(r.code, 0, `${target}: ${r.stderr}`);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    const [lab, mo] = await Promise.all([go('lab'), go('moto')]);
    assert.deepEqual(lab, {
      addClientId: 'ok',
      duplicateProvider: ['EntityAlreadyExists', 'Provider with url https://gaps.example.com/id/1 already exists.'],
      missingRole: ['NoSuchEntity', 'The role with name nope cannot be found.'],
    });
    // moto 5.2.1: AddClientIDToOpenIDConnectProvider is a 500 HTML page, the duplicate's message
    // is "Unknown", the missing role's is "Role nope not found".
    assert.notEqual(mo['addClientId'], 'ok');
    assert.notDeepEqual(mo['duplicateProvider'], lab['duplicateProvider']);
    assert.notDeepEqual(mo['missingRole'], lab['missingRole']);
  });
});
