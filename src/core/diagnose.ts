// The offline pipeline in one place: inputs -> facts -> evidence -> checks -> report. Live mode
// will enter at `diagnoseFacts` with facts collected from APIs.

import type { Fact } from '../evidence/facts.js';
import { join, type JoinOptions } from '../evidence/join.js';
import { readInputs, type ReadResult } from '../evidence/offline/read.js';
import { CHECKS } from '../checks/registry.js';
import { runChecks, type SubjectReport } from '../checks/runner.js';
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
}

export function diagnoseFacts(facts: Fact[], opts: DiagnoseOptions = {}): Report {
  const joined = join(facts, opts);
  const subjects = runChecks(joined, opts.checks ?? CHECKS);
  return { schemaVersion: SCHEMA_VERSION, subjects, notes: joined.evidence.notes, generatedAt: (opts.now ?? new Date()).toISOString() };
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
