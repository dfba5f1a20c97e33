import { defineCheck } from '../define.js';
import { irsaTrustPolicy, writeJsonCommand } from '../lib/fixes.js';
import { audienceOf, issuerOf, providerFor, where } from '../lib/subject.js';

export default defineCheck({
  id: 'IRSA102',
  requires: ['role'],
  messages: {
    exists: 'The role {{arn}} exists.',
    missing: 'The role {{arn}} does not exist: {{detail}}.',
  },
  remediation:
    'Create the role (aws iam create-role with an IRSA trust policy), or point the annotation at a role that exists: `aws iam list-roles --query "Roles[].Arn"`.',
  run(ctx, report) {
    if (!ctx.roleArn) return report.notApplicable('no role ARN is set (IRSA202)');
    const role = ctx.role;
    if (role.state === 'unknown') return report.missing(role, `whether ${ctx.roleArn.normalized} exists`);
    if (role.state === 'notFound') {
      const name = ctx.roleArn.normalized.split('/').pop() ?? '';
      const ns = ctx.serviceAccountRef?.namespace;
      const sa = ctx.serviceAccountRef?.name;
      const iss = issuerOf(ctx);
      const prov = providerFor(ctx);
      const providerArn = prov.state === 'found' ? (prov.provider.arn ?? prov.expectedArn) : prov.expectedArn;
      const trust = ns && sa && iss && providerArn ? irsaTrustPolicy(providerArn, iss.issuer.hostPath, ns, sa, audienceOf(ctx).value) : undefined;
      return report.fail(
        'missing',
        { arn: ctx.roleArn.normalized, detail: role.detail },
        {
          because: [{ field: 'iam:GetRole', expected: ctx.roleArn.normalized, actual: 'NoSuchEntity', source: where(role.sources) }],
          ...(trust
            ? {
                fix: {
                  summary: `create the role ${name} with a trust policy for ${ns}/${sa}, then attach its permissions policies`,
                  commands: [writeJsonCommand('trust.json', trust), `aws iam create-role --role-name ${name} --assume-role-policy-document file://trust.json`],
                  patch: trust,
                },
              }
            : {}),
        },
      );
    }
    report.pass('exists', { arn: role.value.arn }, { because: [{ field: 'iam:GetRole', actual: role.value.arn, source: where(role.sources) }] });
  },
});
