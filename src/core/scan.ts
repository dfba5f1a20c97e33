// `irsa-doctor scan`: the whole cluster (or a namespace) in one pass. The facts come from
// collectScan (list per kind, one read per distinct role); the same join and checks as
// `diagnose` judge them; the subjects are then grouped by owning workload, the worst pod
// standing for the rest.

import { diagnoseFacts, SCHEMA_VERSION, type Report } from './diagnose.js';
import { collectScan, type ScanCollectOptions, type ScanCollected, type WorkloadRef } from '../evidence/live/scan-collect.js';
import { VERDICT_RANK, type SubjectReport, type Verdict } from '../checks/runner.js';

export type ScanOptions = ScanCollectOptions & { now?: Date };

export interface WorkloadResult {
  workload: WorkloadRef;
  /** The worst of its pods' verdicts (broken, warn, unknown, ok). */
  verdict: Verdict;
  /** Check ids that failed (else warned, else were unknown) for the pod shown. */
  checks: string[];
  /** How many IRSA pods this workload stands for. */
  pods: number;
  /** How many of them got each verdict: replicas can differ (a pod started before the annotation). */
  podVerdicts: Record<Verdict, number>;
  /** The pod shown: the alphabetically first of those with the worst verdict. */
  report: SubjectReport;
}

export interface ScanResult {
  workloads: WorkloadResult[];
  /** One subject per workload (checks.md), each with `pods`. */
  report: Report & { subjects: Array<SubjectReport & { pods: number; podVerdicts: Record<Verdict, number>; workloadRef: WorkloadRef }>; scan: ScanSummary };
  collected: ScanCollected;
}

export interface ScanSummary {
  scope: string;
  verdicts: Record<Verdict, number>;
  workloads: number;
  pods: number;
  podsListed: number;
  roles: number;
  unusedServiceAccounts: ScanCollected['unusedServiceAccounts'];
  nodeRoleFallbacks: ScanCollected['nodeRoleFallbacks'];
  listFailures: string[];
  /** How much of the scope was really checked. */
  coverage: ScanCollected['coverage'] & {
    /** True when every kind was listed everywhere and every workload was judged (see workloadsJudged). */
    complete: boolean;
    /** Workloads with no check unknown for want of evidence the scan tried to read. */
    workloadsJudged: number;
    /** Checks left unknown because a scan never reads their evidence, with what settles them. */
    notReadByScan: string[];
  };
}

const wkey = (w: WorkloadRef): string => `${w.namespace}/${w.kind}/${w.name}`;

/** Check ids that explain the verdict: the failures, else the warnings, else the unknowns. */
export function verdictChecks(s: SubjectReport): string[] {
  for (const status of ['fail', 'warn', 'unknown'] as const) {
    const ids = [...new Set(s.findings.filter((f) => f.status === status).map((f) => f.check))];
    if (ids.length) return ids;
  }
  return [];
}

/**
 * The pure half of `scan`: the subjects of a full diagnosis grouped by owning workload (pods
 * only; templates and bare service accounts are stood for by pods), sorted by workload key. A
 * workload is as bad as its worst pod, which stands for the rest (the alphabetically first of
 * the worst), and the count of each verdict among its pods is kept.
 */
export function groupByWorkload(subjects: readonly SubjectReport[], podOwners: ReadonlyMap<string, WorkloadRef>): WorkloadResult[] {
  // String.prototype.localeCompare is this collator's compare (ECMA-402), made once here.
  const collate = new Intl.Collator().compare;
  const groups = new Map<string, { ref: WorkloadRef; key: string; subjects: SubjectReport[] }>();
  for (const s of subjects) {
    if (!s.subject.pod || !s.subject.namespace) continue; // templates and bare service accounts: pods stand for them
    const ref = podOwners.get(`${s.subject.namespace}/${s.subject.pod}`);
    if (!ref) continue;
    const k = wkey(ref);
    const g = groups.get(k) ?? { ref, key: k, subjects: [] };
    g.subjects.push(s);
    groups.set(k, g);
  }
  return [...groups.values()]
    .sort((a, b) => collate(a.key, b.key))
    .map((g) => {
      const podVerdicts: Record<Verdict, number> = { ok: 0, warn: 0, unknown: 0, broken: 0 };
      let shown: SubjectReport | undefined;
      for (const s of g.subjects) {
        podVerdicts[s.verdict]++;
        if (!shown || VERDICT_RANK[s.verdict] > VERDICT_RANK[shown.verdict] || (s.verdict === shown.verdict && collate(s.subject.pod ?? '', shown.subject.pod ?? '') < 0)) shown = s;
      }
      return { workload: g.ref, verdict: shown!.verdict, checks: verdictChecks(shown!), pods: g.subjects.length, podVerdicts, report: shown! };
    });
}

export async function scan(o: ScanOptions): Promise<ScanResult> {
  const collected = await collectScan(o);
  const full = diagnoseFacts(collected.facts, { mode: 'live', ...(o.now ? { now: o.now } : {}) });
  const workloads = groupByWorkload(full.subjects, collected.podOwners);
  const verdicts: Record<Verdict, number> = { ok: 0, warn: 0, unknown: 0, broken: 0 };
  for (const w of workloads) verdicts[w.verdict]++;
  const summary: ScanSummary = {
    scope: collected.target['scope'] ?? '',
    verdicts,
    workloads: workloads.length,
    pods: workloads.reduce((n, w) => n + w.pods, 0),
    podsListed: collected.stats.podsListed,
    roles: collected.stats.roles,
    unusedServiceAccounts: collected.unusedServiceAccounts,
    nodeRoleFallbacks: collected.nodeRoleFallbacks,
    listFailures: collected.listFailures,
    coverage: coverageOf(collected, workloads),
  };
  return {
    workloads,
    collected,
    report: {
      schemaVersion: SCHEMA_VERSION,
      subjects: workloads.map((w) => ({ ...w.report, pods: w.pods, podVerdicts: w.podVerdicts, workloadRef: w.workload })),
      notes: full.notes,
      generatedAt: full.generatedAt,
      scan: summary,
    },
  };
}

/**
 * Checks a scan leaves unknown by design, with what settles them: it reads no application
 * packages (IRSA306 needs a lockfile or an SBOM, given to `diagnose --from`).
 */
export const SCAN_UNCOLLECTED: Readonly<Record<string, string>> = {
  IRSA306: "the application's AWS SDK version (give its lockfile or SBOM to `irsa-doctor diagnose --from`)",
};

/** How much was really checked: a workload counts as judged when no check is unknown for want of
 * evidence the scan tried to read (a denied or failed call), checks a scan never reads apart. */
function coverageOf(collected: ScanCollected, workloads: WorkloadResult[]): ScanSummary['coverage'] {
  const short = workloads.filter((w) => w.report.findings.some((f) => f.status === 'unknown' && SCAN_UNCOLLECTED[f.check] === undefined));
  const notRead = [...new Set(workloads.flatMap((w) => w.report.findings.filter((f) => f.status === 'unknown' && SCAN_UNCOLLECTED[f.check] !== undefined).map((f) => f.check)))].sort();
  return {
    ...collected.coverage,
    workloadsJudged: workloads.length - short.length,
    notReadByScan: notRead.map((id) => `${id}: ${SCAN_UNCOLLECTED[id]}`),
    complete: collected.listFailures.length === 0 && short.length === 0 && collected.coverage.undecidedWorkloads.length === 0,
  };
}

/** checks.md: 1 when some workload has a failing check, else 0. */
export function scanExitCode(r: ScanResult): 0 | 1 {
  return r.workloads.some((w) => w.verdict === 'broken') ? 1 : 0;
}
