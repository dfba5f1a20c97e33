// `irsa-doctor scan` on the demo lab world, in-process: the verdicts match `diagnose` per
// workload, the output is one line per workload with a summary, and the lab's call log shows the
// economy (one list per kind per page, one DescribeCluster, one GetRole per distinct role).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, type Lab } from '../src/lab/lab.js';
import { findWorld, parseWorld } from '../src/lab/world.js';
import { kubectlPath, run } from '../src/lab/kube/testing.js';
import { scan, scanExitCode, type ScanResult } from '../src/core/scan.js';
import { diagnoseLive } from '../src/core/diagnose.js';
import { renderScanText } from '../src/cli/scan.js';
import { main } from '../src/cli/main.js';
import { labLiveOptions, type LabLiveOptions } from './support/lab-options.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

/** The CLI in-process: the SDK's endpoint and credential chain read process.env. */
async function withEnv<T>(env: Record<string, string>, f: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await f();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const SHORT: Record<string, string> = { Deployment: 'deploy', StatefulSet: 'sts', DaemonSet: 'ds', CronJob: 'cronjob', Job: 'job', Pod: 'pod' };

describe('scan (demo world)', { timeout: 180_000 }, () => {
  let lab: Lab;
  let base: LabLiveOptions;
  let all: ScanResult;
  let counts: Record<string, number>;

  before(async () => {
    lab = await startLab({ world: findWorld('demo') });
    base = labLiveOptions(lab);
    lab.faults.log.length = 0;
    all = await scan({ ...base, allNamespaces: true });
    counts = lab.faults.counts();
  });
  after(async () => {
    await lab?.stop();
  });

  test('finds every IRSA workload, with the verdict diagnose gives it', async () => {
    assert.ok(all.workloads.length >= 3, JSON.stringify(all.workloads.map((w) => w.workload)));
    for (const w of all.workloads) {
      const r = await diagnoseLive({ ...base, selector: `${SHORT[w.workload.kind] ?? w.workload.kind.toLowerCase()}/${w.workload.name}`, namespace: w.workload.namespace });
      const first = r.report.subjects.find((s) => s.subject.pod === w.report.subject.pod) ?? r.report.subjects[0]!;
      // A scan requests no token (IRSA401 judges a token's claims, IRSA402 is the probe): those
      // are the only checks allowed to differ.
      const fails = (s: typeof first) => s.findings.filter((f) => f.status === 'fail' && f.check !== 'IRSA401' && f.check !== 'IRSA402').map((f) => f.check).sort();
      assert.deepEqual(fails(w.report), fails(first), `${w.workload.namespace}/${w.workload.name}`);
      assert.equal(w.verdict, first.verdict, `${w.workload.namespace}/${w.workload.name}: scan ${w.verdict}, diagnose ${first.verdict}`);
    }
    // payments/api is the healthy one; analytics/etl's trust names the old namespace.
    const by = (ns: string) => all.workloads.find((w) => w.workload.namespace === ns);
    assert.notEqual(by('payments')?.verdict, 'broken');
    assert.equal(by('analytics')?.verdict, 'broken');
    assert.equal(scanExitCode(all), 1);
  });

  test('API economy: one list per kind per page, one DescribeCluster, providers once, the cheaper role plan', () => {
    for (const plural of ['pods', 'serviceaccounts', 'replicasets', 'deployments', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs']) {
      assert.equal(counts[`kube:list ${plural}`], 1, `${plural}: ${JSON.stringify(counts)}`);
    }
    assert.equal(counts['eks:DescribeCluster'], 1, JSON.stringify(counts));
    assert.equal(counts['iam:ListOpenIDConnectProviders'], 1, JSON.stringify(counts));
    assert.equal(counts['iam:GetOpenIDConnectProvider'], 1, JSON.stringify(counts));
    // Five roles named: at least 15 per-role calls against one bulk page (the account is small).
    assert.equal(counts['iam:GetAccountAuthorizationDetails'], 1, JSON.stringify(counts));
    assert.equal(counts['iam:GetRole'] ?? 0, 0, JSON.stringify(counts));
    assert.ok(all.collected.verbose.some((l) => /5 distinct role\(s\) named; bulk plan: at least 15 calls/.test(l)), all.collected.verbose.join('\n'));
    // The cluster's account and version come from DescribeCluster: no GetCallerIdentity, no /version.
    assert.equal(counts['sts:GetCallerIdentity'] ?? 0, 0, JSON.stringify(counts));
    assert.ok(!Object.keys(counts).some((k) => /^kube:.*version/i.test(k)), JSON.stringify(counts));
    assert.ok(!Object.keys(counts).some((k) => /token|AssumeRoleWithWebIdentity/.test(k)), JSON.stringify(counts));
    assert.equal(all.collected.stats.listPages, 8);
    const kubeCalls = Object.entries(counts).filter(([k]) => k.startsWith('kube:')).reduce((n, [, v]) => n + v, 0);
    assert.equal(kubeCalls, 8, JSON.stringify(counts));
  });

  test('text: one line per workload, info lines, summary', () => {
    const text = renderScanText(all);
    for (const w of all.workloads) {
      assert.match(text, new RegExp(`^${w.workload.namespace}/${w.workload.kind.toLowerCase()}/${w.workload.name}\\s+${w.verdict.toUpperCase()}\\b`, 'm'));
    }
    assert.match(text, /^\d+ workloads \(\d+ IRSA pods of \d+ listed, \d+ roles\) in all namespaces: \d+ broken/m);
    const info = [...all.report.scan.unusedServiceAccounts, ...all.report.scan.nodeRoleFallbacks];
    assert.ok(info.length > 0, 'the demo world has unused annotated accounts or node-role fallbacks');
    assert.equal(text.split('\n').filter((l) => l.startsWith('info: ')).length, info.length);
  });

  test('-o json through the CLI: one subject per workload, pods, exit 1', async () => {
    let out = '';
    let err = '';
    const code = await withEnv(lab.env(), () => main(
      ['node', 'irsa-doctor', 'scan', '-A', '-o', 'json', '--kubeconfig', base.kubeconfig, '--context', base.context, '--region', base.region, '--ca-file', lab.caPath, '--timeout', '10'],
      { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, stdin: process.stdin, env: { ...process.env, ...lab.env() } },
    ));
    assert.equal(code, 1, err);
    assert.equal(err, '', 'nothing on a piped stderr');
    const j = JSON.parse(out) as { schemaVersion: number; subjects: Array<{ subject: { namespace: string }; verdict: string; findings: unknown[]; pods: number }>; scan: { workloads: number } };
    assert.equal(j.schemaVersion, 1);
    assert.equal(j.subjects.length, all.workloads.length);
    assert.equal(j.scan.workloads, all.workloads.length);
    for (const s of j.subjects) {
      assert.ok(s.pods >= 1);
      assert.ok(Array.isArray(s.findings) && s.findings.length > 0);
    }
  });

  test('the IRSA workloads and the info lines of the demo world', () => {
    assert.deepEqual(
      all.workloads.map((w) => `${w.workload.namespace}/${w.workload.kind}/${w.workload.name}`),
      ['analytics/Deployment/etl', 'batch/Deployment/report', 'ops/Deployment/legacy', 'payments/Deployment/api'],
    );
    assert.equal(all.workloads.find((w) => w.workload.namespace === 'payments')?.pods, 3);
    const text = renderScanText(all);
    assert.match(text, /^info: serviceaccount media\/resizer is annotated with arn:aws:iam::111122223333:role\/media-resizer but no pod runs as it$/m);
    assert.match(text, /^info: media\/deployment\/resizer runs on the unannotated service account default: it would get the node role$/m);
    assert.match(text, /^analytics\/deployment\/etl\s+BROKEN\s+IRSA105,IRSA107$/m);
  });

  test('progress on a TTY stderr: one updating line, cleared at the end', async () => {
    let out = '';
    let err = '';
    const code = await withEnv(lab.env(), () => main(
      ['node', 'irsa-doctor', 'scan', '-n', 'analytics', '--kubeconfig', base.kubeconfig, '--context', base.context, '--region', base.region, '--ca-file', lab.caPath],
      { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s), isTTY: true }, stdin: process.stdin, env: { ...process.env, ...lab.env() } },
    ));
    assert.equal(code, 1, JSON.stringify({ out, err }));
    assert.match(err, /\r\x1b\[2Klisting: /);
    assert.match(err, /reading roles: 1\/1/);
    assert.ok(err.endsWith('\r\x1b[2K'), JSON.stringify(err.slice(-40)));
    assert.ok(!err.includes('\n'), 'no new lines: one updating line');
    assert.match(out, /^analytics\/deployment\/etl\s+BROKEN/m);
  });

  test('the per-role plan reads each distinct role once and gives the same findings as the bulk plan', async () => {
    lab.faults.log.length = 0;
    const perRole = await scan({ ...base, allNamespaces: true, rolePlan: 'per-role' });
    const c = lab.faults.counts();
    assert.equal(c['iam:GetAccountAuthorizationDetails'] ?? 0, 0, JSON.stringify(c));
    assert.equal(c['iam:GetRole'], perRole.collected.stats.roles, JSON.stringify(c));
    assert.equal(c['iam:ListAttachedRolePolicies'], perRole.collected.stats.roles, JSON.stringify(c));
    assert.ok(perRole.collected.verbose.some((l) => /per-role plan \(--role-plan per-role\)/.test(l)), perRole.collected.verbose.join('\n'));
    const view = (r: ScanResult) => r.workloads.map((w) => ({ w: w.workload, verdict: w.verdict, findings: w.report.findings.map((f) => `${f.check}:${f.status}`) }));
    assert.deepEqual(view(perRole), view(all));
  });

  test('a denied bulk read falls back to the per-role plan, and --verbose says so', async () => {
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'iam:GetAccountAuthorizationDetails', Resource: '*' }] };
    const { credential } = lab.state.createUser(lab.homeAccount, 'scan-no-bulk', [{ name: 'no-bulk', document: JSON.stringify(policy) }]);
    lab.faults.log.length = 0;
    const r = await scan({ ...base, aws: { ...base.aws, credentials: { accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey } }, allNamespaces: true, rolePlan: 'bulk' });
    const c = lab.faults.counts();
    assert.equal(c['iam:GetAccountAuthorizationDetails'], 1, JSON.stringify(c));
    assert.equal(c['iam:GetRole'], 4, JSON.stringify(c));
    assert.ok(r.collected.verbose.some((l) => /bulk read was refused \(AccessDenied.*falling back to the per-role plan/.test(l)), r.collected.verbose.join('\n'));
    assert.deepEqual(r.workloads.map((w) => w.verdict), all.workloads.map((w) => w.verdict));
    assert.match(renderScanText(r, { verbose: true }), /^verbose: roles .*falling back/m);
  });

  test('pagination: one list call per page (limit/continue), same result', async () => {
    lab.faults.log.length = 0;
    const r = await scan({ ...base, allNamespaces: true, pageSize: 3 });
    const c = lab.faults.counts();
    const pods = r.collected.stats.podsListed;
    assert.equal(pods, all.collected.stats.podsListed);
    assert.ok(pods > 3 && pods % 3 !== 0, `${pods}`);
    assert.equal(c['kube:list pods'], Math.ceil(pods / 3), JSON.stringify(c));
    assert.deepEqual(r.workloads.map((w) => [w.workload, w.verdict, w.pods]), all.workloads.map((w) => [w.workload, w.verdict, w.pods]));
  });

  test('-n with -A is a usage error (exit 2)', async () => {
    let err = '';
    const code = await main(['node', 'irsa-doctor', 'scan', '-A', '-n', 'x'], { stdout: { write: () => true }, stderr: { write: (s: string) => (err += s) }, stdin: process.stdin, env: {} });
    assert.equal(code, 2);
    assert.match(err, /-n NAMESPACE or -A, not both/);
  });

  test('-n payments restricts to one namespace', async () => {
    lab.faults.log.length = 0;
    const r = await scan({ ...base, namespace: 'payments' });
    assert.ok(r.workloads.length >= 1);
    assert.ok(r.workloads.every((w) => w.workload.namespace === 'payments'));
    assert.equal(r.report.scan.scope, 'namespace payments');
    assert.equal(lab.faults.counts()['kube:list pods'], 1);
  });
});

describe('scan: a workload is as bad as its worst pod', { timeout: 120_000 }, () => {
  // Two replicas started before their service account was annotated (no AWS_ROLE_ARN: the
  // webhook mutates at creation only), then one more after it: the Deployment is broken even
  // though its alphabetically first pod may be the healthy one.
  const world = parseWorld(
    `
name: scan-mixed-replicas
description: replicas on both sides of the role-arn annotation
reproduces: [IRSA303]
accounts: [{ id: "111122223333", partition: aws }]
clusters: [{ name: mixed-usw2, region: us-west-2, version: "1.31", issuer: public }]
steps:
  - provider: { cluster: mixed-usw2, clientIds: [sts.amazonaws.com], thumbprints: auto }
  - role: { name: mixed-worker, irsa: { cluster: mixed-usw2, namespace: mixed, serviceAccount: worker }, attach: [AmazonS3ReadOnlyAccess] }
  - apply:
      cluster: mixed-usw2
      objects:
        - { apiVersion: v1, kind: Namespace, metadata: { name: mixed } }
        - { apiVersion: v1, kind: ServiceAccount, metadata: { name: worker, namespace: mixed } }
        - apiVersion: apps/v1
          kind: Deployment
          metadata: { name: worker, namespace: mixed }
          spec:
            replicas: 2
            selector: { matchLabels: { app: worker } }
            template:
              metadata: { labels: { app: worker } }
              spec: { serviceAccountName: worker, containers: [{ name: w, image: "public.ecr.aws/aws-cli/aws-cli:2.22.35" }] }
  - advance: 1d
  - annotate: { cluster: mixed-usw2, namespace: mixed, serviceAccount: worker, annotations: { eks.amazonaws.com/role-arn: "arn:aws:iam::111122223333:role/mixed-worker" } }
expect: {}
`,
    'test/scan.test.ts',
  );
  let lab: Lab;
  before(async () => {
    lab = await startLab({ world });
  });
  after(async () => {
    await lab?.stop();
  });

  test('verdict, the pod shown, the count per verdict, the text line and the JSON', async () => {
    const kubectl = await run(kubectlPath(), ['patch', 'deployment', 'worker', '-n', 'mixed', '--type', 'merge', '-p', '{"spec":{"replicas":3}}'], { PATH: process.env['PATH'] ?? '', KUBECONFIG: lab.kubeconfigPath, HOME: lab.dir });
    assert.equal(kubectl.code, 0, kubectl.stderr);
    const r = await scan({ ...labLiveOptions(lab), allNamespaces: true });
    const w = r.workloads.find((x) => x.workload.name === 'worker')!;
    assert.ok(w, JSON.stringify(r.workloads.map((x) => x.workload)));
    assert.equal(w.pods, 3);
    assert.equal(w.podVerdicts.broken, 2, JSON.stringify(w.podVerdicts));
    assert.equal(w.podVerdicts.broken + w.podVerdicts.unknown + w.podVerdicts.ok + w.podVerdicts.warn, 3);
    assert.equal(w.verdict, 'broken');
    assert.equal(w.report.verdict, 'broken', 'the pod shown is a broken one');
    assert.ok(w.checks.includes('IRSA303'), w.checks.join(','));
    const healthy = (['unknown', 'ok', 'warn'] as const).find((v) => w.podVerdicts[v] === 1)!;
    assert.match(renderScanText(r), new RegExp(`^mixed/deployment/worker\\s+BROKEN\\s+\\S*IRSA303\\S*\\s+\\(3 pods: 2 broken, 1 ${healthy}\\)$`, 'm'));
    const json = JSON.parse(JSON.stringify(r.report)) as { subjects: Array<{ workloadRef: { name: string }; podVerdicts: Record<string, number>; verdict: string }> };
    const subject = json.subjects.find((s) => s.workloadRef.name === 'worker')!;
    assert.deepEqual(subject.podVerdicts, w.podVerdicts);
    assert.equal(subject.verdict, 'broken');
    assert.equal(scanExitCode(r), 1);
  });
});
