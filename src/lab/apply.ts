// Applies a world's steps to a running lab, in order: IAM through the same model functions the
// IAM API uses (so seeding and API validate alike), Kubernetes objects through the API server's
// admission and controller, and the clock moved between steps.

import { InputError } from '../evidence/facts.js';
import type { Lab } from './lab.js';
import type { World, IrsaTrust } from './world.js';
import { attachRolePolicy, createPolicy, createProvider, createRole, isIamError, putRolePolicy } from './iam/model.js';
import { awsManagedPolicyArn } from './aws-managed-policies.js';
import { irsaTrustPolicy } from '../iam/irsa-trust.js';

type Vars = Record<string, string>;

/** Replaces ${NAME} and ${NAME:cluster} in every string of a value. */
export function substitute<T>(value: T, vars: Vars, where: string): T {
  const one = (s: string): string =>
    s.replace(/\$\{([A-Z_]+)(?::([a-z0-9-]+))?\}/g, (_, name: string, cluster?: string) => {
      const key = cluster ? `${name}:${cluster}` : name;
      const v = vars[key];
      if (v === undefined) throw new InputError(where, `unknown placeholder \${${key}}`);
      return v;
    });
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return one(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [one(k), walk(x)]));
    return v;
  };
  return walk(value) as T;
}

function hostPath(url: string): string {
  return url.replace(/^https:\/\//, '');
}

export function irsaTrust(providerArn: string, issuerHostPath: string, t: IrsaTrust): Record<string, unknown> {
  return irsaTrustPolicy({ providerArn, issuerHostPath, ...t });
}


export async function applyWorld(lab: Lab, world: World): Promise<void> {
  const where = world.path ?? world.name;
  const partitionOf = (account: string) => lab.state.account(account).partition;
  const issuerOf = (cluster: string) => lab.clusters.get(cluster)?.cluster.issuer ?? '';
  const varsFor = (account: string): Vars => {
    const first = world.clusters[0]!.name;
    const v: Vars = { ACCOUNT: lab.homeAccount, PARTITION: partitionOf(account), ISSUER_HOSTPATH: hostPath(issuerOf(first)) };
    v['PROVIDER_ARN'] = `arn:${partitionOf(account)}:iam::${account}:oidc-provider/${v['ISSUER_HOSTPATH']}`;
    for (const c of world.clusters) {
      v[`ISSUER_HOSTPATH:${c.name}`] = hostPath(issuerOf(c.name));
      v[`PROVIDER_ARN:${c.name}`] = `arn:${partitionOf(account)}:iam::${account}:oidc-provider/${hostPath(issuerOf(c.name))}`;
    }
    return v;
  };
  const check = <T>(r: T, step: number, what: string): Exclude<T, { code: string; message: string } & { __iam?: never }> => {
    if (isIamError(r)) throw new InputError(where, `steps.${step} (${what}): ${r.code}: ${r.message}`);
    return r as Exclude<T, { code: string; message: string } & { __iam?: never }>;
  };
  for (const [i, step] of world.steps.entries()) {
    if ('advance' in step) {
      lab.clock.advance(step.advance.ms);
    } else if ('provider' in step) {
      const p = step.provider;
      const handle = lab.clusters.get(p.cluster)!;
      const url = p.url ?? handle.cluster.issuer;
      if (!url) throw new InputError(where, `steps.${i} (provider): cluster ${p.cluster} has no issuer; give url:`);
      const thumbprints = p.thumbprints === 'auto' ? (handle.issuer?.thumbprints ?? [lab.pki.thumbprint]) : p.thumbprints;
      check(createProvider(lab.state, p.account, { url, clientIds: p.clientIds, thumbprints, allowPort: true }, lab.clock), i, 'provider');
    } else if ('policy' in step) {
      const p = step.policy;
      check(createPolicy(lab.state, p.account, { policyName: p.name, policyDocument: JSON.stringify(substitute(p.document, varsFor(p.account), where)) }, lab.clock), i, 'policy');
    } else if ('role' in step) {
      const r = step.role;
      const vars = varsFor(r.account);
      let trust: Record<string, unknown>;
      if (r.irsa) {
        const hp = hostPath(issuerOf(r.irsa.cluster));
        trust = irsaTrust(`arn:${partitionOf(r.account)}:iam::${r.account}:oidc-provider/${hp}`, hp, r.irsa);
      } else {
        trust = substitute(r.trust!, vars, where);
      }
      check(
        createRole(lab.state, r.account, { roleName: r.name, assumeRolePolicyDocument: JSON.stringify(trust), ...(r.maxSessionDuration ? { maxSessionDuration: r.maxSessionDuration } : {}) }, lab.clock),
        i,
        'role',
      );
      for (const a of r.attach) {
        const arn = a.startsWith('arn:') ? substitute(a, vars, where) : awsManagedPolicyArn(partitionOf(r.account), a);
        check(attachRolePolicy(lab.state, r.account, { roleName: r.name, policyArn: arn }), i, `attach ${a}`);
      }
      for (const [name, doc] of Object.entries(r.inline)) {
        check(putRolePolicy(lab.state, r.account, { roleName: r.name, policyName: name, policyDocument: JSON.stringify(substitute(doc, vars, where)) }), i, `inline ${name}`);
      }
    } else if ('apply' in step) {
      const handle = lab.clusters.get(step.apply.cluster)!;
      const objects = substitute(step.apply.objects, varsFor(handle.cluster.account), where);
      for (const o of objects) await handle.kube.apply(o, 'kubectl-client-side-apply');
    } else if ('annotate' in step) {
      const a = step.annotate;
      const handle = lab.clusters.get(a.cluster)!;
      await handle.kube.annotate(a.namespace, a.serviceAccount, substitute(a.annotations, varsFor(handle.cluster.account), where), 'kubectl-annotate');
    } else if ('webhook' in step) {
      lab.clusters.get(step.webhook.cluster)!.kube.setWebhookDown(step.webhook.down);
    }
  }
  for (const c of lab.clusters.values()) await c.kube.settle();
}
