// Runs every registered check on every subject. Each check is guarded: a throw becomes one
// IRSA901 finding for that check and subject, never an aborted run (Popeye's rule).

import type { Joined } from '../evidence/join.js';
import type { Subject } from '../evidence/model.js';
import { catalogueEntry } from './catalogue.js';
import type { Check, CheckContext, Finding } from './define.js';

export type Verdict = 'ok' | 'warn' | 'unknown' | 'broken';

export interface SubjectReport {
  subject: Subject;
  verdict: Verdict;
  findings: Finding[];
}

export function verdictOf(findings: readonly Finding[]): Verdict {
  if (findings.some((f) => f.status === 'fail')) return 'broken';
  if (findings.some((f) => f.status === 'warn')) return 'warn';
  if (findings.some((f) => f.status === 'unknown')) return 'unknown';
  return 'ok';
}

function internalError(check: Check, err: unknown): Finding {
  const meta = catalogueEntry('IRSA901');
  const text = err instanceof Error ? err.message : String(err);
  return {
    check: 'IRSA901',
    slug: meta.slug,
    title: meta.title,
    status: 'fail',
    severity: 'error',
    messageId: 'checkThrew',
    message: `${check.id} (${check.slug}) failed to run: ${text}. The other checks are unaffected; please report this.`,
    data: { failedCheck: check.id, error: text },
    because: [],
  };
}

export function runChecks(joined: Joined, checks: readonly Check[]): SubjectReport[] {
  return joined.subjects.map((s) => {
    const ctx: CheckContext = { ...s, ev: joined.evidence, memo: new Map() };
    const findings: Finding[] = [];
    for (const check of checks) {
      try {
        findings.push(check.evaluate(ctx));
      } catch (err) {
        findings.push(internalError(check, err));
      }
    }
    return { subject: s.subject, verdict: verdictOf(findings), findings };
  });
}
