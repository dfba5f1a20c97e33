import { defineCheck } from '../define.js';
import { editDistance } from '../../iam/issuer.js';
import { ROLE_ARN_ANNOTATION } from '../../k8s/webhook.js';
import { annotateCommand } from '../lib/fixes.js';
import { where } from '../lib/subject.js';

export default defineCheck({
  id: 'IRSA201',
  requires: ['serviceAccount'],
  messages: {
    exists: 'The service account {{namespace}}/{{name}} exists.',
    missing: 'The service account {{namespace}}/{{name}} does not exist{{hint}}: the pod cannot start, or runs without the role.',
  },
  remediation: 'Create the service account in the pod\'s namespace (`kubectl create serviceaccount NAME -n NS`) and annotate it with the role ARN, or fix serviceAccountName in the pod spec.',
  run(ctx, report) {
    const ref = ctx.serviceAccountRef;
    if (!ref) return report.notApplicable('no service account or pod was given');
    const sa = ctx.serviceAccount;
    if (sa.state === 'unknown') return report.missing(sa, `whether ${ref.namespace}/${ref.name} exists`);
    if (sa.state === 'found') {
      return report.pass('exists', { namespace: ref.namespace, name: ref.name }, { because: [{ field: 'serviceaccount', actual: `${ref.namespace}/${ref.name}`, source: where(sa.sources) }] });
    }
    // Near misses: same name elsewhere, or a similar name here.
    const others = [...ctx.ev.serviceAccounts.values()].flatMap((l) => (l.state === 'found' ? [l.value] : []));
    const elsewhere = others.filter((o) => o.name === ref.name && o.namespace !== ref.namespace);
    const similar = others.filter((o) => o.namespace === ref.namespace && o.name !== ref.name && editDistance(o.name, ref.name, 3) <= 2);
    const hint = elsewhere.length
      ? ` (a service account of that name exists in namespace ${elsewhere.map((o) => o.namespace).join(', ')})`
      : similar.length
        ? ` (did you mean ${similar.map((o) => o.name).join(', ')}?)`
        : '';
    const roleArn = ctx.roleArn?.normalized ?? elsewhere.map((o) => o.annotations[ROLE_ARN_ANNOTATION]).find(Boolean);
    const commands = [`kubectl create serviceaccount ${ref.name} -n ${ref.namespace}`];
    if (roleArn) commands.push(annotateCommand(ref.namespace, ref.name, roleArn));
    report.fail(
      'missing',
      { namespace: ref.namespace, name: ref.name, hint },
      {
        because: [{ field: 'serviceaccount', expected: `${ref.namespace}/${ref.name}`, actual: sa.detail, source: where(sa.sources) }],
        fix: { summary: `create service account ${ref.namespace}/${ref.name}${roleArn ? ' with the role annotation' : ''}`, commands },
      },
    );
  },
});
