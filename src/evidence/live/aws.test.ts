// The live AWS collectors against the lab's real HTTPS endpoints, through the real SDK clients.
//
// 1. Agreement with offline: for each world, the facts collectCluster / collectProviders /
//    collectRole produce equal the facts the offline recognisers read from the aws CLI's JSON
//    output of the same calls against the same lab (after dropping sources, normalising dates,
//    and the fields a live call knows and the CLI's output does not carry, which are checked on
//    their own). The CLI runs as one Python process per batch of commands, calling the `aws`
//    entry point's own `create_clidriver().main(args)` per command (the `aws` script is that
//    call): same parsing and printing, without a Python start per command.
// 2. Degradation: lab IAM users with exactly the least privileges, and with each one removed
//    (the lab's IAM and EKS authorize by the caller's identity policies); 5xx and hangs come
//    from the lab's fault knobs.
// 3. The STS probe with tokens the lab's issuer signs, and the clients' environment conventions
//    (endpoint variables, --profile).

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab, type Lab } from '../../lab/lab.js';
import { findWorld } from '../../lab/world.js';
import { readInputs } from '../offline/read.js';
import { join as joinFacts } from '../join.js';
import type { Fact, UnavailableFact } from '../facts.js';
import { describeAwsError, makeAwsClients, type AwsClientOptions, type AwsClients } from './clients.js';
import { collectCluster, collectProviders, collectRole, findClusterByEndpoint, probeWebIdentity, whoAmI } from './aws.js';

const WORLDS = ['healthy', 'cross-account', 'irsa102-role-missing', 'irsa004-thumbprint', 'healthy-self-hosted-issuer', 'irsa105-wrong-namespace'] as const;
type WorldName = (typeof WORLDS)[number];
const labs = new Map<WorldName, Lab>();
let dir: string;

const lab = (w: WorldName): Lab => labs.get(w)!;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'irsa-live-aws-'));
  await Promise.all(WORLDS.map(async (w) => labs.set(w, await startLab({ world: findWorld(w) }))));
});

after(async () => {
  for (const l of labs.values()) await l.stop();
  rmSync(dir, { recursive: true, force: true });
});

function keysOf(l: Lab, account = l.homeAccount) {
  const e = l.env(account);
  return { accessKeyId: e['AWS_ACCESS_KEY_ID']!, secretAccessKey: e['AWS_SECRET_ACCESS_KEY']! };
}

/** Clients pointed at the lab explicitly (the in-process way the demo uses). */
function clientsFor(l: Lab, opts: { account?: string; iam?: string; eks?: string; timeoutMs?: number; maxAttempts?: number } = {}): AwsClients {
  const o: AwsClientOptions = {
    region: l.region,
    ca: l.pki.caPem,
    endpoints: { iam: opts.iam ?? l.iam.url, sts: l.sts.url, eks: opts.eks ?? l.eks.url },
    credentials: keysOf(l, opts.account),
    timeoutMs: opts.timeoutMs ?? 5000,
  };
  if (opts.maxAttempts !== undefined) o.maxAttempts = opts.maxAttempts;
  return makeAwsClients(o);
}

// ---------------------------------------------------------------------------------------------
// The aws CLI

interface CliResult {
  rc: number;
  stdout: string;
  stderr: string;
}

const CLI_BATCH = String.raw`
import json, sys, io, contextlib
from awscli.clidriver import create_clidriver
out = []
for args in json.load(sys.stdin):
    o, e = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(o), contextlib.redirect_stderr(e):
        try:
            rc = create_clidriver().main(args + ['--output', 'json'])
        except SystemExit as x:
            rc = x.code
    out.append({'rc': rc, 'stdout': o.getvalue(), 'stderr': e.getvalue()})
print(json.dumps(out))
`;

function cli(l: Lab, account: string, commands: string[][]): Promise<CliResult[]> {
  if (commands.length === 0) return Promise.resolve([]);
  const env = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: dir,
    AWS_CONFIG_FILE: join(dir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
    AWS_MAX_ATTEMPTS: '1',
    ...l.env(account),
  };
  return new Promise((resolve, reject) => {
    const p = spawn('python3', ['-c', CLI_BATCH], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) reject(new Error(`aws CLI batch failed: ${stderr}`));
      else resolve(JSON.parse(stdout) as CliResult[]);
    });
    p.stdin.end(JSON.stringify(commands));
  });
}

interface Reads {
  account: string;
  providers?: boolean;
  roles?: string[];
  cluster?: string;
}

/** Runs the CLI commands a user would (lists first, then each item), saves their output. */
async function cliFacts(l: Lab, r: Reads, folder: string): Promise<Fact[]> {
  mkdirSync(folder, { recursive: true });
  let n = 0;
  const save = (res: CliResult, what: string) => {
    n++;
    if (res.rc === 0) writeFileSync(join(folder, `${n}-${what}.json`), res.stdout);
    else writeFileSync(join(folder, `${n}-${what}.txt`), res.stderr);
  };
  // Lists and the roles first; a role's listings only when get-role found it (as a user would).
  let round: string[][] = [];
  if (r.providers) round.push(['iam', 'list-open-id-connect-providers']);
  if (r.cluster) round.push(['eks', 'describe-cluster', '--name', r.cluster]);
  for (const role of r.roles ?? []) round.push(['iam', 'get-role', '--role-name', role]);
  while (round.length > 0) {
    const results = await cli(l, r.account, round);
    const next: string[][] = [];
    results.forEach((res, i) => {
      const args = round[i]!;
      save(res, args[1]!);
      if (res.rc !== 0) return;
      const v = JSON.parse(res.stdout) as Record<string, any>;
      switch (args[1]) {
        case 'list-open-id-connect-providers':
          for (const p of v['OpenIDConnectProviderList']) next.push(['iam', 'get-open-id-connect-provider', '--open-id-connect-provider-arn', p.Arn]);
          break;
        case 'get-role':
          next.push(['iam', 'list-attached-role-policies', '--role-name', args[3]!], ['iam', 'list-role-policies', '--role-name', args[3]!]);
          if (v['Role'].PermissionsBoundary) next.push(['iam', 'get-policy', '--policy-arn', v['Role'].PermissionsBoundary.PermissionsBoundaryArn]);
          break;
        case 'list-attached-role-policies':
          for (const p of v['AttachedPolicies']) next.push(['iam', 'get-policy', '--policy-arn', p.PolicyArn]);
          break;
        case 'list-role-policies':
          for (const name of v['PolicyNames']) next.push(['iam', 'get-role-policy', '--role-name', args[3]!, '--policy-name', name]);
          break;
        case 'get-policy':
          next.push(['iam', 'get-policy-version', '--policy-arn', v['Policy'].Arn, '--version-id', v['Policy'].DefaultVersionId]);
          break;
      }
    });
    round = next;
  }
  const read = await readInputs([folder]);
  assert.deepEqual(read.errors, [], read.errors.map(String).join('\n'));
  assert.deepEqual(read.unrecognised, []);
  return read.facts;
}

async function liveFacts(l: Lab, r: Reads): Promise<Fact[]> {
  const c = clientsFor(l, { account: r.account });
  const out: Fact[] = [];
  if (r.providers) out.push(...(await collectProviders(c.iam, r.account)));
  if (r.cluster) out.push(...(await collectCluster(c.eks, { name: r.cluster })));
  for (const role of r.roles ?? []) out.push(...(await collectRole(c.iam, `arn:aws:iam::${r.account}:role/${role}`)));
  return out;
}

/** Checks what only a live call knows, then drops it with the sources, for comparison. */
function comparable(live: Fact[], account: string): unknown[] {
  const managed = new Set(live.flatMap((f) => (f.kind === 'managedPolicy' ? [f.arn] : [])));
  const listed = new Set(live.flatMap((f) => (f.kind === 'providerList' ? f.arns : [])));
  const roles = new Set(live.flatMap((f) => (f.kind === 'role' ? [f.name] : [])));
  for (const f of live) {
    assert.match(f.source.path, /^api:(iam|eks|sts):[A-Za-z]+$/);
    if (f.kind === 'provider') assert.ok(f.arn && listed.has(f.arn), `provider ${f.url} has the ARN of the list`);
    if (f.kind === 'providerList') assert.equal((f as { account?: string }).account, account);
    if (f.kind === 'attachedPolicies' || f.kind === 'inlinePolicyNames') assert.ok(f.roleName && roles.has(f.roleName));
    if (f.kind === 'policyVersion') assert.ok(f.policyArn && managed.has(f.policyArn));
  }
  return normalise(live, true);
}

function normalise(facts: Fact[], live = false): unknown[] {
  return facts
    .map((f) => {
      const { source: _source, ...rest } = f as Fact & Record<string, unknown>;
      if (live) {
        if (rest.kind === 'provider') delete rest['arn'];
        if (rest.kind === 'attachedPolicies' || rest.kind === 'inlinePolicyNames') delete rest['roleName'];
        if (rest.kind === 'policyVersion') delete rest['policyArn'];
        if (rest.kind === 'providerList') delete rest['account'];
      }
      // The CLI prints `2026-11-28T15:08:59Z`, the SDK gives a Date (kept as ISO with ms).
      if (typeof rest['createDate'] === 'string') rest['createDate'] = new Date(rest['createDate']).toISOString();
      return rest;
    })
    .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

const CASES: Array<{ world: WorldName; reads: Reads[]; expect: (facts: Fact[]) => void }> = [
  {
    world: 'healthy',
    reads: [{ account: '111122223333', providers: true, roles: ['EKS-IRSA'], cluster: 'acme-prod-usw2' }],
    expect(facts) {
      const kinds = facts.map((f) => f.kind).sort();
      assert.deepEqual(kinds, ['attachedPolicies', 'cluster', 'inlinePolicyNames', 'managedPolicy', 'policyVersion', 'provider', 'providerList', 'role']);
    },
  },
  {
    world: 'cross-account',
    reads: [
      { account: '111122223333', providers: true, cluster: 'platform-use1' },
      { account: '444455556666', providers: true, roles: ['datalake-reader'] },
    ],
    expect(facts) {
      const { evidence } = joinFacts(facts);
      assert.deepEqual(evidence.providerAccounts.map((a) => [a.account, a.complete, a.providers.length]).sort(), [
        ['111122223333', true, 1],
        ['444455556666', true, 1],
      ]);
    },
  },
  {
    world: 'irsa102-role-missing',
    reads: [{ account: '111122223333', providers: true, roles: ['analytics-etl-runner', 'analytics-etl'], cluster: 'data-prod-usw2' }],
    expect(facts) {
      const nf = facts.filter((f) => f.kind === 'notFound');
      assert.deepEqual(nf.map((f) => (f.kind === 'notFound' ? [f.resource, f.name, f.text] : [])), [
        ['role', 'analytics-etl-runner', 'An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name analytics-etl-runner cannot be found.'],
      ]);
    },
  },
  {
    world: 'irsa004-thumbprint',
    reads: [{ account: '111122223333', providers: true, roles: ['otel-collector'], cluster: 'telemetry-selfhosted' }],
    expect(facts) {
      const p = facts.find((f) => f.kind === 'provider');
      assert.ok(p?.kind === 'provider');
      assert.deepEqual(p.thumbprints, ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280']);
      assert.ok(facts.some((f) => f.kind === 'inlinePolicy' && f.policyName === 'xray-and-metrics'));
    },
  },
  {
    world: 'healthy-self-hosted-issuer',
    reads: [{ account: '111122223333', providers: true, roles: ['otel-collector'], cluster: 'telemetry-selfhosted' }],
    expect(facts) {
      const p = facts.find((f) => f.kind === 'provider');
      assert.ok(p?.kind === 'provider');
      const issuer = lab('healthy-self-hosted-issuer').clusters.get('telemetry-selfhosted')!.issuer!;
      assert.deepEqual([...p.thumbprints].sort(), [...issuer.thumbprints].sort());
      assert.equal(p.thumbprints.length, 2);
    },
  },
];

describe('live facts equal the offline facts of the aws CLI output of the same calls', () => {
  for (const c of CASES) {
    test(c.world, { timeout: 120_000 }, async () => {
      const l = lab(c.world);
      const all: Fact[] = [];
      for (const [i, r] of c.reads.entries()) {
        const [offline, live] = await Promise.all([cliFacts(l, r, join(dir, c.world, String(i))), liveFacts(l, r)]);
        assert.deepEqual(comparable(live, r.account), normalise(offline));
        assert.ok(live.every((f) => f.kind !== 'unavailable'));
        all.push(...live);
      }
      c.expect(all);
    });
  }
});

// ---------------------------------------------------------------------------------------------

describe('collectors', () => {
  test('the cluster fact: issuer, region from the ARN, endpoint and its access', async () => {
    const l = lab('healthy');
    const h = l.clusters.get('acme-prod-usw2')!;
    const facts = await collectCluster(clientsFor(l).eks, { name: 'acme-prod-usw2' });
    assert.deepEqual(facts, [
      {
        kind: 'cluster',
        source: { path: 'api:eks:DescribeCluster' },
        issuer: h.issuer!.url,
        name: 'acme-prod-usw2',
        arn: 'arn:aws:eks:us-west-2:111122223333:cluster/acme-prod-usw2',
        version: '1.31',
        endpoint: h.kube.url,
        status: 'ACTIVE',
        endpointPublicAccess: true,
        endpointPrivateAccess: true,
        region: 'us-west-2',
      },
    ]);
  });

  test('a missing cluster is a NotFoundFact in the aws CLI wording', async () => {
    const facts = await collectCluster(clientsFor(lab('healthy')).eks, { name: 'nope' });
    assert.deepEqual(facts, [
      { kind: 'notFound', source: { path: 'api:eks:DescribeCluster' }, resource: 'cluster', name: 'nope', text: 'An error occurred (ResourceNotFoundException) when calling the DescribeCluster operation: No cluster found for name: nope.' },
    ]);
  });

  test('findClusterByEndpoint matches the kubeconfig server URL through ListClusters and DescribeCluster', async () => {
    const l = lab('healthy');
    const url = l.clusters.get('acme-prod-usw2')!.kube.url;
    const eks = clientsFor(l).eks;
    const hit = await findClusterByEndpoint(eks, `${url.toUpperCase().replace('HTTPS', 'https')}/`);
    assert.equal(hit.name, 'acme-prod-usw2');
    assert.equal(hit.searched, 1);
    assert.deepEqual(hit.facts.map((f) => f.kind), ['cluster']);
    const miss = await findClusterByEndpoint(eks, 'https://127.0.0.1:1');
    assert.deepEqual(miss, { name: undefined, facts: [], searched: 1 });
  });

  test('several subjects sharing a role cost one call set', async () => {
    const l = lab('healthy');
    const c = clientsFor(l);
    const before = l.faults.counts();
    const arn = 'arn:aws:iam::111122223333:role/EKS-IRSA';
    const [a, b] = await Promise.all([collectRole(c.iam, arn), collectRole(c.iam, arn)]);
    const again = await collectRole(c.iam, arn);
    assert.deepEqual(a, b);
    assert.deepEqual(a, again);
    const after = l.faults.counts();
    const delta = (op: string) => (after[op] ?? 0) - (before[op] ?? 0);
    assert.deepEqual(
      ['iam:GetRole', 'iam:ListAttachedRolePolicies', 'iam:ListRolePolicies', 'iam:GetPolicy', 'iam:GetPolicyVersion'].map(delta),
      [1, 1, 1, 1, 1],
    );
  });

  test('a role in another account is not read with credentials for this one', async () => {
    const l = lab('cross-account');
    const c = clientsFor(l); // home account 111122223333
    const arn = 'arn:aws:iam::444455556666:role/datalake-reader';
    const before = l.faults.counts()['iam:GetRole'] ?? 0;
    assert.deepEqual(await collectRole(c.iam, arn, { account: '111122223333' }), [
      {
        kind: 'unavailable',
        source: { path: 'api:iam:GetRole' },
        what: `role:${arn}`,
        reason: 'the role is in account 444455556666 and the AWS credentials read account 111122223333: give credentials for account 444455556666 (--role-profile)',
      },
    ]);
    assert.equal(l.faults.counts()['iam:GetRole'] ?? 0, before);
    // With that account's credentials it is read.
    const facts = await collectRole(clientsFor(l, { account: '444455556666' }).iam, arn, { account: '444455556666' });
    assert.equal(facts[0]?.kind, 'role');
  });

  test('whoAmI names the home account', async () => {
    const l = lab('cross-account');
    const me = await whoAmI(clientsFor(l).sts);
    assert.ok(me.ok);
    assert.deepEqual([me.arn, me.account, typeof me.userId], ['arn:aws:iam::111122223333:user/lab-admin', '111122223333', 'string']);
    const other = await whoAmI(clientsFor(l, { account: '444455556666' }).sts);
    assert.ok(other.ok);
    assert.equal(other.account, '444455556666');
  });
});

// ---------------------------------------------------------------------------------------------
// Denials: lab IAM users whose identity policies allow all but one of the calls the collectors
// make. The lab's IAM and EKS authorize every call by the caller's identity policies and answer
// a refusal with AWS's AccessDenied / AccessDeniedException and IAM's sentence.

const ADMIN = 'arn:aws:iam::111122223333:user/lab-admin';

/** Every permission the AWS collectors use (GetCallerIdentity needs none). */
const LEAST = [
  'eks:DescribeCluster',
  'eks:ListClusters',
  'iam:GetOpenIDConnectProvider',
  'iam:GetPolicy',
  'iam:GetPolicyVersion',
  'iam:GetRole',
  'iam:GetRolePolicy',
  'iam:ListAttachedRolePolicies',
  'iam:ListOpenIDConnectProviders',
  'iam:ListRolePolicies',
] as const;
type Permission = (typeof LEAST)[number];

let users = 0;
/** Clients for a new lab user of the home account allowed exactly `allow`. */
function userClients(l: Lab, allow: readonly string[]): { clients: AwsClients; arn: string } {
  const name = `reader-${++users}`;
  const statements = allow.length ? [{ Effect: 'Allow', Action: [...allow], Resource: '*' }] : [];
  const { user, credential } = l.state.createUser(l.homeAccount, name, [{ name: 'irsa-doctor', document: { Version: '2012-10-17', Statement: statements } }]);
  const clients = makeAwsClients({
    region: l.region,
    ca: l.pki.caPem,
    endpoints: { iam: l.iam.url, sts: l.sts.url, eks: l.eks.url },
    credentials: { accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey },
    timeoutMs: 5000,
  });
  return { clients, arn: user.arn };
}

async function collectAll(c: AwsClients, account: string, cluster: string, roleArn: string): Promise<Fact[]> {
  return (await Promise.all([collectCluster(c.eks, { name: cluster }), collectProviders(c.iam, account), collectRole(c.iam, roleArn, { account })])).flat();
}

/** What each missing permission must mark unavailable, and the facts it takes away. */
function expectedWithout(p: Permission, admin: Fact[], roleArn: string): { whats: string[]; removed: (f: Fact) => boolean } {
  const attached = admin.flatMap((f) => (f.kind === 'attachedPolicies' ? f.policies.map((x) => x.arn) : []));
  const boundary = admin.flatMap((f) => (f.kind === 'role' && f.permissionsBoundaryArn ? [f.permissionsBoundaryArn] : []));
  const inline = admin.filter((f) => f.kind === 'inlinePolicy');
  const providers = admin.flatMap((f) => (f.kind === 'providerList' ? f.arns : []));
  const isPolicyFact = (f: Fact, arns: string[]) => (f.kind === 'managedPolicy' && arns.includes(f.arn)) || (f.kind === 'policyVersion' && arns.includes(f.policyArn ?? ''));
  switch (p) {
    case 'eks:DescribeCluster':
      return { whats: ['cluster'], removed: (f) => f.kind === 'cluster' };
    case 'eks:ListClusters':
      return { whats: [], removed: () => false };
    case 'iam:ListOpenIDConnectProviders':
      return { whats: [`providers:${roleArn.split(':')[4]}`], removed: (f) => f.kind === 'providerList' || f.kind === 'provider' };
    case 'iam:GetOpenIDConnectProvider':
      return { whats: providers.map((a) => `provider:${a}`), removed: (f) => f.kind === 'provider' };
    case 'iam:GetRole':
      return { whats: [`role:${roleArn}`], removed: (f) => ['role', 'attachedPolicies', 'inlinePolicyNames', 'inlinePolicy', 'managedPolicy', 'policyVersion'].includes(f.kind) };
    case 'iam:ListAttachedRolePolicies':
      return { whats: [`attachedPolicies:${roleArn}`], removed: (f) => f.kind === 'attachedPolicies' || isPolicyFact(f, attached.filter((a) => !boundary.includes(a))) };
    case 'iam:ListRolePolicies':
      return { whats: [`inlinePolicies:${roleArn}`], removed: (f) => f.kind === 'inlinePolicyNames' || f.kind === 'inlinePolicy' };
    case 'iam:GetRolePolicy':
      return { whats: inline.map(() => `inlinePolicies:${roleArn}`), removed: (f) => f.kind === 'inlinePolicy' };
    case 'iam:GetPolicy':
      return { whats: [...attached, ...boundary].map((a) => `policy:${a}`), removed: (f) => f.kind === 'managedPolicy' || f.kind === 'policyVersion' };
    case 'iam:GetPolicyVersion':
      return { whats: [...attached, ...boundary].map((a) => `policy:${a}`), removed: (f) => f.kind === 'policyVersion' };
  }
}

const strip = (facts: Fact[]) => normalise(facts);

describe('with exactly the least privileges the collectors work; with one fewer they say precisely what is missing', () => {
  const SETUPS = [
    { world: 'healthy', cluster: 'acme-prod-usw2', role: 'EKS-IRSA' },
    { world: 'irsa004-thumbprint', cluster: 'telemetry-selfhosted', role: 'otel-collector' },
  ] as const;
  for (const s of SETUPS) {
    test(`${s.world}: the least-privilege user collects what the administrator does`, async () => {
      const l = lab(s.world);
      const roleArn = `arn:aws:iam::${l.homeAccount}:role/${s.role}`;
      const admin = await collectAll(clientsFor(l), l.homeAccount, s.cluster, roleArn);
      const { clients } = userClients(l, LEAST);
      const facts = await collectAll(clients, l.homeAccount, s.cluster, roleArn);
      assert.deepEqual(strip(facts), strip(admin));
      assert.ok(!facts.some((f) => f.kind === 'unavailable'));
      const me = await whoAmI(clients.sts);
      assert.ok(me.ok && me.account === l.homeAccount);
    });

    for (const missing of LEAST) {
      test(`${s.world}: without ${missing}`, async () => {
        const l = lab(s.world);
        const roleArn = `arn:aws:iam::${l.homeAccount}:role/${s.role}`;
        const admin = await collectAll(clientsFor(l), l.homeAccount, s.cluster, roleArn);
        const { clients, arn: userArn } = userClients(l, LEAST.filter((p) => p !== missing));
        const facts = await collectAll(clients, l.homeAccount, s.cluster, roleArn);
        const exp = expectedWithout(missing, admin, roleArn);
        const gone = facts.filter((f): f is UnavailableFact => f.kind === 'unavailable');
        assert.deepEqual(gone.map((u) => u.what).sort(), [...exp.whats].sort());
        for (const u of gone) {
          assert.equal(u.permission, missing);
          assert.equal(u.source.path, `api:${missing}`);
          const code = missing.startsWith('eks:') ? 'AccessDeniedException' : 'AccessDenied';
          assert.match(u.reason, new RegExp(`^${code}: User: ${userArn.replace(/[/.]/g, '\\$&')} is not authorized to perform: ${missing} on resource: \\S.* because no identity-based policy allows the ${missing} action$`));
        }
        assert.deepEqual(strip(facts.filter((f) => f.kind !== 'unavailable')), strip(admin.filter((f) => !exp.removed(f))));
      });
    }
  }

  test('the join turns a denial into unknown evidence that names the permission', async () => {
    const l = lab('healthy');
    const roleArn = 'arn:aws:iam::111122223333:role/EKS-IRSA';
    const sa = { kind: 'k8sObject' as const, source: { path: 'sa' }, object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'irsa', namespace: 'my-app', annotations: { 'eks.amazonaws.com/role-arn': roleArn } } } };
    const noRole = await collectAll(userClients(l, LEAST.filter((p) => p !== 'iam:GetRole')).clients, l.homeAccount, 'acme-prod-usw2', roleArn);
    const role = joinFacts([...noRole, sa], { mode: 'live' }).subjects[0]!.role;
    assert.ok(role.state === 'unknown' && role.settle === 'the permission iam:GetRole');
    assert.match(role.state === 'unknown' ? role.reason : '', /^AccessDenied: User: arn:aws:iam::111122223333:user\/reader-\d+ is not authorized to perform: iam:GetRole on resource: role EKS-IRSA because/);

    const noLists = await collectAll(userClients(l, LEAST.filter((p) => p !== 'iam:ListAttachedRolePolicies' && p !== 'iam:ListRolePolicies')).clients, l.homeAccount, 'acme-prod-usw2', roleArn);
    const r = joinFacts([...noLists, sa], { mode: 'live' }).evidence.roles.get(roleArn);
    assert.ok(r?.state === 'found');
    assert.ok(r.value.attached.state === 'unknown' && r.value.attached.settle === 'the permission iam:ListAttachedRolePolicies');
    assert.ok(r.value.inline.state === 'unknown' && r.value.inline.settle === 'the permission iam:ListRolePolicies');
  });

  test('findClusterByEndpoint without eks:ListClusters, and without eks:DescribeCluster', async () => {
    const l = lab('healthy');
    const url = l.clusters.get('acme-prod-usw2')!.kube.url;
    const noList = userClients(l, LEAST.filter((p) => p !== 'eks:ListClusters'));
    const a = await findClusterByEndpoint(noList.clients.eks, url);
    assert.equal(a.name, undefined);
    assert.deepEqual(a.facts, [
      {
        kind: 'unavailable',
        source: { path: 'api:eks:ListClusters' },
        what: 'cluster',
        reason: `AccessDeniedException: User: ${noList.arn} is not authorized to perform: eks:ListClusters on resource: arn:aws:eks:us-west-2:111122223333:cluster/* because no identity-based policy allows the eks:ListClusters action`,
        permission: 'eks:ListClusters',
      },
    ]);
    const noDescribe = userClients(l, LEAST.filter((p) => p !== 'eks:DescribeCluster'));
    const b = await findClusterByEndpoint(noDescribe.clients.eks, url);
    assert.equal(b.name, undefined);
    assert.equal(b.facts.length, 1);
    const u = b.facts[0] as UnavailableFact;
    assert.deepEqual([u.what, u.permission, u.source.path], ['cluster', 'eks:DescribeCluster', 'api:eks:DescribeCluster']);
    assert.match(u.reason, /^no cluster listed has endpoint https:\/\/\S+, and 1 of 1 could not be described \(acme-prod-usw2\): AccessDeniedException: User: /);
  });
});

describe('failures that are not denials carry the reason and no permission', () => {
  test('GetRole answering 5xx on every attempt', { timeout: 30_000 }, async () => {
    const l = lab('healthy');
    l.faults.configure({ services: { iam: { operations: { GetRole: { errorRate: 1 } } } } });
    try {
      const facts = await collectRole(clientsFor(l, { maxAttempts: 2 }).iam, 'arn:aws:iam::111122223333:role/EKS-IRSA');
      assert.deepEqual(facts, [
        {
          kind: 'unavailable',
          source: { path: 'api:iam:GetRole' },
          what: 'role:arn:aws:iam::111122223333:role/EKS-IRSA',
          reason: 'ServiceFailure: The request processing has failed because of an unknown error, exception or failure. (HTTP 500, 2 attempts)',
        },
      ]);
    } finally {
      l.faults.configure({});
    }
  });

  test('a hung DescribeCluster ends at the request timeout', { timeout: 30_000 }, async () => {
    const l = lab('healthy');
    l.faults.configure({ services: { eks: { hangRate: 1 } } });
    try {
      const facts = await collectCluster(clientsFor(l, { timeoutMs: 300, maxAttempts: 2 }).eks, { name: 'acme-prod-usw2' });
      assert.equal(facts.length, 1);
      const u = facts[0] as UnavailableFact;
      assert.equal(u.kind, 'unavailable');
      assert.equal(u.what, 'cluster');
      assert.equal(u.permission, undefined);
      assert.match(u.reason, /^TimeoutError: a request has exceeded the configured 300 ms requestTimeout\./);
    } finally {
      l.faults.configure({});
    }
  });

  test('describeAwsError reads the code the service sent', () => {
    const e = Object.assign(new Error('The role with name x cannot be found.'), { name: 'NoSuchEntityException', Code: 'NoSuchEntity', $fault: 'client', $metadata: { httpStatusCode: 404, attempts: 1 } });
    assert.deepEqual(describeAwsError(e), { code: 'NoSuchEntity', message: 'The role with name x cannot be found.', status: 404, fault: 'client', attempts: 1 });
    const net = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', $metadata: { attempts: 3 } });
    assert.deepEqual(describeAwsError(net), { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1', attempts: 3 });
  });
});

// ---------------------------------------------------------------------------------------------

describe('STS probe', () => {
  async function tokenFor(l: Lab, cluster: string, namespace: string, serviceAccount: string) {
    const issuer = l.clusters.get(cluster)!.issuer!.issuer;
    const { token } = await issuer.sign({ namespace, serviceAccount, serviceAccountUid: randomUUID(), audiences: ['sts.amazonaws.com'], expirationSeconds: 3600 });
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    return { token, claims };
  }

  test('healthy: ok with the assumed role; no credential or token in the fact', async () => {
    const l = lab('healthy');
    const { token, claims } = await tokenFor(l, 'acme-prod-usw2', 'my-app', 'irsa');
    const roleArn = 'arn:aws:iam::111122223333:role/EKS-IRSA';
    const facts = await probeWebIdentity(clientsFor(l).sts, { roleArn, token, namespace: 'my-app', serviceAccount: 'irsa', claims, sessionName: 'irsa-doctor-test' });
    assert.deepEqual(facts, [
      {
        kind: 'probe',
        source: { path: 'api:sts:AssumeRoleWithWebIdentity' },
        namespace: 'my-app',
        serviceAccount: 'irsa',
        roleArn,
        claims,
        outcome: { ok: true, assumedRoleArn: 'arn:aws:sts::111122223333:assumed-role/EKS-IRSA/irsa-doctor-test' },
      },
    ]);
    const text = JSON.stringify(facts);
    assert.ok(!text.includes(token) && !text.includes(token.split('.')[2]!));
    assert.doesNotMatch(text, /ASIA|SecretAccessKey|SessionToken|secretAccessKey|sessionToken/);
  });

  test('irsa105-wrong-namespace: AccessDenied with STS\'s exact message', async () => {
    const l = lab('irsa105-wrong-namespace');
    const { token, claims } = await tokenFor(l, 'finance-prod-usw2', 'finance', 'ledger-sync');
    const facts = await probeWebIdentity(clientsFor(l).sts, { roleArn: 'arn:aws:iam::111122223333:role/ledger-sync', token, namespace: 'finance', serviceAccount: 'ledger-sync', claims });
    assert.equal(facts.length, 1);
    const p = facts[0]!;
    assert.ok(p.kind === 'probe');
    assert.deepEqual(p.outcome, { ok: false, code: 'AccessDenied', message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity', status: 403 });
    assert.ok(!JSON.stringify(facts).includes(token));
  });

  test('STS never answering: the probe is unavailable, not a verdict', { timeout: 30_000 }, async () => {
    const l = lab('healthy');
    const { token, claims } = await tokenFor(l, 'acme-prod-usw2', 'my-app', 'irsa');
    l.faults.configure({ services: { sts: { hangRate: 1 } } });
    try {
      const facts = await probeWebIdentity(clientsFor(l, { timeoutMs: 300, maxAttempts: 1 }).sts, { roleArn: 'arn:aws:iam::111122223333:role/EKS-IRSA', token, namespace: 'my-app', serviceAccount: 'irsa', claims });
      assert.equal(facts.length, 1);
      const u = facts[0] as UnavailableFact;
      assert.equal(u.kind, 'unavailable');
      assert.equal(u.what, 'probe:my-app/irsa');
      assert.match(u.reason, /^TimeoutError: /);
    } finally {
      l.faults.configure({});
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('clients follow the user\'s environment', () => {
  const VARS = ['AWS_ENDPOINT_URL_IAM', 'AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL_EKS', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_EC2_METADATA_DISABLED'];
  let saved: Record<string, string | undefined>;
  before(() => {
    saved = Object.fromEntries(VARS.map((k) => [k, process.env[k]]));
  });
  after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  function useLabEnv(l: Lab, extra: Record<string, string> = {}) {
    for (const k of VARS) delete process.env[k];
    const e = l.env();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_IAM: e['AWS_ENDPOINT_URL_IAM'],
      AWS_ENDPOINT_URL_STS: e['AWS_ENDPOINT_URL_STS'],
      AWS_ENDPOINT_URL_EKS: e['AWS_ENDPOINT_URL_EKS'],
      AWS_ACCESS_KEY_ID: e['AWS_ACCESS_KEY_ID'],
      AWS_SECRET_ACCESS_KEY: e['AWS_SECRET_ACCESS_KEY'],
      AWS_REGION: e['AWS_REGION'],
      AWS_CONFIG_FILE: join(dir, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      ...extra,
    });
  }

  test('AWS_ENDPOINT_URL_IAM/_STS/_EKS and the default chain, with no endpoint in code', async () => {
    const l = lab('healthy');
    useLabEnv(l);
    const c = makeAwsClients({ ca: l.pki.caPem });
    assert.deepEqual(await whoAmI(c.sts).then((w) => w.ok && w.arn), ADMIN);
    assert.deepEqual((await collectCluster(c.eks, { name: 'acme-prod-usw2' })).map((f) => f.kind), ['cluster']);
    assert.deepEqual((await collectRole(c.iam, 'arn:aws:iam::111122223333:role/EKS-IRSA'))[0]?.kind, 'role');
  });

  test('--profile reads that profile, for these clients only', async () => {
    const l = lab('cross-account');
    useLabEnv(l);
    // The SDK warns when both AWS_PROFILE (or a client profile) and env keys are set: the user
    // who passes --profile has no keys in the environment.
    delete process.env['AWS_ACCESS_KEY_ID'];
    delete process.env['AWS_SECRET_ACCESS_KEY'];
    const other = keysOf(l, '444455556666');
    const creds = join(dir, 'credentials');
    const config = join(dir, 'config');
    writeFileSync(creds, `[data]\naws_access_key_id = ${other.accessKeyId}\naws_secret_access_key = ${other.secretAccessKey}\n`);
    writeFileSync(config, `[profile data]\nregion = ${l.region}\n`);
    process.env['AWS_SHARED_CREDENTIALS_FILE'] = creds;
    process.env['AWS_CONFIG_FILE'] = config;
    delete process.env['AWS_REGION'];
    const c = makeAwsClients({ ca: l.pki.caPem, profile: 'data' });
    const me = await whoAmI(c.sts);
    assert.ok(me.ok);
    assert.equal(me.account, '444455556666');
    // Without the profile, no credentials at all: whoAmI says so instead of throwing.
    const none = await whoAmI(makeAwsClients({ ca: l.pki.caPem, region: l.region, maxAttempts: 1 }).sts);
    assert.ok(!none.ok);
    assert.equal(none.error.code, 'CredentialsProviderError');
  });
});
