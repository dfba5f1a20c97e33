// The offline pipeline in one place: inputs -> facts -> evidence -> checks -> report. Live mode
// will enter at `diagnoseFacts` with facts collected from APIs.

import type { Fact } from '../evidence/facts.js';
import { join, type JoinOptions } from '../evidence/join.js';
import { readInputs, type ReadResult } from '../evidence/offline/read.js';
import { CHECKS } from '../checks/registry.js';
import { runChecks, runChecksSetAside, setAsideReplicas, type SubjectReport } from '../checks/runner.js';
import type { Check } from '../checks/define.js';

export const SCHEMA_VERSION = 1;

export interface Report {
  schemaVersion: typeof SCHEMA_VERSION;
  subjects: SubjectReport[];
  /** What the join could not attribute or had to assume. */
  notes: string[];
  /** Files read and what each was recognised as. */
  inputs?: Array<{ path: string; format: string | null; facts: number; note?: string }>;
  /** Files that nothing recognised, with why. */
  unrecognised?: string[];
  generatedAt: string;
}

export interface DiagnoseOptions extends JoinOptions {
  checks?: readonly Check[];
  /**
   * Judge one pod of each set of replicas and give the others its findings, renamed (the
   * runner's Replicas; on large inputs, replicas are set aside before the join). Default true;
   * false judges every pod (the tests compare both).
   */
  reuseReplicas?: boolean;
}

export function diagnoseFacts(facts: Fact[], opts: DiagnoseOptions = {}): Report {
  const checks = opts.checks ?? CHECKS;
  const generatedAt = (opts.now ?? new Date()).toISOString();
  if (opts.reuseReplicas === false) {
    const joined = join(facts, opts);
    return { schemaVersion: SCHEMA_VERSION, subjects: runChecks(joined, checks, { reuseReplicas: false }), notes: joined.evidence.notes, generatedAt };
  }
  const set = setAsideReplicas(facts);
  if (set) {
    const joined = join(set.facts, opts);
    const subjects = runChecksSetAside(joined, checks, set.aside);
    if (subjects) return { schemaVersion: SCHEMA_VERSION, subjects, notes: joined.evidence.notes, generatedAt };
  }
  const joined = join(facts, opts);
  return { schemaVersion: SCHEMA_VERSION, subjects: runChecks(joined, checks), notes: joined.evidence.notes, generatedAt };
}

export interface OfflineResult {
  report: Report;
  read: ReadResult;
}

export async function diagnosePaths(paths: string[], opts: DiagnoseOptions = {}): Promise<OfflineResult> {
  const read = await readInputs(paths);
  const report = diagnoseFacts(read.facts, opts);
  report.inputs = read.files.map((f) => ({ path: f.path, format: f.format, facts: f.facts, ...(f.note ? { note: f.note } : {}) }));
  report.unrecognised = read.unrecognised;
  return { report, read };
}

/** Live mode: facts from the APIs, judged exactly like offline facts. */
export async function diagnoseLive(o: import('./live.js').LiveOptions & { now?: Date; intent?: DiagnoseOptions['intent'] }): Promise<{ report: Report; facts: Fact[]; target: Record<string, string> }> {
  const { collectLive } = await import('./live.js');
  const live = await collectLive(o);
  const report = diagnoseFacts(live.facts, { mode: 'live', ...(o.now ? { now: o.now } : {}), ...(o.intent ? { intent: o.intent } : {}) });
  return { report, facts: live.facts, target: live.target };
}

/** checks.md: 0 nothing failed, 1 something failed (2 is for usage and input errors). */
export function exitCodeOf(report: Report): 0 | 1 {
  return report.subjects.some((s) => s.findings.some((f) => f.status === 'fail')) ? 1 : 0;
}
