// IRSA105 (sub) and IRSA106 (aud) judge the same thing for two claims: the conditions on
// `<issuer>:<claim>` in the statements that trust the provider and allow the action.

import type { Because, Reporter } from '../define.js';
import type { CheckContext } from '../define.js';
import type { ConditionEvaluation } from '../../iam/evaluate.js';
import { actionOk, allows, claimConditions, principalOk, trustAnalysis, trustFix } from './trust.js';

export type ClaimMessages = 'admitted' | 'noCondition' | 'mismatch' | 'schemeInKey' | 'otherIssuerKey' | 'swapped' | 'wildcardNeedsLike' | 'noStatement';

export const claimMessages = (claim: 'sub' | 'aud'): Record<ClaimMessages, string> => ({
  admitted: `Statement {{statement}} admits ${claim} {{actual}} ({{operator}} {{key}}).`,
  noCondition:
    claim === 'sub'
      ? 'Statement {{statement}} has no :sub condition: any service account in any namespace of this cluster can assume the role.'
      : 'Statement {{statement}} has no :aud condition; STS still requires the audience to be a client ID of the provider (IRSA003).',
  mismatch: `The trust policy expects ${claim} {{expected}} ({{operator}} {{key}}) but the pod presents {{actual}}.`,
  schemeInKey: `The condition key {{key}} keeps "https://": the request key is {{requestKey}}, so the condition never matches.`,
  otherIssuerKey: `The condition key {{key}} names another issuer; this cluster's key is {{requestKey}}.`,
  swapped: 'The :sub and :aud values are swapped: {{key}} expects {{expected}}, which is the value of {{otherKey}}.',
  wildcardNeedsLike: `{{key}} uses {{operator}} with {{expected}}: "*" is literal there; use {{suggested}}.`,
  noStatement: 'Not applicable: no statement trusts the provider with sts:AssumeRoleWithWebIdentity (IRSA103, IRSA104).',
});

export function runClaimCheck<M extends ClaimMessages>(ctx: CheckContext, report: Reporter<M>, claim: 'sub' | 'aud'): void {
  const r = report as unknown as Reporter<ClaimMessages>;
  const t = trustAnalysis(ctx);
  if (t.state === 'na') return r.notApplicable(t.reason);
  if (t.state === 'unknown') return r.unknown('evidenceMissing', { reason: t.reason }, { settle: t.settle });
  const actual = claim === 'sub' ? t.inputs.sub : t.inputs.aud;
  if (actual === undefined) {
    return r.unknown('evidenceMissing', { reason: 'the service account is not known, so the subject cannot be compared' }, { settle: 'kubectl get pod NAME -n NS -o yaml' });
  }
  const candidates = allows(t.evaluation, (s) => principalOk(s) && actionOk(s));
  if (!candidates.length) return r.skip('noStatement');
  const requestKey = `${t.inputs.hostPath}:${claim}`;
  const because = (c: ConditionEvaluation, s: number): Because => ({ field: `Statement[${s}].Condition.${c.operator}["${c.key}"]`, expected: c.expected.join(' | '), actual: c.actual?.join(', ') ?? '(key absent from the request)', source: t.inputs.source });
  // A statement whose claim conditions all match admits the claim.
  for (const s of candidates) {
    const conds = claimConditions(s, claim);
    if (conds.length === 0) {
      if (claim === 'sub') return r.warn('noCondition', { statement: s.index }, { because: [{ field: `Statement[${s.index}].Condition`, expected: `${requestKey} = ${actual}`, actual: '(no :sub condition)', source: t.inputs.source }], ...fixOf(ctx, claim) });
      return r.pass('noCondition', { statement: s.index });
    }
    if (conds.every((c) => c.matched)) {
      const c = conds[0]!;
      return r.pass('admitted', { statement: s.index, actual, operator: c.operator, key: c.key }, { because: conds.map((x) => because(x, s.index)) });
    }
  }
  // Explain the closest statement's first failing condition, most specific hint first.
  const s = candidates[0]!;
  const failing = claimConditions(s, claim).filter((c) => !c.matched);
  const c = failing[0]!;
  const b = failing.map((x) => because(x, s.index));
  const fix = fixOf(ctx, claim);
  const data = { statement: s.index, key: c.key, operator: c.operator, expected: c.expected.join(' | '), actual, requestKey };
  for (const h of c.hints) {
    if (h.kind === 'schemeInKey') return r.fail('schemeInKey', { ...data, requestKey: h.requestKey }, { because: b, ...fix });
    if (h.kind === 'similarKey') return r.fail('otherIssuerKey', { ...data, requestKey: h.requestKey }, { because: b, ...fix });
    if (h.kind === 'valueOfOtherKey') return r.fail('swapped', { ...data, otherKey: h.otherKey }, { because: b, ...fix });
    if (h.kind === 'wildcardNeedsLike') return r.fail('wildcardNeedsLike', { ...data, suggested: h.suggestedOperator }, { because: b, ...fix });
  }
  if (c.actual === undefined && c.key.toLowerCase() !== requestKey.toLowerCase()) {
    return r.fail(c.key.toLowerCase().startsWith('https://') ? 'schemeInKey' : 'otherIssuerKey', data, { because: b, ...fix });
  }
  r.fail('mismatch', data, { because: b, ...fix });
}

function fixOf(ctx: CheckContext, claim: 'sub' | 'aud') {
  const f = trustFix(ctx, claim === 'sub' ? 'admit the service account' : 'admit the token audience');
  return f ? { fix: f } : {};
}
