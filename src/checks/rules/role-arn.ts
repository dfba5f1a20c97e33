import { defineCheck } from '../define.js';
import { parseRoleArn } from '../../iam/arn.js';
import { ROLE_ARN_ANNOTATION } from '../../k8s/webhook.js';
import { annotateCommand } from '../lib/fixes.js';
import { clusterPartition, where, clusterSettle } from '../lib/subject.js';

export default defineCheck({
  id: 'IRSA101',
  requires: ['serviceAccount.annotations', 'cluster.region'],
  messages: {
    valid: 'The role ARN {{arn}} is valid and in the {{partition}} partition, like the cluster.',
    invalid: 'The role ARN {{actual}} is invalid: {{detail}}. STS answers "Request ARN is invalid".',
    wrongPartition: 'The role ARN is in partition {{actual}} but the cluster is in {{expected}} ({{from}}): STS in {{expected}} cannot find it.',
    partitionUnknown: 'The role ARN {{arn}} is well formed; its partition ({{partition}}) cannot be compared: the cluster region is not known.',
  },
  remediation:
    'Set eks.amazonaws.com/role-arn to the exact ARN `aws iam get-role --role-name NAME --query Role.Arn --output text` prints: no quotes, no spaces, `arn:aws-cn:` in China, `arn:aws-us-gov:` in GovCloud.',
  run(ctx, report) {
    const r = ctx.roleArn;
    if (!r) return report.notApplicable(`no role ARN is set (the annotation is checked by IRSA202)`);
    const field = r.from === 'annotation' ? `serviceAccount.metadata.annotations["${ROLE_ARN_ANNOTATION}"]` : r.from === 'pod-env' ? 'pod env AWS_ROLE_ARN' : 'role ARN (from the get-role output given)';
    const source = where(r.sources);
    const p = parseRoleArn(r.raw);
    const ns = ctx.serviceAccountRef?.namespace;
    const sa = ctx.serviceAccountRef?.name;
    if (!p.ok) {
      const fix =
        p.suggestion && r.from === 'annotation' && ns && sa
          ? { summary: `set the annotation to ${p.suggestion}`, commands: [annotateCommand(ns, sa, p.suggestion)] }
          : undefined;
      return report.fail(
        'invalid',
        { actual: JSON.stringify(r.raw), detail: p.detail, problem: p.problem },
        { because: [{ field, expected: p.suggestion ?? 'arn:<partition>:iam::<12-digit account>:role/<path/>NAME', actual: JSON.stringify(r.raw), source }], ...(fix ? { fix } : {}) },
      );
    }
    const cp = clusterPartition(ctx);
    if (!cp) {
      return report.unknown('partitionUnknown', { arn: p.arn, partition: p.partition }, { settle: clusterSettle(ctx) });
    }
    if (cp.partition !== p.partition) {
      const corrected = `arn:${cp.partition}:iam::${p.account}:role${p.path}${p.name}`;
      const fix = r.from === 'annotation' && ns && sa ? { summary: `use the ${cp.partition} partition in the ARN`, commands: [annotateCommand(ns, sa, corrected)] } : undefined;
      return report.fail(
        'wrongPartition',
        { actual: p.partition, expected: cp.partition, from: cp.from },
        { because: [{ field, expected: `arn:${cp.partition}:iam::…`, actual: p.arn, source }], ...(fix ? { fix } : {}) },
      );
    }
    report.pass('valid', { arn: p.arn, partition: p.partition }, { because: [{ field, actual: p.arn, source }] });
  },
});
