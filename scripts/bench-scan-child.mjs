// The scan benchmark's measured process: the built scan (dist/), as `irsa-doctor scan -A` runs
// it, timed from the call to the result (module loading excluded), then the pure evaluation alone
// on the facts it collected. Prints one JSON line. Started by scripts/bench.ts; not for users.
import { performance } from 'node:perf_hooks';

const opts = JSON.parse(process.argv[2] ?? '{}');
const { scan } = await import('../dist/core/scan.js');
const { measureEvaluation } = await import('../dist/core/evaluate-bench.js');

const t0 = performance.now();
const r = await scan({ ...opts, allNamespaces: true });
const wallSeconds = (performance.now() - t0) / 1000;
// The scan's own peak (resident set, kilobytes on Linux), before the evaluation is timed again.
const peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);

// Pure evaluation: the same judging `scan` does (join + every check + grouping by workload), on
// the evidence already collected; the median of rounds over at least 3 seconds (a warm-up
// first): at 10,000 pods a round takes about 0.4 s, and garbage collection makes single rounds
// vary by half, so a one-second window (two rounds) gave a median that moved by a third.
// BENCH_EVAL_SECONDS changes the window.
const m = measureEvaluation(r.collected.facts, r.collected.podOwners, { minSeconds: Number(process.env.BENCH_EVAL_SECONDS ?? 3) });
const pods = r.report.scan.pods;
process.stdout.write(
  `${JSON.stringify({
    wallSeconds,
    peakRssMB,
    evalSeconds: m.seconds,
    evalPodsPerSecond: Math.round(m.podsPerSecond),
    pods,
    workloads: r.report.scan.workloads,
    verdicts: r.report.scan.verdicts,
    roles: r.report.scan.roles,
    complete: r.report.scan.coverage.complete,
    listPages: r.collected.stats.listPages,
    verbose: r.collected.verbose,
  })}\n`,
);
