// The lab is only worth what real clients confirm. For every shipped world: start the lab, and
// for each workload pod run boto3's default credential chain with exactly the pod's environment
// and a token that `kubectl create token` gave for its service account (the audience of its
// aws-iam-token volume). The outcome must be what the world says the application sees: the
// assumed role for healthy worlds, the exact STS error code and message for broken ones, and no
// credentials at all when the pod was never given a role (the node role, which the lab does not
// have). Also: `irsa-doctor lab up` as a user runs it, and the article's aws/kubectl commands.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab, type Lab } from './lab.js';
import { shippedWorlds, type World } from './world.js';
import { substitute } from './apply.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d));
    p.stderr.on('data', (d: Buffer) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    p.stdin.end(input ?? '');
  });
}

let home: string;
before(() => {
  home = mkdtempSync(join(tmpdir(), 'irsa-fidelity-'));
});
after(() => rmSync(home, { recursive: true, force: true }));

/** A clean environment: nothing of the developer's AWS or kube config leaks in. */
function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'none-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'none-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

interface PodEnv {
  context: string;
  namespace: string;
  name: string;
  serviceAccount: string;
  env: Record<string, string>;
  audience?: string;
}

async function podsOf(lab: Lab, kubeEnv: NodeJS.ProcessEnv): Promise<PodEnv[]> {
  const out: PodEnv[] = [];
  for (const c of lab.clusters.values()) out.push(...(await podsIn(c.cluster.arn, kubeEnv)));
  return out;
}

async function podsIn(context: string, kubeEnv: NodeJS.ProcessEnv): Promise<PodEnv[]> {
  const r = await run('kubectl', ['--context', context, 'get', 'pods', '-A', '-o', 'json'], kubeEnv);
  assert.equal(r.code, 0, r.stderr);
  const list = JSON.parse(r.stdout) as { items: Array<{ metadata: { name: string; namespace: string }; spec: { serviceAccountName?: string; containers: Array<{ env?: Array<{ name: string; value?: string }> }>; volumes?: Array<{ name: string; projected?: { sources: Array<{ serviceAccountToken?: { audience?: string } }> } }> } }> };
  return list.items
    .filter((p) => !p.metadata.namespace.startsWith('kube-'))
    .map((p) => {
      const env: Record<string, string> = {};
      for (const e of p.spec.containers[0]?.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
      const vol = p.spec.volumes?.find((v) => v.name === 'aws-iam-token');
      const audience = vol?.projected?.sources.find((s) => s.serviceAccountToken)?.serviceAccountToken?.audience;
      return { context, namespace: p.metadata.namespace, name: p.metadata.name, serviceAccount: p.spec.serviceAccountName ?? 'default', env, ...(audience ? { audience } : {}) };
    });
}

const PY = `
import json, sys, boto3, botocore.exceptions
try:
    print(json.dumps({"ok": boto3.client("sts").get_caller_identity()["Arn"]}))
except botocore.exceptions.ClientError as e:
    print(json.dumps({"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"], "operation": e.operation_name}))
except botocore.exceptions.NoCredentialsError as e:
    print(json.dumps({"noCredentials": str(e)}))
`;

async function asPod(lab: Lab, pod: PodEnv, kubeEnv: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const env: Record<string, string> = { ...pod.env };
  if (env['AWS_WEB_IDENTITY_TOKEN_FILE']) {
    const t = await run('kubectl', ['--context', pod.context, 'create', 'token', pod.serviceAccount, '-n', pod.namespace, '--audience', pod.audience ?? 'sts.amazonaws.com'], kubeEnv);
    assert.equal(t.code, 0, t.stderr);
    const file = join(home, `${pod.namespace}-${pod.name}.token`);
    writeFileSync(file, t.stdout.trim());
    env['AWS_WEB_IDENTITY_TOKEN_FILE'] = file;
  }
  const r = await run('python3', ['-c', PY], baseEnv({ ...env, AWS_ENDPOINT_URL_STS: lab.sts.url, AWS_CA_BUNDLE: lab.caPath, AWS_DEFAULT_REGION: env['AWS_REGION'] ?? lab.region }));
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, string>;
}

const STS_ERROR = /^An error occurred \((\w+)\) when calling the AssumeRoleWithWebIdentity operation: (.+)$/s;

function expectation(w: World): { kind: 'error'; code: string; message: string } | { kind: 'role'; role: string } | { kind: 'noCredentials' } | undefined {
  const s = (w.symptom ?? '').replace(/\s+/g, ' ').trim();
  const m = STS_ERROR.exec(s);
  if (m) return { kind: 'error', code: m[1]!, message: m[2]! };
  const ok = /^None: `aws sts get-caller-identity` in the pod prints (arn:[^\s]+)/.exec(s);
  if (ok) return { kind: 'role', role: ok[1]!.split('/')[1]! };
  if (/^No STS call: /.test(s)) return { kind: 'noCredentials' };
  return undefined;
}

const worlds = shippedWorlds();

describe('every world, seen by boto3 from inside its pods', () => {
  test('most worlds state a symptom this harness can check', () => {
    const checkable = worlds.filter((w) => expectation(w));
    assert.ok(checkable.length >= 25, `${checkable.length} of ${worlds.length}`);
  });
  for (const w of worlds.filter((x) => expectation(x))) {
    test(w.name, { timeout: 120_000 }, async () => {
      const lab = await startLab({ world: w });
      try {
        const kubeEnv = baseEnv({ KUBECONFIG: lab.kubeconfigPath });
        const exp = expectation(w)!;
        const pods = await podsOf(lab, kubeEnv);
        assert.ok(pods.length > 0, 'the world has pods');
        const outcomes: Array<Record<string, string>> = [];
        for (const p of pods) outcomes.push({ pod: `${p.namespace}/${p.name}`, ...(await asPod(lab, p, kubeEnv)) });
        const vars: Record<string, string> = {};
        const first = [...lab.clusters.values()][0]!;
        vars['ISSUER_HOSTPATH'] = first.cluster.issuer.replace(/^https:\/\//, '');
        for (const c of lab.clusters.values()) vars[`ISSUER_HOSTPATH:${c.cluster.name}`] = c.cluster.issuer.replace(/^https:\/\//, '');
        if (exp.kind === 'error') {
          const message = substitute(exp.message, vars, w.name);
          assert.ok(
            outcomes.some((o) => o['code'] === exp.code && o['message'] === message),
            `expected ${exp.code}: ${message}\nsaw ${JSON.stringify(outcomes, null, 1)}`,
          );
        } else if (exp.kind === 'role') {
          assert.ok(
            outcomes.some((o) => typeof o['ok'] === 'string' && o['ok'].includes(`:assumed-role/${exp.role}/botocore-session-`)),
            `expected the role ${exp.role}\nsaw ${JSON.stringify(outcomes, null, 1)}`,
          );
        } else {
          assert.ok(outcomes.some((o) => 'noCredentials' in o), `expected no credentials\nsaw ${JSON.stringify(outcomes, null, 1)}`);
        }
      } finally {
        await lab.stop();
      }
    });
  }
});

describe('irsa-doctor lab up, as a user runs it', () => {
  test('healthy world: the env file points kubectl and the aws CLI at the lab; SIGTERM stops it', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'irsa-labup-'));
    const envFile = join(dir, 'lab.env');
    const main = new URL('../cli/main.ts', import.meta.url).pathname;
    const child = spawn(process.execPath, ['--import', 'tsx', '--', main, 'lab', 'up', '--world', 'healthy', '--env-file', envFile], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    const exited = new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
    try {
      for (let i = 0; i < 200 && !out.includes('Stop with Ctrl-C'); i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(existsSync(envFile), `no env file; stderr: ${err}`);
      const vars: Record<string, string> = {};
      for (const line of readFileSync(envFile, 'utf8').split('\n')) {
        const m = /^export (\w+)='(.*)'$/.exec(line);
        if (m) vars[m[1]!] = m[2]!;
      }
      for (const k of ['KUBECONFIG', 'AWS_ENDPOINT_URL_IAM', 'AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL_EKS', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_CA_BUNDLE', 'NODE_EXTRA_CA_CERTS']) assert.ok(vars[k], k);
      const env = baseEnv(vars);
      const sa = await run('kubectl', ['describe', 'sa', 'irsa', '-n', 'my-app'], env);
      assert.equal(sa.code, 0, sa.stderr);
      assert.match(sa.stdout, /eks\.amazonaws\.com\/role-arn: arn:aws:iam::111122223333:role\/EKS-IRSA/);
      const clusters = await run('aws', ['eks', 'list-clusters', '--query', 'clusters[0]', '--output', 'text'], env);
      const issuer = await run('aws', ['eks', 'describe-cluster', '--name', clusters.stdout.trim(), '--query', 'cluster.identity.oidc.issuer', '--output', 'text'], env);
      assert.match(issuer.stdout.trim(), /^https:\/\/[^/]+\/id\/[0-9A-F]{32}$/);
      const providers = await run('aws', ['iam', 'list-open-id-connect-providers'], env);
      assert.ok(providers.stdout.includes(issuer.stdout.trim().replace('https://', '')), providers.stdout);
      const role = await run('aws', ['iam', 'get-role', '--role-name', 'EKS-IRSA', '--query', 'Role.AssumeRolePolicyDocument.Statement[0].Action', '--output', 'text'], env);
      assert.equal(role.stdout.trim(), 'sts:AssumeRoleWithWebIdentity');
      const pod = await run('kubectl', ['get', 'pods', '-n', 'my-app', '-o', 'jsonpath={.items[0].spec.serviceAccountName}'], env);
      assert.equal(pod.stdout, 'irsa');
      const envOut = await run('kubectl', ['get', 'pods', '-n', 'my-app', '-o', 'jsonpath={.items[0].spec.containers[0].env[*].name}'], env);
      assert.match(envOut.stdout, /AWS_ROLE_ARN.*AWS_WEB_IDENTITY_TOKEN_FILE/);
      // What the issue promises a user with only kubectl and AWS credentials: the doctor, live,
      // through the environment alone (KUBECONFIG, AWS_ENDPOINT_URL_*, NODE_EXTRA_CA_CERTS, keys).
      const main = new URL('../cli/main.ts', import.meta.url).pathname;
      const doctor = await run(process.execPath, ['--import', 'tsx', '--', main, 'diagnose', 'deploy/my-app', '-n', 'my-app', '--probe', '-o', 'json'], { ...env, NO_COLOR: '1' });
      assert.equal(doctor.code, 0, doctor.stderr);
      const report = JSON.parse(doctor.stdout) as { subjects: Array<{ verdict: string; findings: Array<{ check: string; status: string; message: string }> }> };
      const probe = report.subjects[0]!.findings.find((f) => f.check === 'IRSA402')!;
      assert.equal(probe.status, 'pass', probe.message);
      assert.match(probe.message, /assumed-role\/EKS-IRSA\//);
      assert.deepEqual(report.subjects[0]!.findings.filter((f) => f.status === 'fail'), []);
      assert.doesNotMatch(doctor.stdout + doctor.stderr, new RegExp(vars['AWS_SECRET_ACCESS_KEY']!));
    } finally {
      child.kill('SIGTERM');
      const code = await exited;
      rmSync(dir, { recursive: true, force: true });
      assert.equal(code, 0, err);
    }
  });

  test('lab worlds lists every shipped world', async () => {
    const main = new URL('../cli/main.ts', import.meta.url).pathname;
    const r = await run(process.execPath, ['--import', 'tsx', main, 'lab', 'worlds', '-o', 'json'], { ...process.env });
    assert.equal(r.code, 0, r.stderr);
    const names = (JSON.parse(r.stdout) as Array<{ name: string }>).map((w) => w.name);
    assert.deepEqual(names, worlds.map((w) => w.name));
  });
});
