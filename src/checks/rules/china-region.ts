import { defineCheck } from '../define.js';
import { ROLE_ARN_ANNOTATION } from '../../k8s/webhook.js';
import { resourceName } from '../../k8s/pod.js';
import { mutableContainers } from '../lib/env.js';
import { topOwner } from '../lib/fixes.js';
import { clusterPartition, clusterSettle } from '../lib/subject.js';

export default defineCheck({
  id: 'IRSA307',
  requires: ['cluster.region', 'pod env'],
  messages: {
    set: 'Every container sets a region ({{regions}}).',
    missing: 'In {{region}} (aws-cn), container {{container}} sets neither AWS_DEFAULT_REGION nor AWS_REGION: the SDK calls the global STS endpoint and gets "InvalidClientTokenId: The security token included in the request is invalid".',
    notChinaRegion: 'Container {{container}} sets its region to {{value}}, which is not a China region: STS and every other call go to the aws partition.',
    notChina: 'Not applicable: the cluster is in the {{partition}} partition, not aws-cn.',
  },
  remediation: 'In China regions, set AWS_DEFAULT_REGION (e.g. cn-north-1) in every container of the pod template.',
  run(ctx, report) {
    const cp = clusterPartition(ctx);
    if (!cp) return report.unknown('evidenceMissing', { reason: "the cluster's region is not known" }, { settle: clusterSettle(ctx) });
    if (cp.partition !== 'aws-cn') return report.skip('notChina', { partition: cp.partition });
    const pod = ctx.pod;
    if (!pod) return report.notApplicable('no pod or workload was given');
    const sa = ctx.serviceAccount;
    if (sa.state === 'found' && !sa.value.annotations[ROLE_ARN_ANNOTATION]?.trim()) return report.notApplicable('the pod uses no role (IRSA202)');
    const regions: string[] = [];
    for (const { c, env } of mutableContainers(pod)) {
      const r = env.get('AWS_DEFAULT_REGION') ?? env.get('AWS_REGION');
      if (!r) {
        const owner = topOwner(pod);
        const region = cp.region;
        const fix = owner && region ? { fix: { summary: `set AWS_DEFAULT_REGION=${region} in container ${c.name}`, commands: [`kubectl set env ${resourceName(owner.kind)}/${owner.name} -n ${pod.namespace} -c ${c.name} AWS_DEFAULT_REGION=${region}`] } } : {};
        return report.fail('missing', { region: cp.region ?? 'a China region', container: c.name }, { because: [{ field: `containers[${c.name}].env`, expected: 'AWS_DEFAULT_REGION', actual: '(absent)' }], ...fix });
      }
      if (r.value !== undefined && !r.value.startsWith('cn-')) {
        const owner = topOwner(pod);
        const fix = owner && cp.region ? { fix: { summary: `set AWS_DEFAULT_REGION=${cp.region} in container ${c.name}`, commands: [`kubectl set env ${resourceName(owner.kind)}/${owner.name} -n ${pod.namespace} -c ${c.name} AWS_DEFAULT_REGION=${cp.region} AWS_REGION=${cp.region}`] } } : {};
        return report.fail('notChinaRegion', { container: c.name, value: r.value, region: cp.region ?? 'a China region' }, { because: [{ field: `containers[${c.name}].env`, expected: 'cn-north-1 or cn-northwest-1', actual: r.value, source: r.source }], ...fix });
      }
      regions.push(`${c.name}: ${r.value ?? r.detail ?? 'set'}`);
    }
    report.pass('set', { regions: regions.join(', ') });
  },
});
