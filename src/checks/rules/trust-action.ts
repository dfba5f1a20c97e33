import { defineCheck } from '../define.js';
import { WEB_IDENTITY_ACTION, actionOk, allows, principalOk, trustAnalysis, trustFix } from '../lib/trust.js';

export default defineCheck({
  id: 'IRSA104',
  requires: ['role.trustPolicy'],
  messages: {
    allowed: 'Statement {{statement}} allows {{action}}.',
    missing: 'The statement that trusts the provider allows {{actual}}, not {{action}}.',
    noPrincipal: 'Not applicable: no statement trusts a web identity provider (IRSA103).',
  },
  remediation: 'The statement for the OIDC provider must allow "Action": "sts:AssumeRoleWithWebIdentity" (sts:AssumeRole is for roles and services, not web identity).',
  run(ctx, report) {
    const t = trustAnalysis(ctx);
    if (t.state === 'na') return report.notApplicable(t.reason);
    if (t.state === 'unknown') return report.unknown('evidenceMissing', { reason: t.reason }, { settle: t.settle });
    // The statements that trust this provider; when none does (IRSA103 fails), the ones meant
    // for a web identity provider, so that the action is judged on its own.
    let trusted = allows(t.evaluation, principalOk);
    if (!trusted.length) trusted = allows(t.evaluation, (s) => (s.principal?.expected ?? []).some((v) => v.includes(':oidc-provider/')));
    if (!trusted.length) return report.skip('noPrincipal');
    const ok = trusted.filter(actionOk);
    if (ok.length) {
      const s = ok[0]!;
      return report.pass('allowed', { statement: s.index, action: WEB_IDENTITY_ACTION }, { because: [{ field: `Statement[${s.index}].${s.action?.element ?? 'Action'}`, actual: (s.action?.expected ?? []).join(', '), source: t.inputs.source }] });
    }
    const s = trusted[0]!;
    const fix = trustFix(ctx, `allow ${WEB_IDENTITY_ACTION}`);
    report.fail(
      'missing',
      { action: WEB_IDENTITY_ACTION, actual: (s.action?.expected ?? []).join(', ') || '(no Action)' },
      { because: trusted.map((x) => ({ field: `Statement[${x.index}].${x.action?.element ?? 'Action'}`, expected: WEB_IDENTITY_ACTION, actual: (x.action?.expected ?? []).join(', '), source: t.inputs.source })), ...(fix ? { fix } : {}) },
    );
  },
});
