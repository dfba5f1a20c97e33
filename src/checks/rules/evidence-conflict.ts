import { defineCheck } from '../define.js';
import { saKey } from '../../evidence/model.js';

export default defineCheck({
  id: 'IRSA902',
  requires: ['all evidence'],
  messages: {
    consistent: 'The evidence given does not contradict itself.',
    conflict: 'The evidence contradicts itself about {{what}}: {{values}}. Checks that depend on it are unknown; give one current output.',
  },
  remediation: 'Give one current output per object: remove stale copies of `aws iam get-role` or `kubectl get` outputs from the input.',
  run(ctx, report) {
    const sa = ctx.serviceAccountRef ? saKey(ctx.serviceAccountRef.namespace, ctx.serviceAccountRef.name) : undefined;
    const mine = ctx.ev.conflicts.filter(
      (c) => c.scope.kind === 'cluster' || (c.scope.kind === 'serviceAccount' && c.scope.key === sa) || (c.scope.kind === 'role' && c.scope.arn === ctx.roleArn?.normalized),
    );
    const first = mine[0];
    if (!first) return report.pass('consistent');
    report.fail(
      'conflict',
      { what: first.what, values: first.values.map((v) => `${v.source.path}${v.source.line ? `:${v.source.line}` : ''}`).join(' vs ') },
      { because: mine.flatMap((c) => c.values.map((v) => ({ field: c.what, actual: v.value.length > 200 ? `${v.value.slice(0, 200)}…` : v.value, source: v.source.path }))) },
    );
  },
});
