import { defineCheck, type Because } from '../define.js';
import { ROLE_ARN_ANNOTATION, TOKEN_FILE, TOKEN_MOUNT_PATH, TOKEN_VOLUME, WINDOWS_TOKEN_FILE } from '../../k8s/webhook.js';
import { podVolumes, resourceName } from '../../k8s/pod.js';
import { execEnvFor, mutableContainers, skippedContainers } from '../lib/env.js';
import { recreateCommands, topOwner } from '../lib/fixes.js';
import { where } from '../lib/subject.js';

export default defineCheck({
  id: 'IRSA302',
  requires: ['pod.spec', 'kubectl exec -- env (optional)'],
  messages: {
    injected: 'Every container has AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE and the {{volume}} volume{{skipped}}.',
    notMutated: 'The webhook did not mutate the pod: no container has AWS_ROLE_ARN or the {{volume}} volume{{why}}.',
    blocked: 'Container {{container}} sets {{present}} itself, so the webhook added neither variable: {{missing}} is missing.',
    partial: 'Injection is incomplete: {{problems}}.',
    execMissing: 'The pod spec was mutated, but `env` in container {{container}} shows no {{missing}}: the process does not see the role.',
    allSkipped: 'Every container is listed in eks.amazonaws.com/skip-containers ({{skipped}}): none gets the role.',
    noAnnotation: 'Not applicable: the service account has no role annotation, so nothing is injected (IRSA202).',
  },
  remediation:
    'Make sure the pod identity webhook runs (`kubectl get mutatingwebhookconfiguration pod-identity-webhook`), that the service account was annotated before the pod was created, and that no container sets AWS_ROLE_ARN or AWS_WEB_IDENTITY_TOKEN_FILE itself; then recreate the pod.',
  run(ctx, report) {
    const pod = ctx.pod;
    if (!pod) return report.notApplicable('no pod or workload was given');
    const sa = ctx.serviceAccount;
    const annotated = sa.state === 'found' ? Boolean(sa.value.annotations[ROLE_ARN_ANNOTATION]?.trim()) : undefined;
    const list = mutableContainers(pod);
    const volume = podVolumes(pod.object).find((v) => v['name'] === TOKEN_VOLUME);
    const source = where(pod.sources);
    const because: Because[] = [];
    const anyRole = list.some(({ env }) => env.has('AWS_ROLE_ARN'));
    if (annotated === false && !anyRole && !volume) return report.skip('noAnnotation');
    if (annotated === undefined && !anyRole && !volume && sa.state === 'unknown') return report.missing(sa, 'whether the service account is annotated');

    const skipped = [...skippedContainers(pod)];
    if (list.length === 0 && skipped.length) {
      return report.fail('allSkipped', { skipped: skipped.join(', ') }, { because: [{ field: 'metadata.annotations["eks.amazonaws.com/skip-containers"]', expected: 'not every container', actual: skipped.join(','), source }] });
    }
    const skippedText = skipped.length ? ` (${skipped.join(', ')} skipped by eks.amazonaws.com/skip-containers)` : '';
    if (!anyRole && !volume) {
      const owner = topOwner(pod);
      const rc = recreateCommands(pod);
      const annTime = sa.state === 'found' ? sa.value.roleAnnotationTime : undefined;
      const created = pod.object.metadata.creationTimestamp;
      const stale = annTime && created && Date.parse(created) < Date.parse(annTime);
      const why = stale
        ? ` (it was created at ${created}, before the annotation was set at ${annTime}: see IRSA303)`
        : ' (the webhook was down or unreachable when the pod was created, or the service account was not yet in its cache)';
      because.push({ field: 'spec.volumes', expected: TOKEN_VOLUME, actual: '(absent)', source }, { field: 'spec.containers[*].env', expected: 'AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE', actual: '(absent)', source });
      return report.fail('notMutated', { volume: TOKEN_VOLUME, why, owner: owner ? `${resourceName(owner.kind)}/${owner.name}` : undefined }, {
        because,
        fix: { summary: `check the webhook, then ${rc.summary}`, commands: ['kubectl get mutatingwebhookconfiguration pod-identity-webhook -o yaml', ...rc.commands] },
      });
    }

    const problems: string[] = [];
    for (const { c, env } of list) {
      const role = env.get('AWS_ROLE_ARN');
      const file = env.get('AWS_WEB_IDENTITY_TOKEN_FILE');
      if (role && !file) {
        because.push({ field: `containers[${c.name}].env`, expected: 'AWS_WEB_IDENTITY_TOKEN_FILE', actual: `AWS_ROLE_ARN only (${role.origin === 'exec' ? 'seen in env output' : 'set in the spec'})`, source: role.source });
        const owner = topOwner(pod);
        const fix = owner
          ? { summary: `remove AWS_ROLE_ARN from container ${c.name} of ${resourceName(owner.kind)}/${owner.name} so the webhook injects both variables`, commands: [`kubectl set env ${resourceName(owner.kind)}/${owner.name} -n ${pod.namespace} -c ${c.name} AWS_ROLE_ARN-`] }
          : undefined;
        return report.fail('blocked', { container: c.name, present: 'AWS_ROLE_ARN', missing: 'AWS_WEB_IDENTITY_TOKEN_FILE' }, { because, ...(fix ? { fix } : {}) });
      }
      if (file && !role) {
        because.push({ field: `containers[${c.name}].env`, expected: 'AWS_ROLE_ARN', actual: 'AWS_WEB_IDENTITY_TOKEN_FILE only', source: file.source });
        const owner = topOwner(pod);
        const fix = owner
          ? { summary: `remove AWS_WEB_IDENTITY_TOKEN_FILE from container ${c.name} so the webhook injects both variables`, commands: [`kubectl set env ${resourceName(owner.kind)}/${owner.name} -n ${pod.namespace} -c ${c.name} AWS_WEB_IDENTITY_TOKEN_FILE-`] }
          : undefined;
        return report.fail('blocked', { container: c.name, present: 'AWS_WEB_IDENTITY_TOKEN_FILE', missing: 'AWS_ROLE_ARN' }, { because, ...(fix ? { fix } : {}) });
      }
      if (!role) {
        problems.push(`container ${c.name} has no AWS_ROLE_ARN`);
        because.push({ field: `containers[${c.name}].env`, expected: 'AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE', actual: '(absent)', source });
        continue;
      }
      if (file && file.value !== undefined && file.value !== TOKEN_FILE && file.value !== WINDOWS_TOKEN_FILE) {
        const mounted = c.mounts.some((m) => file.value!.startsWith(m.mountPath));
        if (!mounted) {
          problems.push(`container ${c.name}: AWS_WEB_IDENTITY_TOKEN_FILE=${file.value} is not under any mount`);
          because.push({ field: `containers[${c.name}].env.AWS_WEB_IDENTITY_TOKEN_FILE`, expected: TOKEN_FILE, actual: file.value, source: file.source });
        }
      }
      if (!c.mounts.some((m) => m.name === TOKEN_VOLUME)) {
        problems.push(`container ${c.name} does not mount ${TOKEN_VOLUME}`);
        because.push({ field: `containers[${c.name}].volumeMounts`, expected: `${TOKEN_VOLUME} at ${TOKEN_MOUNT_PATH}`, actual: c.mounts.map((m) => m.name).join(', ') || '(none)', source });
      } else if (c.mounts.some((m) => m.name === TOKEN_VOLUME && m.subPath)) {
        problems.push(`container ${c.name} mounts ${TOKEN_VOLUME} with subPath: the token is never refreshed and expires`);
      }
    }
    if (!volume) {
      problems.push(`the pod has no ${TOKEN_VOLUME} volume`);
      because.push({ field: 'spec.volumes', expected: TOKEN_VOLUME, actual: '(absent)', source });
    }
    if (problems.length) return report.fail('partial', { problems: problems.join('; ') }, { because });
    // The spec is right; does the running process see it?
    for (const { c } of list) {
      const outputs = execEnvFor(pod, c.name);
      if (outputs.length === 0) continue;
      const execVars = outputs.flatMap((f) => Object.keys(f.vars));
      const missing = ['AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE'].filter((n) => !execVars.includes(n));
      if (missing.length) {
        because.push({ field: `env in container ${c.name}`, expected: missing.join(', '), actual: '(absent)', source: outputs[0]!.source.path });
        return report.fail('execMissing', { container: c.name, missing: missing.join(' and ') }, { because });
      }
    }
    report.pass('injected', { volume: TOKEN_VOLUME, skipped: skippedText }, {
      because: list.map(({ c, env }) => ({ field: `containers[${c.name}].env.AWS_ROLE_ARN`, actual: env.get('AWS_ROLE_ARN')?.value ?? '', source })),
    });
  },
});
