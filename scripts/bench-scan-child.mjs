// The scan benchmark's measured process: the built scan (dist/), as `irsa-doctor scan -A` runs
// it, timed from the call to the result (module loading excluded), then the pure evaluation alone
// on the facts it collected. Prints one JSON line. Started by scripts/bench.ts; not for users.
import { performance } from 'node:perf_hooks';

const opts = JSON.parse(process.argv[2] ?? '{}');
const { scan, groupByWorkload } = await import('../dist/core/scan.js');
const { diagnoseFacts } = await import('../dist/core/diagnose.js');

const t0 = performance.now();
const r = await scan({ ...opts, allNamespaces: true });
const wallSeconds = (performance.now() - t0) / 1000;

// Pure evaluation: the same judging `scan` does (join + every check + grouping by workload), on
// the evidence already collected; the best of three runs.
let best = Infinity;
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  const full = diagnoseFacts(r.collected.facts, { mode: 'live' });
  groupByWorkload(full.subjects, r.collected.podOwners);
  best = Math.min(best, (performance.now() - t) / 1000);
}
const pods = r.report.scan.pods;
process.stdout.write(
  `${JSON.stringify({
    wallSeconds,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    evalSeconds: best,
    evalPodsPerSecond: Math.round(pods / best),
    pods,
    workloads: r.report.scan.workloads,
    verdicts: r.report.scan.verdicts,
    roles: r.report.scan.roles,
    complete: r.report.scan.coverage.complete,
    listPages: r.collected.stats.listPages,
    verbose: r.collected.verbose,
  })}\n`,
);
