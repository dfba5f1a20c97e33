// Times the pure half of `scan` on facts already collected: diagnoseFacts in live mode (join +
// every check) and the grouping by workload. A measurement, not a check: it judges nothing, and
// scripts/bench-eval.ts prints what it returns.

import type { Fact } from '../evidence/facts.js';
import type { WorkloadRef } from '../evidence/live/scan-collect.js';
import { diagnoseFacts } from './diagnose.js';
import { groupByWorkload } from './scan.js';

export interface MeasureOptions {
  /** The evaluation's clock (findings that depend on time read it). Default: now. */
  now?: Date;
  /** Keep evaluating until this much time has passed (at least one round). Default 1 s. */
  minSeconds?: number;
  /** At most this many rounds. Default: unbounded (minSeconds decides). */
  maxRounds?: number;
  /** Untimed rounds first, so the JIT has seen the code. Default 1. */
  warmupRounds?: number;
}

export interface Measurement {
  /** Pod subjects judged in one evaluation. */
  pods: number;
  /** Seconds one evaluation took: the median of the timed rounds (robust to a busy machine). */
  seconds: number;
  podsPerSecond: number;
  /** The fastest and the mean round, for comparison. */
  bestSeconds: number;
  meanSeconds: number;
  /** Every subject (pods, templates, bare service accounts) of one evaluation. */
  subjects: number;
  subjectsPerSecond: number;
  workloads: number;
  rounds: number;
}

/** One evaluation: what `scan` does after collecting. */
function evaluateOnce(facts: Fact[], podOwners: ReadonlyMap<string, WorkloadRef>, now: Date) {
  const report = diagnoseFacts(facts, { mode: 'live', now });
  const workloads = groupByWorkload(report.subjects, podOwners);
  let pods = 0;
  for (const s of report.subjects) if (s.subject.pod !== undefined) pods++;
  return { subjects: report.subjects.length, pods, workloads: workloads.length };
}

export function measureEvaluation(facts: Fact[], podOwners: Map<string, WorkloadRef>, opts: MeasureOptions = {}): Measurement {
  const now = opts.now ?? new Date();
  const minSeconds = opts.minSeconds ?? 1;
  const maxRounds = opts.maxRounds ?? Number.POSITIVE_INFINITY;
  let last = evaluateOnce(facts, podOwners, now);
  for (let i = 1; i < (opts.warmupRounds ?? 1); i++) evaluateOnce(facts, podOwners, now);
  const times: number[] = [];
  let elapsed = 0;
  do {
    const t = process.hrtime.bigint();
    last = evaluateOnce(facts, podOwners, now);
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    times.push(s);
    elapsed += s;
  } while (elapsed < minSeconds && times.length < maxRounds);
  const rounds = times.length;
  const sorted = [...times].sort((a, b) => a - b);
  const seconds = rounds % 2 ? sorted[(rounds - 1) / 2]! : (sorted[rounds / 2 - 1]! + sorted[rounds / 2]!) / 2;
  return {
    pods: last.pods,
    seconds,
    podsPerSecond: last.pods / seconds,
    bestSeconds: sorted[0]!,
    meanSeconds: elapsed / rounds,
    subjects: last.subjects,
    subjectsPerSecond: last.subjects / seconds,
    workloads: last.workloads,
    rounds,
  };
}
