import { defineCheck } from '../define.js';
import { ROLE_ARN_ANNOTATION } from '../../k8s/webhook.js';
import { resourceName } from '../../k8s/pod.js';
import { topOwner } from '../lib/fixes.js';
import { where } from '../lib/subject.js';
import { trustedSubjects } from '../lib/trust.js';
import { wildcardMatch } from '../../iam/wildcard.js';

export default defineCheck({
  id: 'IRSA301',
  requires: ['pod.spec.serviceAccountName', 'serviceAccounts in the namespace'],
  messages: {
    annotatedSa: 'The pod runs as {{name}}, which carries the role annotation.',
    runsAs: 'The pod runs as {{name}}; its annotation is checked by IRSA202.',
    wrongSa: 'The pod runs as {{actual}}{{implicit}}, but {{expected}} is the service account meant for the role ({{why}}).',
  },
  remediation: 'Set spec.serviceAccountName (in the Deployment/StatefulSet/DaemonSet/Job template, not on the pod) to the annotated service account, then let the rollout recreate the pods.',
  run(ctx, report) {
    const pod = ctx.pod;
    const ref = ctx.serviceAccountRef;
    if (!pod || !ref) return report.notApplicable('no pod or workload was given');
    const sa = ctx.serviceAccount;
    const field = 'spec.serviceAccountName';
    const source = where(pod.sources);
    if (sa.state === 'found' && sa.value.annotations[ROLE_ARN_ANNOTATION]?.trim()) {
      return report.pass('annotatedSa', { name: ref.name }, { because: [{ field, actual: ref.name, source }] });
    }
    // Which service account was meant. Only a pod on `default` is presumed to be on the wrong
    // account because another one carries the role; a pod on its own account is on the wrong
    // one only when the role's trust policy names another account and not this one.
    const meant = new Map<string, string>();
    const trusted = trustedSubjects(ctx);
    const ownSub = `system:serviceaccount:${ref.namespace}:${ref.name}`;
    if (trusted.some((t) => wildcardMatch(t, ownSub))) {
      if (sa.state === 'unknown') return report.missing(sa, `the service account ${ref.namespace}/${ref.name}`);
      return report.pass('runsAs', { name: ref.name }, { because: [{ field, actual: ref.name, source }] });
    }
    if (ref.name === 'default') {
      for (const l of ctx.ev.serviceAccounts.values()) {
        if (l.state !== 'found' || l.value.namespace !== ref.namespace || l.value.name === ref.name) continue;
        if (l.value.annotations[ROLE_ARN_ANNOTATION]?.trim()) meant.set(l.value.name, `it carries ${ROLE_ARN_ANNOTATION}`);
      }
    }
    for (const s of trusted) {
      const m = /^system:serviceaccount:([^:]+):([^:*?]+)$/.exec(s);
      if (m && m[1] === ref.namespace && m[2] !== ref.name && !meant.has(m[2]!)) meant.set(m[2]!, `the role's trust policy admits ${s}`);
    }
    if (meant.size === 0) {
      if (sa.state === 'unknown') return report.missing(sa, `the service account ${ref.namespace}/${ref.name}`);
      return report.pass('runsAs', { name: ref.name }, { because: [{ field, actual: ref.name, source }] });
    }
    const [expected, why] = [...meant.entries()][0]!;
    const owner = topOwner(pod);
    const patch = { spec: { template: { spec: { serviceAccountName: expected } } } };
    const fix =
      owner && owner.kind !== 'ReplicaSet' && owner.kind !== 'Job'
        ? {
            summary: `run ${resourceName(owner.kind)}/${owner.name} as ${expected}`,
            commands: [
              owner.kind === 'CronJob'
                ? `kubectl patch cronjob/${owner.name} -n ${ref.namespace} --type merge -p '${JSON.stringify({ spec: { jobTemplate: patch } })}'`
                : `kubectl patch ${resourceName(owner.kind)}/${owner.name} -n ${ref.namespace} --type merge -p '${JSON.stringify(patch)}'`,
            ],
            patch,
          }
        : undefined;
    report.fail(
      'wrongSa',
      { actual: ref.name, expected, why, implicit: ref.explicit ? '' : ' (serviceAccountName is not set, so Kubernetes uses default)' },
      { because: [{ field, expected, actual: ref.explicit ? ref.name : '(unset: default)', source }], ...(fix ? { fix } : {}) },
    );
  },
});
