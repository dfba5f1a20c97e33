import { defineCheck, type Because } from '../define.js';
import { ROLE_ARN_ANNOTATION, TOKEN_VOLUME } from '../../k8s/webhook.js';
import { podVolumes } from '../../k8s/pod.js';
import { mutableContainers } from '../lib/env.js';
import { recreateCommands } from '../lib/fixes.js';
import { where } from '../lib/subject.js';

export default defineCheck({
  id: 'IRSA303',
  requires: ['pod.metadata.creationTimestamp', 'serviceAccount.metadata.managedFields', 'pod env AWS_ROLE_ARN'],
  messages: {
    fresh: 'The pod carries the current role (created {{created}}; annotation last written {{annotated}}).',
    current: 'The pod carries the current role {{role}}.',
    createdBefore: 'The pod was created at {{created}}, before the service account got its role annotation at {{annotated}}: the webhook never mutated it.',
    roleChanged: 'The pod still carries AWS_ROLE_ARN={{actual}} but the service account now says {{expected}}: the annotation changed after the pod was created.',
    notMutatedWhen: 'The pod was not mutated and the annotation time is unknown: it may predate the annotation.',
    template: 'Not applicable: a pod created from this template now gets the current annotation.',
  },
  remediation: 'Recreate the pods after annotating the service account: `kubectl rollout restart deployment/NAME` (statefulset, daemonset likewise); delete and re-create a bare pod.',
  run(ctx, report) {
    const pod = ctx.pod;
    if (!pod) return report.notApplicable('no pod or workload was given');
    if (pod.origin === 'template') {
      // Diagnosed from the template because the pods could not be listed: their age is unknown.
      const gone = ctx.ev.unavailable.get(`pods:${pod.namespace}`);
      if (gone) return report.unknown('evidenceMissing', { reason: `the pods of ${pod.workload?.kind ?? 'the workload'} ${pod.workload?.name ?? ''} could not be listed: ${gone.reason}` }, gone.permission ? { settle: `the permission ${gone.permission}` } : {});
      return report.skip('template');
    }
    const sa = ctx.serviceAccount;
    if (sa.state === 'unknown') return report.missing(sa, 'the service account annotation');
    if (sa.state === 'notFound') return report.notApplicable('the service account does not exist (IRSA201)');
    const expected = sa.value.annotations[ROLE_ARN_ANNOTATION];
    if (!expected?.trim()) return report.notApplicable('the service account has no role annotation (IRSA202)');
    const created = pod.object.metadata.creationTimestamp;
    const annotated = sa.value.roleAnnotationTime;
    const src = where(pod.sources);
    const saSrc = where(sa.sources);
    const rc = recreateCommands(pod);
    const fix = { summary: rc.summary, commands: rc.commands };
    const because: Because[] = [];
    if (created) because.push({ field: 'pod.metadata.creationTimestamp', actual: created, source: src });
    if (annotated) because.push({ field: `serviceAccount managedFields time of ${ROLE_ARN_ANNOTATION}`, actual: annotated, source: saSrc });

    // A role in the pod that differs from the annotation: the annotation changed later.
    const volume = podVolumes(pod.object).some((v) => v['name'] === TOKEN_VOLUME);
    const roles = mutableContainers(pod).flatMap(({ env }) => (env.get('AWS_ROLE_ARN')?.value !== undefined ? [env.get('AWS_ROLE_ARN')!] : []));
    const stale = roles.find((r) => r.value!.trim() !== expected.trim());
    if (volume && stale) {
      because.push({ field: 'pod env AWS_ROLE_ARN', expected, actual: stale.value!, source: stale.source });
      return report.fail('roleChanged', { actual: stale.value!, expected }, { because, fix });
    }
    // A pod that carries the current role is current, whatever managedFields says: the time
    // there is only an upper bound (any later write of the annotation moves it).
    if (volume && roles.length && !stale) {
      return report.pass(created && annotated ? 'fresh' : 'current', { created: created ?? '?', annotated: annotated ?? '?', role: expected }, { because });
    }
    if (created && annotated && Date.parse(created) < Date.parse(annotated)) {
      return report.fail('createdBefore', { created, annotated }, { because, fix });
    }
    if (!volume && roles.length === 0) {
      if (!annotated) {
        return report.unknown('notMutatedWhen', {}, { because, settle: `kubectl get serviceaccount ${sa.value.name} -n ${sa.value.namespace} -o yaml --show-managed-fields` });
      }
      // Created after the annotation and still not mutated: not staleness (IRSA302 explains).
      return report.pass('fresh', { created: created ?? '?', annotated }, { because });
    }
    if (created && annotated) return report.pass('fresh', { created, annotated }, { because });
    report.pass('current', { role: expected }, { because });
  },
});
