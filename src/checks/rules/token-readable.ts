import { defineCheck, type Because } from '../define.js';
import { ROLE_ARN_ANNOTATION } from '../../k8s/webhook.js';
import { podFsGroup, resourceName } from '../../k8s/pod.js';
import { podContainers } from '../lib/env.js';
import { topOwner } from '../lib/fixes.js';
import { where } from '../lib/subject.js';

export default defineCheck({
  id: 'IRSA305',
  requires: ['kubectl exec -- id', 'pod securityContext', 'Kubernetes version'],
  messages: {
    root: 'The container runs as root (uid 0): it can read the token file.',
    modern: 'Kubernetes {{version}} (1.19 or later) makes the projected token readable by the pod\'s user (uid {{uid}}).',
    fsGroup: 'The pod sets fsGroup {{fsGroup}}: the token file is group-readable by uid {{uid}}.',
    denied: 'Kubernetes {{version}} (1.18 or older) mounts the token as root-only, the container runs as uid {{uid}} and the pod sets no fsGroup: reading it fails with "permission denied".',
    uidUnknown: 'Kubernetes {{version}} (1.18 or older) mounts the token as root-only and the container\'s user is not known.',
  },
  remediation: 'On Kubernetes 1.18 or older, set spec.securityContext.fsGroup (any group id) in the pod template, or run as root; 1.19 and later need nothing.',
  run(ctx, report) {
    const pod = ctx.pod;
    if (!pod) return report.notApplicable('no pod or workload was given');
    const sa = ctx.serviceAccount;
    if (sa.state === 'found' && !sa.value.annotations[ROLE_ARN_ANNOTATION]?.trim()) return report.notApplicable('no token is mounted without the role annotation (IRSA202)');
    // The user: `id` output beats the spec (the image's USER is invisible in the spec).
    const id = pod.ids[0];
    const specUids = podContainers(pod).filter((c) => !c.init).map((c) => c.runAsUser);
    const uid = id?.uid ?? (specUids.length && specUids.every((u) => u !== undefined) ? Math.max(...(specUids as number[])) : undefined);
    const because: Because[] = [];
    if (id) because.push({ field: 'id', actual: `uid=${id.uid} gid=${id.gid} groups=${id.groups.join(',')}`, source: id.source.path });
    else if (uid !== undefined) because.push({ field: 'securityContext.runAsUser', actual: String(uid), source: where(pod.sources) });
    if (uid === 0) return report.pass('root', {}, { because });
    const kv = ctx.ev.kubeVersion;
    if (kv.state === 'notFound') return report.notApplicable('no Kubernetes version');
    if (kv.state !== 'found') {
      if (uid === undefined) return report.missing(kv, 'the Kubernetes version and the container user');
      return report.missing(kv, `whether uid ${uid} can read the token (it depends on the Kubernetes version)`);
    }
    const version = `${kv.value.major}.${kv.value.minor}`;
    because.push({ field: 'Kubernetes server version', expected: '>= 1.19, or fsGroup set', actual: kv.value.gitVersion, source: where(kv.sources) });
    if (kv.value.major > 1 || kv.value.minor >= 19) return report.pass('modern', { version, uid: uid ?? 'any' }, { because });
    const fsGroup = podFsGroup(pod.object);
    if (fsGroup !== undefined) return report.pass('fsGroup', { fsGroup, uid: uid ?? '?' }, { because });
    if (uid === undefined) return report.unknown('uidUnknown', { version }, { because, settle: `kubectl exec ${pod.name} -n ${pod.namespace} -- id` });
    const owner = topOwner(pod);
    const patch = { spec: { template: { spec: { securityContext: { fsGroup: id?.gid && id.gid !== 0 ? id.gid : 65534 } } } } };
    const fix = owner && ['Deployment', 'StatefulSet', 'DaemonSet'].includes(owner.kind)
      ? { summary: `give the pods an fsGroup so the token is group-readable`, commands: [`kubectl patch ${resourceName(owner.kind)}/${owner.name} -n ${pod.namespace} --type merge -p '${JSON.stringify(patch)}'`], patch }
      : undefined;
    report.fail('denied', { version, uid }, { because, ...(fix ? { fix } : {}) });
  },
});
