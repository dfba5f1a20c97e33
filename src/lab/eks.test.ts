// The lab's EKS API against real clients in subprocesses: the aws CLI v1 (`aws eks
// describe-cluster --query cluster.identity.oidc.issuer --output text`, `list-clusters`), boto3
// and the JS SDK v3, pointed at the lab with AWS_ENDPOINT_URL_EKS and the lab CA, signing with
// lab-issued keys. Clusters are seeded straight into LabState.clusters.

import { runProcess, runSdkScript } from '../../test/support/process.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EksService } from './eks.js';
import { Faults, serve, type RunningServer } from './http.js';
import { createLabPki } from './pki.js';
import { INVALID_TOKEN } from './sigv4.js';
import { LabState, type LabCluster, type LabCredential } from './state.js';
import { LabClock } from './types.js';

const A = '111122223333';
const B = '444455556666';
const ISSUER = 'https://oidc.eks.us-west-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF';

let dir: string;
let caFile: string;
let caPem: string;
let server: RunningServer;
let state: LabState;
let keysA: LabCredential;
let keysB: LabCredential;
const faults = new Faults();

function cluster(name: string, over: Partial<LabCluster> = {}): LabCluster {
  const region = over.region ?? 'us-west-2';
  const account = over.account ?? A;
  return {
    name,
    arn: `arn:aws:eks:${region}:${account}:cluster/${name}`,
    region,
    account,
    version: '1.31',
    issuer: ISSUER,
    endpoint: 'https://127.0.0.1:6443',
    certificateAuthority: caPem,
    status: 'ACTIVE',
    createdAt: new Date('2024-05-01T10:20:30.456Z'),
    endpointPublicAccess: true,
    endpointPrivateAccess: false,
    tags: { team: 'platform' },
    ...over,
  };
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
    AWS_ENDPOINT_URL_EKS: server.url,
    AWS_REGION: 'us-west-2',
    AWS_DEFAULT_REGION: 'us-west-2',
    AWS_ACCESS_KEY_ID: keys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
    AWS_MAX_ATTEMPTS: '1',
    ...extra,
  };
}

const run = runProcess;

async function jsSdk(body: string, keys = keysA, extra: Record<string, string> = {}): Promise<any> {
  return runSdkScript(["import * as EKS from '@aws-sdk/client-eks';", 'const client = new EKS.EKSClient({ maxAttempts: 1 });', 'const send = (name, input) => client.send(new EKS[name + "Command"](input));'], body, env(keys, extra));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lab-eks-'));
  const pki = await createLabPki();
  caPem = pki.caPem;
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, pki.caPem);
  const leaf = await pki.issueLeaf(['127.0.0.1', 'localhost']);
  state = new LabState();
  state.account(A);
  state.account(B);
  keysA = state.issueUserKeys(A);
  keysB = state.issueUserKeys(B);
  const clock = new LabClock();
  for (const c of [cluster('demo'), cluster('blue'), cluster('green'), cluster('east', { region: 'us-east-1' }), cluster('other-account', { account: B }), cluster('no-issuer', { issuer: '' })]) {
    state.clusters.set(c.arn, c);
  }
  server = await serve(new EksService({ state, clock }), { cert: leaf.chainPem, key: leaf.keyPem, faults });
});

after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('EKS API with the aws CLI v1', { timeout: 60_000 }, () => {
  test('describe-cluster gives the issuer, list-clusters the clusters of the account and region', async () => {
    const [issuer, list, missing] = await Promise.all([
      run('aws', ['eks', 'describe-cluster', '--name', 'demo', '--query', 'cluster.identity.oidc.issuer', '--output', 'text'], env(keysA)),
      run('aws', ['eks', 'list-clusters', '--output', 'json'], env(keysA)),
      run('aws', ['eks', 'describe-cluster', '--name', 'nope'], env(keysA)),
    ]);
    assert.equal(issuer.code, 0, issuer.stderr);
    assert.equal(issuer.stdout, `${ISSUER}\n`);
    assert.deepEqual(JSON.parse(list.stdout), { clusters: ['blue', 'demo', 'green', 'no-issuer'] });
    assert.notEqual(missing.code, 0);
    assert.equal(missing.stderr.trim(), 'An error occurred (ResourceNotFoundException) when calling the DescribeCluster operation: No cluster found for name: nope.');
  });
});

describe('EKS API with boto3', { timeout: 60_000 }, () => {
  test('createdAt is a timestamp, paging with maxResults/nextToken, regions and accounts are separate', async () => {
    const script = `
import boto3, json, datetime
from botocore.config import Config
from botocore.exceptions import ClientError
eks = boto3.client('eks', config=Config(retries={'total_max_attempts': 1, 'mode': 'standard'}))
c = eks.describe_cluster(name='demo')['cluster']
res = {'createdAt': c['createdAt'].isoformat(), 'isDate': isinstance(c['createdAt'], datetime.datetime)}
p1 = eks.list_clusters(maxResults=2)
p2 = eks.list_clusters(maxResults=2, nextToken=p1['nextToken'])
res['pages'] = [p1['clusters'], p2['clusters'], 'nextToken' in p2]
res['paginated'] = [n for page in eks.get_paginator('list_clusters').paginate(PaginationConfig={'PageSize': 1}) for n in page['clusters']]
res['east'] = boto3.client('eks', region_name='us-east-1').list_clusters()['clusters']
try:
    eks.describe_cluster(name='east')
except ClientError as e:
    res['eastFromWest'] = [e.response['Error']['Code'], e.response['Error']['Message'], e.response['ResponseMetadata']['HTTPStatusCode']]
print(json.dumps(res))
`;
    const r = await run('python3', ['-c', script], env(keysA));
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.createdAt, '2024-05-01T10:20:30.456000+00:00');
    assert.equal(out.isDate, true);
    assert.deepEqual(out.pages, [['blue', 'demo'], ['green', 'no-issuer'], false]);
    assert.deepEqual(out.paginated, ['blue', 'demo', 'green', 'no-issuer']);
    assert.deepEqual(out.east, ['east']);
    assert.deepEqual(out.eastFromWest, ['ResourceNotFoundException', 'No cluster found for name: east.', 404]);
    const other = await run('aws', ['eks', 'list-clusters', '--output', 'json'], env(keysB));
    assert.deepEqual(JSON.parse(other.stdout), { clusters: ['other-account'] });
  });
});

describe('EKS API with the JS SDK v3', { timeout: 60_000 }, () => {
  test('DescribeCluster shape, errors, throttling, 5xx and signature failures', async () => {
    faults.configure({ services: { eks: { operations: { ListClusters: { throttleRps: 0.0001, throttleBurst: 1 } } } } });
    let r: any;
    try {
      r = await jsSdk(`
const res = {};
const c = (await send('DescribeCluster', { name: 'demo' })).cluster;
res.cluster = { ...c, createdAt: c.createdAt instanceof Date ? c.createdAt.toISOString() : 'not a Date' };
res.noIssuer = 'identity' in (await send('DescribeCluster', { name: 'no-issuer' })).cluster;
res.missing = await err(send('DescribeCluster', { name: 'nope' }));
// The bucket admits one ListClusters: the invalid one, answered before the next is throttled.
res.badMax = await err(send('ListClusters', { maxResults: 0 }));
res.throttled = await err(send('ListClusters', {}));
out(res);
`);
    } finally {
      faults.configure({});
    }
    const c = r.cluster;
    assert.equal(c.name, 'demo');
    assert.equal(c.arn, `arn:aws:eks:us-west-2:${A}:cluster/demo`);
    assert.equal(c.createdAt, '2024-05-01T10:20:30.456Z');
    assert.equal(c.version, '1.31');
    assert.equal(c.endpoint, 'https://127.0.0.1:6443');
    assert.deepEqual(c.identity, { oidc: { issuer: ISSUER } });
    assert.equal(c.status, 'ACTIVE');
    assert.equal(Buffer.from(c.certificateAuthority.data, 'base64').toString(), caPem, 'certificateAuthority.data is the base64 of the CA PEM, as kubeconfigs want it');
    assert.deepEqual(Object.keys(c.resourcesVpcConfig).sort(), ['clusterSecurityGroupId', 'endpointPrivateAccess', 'endpointPublicAccess', 'publicAccessCidrs', 'securityGroupIds', 'subnetIds', 'vpcId']);
    assert.equal(c.resourcesVpcConfig.endpointPublicAccess, true);
    assert.match(c.resourcesVpcConfig.vpcId, /^vpc-[0-9a-f]{17}$/);
    assert.equal(c.roleArn, `arn:aws:iam::${A}:role/demo-cluster-role`);
    assert.deepEqual(c.tags, { team: 'platform' });
    assert.equal(c.kubernetesNetworkConfig.ipFamily, 'ipv4');
    assert.equal(c.logging.clusterLogging[0].enabled, false);
    assert.equal(c.accessConfig.authenticationMode, 'API_AND_CONFIG_MAP');
    assert.equal(r.noIssuer, false);
    assert.deepEqual(r.missing, { name: 'ResourceNotFoundException', message: 'No cluster found for name: nope.', fault: 'client', status: 404 });
    assert.deepEqual(r.throttled, { name: 'TooManyRequestsException', message: 'Too Many Requests', fault: 'client', status: 429 });
    assert.equal(r.badMax.name, 'InvalidParameterException');

    faults.configure({ services: { eks: { errorRate: 1 } } });
    try {
      const e = await jsSdk(`out(await err(send('DescribeCluster', { name: 'demo' })));`);
      assert.deepEqual(e, { name: 'ServerException', message: 'These errors are usually caused by a server-side issue.', fault: 'server', status: 500 });
    } finally {
      faults.configure({});
    }
    const fake = await jsSdk(`out(await err(send('ListClusters', {})));`, { ...keysA, accessKeyId: 'AKIAFAKEFAKEFAKEFAKE' });
    assert.deepEqual(fake, { name: 'UnrecognizedClientException', message: INVALID_TOKEN, fault: 'client', status: 403 });
    const throttleLog = faults.log.filter((e) => e.service === 'eks' && e.fault === 'throttle').map((e) => [e.operation, e.status]);
    assert.deepEqual(throttleLog, [['ListClusters', 429]]);
  });
});
