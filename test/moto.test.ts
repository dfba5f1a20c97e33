// The live AWS collectors against moto_server, an AWS emulator no one here wrote: the IAM reads
// and EKS DescribeCluster that moto supports give the same facts the collectors produce against
// the lab, and the checks judge them.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand, AttachRolePolicyCommand, CreatePolicyCommand } from '@aws-sdk/client-iam';
import { CreateClusterCommand } from '@aws-sdk/client-eks';
import { makeAwsClients, type AwsClients } from '../src/evidence/live/clients.js';
import { collectCluster, collectProviders, collectRole } from '../src/evidence/live/aws.js';
import { diagnoseFacts } from '../src/core/diagnose.js';
import type { Fact } from '../src/evidence/facts.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const ACCOUNT = '123456789012'; // moto's default account
let moto: ChildProcess;
let clients: AwsClients;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

before(async () => {
  const port = await freePort();
  moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`${url}/moto-api/`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  clients = makeAwsClients({ region: 'us-west-2', endpoints: { iam: url, sts: url, eks: url }, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, timeoutMs: 10_000 });
});
after(() => {
  moto.kill();
});

describe('live collectors against moto_server', () => {
  test('cluster, provider and role facts, judged by the checks', { timeout: 60_000 }, async () => {
    const created = await clients.eks.send(
      new CreateClusterCommand({ name: 'prod', roleArn: `arn:aws:iam::${ACCOUNT}:role/eks`, resourcesVpcConfig: { subnetIds: ['subnet-1'] }, version: '1.30' }),
    );
    const issuer = created.cluster?.identity?.oidc?.issuer;
    assert.ok(issuer?.startsWith('https://'), `moto gives the cluster an issuer: ${issuer}`);
    const hostPath = issuer!.replace('https://', '');
    await clients.iam.send(new CreateOpenIDConnectProviderCommand({ Url: issuer!, ClientIDList: ['sts.amazonaws.com'], ThumbprintList: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'] }));
    const trust = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${hostPath}` },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${hostPath}:sub`]: 'system:serviceaccount:payments:api', [`${hostPath}:aud`]: 'sts.amazonaws.com' } },
        },
      ],
    };
    await clients.iam.send(new CreateRoleCommand({ RoleName: 'payments-api', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    const policy = await clients.iam.send(
      new CreatePolicyCommand({ PolicyName: 'read-bucket', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }) }),
    );
    await clients.iam.send(new AttachRolePolicyCommand({ RoleName: 'payments-api', PolicyArn: policy.Policy!.Arn! }));

    const roleArn = `arn:aws:iam::${ACCOUNT}:role/payments-api`;
    const facts: Fact[] = [
      ...(await collectCluster(clients.eks, { name: 'prod' })),
      ...(await collectProviders(clients.iam, ACCOUNT)),
      ...(await collectRole(clients.iam, roleArn, { account: ACCOUNT })),
    ];
    assert.deepEqual(facts.filter((f) => f.kind === 'unavailable'), []);
    const role = facts.find((f) => f.kind === 'role');
    assert.deepEqual(role?.kind === 'role' && role.trustPolicy, trust, 'the URL-encoded trust policy is decoded');
    const provider = facts.find((f) => f.kind === 'provider');
    assert.deepEqual(provider?.kind === 'provider' && provider.clientIds, ['sts.amazonaws.com']);
    assert.ok(facts.some((f) => f.kind === 'policyVersion' && f.policyArn === policy.Policy!.Arn), 'the attached policy document');

    // The Kubernetes side as a user would paste it: the annotated account and its pod.
    facts.push(
      { kind: 'k8sObject', source: { path: 'sa.yaml' }, object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'api', namespace: 'payments', annotations: { 'eks.amazonaws.com/role-arn': roleArn } } } },
      { kind: 'k8sObject', source: { path: 'pod.yaml' }, object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'api-0', namespace: 'payments' }, spec: { serviceAccountName: 'api', containers: [{ name: 'api' }] } } },
    );
    const s = diagnoseFacts(facts, { mode: 'live', intent: { action: 's3:GetObject' } }).subjects[0]!;
    const status = (id: string) => s.findings.find((f) => f.check === id)?.status;
    for (const id of ['IRSA001', 'IRSA002', 'IRSA003', 'IRSA101', 'IRSA102', 'IRSA103', 'IRSA104', 'IRSA105', 'IRSA106', 'IRSA107', 'IRSA108']) assert.equal(status(id), 'pass', id);
    // The pod was pasted unmutated: the webhook's injection is missing.
    assert.equal(status('IRSA302'), 'fail');
  });

  test('a role moto does not have is NotFound, not unavailable', { timeout: 30_000 }, async () => {
    const facts = await collectRole(clients.iam, `arn:aws:iam::${ACCOUNT}:role/nope`, { account: ACCOUNT });
    assert.deepEqual(
      facts.map((f) => f.kind),
      ['notFound'],
    );
  });
});
