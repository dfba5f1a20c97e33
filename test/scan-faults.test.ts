// `irsa-doctor scan` under faults, on the lab's knobs (src/lab/http.ts) and a generated world of
// 8 workloads in 2 namespaces (three of them broken on purpose): throttling bursts, 5xx answers,
// reset connections, hung responses with a short --timeout, a list whose continue token expires
// (410 Gone), roles IAM refuses to show, and a namespace the credentials may not list. The scan
// always finishes, retries what can be retried, gives the fault-free verdicts when the retries
// succeed, marks what it could not read `unknown` with the reason (never `ok`), and its summary
// says how much of the cluster was really checked.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab, type Lab } from '../src/lab/lab.js';
import { generatedWorld, GENERATED_CLUSTER, type GeneratedWorld } from '../src/lab/generate.js';
import { scan, type ScanOptions, type ScanResult } from '../src/core/scan.js';
import { coverageLine, renderScanText } from '../src/cli/scan.js';
import type { FaultConfig } from '../src/lab/http.js';
import { labLiveOptions } from './support/lab-options.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const verdictsOf = (r: ScanResult) => Object.fromEntries(r.workloads.map((w) => [`${w.workload.namespace}/${w.workload.kind.toLowerCase()}/${w.workload.name}`, w.verdict]));
const failsOf = (r: ScanResult) => Object.fromEntries(r.workloads.map((w) => [`${w.workload.namespace}/${w.workload.name}`, w.report.findings.filter((f) => f.status === 'fail').map((f) => f.check).sort()]));

describe('scan under faults', { timeout: 300_000 }, () => {
  let lab: Lab;
  let g: GeneratedWorld;
  let base: ScanOptions;
  let clean: ScanResult;
  let dir: string;

  /** A scan with these faults on, the call log from a clean slate. */
  async function scanWith(faults: FaultConfig, extra: Partial<ScanOptions> = {}): Promise<ScanResult> {
    lab.faults.configure(faults);
    lab.faults.log.length = 0;
    try {
      return await scan({ ...base, allNamespaces: true, ...extra });
    } finally {
      lab.faults.configure({});
    }
  }
  const faultsSeen = (kind: string) => lab.faults.log.filter((e) => e.fault === kind).length;

  before(async () => {
    g = generatedWorld({ pods: 24, podsPerWorkload: 3, saPerNamespace: 4, unusedRoles: 30, wrongNamespaceEvery: 2, missingRoleEvery: 5 });
    lab = await startLab({ world: g.world });
    dir = mkdtempSync(join(tmpdir(), 'scan-faults-'));
    base = labLiveOptions(lab, GENERATED_CLUSTER);
    clean = await scan({ ...base, allNamespaces: true });
  });
  after(async () => {
    await lab?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('without faults: the workloads built broken are broken, the rest judged, coverage complete', () => {
    assert.equal(clean.workloads.length, g.serviceAccounts);
    for (const [key, check] of g.broken) {
      const [ns, , name] = key.split('/');
      const w = clean.workloads.find((x) => x.workload.namespace === ns && x.workload.name === name);
      assert.equal(w?.verdict, 'broken', key);
      assert.ok(w.checks.includes(check), `${key}: ${w.checks.join(',')} should include ${check}`);
    }
    for (const w of clean.workloads) if (!g.broken.has(`${w.workload.namespace}/deployment/${w.workload.name}`)) assert.notEqual(w.verdict, 'broken', w.workload.name);
    assert.equal(clean.report.scan.coverage.complete, true, coverageLine(clean.report.scan));
    assert.match(coverageLine(clean.report.scan), /^checked: all 8 workloads in all namespaces .*not read by a scan: IRSA306/);
  });

  test('two or three roles: the account size (GetAccountSummary) picks the plan; refused, the per-role plan', async () => {
    // team-000 runs 4 service accounts on 2 roles: 6 per-role calls at least, against one bulk
    // page for this account's 34 roles and 2 customer-managed policies.
    const bulk = await scanWith({}, { namespace: 'team-000', allNamespaces: false });
    let c = lab.faults.counts();
    assert.equal(c['iam:GetAccountSummary'], 1, JSON.stringify(c));
    assert.equal(c['iam:GetAccountAuthorizationDetails'], 1, JSON.stringify(c));
    assert.equal(c['iam:GetRole'] ?? 0, 0, JSON.stringify(c));
    assert.ok(bulk.collected.verbose.some((l) => /2 distinct role\(s\) named; bulk plan: the account holds 34 roles and 2 customer-managed policies, 1 page\(s\) against at least 6 per-role calls/.test(l)), bulk.collected.verbose.join('\n'));
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'iam:GetAccountSummary', Resource: '*' }] };
    const { credential } = lab.state.createUser(lab.homeAccount, 'scan-no-summary', [{ name: 'no-summary', document: JSON.stringify(policy) }]);
    const perRole = await scanWith({}, { namespace: 'team-000', allNamespaces: false, aws: { ...base.aws!, credentials: { accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey } } });
    c = lab.faults.counts();
    assert.equal(c['iam:GetAccountAuthorizationDetails'] ?? 0, 0, JSON.stringify(c));
    assert.equal(c['iam:GetRole'], 2, JSON.stringify(c));
    assert.ok(perRole.collected.verbose.some((l) => /per-role plan: the account's size is unknown \(GetAccountSummary: AccessDenied/.test(l)), perRole.collected.verbose.join('\n'));
    assert.deepEqual(verdictsOf(perRole), verdictsOf(bulk));
    const team0 = Object.fromEntries(Object.entries(verdictsOf(clean)).filter(([k]) => k.startsWith('team-000/')));
    assert.deepEqual(verdictsOf(bulk), team0);
  });

  test('throttling bursts (IAM 3/s, Kubernetes 4/s): retried, same verdicts, nothing lost', async () => {
    const r = await scanWith({ seed: 7, services: { iam: { throttleRps: 3, throttleBurst: 2 }, kube: { throttleRps: 4, throttleBurst: 3 } } }, { rolePlan: 'per-role' });
    assert.ok(faultsSeen('throttle') > 0, 'the lab throttled some calls');
    assert.deepEqual(verdictsOf(r), verdictsOf(clean));
    assert.deepEqual(failsOf(r), failsOf(clean));
    assert.equal(r.report.scan.coverage.complete, true, coverageLine(r.report.scan));
  });

  test('5xx answers from every service: retried, same verdicts', async () => {
    const r = await scanWith({ seed: 11, all: { errorRate: 0.15 } });
    assert.ok(faultsSeen('5xx') > 0, 'the lab answered some calls with 5xx');
    assert.deepEqual(verdictsOf(r), verdictsOf(clean));
    assert.equal(r.report.scan.coverage.complete, true, coverageLine(r.report.scan));
  });

  test('reset connections: the reads are sent again, same verdicts', async () => {
    const r = await scanWith({ seed: 5, all: { resetRate: 0.15 } });
    assert.ok(faultsSeen('reset') > 0, 'the lab reset some connections');
    assert.deepEqual(verdictsOf(r), verdictsOf(clean));
    assert.equal(r.report.scan.coverage.complete, true, coverageLine(r.report.scan));
  });

  test('hung responses with a 1 s --timeout: given up on and asked again, same verdicts', async () => {
    const started = Date.now();
    const r = await scanWith({ seed: 3, services: { kube: { hangRate: 0.2 }, iam: { hangRate: 0.2 }, eks: { hangRate: 0.2 } } }, { timeoutMs: 1000 });
    assert.ok(faultsSeen('hang') > 0, 'the lab left some calls unanswered');
    assert.deepEqual(verdictsOf(r), verdictsOf(clean));
    assert.ok(Date.now() - started < 60_000, 'a hung call costs the timeout, not forever');
  });

  test('410 Gone on a continue token: the list starts again, no pod twice, same verdicts', async () => {
    const c = lab.clusters.get(GENERATED_CLUSTER)!;
    let expired = false;
    lab.faults.log.length = 0;
    const r = await scan({
      ...base,
      allNamespaces: true,
      pageSize: 5,
      onProgress: (p) => {
        // After the first page of pods: a write, then compaction past the list's revision.
        if (!expired && (p.listed['pods'] ?? 0) > 0) {
          expired = true;
          c.kube.api.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'compaction-trigger', namespace: 'team-000' }, data: {} });
          c.kube.api.compact();
        }
      },
    });
    assert.ok(lab.faults.log.some((e) => e.operation === 'list pods' && e.status === 410), 'a continue token expired');
    assert.deepEqual(verdictsOf(r), verdictsOf(clean));
    assert.equal(r.report.scan.pods, clean.report.scan.pods);
    assert.equal(r.collected.stats.podsListed, clean.collected.stats.podsListed);
  });

  test('AccessDenied on some roles: those workloads are unknown with the permission, never ok; the summary says so', async () => {
    const deniedRole = 'irsa-app-00000';
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', Action: 'iam:GetAccountAuthorizationDetails', Resource: '*' },
        { Effect: 'Deny', Action: 'iam:GetRole', Resource: `arn:aws:iam::${lab.homeAccount}:role/${deniedRole}` },
      ],
    };
    const { credential } = lab.state.createUser(lab.homeAccount, 'scan-some-roles', [{ name: 'some-roles', document: JSON.stringify(policy) }]);
    const r = await scan({ ...base, allNamespaces: true, aws: { ...base.aws!, credentials: { accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey } } });
    const users = r.workloads.filter((w) => w.report.subject.roleArn?.endsWith(`/${deniedRole}`));
    assert.ok(users.length >= 1, 'some workloads use the denied role');
    for (const w of users) {
      assert.notEqual(w.verdict, 'ok', w.workload.name);
      const unknown = w.report.findings.filter((f) => f.status === 'unknown' && f.check !== 'IRSA306');
      assert.ok(unknown.length > 0, `${w.workload.name}: some check is unknown`);
      assert.ok(unknown.some((f) => /AccessDenied/.test(f.message) && /iam:GetRole/.test(`${f.settle ?? ''} ${f.message}`)), JSON.stringify(unknown.map((f) => [f.check, f.message, f.settle])));
    }
    // Every other workload is judged as without faults.
    const others = (x: ScanResult) => Object.fromEntries(Object.entries(verdictsOf(x)).filter(([k]) => !users.some((u) => k.endsWith(`/${u.workload.name}`))));
    assert.deepEqual(others(r), others(clean));
    const s = r.report.scan;
    assert.equal(s.coverage.complete, false);
    assert.equal(s.coverage.workloadsJudged, s.workloads - users.length);
    assert.match(coverageLine(s), new RegExp(`^checked: PARTIAL: ${s.workloads - users.length} of ${s.workloads} workloads fully judged; ${users.length} workload\\(s\\) with checks unknown because a read failed`));
  });

  test('a namespace the credentials may not list: listed namespace by namespace, the other reported unchecked', async () => {
    const c = lab.clusters.get(GENERATED_CLUSTER)!;
    const kinds = ['pods', 'serviceaccounts', 'replicasets', 'deployments', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs'];
    const user = c.kube.api.addUser({
      name: 'team-000-only',
      rules: [
        { apiGroups: [''], resources: ['namespaces'], verbs: ['list', 'get'] },
        { apiGroups: ['', 'apps', 'batch'], resources: kinds, verbs: ['list', 'get'], namespaces: ['team-000'] },
      ],
      nonResourceRules: [{ nonResourceURLs: ['/version'], verbs: ['get'] }],
    });
    const kubeconfig = join(dir, 'kubeconfig-team-000');
    writeFileSync(kubeconfig, c.kube.running.kubeconfig({ contextName: c.cluster.arn, token: user.token }));
    const r = await scan({ ...base, kubeconfig, allNamespaces: true });
    const team0 = (x: ScanResult) => Object.fromEntries(Object.entries(verdictsOf(x)).filter(([k]) => k.startsWith('team-000/')));
    assert.deepEqual(team0(r), team0(clean));
    assert.ok(Object.keys(team0(r)).length > 0);
    assert.ok(!Object.keys(verdictsOf(r)).some((k) => k.startsWith('team-001/')), 'nothing of team-001 was seen');
    const s = r.report.scan;
    assert.ok(s.coverage.unlistedNamespaces.includes('team-001'), JSON.stringify(s.coverage));
    assert.equal(s.coverage.complete, false);
    const text = renderScanText(r);
    assert.match(text, /^warning: could not list pods in namespace team-001: Forbidden: /m);
    assert.match(text, /^checked: PARTIAL: .*namespace\(s\) could not be listed \(.*team-001/m);
  });

  test('service accounts the credentials may not list: the IRSA pods are still found (the webhook put AWS_ROLE_ARN in them), judged unknown where the account is needed, never ok', async () => {
    const c = lab.clusters.get(GENERATED_CLUSTER)!;
    const user = c.kube.api.addUser({
      name: 'no-serviceaccounts',
      rules: [{ apiGroups: ['', 'apps', 'batch'], resources: ['pods', 'replicasets', 'deployments', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs'], verbs: ['list', 'get'] }],
    });
    const kubeconfig = join(dir, 'kubeconfig-no-sa');
    writeFileSync(kubeconfig, c.kube.running.kubeconfig({ contextName: c.cluster.arn, token: user.token }));
    const r = await scan({ ...base, kubeconfig, allNamespaces: true });
    assert.deepEqual(Object.keys(verdictsOf(r)).sort(), Object.keys(verdictsOf(clean)).sort());
    for (const w of r.workloads) {
      assert.notEqual(w.verdict, 'ok', w.workload.name);
      const sa = w.report.findings.filter((f) => f.status === 'unknown' && /serviceaccounts list|Forbidden/.test(`${f.message} ${f.settle ?? ''}`));
      assert.ok(sa.length > 0, `${w.workload.name}: some check says the service account could not be read`);
    }
    const s = r.report.scan;
    assert.equal(s.coverage.complete, false);
    assert.equal(s.coverage.scopeUnlisted, true);
    assert.deepEqual(s.coverage.unlistedKinds, ['serviceaccounts']);
    assert.match(coverageLine(s), /^checked: PARTIAL: 0 of 8 workloads fully judged; serviceaccounts could not be listed in all namespaces/);
  });

  test('-n on a forbidden namespace: nothing listed, the summary says nothing was checked, exit 0 is not "ok"', async () => {
    const c = lab.clusters.get(GENERATED_CLUSTER)!;
    const user = c.kube.api.addUser({ name: 'nobody', rules: [] });
    const kubeconfig = join(dir, 'kubeconfig-nobody');
    writeFileSync(kubeconfig, c.kube.running.kubeconfig({ contextName: c.cluster.arn, token: user.token }));
    const r = await scan({ ...base, kubeconfig, namespace: 'team-001' });
    assert.equal(r.workloads.length, 0);
    const s = r.report.scan;
    assert.equal(s.coverage.complete, false);
    assert.deepEqual(s.coverage.unlistedNamespaces, ['team-001']);
    assert.match(coverageLine(s), /^checked: PARTIAL: 0 of 0 workloads fully judged; 1 namespace\(s\) could not be listed \(team-001\)/);
  });
  test('a pod that sets AWS_ROLE_ARN itself on an unannotated account: that role is read too (per role, beside the bulk read)', async () => {
    const c = lab.clusters.get(GENERATED_CLUSTER)!;
    const role = 'ec2-unused-00003';
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'own-role', namespace: 'team-001' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'own-role' } },
        template: {
          metadata: { labels: { app: 'own-role' } },
          spec: { containers: [{ name: 'app', image: 'public.ecr.aws/aws-cli/aws-cli:2.22.35', env: [{ name: 'AWS_ROLE_ARN', value: `arn:aws:iam::${lab.homeAccount}:role/${role}` }] }] },
        },
      },
    };
    c.kube.api.create(dep);
    try {
      const r = await scanWith({});
      const w = r.workloads.find((x) => x.workload.name === 'own-role');
      assert.ok(w, 'the workload is scanned');
      assert.equal(w.report.subject.roleArn, `arn:aws:iam::${lab.homeAccount}:role/${role}`);
      const reads = lab.faults.log.filter((e) => e.operation === 'GetRole');
      assert.equal(reads.length, 1, 'one GetRole: the role no service account names');
      assert.equal(lab.faults.counts()['iam:GetAccountAuthorizationDetails'], 1);
      // The role exists and trusts EC2, not the cluster: broken, and said so by the trust checks.
      assert.equal(w.verdict, 'broken', w.checks.join(','));
      assert.ok(!w.report.findings.some((f) => f.check === 'IRSA102' && f.status !== 'pass'), 'the role was found');
      assert.ok(w.checks.some((id) => /^IRSA10[3-7]$/.test(id)), w.checks.join(','));
    } finally {
      c.kube.api.delete({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'own-role', namespace: 'team-001' });
    }
  });
});
