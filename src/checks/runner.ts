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
    flagProbeDisagreement(findings);
    return { subject: s.subject, verdict: verdictOf(findings), findings };
  });
}

/**
 * The probe and the checks side by side: when STS refused the token but none of the checks its
 * error maps to failed (or STS accepted it while a trust check failed), say so on the probe's
 * finding, since one of them is wrong about this pod.
 */
function flagProbeDisagreement(findings: Finding[]): void {
  const probe = findings.find((f) => f.check === 'IRSA402');
  if (!probe || (probe.status !== 'fail' && probe.status !== 'pass')) return;
  const failed = new Set(findings.filter((f) => f.status === 'fail' && f.check !== 'IRSA402').map((f) => f.check));
  if (probe.status === 'fail') {
    const explains = String(probe.data['explains'] ?? '').split(',').filter(Boolean);
    const agreeing = explains.filter((c) => failed.has(c as never));
    if (agreeing.length) {
      // Side by side: name the failing checks that explain STS's answer, keep only their causes.
      probe.data['explainedBy'] = agreeing.join(',');
      probe.message += ` Explained by ${agreeing.join(', ')} above.`;
      probe.because = probe.because.filter((b) => !b.field.startsWith('likely cause (') || agreeing.some((c) => b.field === `likely cause (${c})`));
    } else {
      probe.data['disagreement'] = true;
      probe.message += ` The checks do not explain this error (expected one of ${explains.join(', ') || 'the trust and provider checks'} to fail): the evidence they read may be incomplete or stale.`;
    }
  } else {
    const trust = ['IRSA002', 'IRSA003', 'IRSA103', 'IRSA104', 'IRSA105', 'IRSA106', 'IRSA107'].filter((c) => failed.has(c as never));
    if (trust.length) {
      probe.data['disagreement'] = true;
      probe.message += ` But ${trust.join(', ')} failed: STS accepted what the checks say it should refuse.`;
    }
  }
}
