import { defineCheck } from '../define.js';
import { explainStsError } from '../../explain/index.js';

export default defineCheck({
  id: 'IRSA402',
  requires: ['live mode with --probe: STS AssumeRoleWithWebIdentity with a token for the service account'],
  messages: {
    assumed: 'STS accepted a token for {{subject}} and returned {{assumedRoleArn}}.',
    rejected: 'STS refused a token for {{subject}}: {{code}}: {{message}}.',
    offline: 'Not applicable: the STS probe runs only in live mode with --probe.',
    notProbed: 'Not applicable: run with --probe to let STS give the definitive answer.',
  },
  remediation: 'Run `irsa-doctor diagnose pod/NAME -n NS --probe` against the cluster to let STS give the definitive answer; fix what the checks its error maps to report.',
  run(ctx, report) {
    const ref = ctx.serviceAccountRef;
    if (ctx.ev.mode === 'offline') return report.skip('offline');
    if (!ref) return report.notApplicable('no service account to request a token for');
    const probe = ctx.ev.probes.find((p) => p.namespace === ref.namespace && p.serviceAccount === ref.name);
    const gone = ctx.ev.unavailable.get(`probe:${ref.namespace}/${ref.name}`) ?? ctx.ev.unavailable.get(`token:${ref.namespace}/${ref.name}`);
    if (!probe) {
      if (gone) return report.unknown('evidenceMissing', { reason: gone.reason }, gone.permission ? { settle: `the permission ${gone.permission}` } : {});
      return report.skip('notProbed');
    }
    const subject = `system:serviceaccount:${ref.namespace}:${ref.name}`;
    const because = [
      { field: 'token', actual: `iss ${String(probe.claims['iss'])}, aud ${JSON.stringify(probe.claims['aud'])}, sub ${String(probe.claims['sub'])}`, source: probe.source.path },
      { field: 'RoleArn', actual: probe.roleArn, source: probe.source.path },
    ];
    if (probe.outcome.ok) return report.pass('assumed', { subject, assumedRoleArn: probe.outcome.assumedRoleArn }, { because });
    const m = explainStsError(probe.outcome.code, probe.outcome.message);
    const explains = m ? [...new Set(m.causes.map((c) => c.check))].join(',') : '';
    report.fail('rejected', { subject, code: probe.outcome.code, message: probe.outcome.message, explains, explanation: m?.id }, {
      because: [...because, ...(m ? m.causes.map((c) => ({ field: `likely cause (${c.check})`, actual: c.why })) : [])],
    });
  },
});
