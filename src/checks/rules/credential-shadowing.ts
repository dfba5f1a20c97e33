import { defineCheck, type Because } from '../define.js';
import { resourceName } from '../../k8s/pod.js';
import { mutableContainers } from '../lib/env.js';
import { topOwner } from '../lib/fixes.js';
import { where } from '../lib/subject.js';

const STATIC = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];
const PROFILE = ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE'];
const FILES = ['AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE'];
const CONTAINER = ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'];

export default defineCheck({
  id: 'IRSA304',
  requires: ['pod.spec.containers[*].env', 'kubectl exec -- env (optional)'],
  messages: {
    clean: 'No container sets static keys, a profile or a credentials file that would be used before web identity.',
    staticKeys: 'Container {{container}} sets {{vars}}: every SDK uses these static keys before web identity, so the pod never uses its role.',
    profile: 'Container {{container}} sets {{vars}}: SDKs read that profile before web identity (and fail if it does not exist).',
    credentialsFile: 'Container {{container}} {{what}}: a credentials or config file is read before web identity when it holds credentials.',
    containerCredentials: 'Container {{container}} also has {{vars}} (EKS Pod Identity or ECS): web identity comes first in the SDK chains, so IRSA wins; configure one mechanism only.',
    envFromUnknown: 'Container {{container}} loads env from {{refs}}; their keys were not given, so static AWS keys cannot be ruled out.',
  },
  remediation: 'Remove AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE and mounted ~/.aws credentials from the pod spec so that the SDK reaches the web identity provider.',
  run(ctx, report) {
    const pod = ctx.pod;
    if (!pod) return report.notApplicable('no pod or workload was given');
    const owner = topOwner(pod);
    const target = owner ? `${resourceName(owner.kind)}/${owner.name}` : undefined;
    const unsetFix = (container: string, vars: string[]) =>
      target ? { fix: { summary: `remove ${vars.join(', ')} from container ${container} of ${target}`, commands: [`kubectl set env ${target} -n ${pod.namespace} -c ${container} ${vars.map((v) => `${v}-`).join(' ')}`] } } : {};
    const warnings: Array<() => void> = [];
    let unknownFinding: (() => void) | undefined;
    for (const { c, env } of mutableContainers(pod)) {
      const shown = (names: string[]) => names.filter((n) => env.has(n));
      const because = (names: string[]): Because[] =>
        names.map((n) => {
          const v = env.get(n)!;
          // Never echo credential values: name, origin and where only.
          const actual = v.origin === 'valueFrom' ? `set from ${v.detail}` : n === 'AWS_PROFILE' || n === 'AWS_DEFAULT_PROFILE' ? `=${v.value ?? ''}` : 'set (value hidden)';
          return { field: `containers[${c.name}].env.${n}`, expected: '(unset)', actual, source: v.source };
        });
      const st = shown(STATIC);
      if (st.includes('AWS_ACCESS_KEY_ID') || st.includes('AWS_SECRET_ACCESS_KEY')) {
        return report.fail('staticKeys', { container: c.name, vars: st.join(', ') }, { because: because(st), ...unsetFix(c.name, st) });
      }
      const pr = shown(PROFILE);
      if (pr.length) return report.fail('profile', { container: c.name, vars: pr.join(', ') }, { because: because(pr), ...unsetFix(c.name, pr) });
      const fi = shown(FILES);
      const awsMount = c.mounts.find((m) => /(^|\/)\.aws(\/|$)/.test(m.mountPath));
      if (fi.length || awsMount) {
        const what = fi.length ? `sets ${fi.join(', ')}` : `mounts ${awsMount!.name} at ${awsMount!.mountPath}`;
        const b = fi.length ? because(fi) : [{ field: `containers[${c.name}].volumeMounts`, expected: 'no ~/.aws mount', actual: awsMount!.mountPath, source: where(pod.sources) }];
        warnings.push(() => report.warn('credentialsFile', { container: c.name, what }, { because: b }));
      }
      const co = shown(CONTAINER);
      if (co.length) warnings.push(() => report.warn('containerCredentials', { container: c.name, vars: co.join(', ') }, { because: because(co) }));
      const secretRefs = c.envFrom.filter((r) => r.startsWith('secretRef:'));
      const execShown = pod.env.length > 0;
      if (secretRefs.length && !execShown && !unknownFinding) {
        const name = secretRefs[0]!.slice('secretRef:'.length);
        unknownFinding = () =>
          report.unknown('envFromUnknown', { container: c.name, refs: secretRefs.join(', ') }, {
            settle: `kubectl get secret ${name} -n ${pod.namespace} -o go-template='{{range $k, $v := .data}}{{$k}}{{"\\n"}}{{end}}'   (prints key names only)`,
          });
      }
    }
    if (warnings.length) return warnings[0]!();
    if (unknownFinding) return unknownFinding();
    report.pass('clean');
  },
});
