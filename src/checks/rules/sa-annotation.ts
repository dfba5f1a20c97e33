import { defineCheck } from '../define.js';
import { editDistance } from '../../iam/issuer.js';
import { ROLE_ARN_ANNOTATION } from '../../k8s/webhook.js';
import { annotateCommand, recreateCommands } from '../lib/fixes.js';
import { where } from '../lib/subject.js';
import { rolesTrusting } from '../lib/trust.js';

/** Annotation keys that were meant to be eks.amazonaws.com/role-arn. */
function nearMissKeys(annotations: Record<string, string>): string[] {
  return Object.keys(annotations).filter((k) => {
    if (k === ROLE_ARN_ANNOTATION) return false;
    const norm = k.toLowerCase().trim();
    if (norm === ROLE_ARN_ANNOTATION) return true;
    if (editDistance(norm, ROLE_ARN_ANNOTATION, 4) <= 4) return true;
    // `role-arn`, `iam.amazonaws.com/role` (kiam/kube2iam), `eks.amazon.com/role-arn`...
    return /(^|\/)(role[-_.]?arn|iam[-_.]?role)$/.test(norm) || norm === 'iam.amazonaws.com/role';
  });
}

export default defineCheck({
  id: 'IRSA202',
  requires: ['serviceAccount.metadata.annotations'],
  messages: {
    annotated: 'The service account carries {{key}}: {{value}}.',
    empty: 'The service account\'s {{key}} annotation is empty: the webhook does not mutate its pods.',
    missing: 'The service account {{namespace}}/{{name}} has no {{key}} annotation: its pods get no role and fall back to the node role.',
    nearMiss: 'The service account has {{found}} instead of {{key}}: the webhook only reads {{key}}.',
    onPod: 'The {{key}} annotation is on the pod, not on its service account {{namespace}}/{{name}}: the webhook reads it from the service account.',
    kube2iam: 'The service account has no {{key}}; the pod uses {{found}}, the kube2iam/kiam annotation, which IRSA does not read.',
  },
  remediation: 'Annotate the service account: `kubectl annotate serviceaccount NAME -n NS eks.amazonaws.com/role-arn=arn:aws:iam::ACCOUNT:role/ROLE`, then recreate its pods.',
  run(ctx, report) {
    const ref = ctx.serviceAccountRef;
    if (!ref) return report.notApplicable('no service account or pod was given');
    const sa = ctx.serviceAccount;
    if (sa.state === 'unknown') return report.missing(sa, `the annotations of ${ref.namespace}/${ref.name}`);
    if (sa.state === 'notFound') return report.notApplicable(`the service account ${ref.namespace}/${ref.name} does not exist (IRSA201)`);
    const ann = sa.value.annotations;
    const source = where(sa.sources);
    const data = { key: ROLE_ARN_ANNOTATION, namespace: ref.namespace, name: ref.name };
    const value = ann[ROLE_ARN_ANNOTATION];
    if (value !== undefined && value.trim() !== '') {
      return report.pass('annotated', { ...data, value }, { because: [{ field: `metadata.annotations["${ROLE_ARN_ANNOTATION}"]`, actual: value, source }] });
    }
    const roleGuess = (k?: string) => {
      const v = k ? ann[k] : undefined;
      if (v && v.trim().startsWith('arn:')) return v.trim();
      // The one role given whose trust policy admits this service account.
      const trusting = rolesTrusting(ctx);
      if (trusting.length === 1) return trusting[0];
      return ctx.roleArn?.from === 'only-role' && trusting.length === 0 ? ctx.roleArn.normalized : undefined;
    };
    const recreate = ctx.pod && ctx.pod.origin === 'pod' ? recreateCommands(ctx.pod) : undefined;
    const fixFor = (arn: string | undefined, extra: string[] = []) =>
      arn
        ? {
            fix: {
              summary: `annotate ${ref.namespace}/${ref.name} with ${arn}${recreate ? `, then ${recreate.summary}` : ''}`,
              commands: [annotateCommand(ref.namespace, ref.name, arn), ...extra, ...(recreate?.commands ?? [])],
            },
          }
        : {};
    if (value !== undefined) {
      return report.fail('empty', data, { because: [{ field: `metadata.annotations["${ROLE_ARN_ANNOTATION}"]`, expected: 'a role ARN', actual: '""', source }], ...fixFor(roleGuess()) });
    }
    const near = nearMissKeys(ann);
    if (near.length) {
      const k = near[0]!;
      const id = k === 'iam.amazonaws.com/role' ? 'kube2iam' : 'nearMiss';
      return report.fail(
        id,
        { ...data, found: k },
        { because: [{ field: 'metadata.annotations', expected: ROLE_ARN_ANNOTATION, actual: k, source }], ...fixFor(roleGuess(k), [`kubectl annotate serviceaccount ${ref.name} -n ${ref.namespace} ${k}-`]) },
      );
    }
    const podAnn = ctx.pod?.object.metadata.annotations?.[ROLE_ARN_ANNOTATION];
    if (podAnn) {
      return report.fail(
        'onPod',
        data,
        { because: [{ field: `pod metadata.annotations["${ROLE_ARN_ANNOTATION}"]`, expected: 'on the service account', actual: podAnn, source: ctx.pod ? where(ctx.pod.sources) : undefined }], ...fixFor(podAnn.trim()) },
      );
    }
    report.fail('missing', data, { because: [{ field: `metadata.annotations["${ROLE_ARN_ANNOTATION}"]`, expected: 'arn:aws:iam::ACCOUNT:role/NAME', actual: '(absent)', source }], ...fixFor(roleGuess()) });
  },
});
