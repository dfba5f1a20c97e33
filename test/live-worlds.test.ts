// Live mode against every lab world: each workload a world names in `expect` is diagnosed
// through the real live path (Kubernetes API, AWS SDK, issuer, STS probe) and must give the
// findings the world was built to produce. The evidence collected is then written as a bundle
// and diagnosed offline: the findings must be identical.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startLab } from '../src/lab/lab.js';
import { shippedWorlds } from '../src/lab/world.js';
import { collectLive } from '../src/core/live.js';
import { diagnoseFacts } from '../src/core/diagnose.js';
import { toBundle, factsFromBundle } from '../src/evidence/bundle.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const SHORT: Record<string, string> = { deployment: 'deploy', statefulset: 'sts', daemonset: 'ds', cronjob: 'cronjob', job: 'job', pod: 'pod', serviceaccount: 'sa' };
const worlds = shippedWorlds().filter((w) => Object.keys(w.expect).length > 0);

describe('every lab world, diagnosed live', () => {
  test('the worlds name workloads to diagnose', () => {
    assert.ok(worlds.length >= 30, `${worlds.length}`);
  });
  for (const w of worlds) {
    test(w.name, { timeout: 180_000 }, async () => {
      const lab = await startLab({ world: w });
      try {
        const keys = lab.adminKeys.get(lab.homeAccount)!;
        const aws = { endpoints: { iam: lab.iam.url, sts: lab.sts.url, eks: lab.eks.url }, credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey } };
        const problems: string[] = [];
        for (const [target, checks] of Object.entries(w.expect)) {
          const [namespace, kind, name] = target.split('/') as [string, string, string];
          const cluster = [...lab.clusters.values()].find((c) => c.kube.api.list('namespaces').some((n) => (n as { metadata: { name: string } }).metadata.name === namespace)) ?? [...lab.clusters.values()][0]!;
          const others = w.accounts.filter((a) => a.id !== lab.homeAccount).map((a) => a.id);
          const roleKeys = others[0] ? lab.adminKeys.get(others[0]) : undefined;
          const live = await collectLive({
            selector: `${SHORT[kind] ?? kind}/${name}`,
            namespace,
            kubeconfig: lab.kubeconfigPath,
            context: cluster.cluster.arn,
            region: cluster.cluster.region,
            ca: lab.pki.caPem,
            aws,
            ...(roleKeys ? { roleAws: { endpoints: aws.endpoints, credentials: { accessKeyId: roleKeys.accessKeyId, secretAccessKey: roleKeys.secretAccessKey } } } : {}),
            probe: true,
            timeoutMs: 10_000,
          });
          const now = new Date();
          const report = diagnoseFacts(live.facts, { mode: 'live', now });
          const subject = report.subjects[0];
          if (!subject) {
            problems.push(`${target}: no subject`);
            continue;
          }
          for (const [check, status] of Object.entries(checks)) {
            const f = subject.findings.find((x) => x.check === check);
            if (f?.status !== status) problems.push(`${target} ${check}: ${f?.status} (${f?.messageId}: ${f?.message}), expected ${status}`);
          }
          // The same evidence through a bundle, offline: the same findings.
          const bundle = JSON.parse(JSON.stringify(toBundle(live.facts, live.target, now))) as Record<string, unknown>;
          const offline = diagnoseFacts(factsFromBundle(bundle, 'bundle.json'), { mode: 'live', now });
          assert.deepEqual(offline.subjects, report.subjects, `${target}: the bundle diagnoses differently`);
        }
        assert.deepEqual(problems, [], w.description);
      } finally {
        await lab.stop();
      }
    });
  }
});
