import { defineCheck } from '../define.js';
import { allows, principalOk, trustAnalysis, trustFix } from '../lib/trust.js';

export default defineCheck({
  id: 'IRSA103',
  requires: ['role.trustPolicy', 'cluster.issuer', 'role account'],
  messages: {
    matches: 'Statement {{statement}} trusts the provider {{provider}}.',
    wildcard: 'Statement {{statement}} trusts every principal ("*"): it admits this provider, and anyone else the conditions let in.',
    noFederated: 'No Allow statement has a Federated principal: the trust policy expects {{expected}}.',
    mismatch: 'The trust policy trusts {{actual}}, not this cluster\'s provider {{expected}}{{nearMiss}}.',
  },
  remediation: "Set Principal.Federated to arn:<partition>:iam::<role account>:oidc-provider/<issuer host/path> — the cluster's issuer without https://.",
  run(ctx, report) {
    const t = trustAnalysis(ctx);
    if (t.state === 'na') return report.notApplicable(t.reason);
    if (t.state === 'unknown') return report.unknown('evidenceMissing', { reason: t.reason }, { settle: t.settle });
    const ok = allows(t.evaluation, principalOk);
    const expected = t.inputs.providerArn;
    if (ok.length) {
      const s = ok[0]!;
      const because = [{ field: `Statement[${s.index}].Principal`, expected, actual: s.principal?.matchedValue ?? s.principal?.actual ?? '', source: t.inputs.source }];
      if (s.principal?.matchedValue === '*') return report.warn('wildcard', { statement: s.index }, { because });
      return report.pass('matches', { statement: s.index, provider: expected }, { because });
    }
    const feds = allows(t.evaluation, (s) => !!s.principal).flatMap((s) => (s.principal?.expected ?? []).filter((v) => v.includes(':oidc-provider/') || v.startsWith('arn:')).map((v) => ({ s, v })));
    const fix = trustFix(ctx, 'trust this cluster\'s provider');
    if (!feds.length) {
      return report.fail('noFederated', { expected }, { because: [{ field: 'Statement[*].Principal.Federated', expected, actual: '(none)', source: t.inputs.source }], ...(fix ? { fix } : {}) });
    }
    const near = feds.map((f) => f.s.principal?.nearMiss).find((n) => n && n.kind !== 'unrelated');
    report.fail(
      'mismatch',
      { actual: feds.map((f) => f.v).join(', '), expected, nearMiss: near ? ` (${near.detail})` : '', nearMissKind: near?.kind },
      { because: feds.map((f) => ({ field: `Statement[${f.s.index}].Principal.Federated`, expected, actual: f.v, source: t.inputs.source })), ...(fix ? { fix } : {}) },
    );
  },
});
