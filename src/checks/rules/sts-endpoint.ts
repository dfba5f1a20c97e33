import { defineCheck } from '../define.js';
import { ROLE_ARN_ANNOTATION, REGIONAL_STS_ANNOTATION } from '../../k8s/webhook.js';
import { mutableContainers } from '../lib/env.js';
import { recreateCommands } from '../lib/fixes.js';
import { clusterPartition } from '../lib/subject.js';

const GLOBAL_HOSTS = /^https?:\/\/sts\.amazonaws\.com\/?$/i;

export default defineCheck({
  id: 'IRSA308',
  requires: ['pod env AWS_STS_REGIONAL_ENDPOINTS / AWS_ENDPOINT_URL_STS', 'cluster endpoint access', 'cluster region'],
  messages: {
    regional: 'Container {{container}} uses the regional STS endpoint ({{why}}).',
    sdkDefault: 'No container forces the global STS endpoint; the SDK default applies{{note}}.',
    globalMust: 'Container {{container}} uses the global STS endpoint ({{why}}) but {{reason}}: calls to sts.amazonaws.com fail (e.g. `dial tcp ...: i/o timeout`).',
    globalShould: 'Container {{container}} uses the global STS endpoint ({{why}}); AWS recommends the regional one (lower latency, no dependency on us-east-1).',
  },
  remediation:
    'Annotate the service account with eks.amazonaws.com/sts-regional-endpoints=true (or set AWS_STS_REGIONAL_ENDPOINTS=regional) and recreate the pods; private clusters also need an STS interface VPC endpoint.',
  run(ctx, report) {
    const pod = ctx.pod;
    if (!pod) return report.notApplicable('no pod or workload was given');
    const sa = ctx.serviceAccount;
    if (sa.state === 'found' && !sa.value.annotations[ROLE_ARN_ANNOTATION]?.trim()) return report.notApplicable('the pod uses no role (IRSA202)');
    const cp = clusterPartition(ctx);
    const c = ctx.ev.cluster.state === 'found' ? ctx.ev.cluster.value : undefined;
    const must = cp?.partition === 'aws-cn' ? 'the cluster is in a China region' : c?.privateEndpointOnly ? 'the cluster is private (nodes usually have no route to the global endpoint)' : undefined;
    for (const { c: ct, env } of mutableContainers(pod)) {
      const url = env.get('AWS_ENDPOINT_URL_STS')?.value ?? env.get('AWS_ENDPOINT_URL')?.value;
      const mode = env.get('AWS_STS_REGIONAL_ENDPOINTS')?.value;
      const why = url && GLOBAL_HOSTS.test(url) ? `AWS_ENDPOINT_URL_STS=${url}` : mode === 'legacy' ? 'AWS_STS_REGIONAL_ENDPOINTS=legacy' : undefined;
      if (!why) continue;
      const ns = pod.namespace;
      const saName = ctx.serviceAccountRef?.name;
      const rc = recreateCommands(pod);
      const fix = saName
        ? { summary: 'use the regional endpoint and recreate the pods', commands: [`kubectl annotate serviceaccount ${saName} -n ${ns} ${REGIONAL_STS_ANNOTATION}=true --overwrite`, ...rc.commands] }
        : undefined;
      const because = [{ field: `containers[${ct.name}].env`, expected: 'AWS_STS_REGIONAL_ENDPOINTS=regional', actual: why }];
      if (must) return report.fail('globalMust', { container: ct.name, why, reason: must }, { because, ...(fix ? { fix } : {}) });
      return report.warn('globalShould', { container: ct.name, why }, { because, ...(fix ? { fix } : {}) });
    }
    const regional = mutableContainers(pod).find(({ env }) => env.get('AWS_STS_REGIONAL_ENDPOINTS')?.value === 'regional');
    if (regional) return report.pass('regional', { container: regional.c.name, why: 'AWS_STS_REGIONAL_ENDPOINTS=regional' });
    report.pass('sdkDefault', { note: must ? ` (${must}: current SDKs default to the regional endpoint; see IRSA306 for the SDK version)` : '' });
  },
});
