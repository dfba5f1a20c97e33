// The bulk role plan across several pages of GetAccountAuthorizationDetails, on a generated lab
// world (src/lab/generate.ts: 100 pods, 5 roles in use among 2,005, so three pages of 1,000).
// Each page is asked for as soon as the previous one's bytes are in (its Marker read from the
// raw XML, before the SDK parses it): the read must stay at exactly one call per page, give the
// per-role plan's verdicts, and ride out IAM throttling.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, type Lab } from '../src/lab/lab.js';
import { generatedWorld } from '../src/lab/generate.js';
import { scan, type ScanResult } from '../src/core/scan.js';
import { labLiveOptions, type LabLiveOptions } from './support/lab-options.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const verdicts = (r: ScanResult) => r.workloads.map((w) => `${w.workload.namespace}/${w.workload.name} ${w.verdict} ${w.checks.join(',')}`);

describe('scan, bulk plan over several pages', { timeout: 180_000 }, () => {
  let lab: Lab;
  let base: LabLiveOptions;
  let pages: number;

  before(async () => {
    lab = await startLab({ world: generatedWorld({ pods: 100 }).world });
    base = labLiveOptions(lab);
    const account = lab.state.account(lab.homeAccount);
    pages = Math.ceil((account.roles.size + account.policies.size) / 1000);
  });
  after(async () => {
    await lab?.stop();
  });

  test('one call per page, and the verdicts of the per-role plan', async () => {
    assert.ok(pages >= 3, `${pages} pages`);
    lab.faults.configure({});
    lab.faults.log.length = 0;
    const bulk = await scan({ ...base, allNamespaces: true, rolePlan: 'bulk' });
    const c = lab.faults.counts();
    assert.equal(c['iam:GetAccountAuthorizationDetails'], pages, JSON.stringify(c));
    assert.equal(c['iam:GetRole'] ?? 0, 0, JSON.stringify(c));
    assert.equal(bulk.collected.stats.roles, 5);
    const perRole = await scan({ ...base, allNamespaces: true, rolePlan: 'per-role' });
    assert.equal(bulk.workloads.length, 10);
    assert.deepEqual(verdicts(bulk), verdicts(perRole));
  });

  test('throttled pages are retried, and still one successful call per page', async () => {
    lab.faults.configure({ seed: 3, services: { iam: { throttleRps: 2, throttleBurst: 2 } } });
    lab.faults.log.length = 0;
    try {
      const r = await scan({ ...base, allNamespaces: true, rolePlan: 'bulk' });
      const ok = lab.faults.log.filter((e) => e.operation === 'GetAccountAuthorizationDetails' && e.status === 200).length;
      assert.equal(ok, pages, JSON.stringify(lab.faults.counts()));
      assert.ok(lab.faults.log.some((e) => e.fault === 'throttle'), 'IAM throttled some calls');
      assert.equal(r.report.scan.coverage.complete, true);
    } finally {
      lab.faults.configure({});
    }
  });
});
