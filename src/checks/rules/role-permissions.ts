import { defineCheck, type Because } from '../define.js';
import type { NamedPolicy } from '../../evidence/model.js';
import { evaluateIdentityPolicies } from '../../iam/evaluate.js';

export default defineCheck({
  id: 'IRSA108',
  requires: ['iam.ListAttachedRolePolicies', 'iam.ListRolePolicies', 'policy documents (with --action)'],
  messages: {
    hasPolicies: 'The role has {{count}} permissions policies: {{names}}.',
    noPolicies: 'The role has no permissions policy: assuming it works, but every call is denied.',
    allowed: 'The role\'s policies allow {{action}} on {{resource}} ({{deciding}}).',
    denied: 'The role\'s policies do not allow {{action}} on {{resource}}: {{why}}.',
    documentsMissing: 'Cannot tell whether {{action}} is allowed: the documents of {{missing}} were not given.',
  },
  remediation: 'Attach a policy that allows what the application calls: `aws iam attach-role-policy --role-name ROLE --policy-arn ARN` or `aws iam put-role-policy`.',
  run(ctx, report) {
    if (!ctx.roleArn) return report.notApplicable('no role ARN is set (IRSA202)');
    const role = ctx.role;
    if (role.state === 'unknown') return report.missing(role, 'the role');
    if (role.state === 'notFound') return report.notApplicable('the role does not exist (IRSA102)');
    const r = role.value;
    const known: NamedPolicy[] = [];
    const lists = [r.attached, r.inline];
    const unknownList = lists.find((l) => l.state === 'unknown');
    for (const l of lists) if (l.state === 'found') known.push(...l.value);
    const intent = ctx.ev.intent;
    if (!intent) {
      if (known.length) {
        return report.pass('hasPolicies', { count: known.length, names: known.map((p) => p.name).join(', ') }, { because: known.map((p) => ({ field: `${p.kind} policy`, actual: p.arn ?? p.name })) });
      }
      if (unknownList && unknownList.state === 'unknown') return report.missing(unknownList, "the role's permissions policies");
      return report.fail('noPolicies', {}, { because: [{ field: 'attached + inline policies', expected: 'at least one', actual: '0' }] });
    }
    const resource = intent.resource ?? '*';
    const data = { action: intent.action, resource };
    if (unknownList && unknownList.state === 'unknown') return report.missing(unknownList, "the role's permissions policies");
    const missingDocs = known.filter((p) => p.document.state !== 'found');
    const boundary = r.permissionsBoundary;
    if (missingDocs.length || (boundary && boundary.document.state !== 'found')) {
      const names = [...missingDocs.map((p) => p.arn ?? p.name), ...(boundary && boundary.document.state !== 'found' ? [`boundary ${boundary.arn}`] : [])];
      const first = missingDocs[0]?.document ?? boundary?.document;
      return report.unknown('documentsMissing', { ...data, missing: names.join(', ') }, { settle: first && first.state === 'unknown' ? first.settle : 'aws iam get-policy-version' });
    }
    const policies = known.map((p) => ({ name: p.name, document: (p.document as { value: Record<string, unknown> }).value }));
    const e = evaluateIdentityPolicies(policies, boundary && boundary.document.state === 'found' ? boundary.document.value : undefined, { action: intent.action, resource, context: {} });
    const because: Because[] = e.deciding.map((d) => ({ field: `${d.policy} Statement[${d.statement}]${d.sid ? ` (${d.sid})` : ''}`, actual: d.effect ?? '' }));
    if (e.decision === 'allow') {
      return report.pass('allowed', { ...data, deciding: e.deciding.map((d) => `${d.policy} statement ${d.statement}`).join(', ') }, { because });
    }
    const why = {
      deniedByPolicy: 'a policy denies it explicitly',
      deniedByBoundary: 'the permissions boundary denies it explicitly',
      boundaryDoesNotAllow: 'a policy allows it but the permissions boundary does not',
      noPolicyAllows: 'no statement allows it',
      noPolicies: 'the role has no policies',
      allowedByPolicy: '',
    }[e.reason];
    report.fail('denied', { ...data, why }, { because });
  },
});
