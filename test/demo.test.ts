// `irsa-doctor demo` (what `npm start` runs): the demo world's workloads diagnosed live, one
// subject each, the worst of its pods standing for the workload.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDemo } from '../src/cli/demo.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

test('one subject per workload of the demo world, with its verdict', { timeout: 120_000 }, async () => {
  const r = await runDemo('demo', false);
  assert.deepEqual(
    r.subjects.map((s) => `${s.subject.namespace}:${s.verdict}`),
    ['analytics:broken', 'batch:broken', 'media:broken', 'ops:broken', 'payments:unknown', 'web:broken'],
  );
  for (const s of r.subjects) assert.ok(s.subject.pod, `${s.subject.namespace}: a pod stands for the workload`);
  // payments/api is healthy but for the SDK version no scan or diagnose reads without a lockfile.
  const payments = r.subjects.find((s) => s.subject.namespace === 'payments')!;
  assert.deepEqual(payments.findings.filter((f) => f.status !== 'pass' && f.status !== 'skip').map((f) => `${f.check}:${f.status}`), ['IRSA306:unknown']);
});
