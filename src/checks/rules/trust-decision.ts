import { defineCheck } from '../define.js';
import { describeDenial, trustAnalysis, trustFix } from '../lib/trust.js';

export default defineCheck({
  id: 'IRSA107',
  requires: ['role.trustPolicy', 'cluster.issuer', 'pod/service account'],
  messages: {
    allowed: 'The trust policy allows {{sub}} to assume the role: statement {{statement}} decides.',
    explicitDeny: 'Statement {{statement}} explicitly denies the request ({{why}}): STS answers "Not authorized to perform sts:AssumeRoleWithWebIdentity".',
    implicitDeny: 'No statement allows the request ({{why}}): STS answers "Not authorized to perform sts:AssumeRoleWithWebIdentity".',
    problems: 'The trust policy allows the request, but has problems IAM would report: {{problems}}.',
  },
  remediation: 'Edit the trust policy so that one Allow statement matches the provider, the action and every condition, and no Deny statement matches: `aws iam update-assume-role-policy`.',
  run(ctx, report) {
    const t = trustAnalysis(ctx);
    if (t.state === 'na') return report.notApplicable(t.reason);
    if (t.state === 'unknown') return report.unknown('evidenceMissing', { reason: t.reason }, { settle: t.settle });
    if (t.inputs.sub === undefined) return report.unknown('evidenceMissing', { reason: 'the service account is not known, so the request cannot be evaluated' }, { settle: 'kubectl get pod NAME -n NS -o yaml' });
    const e = t.evaluation;
    const because = e.statements.map((s) => ({ field: `Statement[${s.index}]${s.sid ? ` (${s.sid})` : ''}`, expected: s.effect === 'Deny' ? 'not to apply' : 'to apply', actual: s.explain, source: t.inputs.source }));
    const s0 = e.statements[e.deciding[0] ?? -1];
    if (e.decision === 'allow') {
      const errors = e.problems.filter((p) => p.severity === 'error');
      if (errors.length) return report.warn('problems', { problems: errors.map((p) => `${p.path}: ${p.detail}`).join('; ') }, { because });
      return report.pass('allowed', { sub: t.inputs.sub, statement: s0 ? `${s0.index}${s0.sid ? ` (${s0.sid})` : ''}` : '?' }, { because });
    }
    if (e.decision === 'explicitDeny') {
      return report.fail('explicitDeny', { statement: s0 ? `${s0.index}${s0.sid ? ` (${s0.sid})` : ''}` : '?', why: s0?.explain ?? '' }, { because });
    }
    const fix = trustFix(ctx, 'let the pod in');
    report.fail('implicitDeny', { why: describeDenial(e) }, { because, ...(fix ? { fix } : {}) });
  },
});
