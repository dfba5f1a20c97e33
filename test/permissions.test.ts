// docs/permissions.md is a contract: with exactly the IAM policy and the ClusterRole it gives,
// a live diagnosis has no unknown caused by a permission; with one permission fewer, exactly the
// evidence that permission gives is unknown and the finding names the permission. The policy
// and the rules are read from the document itself, so the document cannot drift.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startLab, type Lab } from '../src/lab/lab.js';
import { findWorld } from '../src/lab/world.js';
import { collectLive } from '../src/core/live.js';
import { diagnoseFacts } from '../src/core/diagnose.js';
import type { Finding } from '../src/checks/define.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const doc = readFileSync(new URL('../docs/permissions.md', import.meta.url), 'utf8');
const blocks = (lang: string) => [...doc.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
const iamPolicy = JSON.parse(blocks('json')[0]!) as { Statement: Array<{ Action: string | string[] }> };
const clusterRole = parseYaml(blocks('yaml')[0]!) as { rules: Array<{ apiGroups?: string[]; resources?: string[]; verbs: string[]; nonResourceURLs?: string[] }> };

let lab: Lab;
let dir: string;
before(async () => {
  lab = await startLab({ world: findWorld('healthy') });
  dir = mkdtempSync(join(tmpdir(), 'irsa-perm-'));
});
after(async () => {
  await lab.stop();
  rmSync(dir, { recursive: true, force: true });
});

function withoutAction(action: string) {
  return {
    ...iamPolicy,
    Statement: iamPolicy.Statement.map((s) => ({ ...s, Action: (Array.isArray(s.Action) ? s.Action : [s.Action]).filter((a) => a !== action) })).filter((s) => s.Action.length > 0),
  };
}

let users = 0;
let lastNotes: string[] = [];
async function diagnoseAs(policy: unknown, rules: typeof clusterRole.rules): Promise<Finding[]> {
  const n = ++users;
  const { credential } = lab.state.createUser(lab.homeAccount, `doctor-${n}`, [{ name: 'irsa-doctor', document: JSON.stringify(policy) }]);
  const cluster = [...lab.clusters.values()][0]!;
  const user = cluster.kube.api.addUser({
    name: `doctor-${n}`,
    rules: rules.filter((r) => r.resources).map((r) => ({ apiGroups: r.apiGroups ?? [''], resources: r.resources!, verbs: r.verbs })),
    nonResourceRules: rules.filter((r) => r.nonResourceURLs).map((r) => ({ nonResourceURLs: r.nonResourceURLs!, verbs: r.verbs })),
  });
  const kubeconfig = join(dir, `kubeconfig-${n}`);
  writeFileSync(kubeconfig, cluster.kube.running.kubeconfig({ contextName: cluster.cluster.arn, token: user.token }));
  const live = await collectLive({
    selector: 'deploy/my-app',
    namespace: 'my-app',
    kubeconfig,
    region: cluster.cluster.region,
    ca: lab.pki.caPem,
    aws: { endpoints: { iam: lab.iam.url, sts: lab.sts.url, eks: lab.eks.url }, credentials: { accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey } },
    probe: true,
    timeoutMs: 10_000,
  });
  const report = diagnoseFacts(live.facts, { mode: 'live' });
  lastNotes = report.notes;
  return report.subjects[0]!.findings;
}

const unknowns = (fs: Finding[]) => fs.filter((f) => f.status === 'unknown').map((f) => f.check);

describe('docs/permissions.md', () => {
  test('the documented permissions are enough: nothing is unknown for lack of a permission', { timeout: 60_000 }, async () => {
    const fs = await diagnoseAs(iamPolicy, clusterRole.rules);
    // IRSA306 needs the application's lockfile, which no API gives.
    assert.deepEqual(unknowns(fs), ['IRSA306']);
    assert.equal(fs.find((f) => f.check === 'IRSA402')?.status, 'pass');
    assert.deepEqual(fs.filter((f) => f.status === 'fail').map((f) => f.check), []);
  });

  const cases: Array<{ drop: string; unknown: string[]; names: RegExp }> = [
    { drop: 'iam:GetRole', unknown: ['IRSA102', 'IRSA103', 'IRSA104', 'IRSA105', 'IRSA106', 'IRSA107', 'IRSA108'], names: /iam:GetRole/ },
    { drop: 'iam:ListOpenIDConnectProviders', unknown: ['IRSA002', 'IRSA003', 'IRSA004'], names: /iam:ListOpenIDConnectProviders/ },
    { drop: 'iam:GetOpenIDConnectProvider', unknown: ['IRSA003'], names: /iam:GetOpenIDConnectProvider/ },
  ];
  for (const c of cases) {
    test(`without ${c.drop}: ${c.unknown.join(', ')} are unknown and name it`, { timeout: 60_000 }, async () => {
      const fs = await diagnoseAs(withoutAction(c.drop), clusterRole.rules);
      for (const id of c.unknown) {
        const f = fs.find((x) => x.check === id)!;
        assert.equal(f.status, 'unknown', `${id}: ${f.status} ${f.message}`);
        assert.match(`${f.message} ${f.settle ?? ''}`, c.names, `${id} names the permission: ${f.message} / ${f.settle}`);
      }
      assert.deepEqual(fs.filter((f) => f.status === 'fail').map((f) => f.check), [], 'a missing permission never becomes a failure');
    });
  }

  test('without eks:DescribeCluster: the issuer comes from the token, and the report says what is not known and why', { timeout: 60_000 }, async () => {
    const fs = await diagnoseAs(withoutAction('eks:DescribeCluster'), clusterRole.rules);
    assert.match(fs.find((f) => f.check === 'IRSA001')!.message, /from a token's iss claim/);
    assert.deepEqual(fs.filter((f) => f.status === 'fail').map((f) => f.check), []);
    assert.ok(lastNotes.some((x) => /could not be described.*needs eks:DescribeCluster/.test(x)), lastNotes.join('\n'));
  });

  test('without serviceaccounts/token create: IRSA401 and IRSA402 are unknown and name it', { timeout: 60_000 }, async () => {
    const rules = clusterRole.rules.filter((r) => !(r.resources ?? []).includes('serviceaccounts/token'));
    const fs = await diagnoseAs(iamPolicy, rules);
    for (const id of ['IRSA401', 'IRSA402']) {
      const f = fs.find((x) => x.check === id)!;
      assert.equal(f.status, 'unknown', `${id}: ${f.status} ${f.message}`);
      assert.match(`${f.message} ${f.settle ?? ''}`, /serviceaccounts\/token create/);
    }
  });
});
