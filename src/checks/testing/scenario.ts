// A builder for small, realistic evidence (style.md: `evidence().withRole(...)`): it produces the
// same Facts the offline recognisers produce, so check tests go through the real join. The
// default is the article's healthy workload; each `with...` changes one link of the chain.

import type { Fact, K8sObject, PolicyDocument, Source } from '../../evidence/facts.js';
import { mutatePod } from '../../k8s/webhook.js';
import { join } from '../../evidence/join.js';
import { runChecks, type SubjectReport } from '../runner.js';
import type { Check, Finding } from '../define.js';
import { CHECKS } from '../registry.js';

export const ACCOUNT = '111122223333';
export const OTHER_ACCOUNT = '444455556666';
export const ISSUER_ID = 'EXAMPLED539D4633E53DE1B716D3041E';
export const NOW = new Date('2026-11-28T12:00:00Z');

export interface ScenarioState {
  region: string;
  partition: string;
  issuerHostPath: string | null;
  clusterName: string;
  clusterAccount: string;
  providerAccount: string;
  providerHostPath: string | null;
  clientIds: string[];
  thumbprints: string[];
  giveProviderDetail: boolean;
  giveProviderList: boolean;
  roleAccount: string;
  roleName: string;
  trust: PolicyDocument | null;
  giveRole: boolean;
  roleMissing: boolean;
  attached: Array<{ name: string; arn: string }> | null;
  namespace: string;
  saName: string;
  saAnnotations: Record<string, string>;
  saManagedTime?: string;
  giveSa: boolean;
  podSaName: string | undefined;
  podCreated: string;
  /** Mutate the pod with the webhook (as EKS would at creation). */
  mutated: boolean;
  containerEnv: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  podSecurity?: Record<string, unknown>;
  podAnnotations?: Record<string, string>;
  giveKubeVersion?: { major: number; minor: number };
  clusterVersion: string;
  extraFacts: Fact[];
  giveCluster: boolean;
  /** The role the webhook saw when the pod was created (default: the current annotation). */
  mutatedWithRole?: string;
  owner?: { kind: string; name: string };
}

const src = (path: string): Source => ({ path });

export function healthyTrust(s: Pick<ScenarioState, 'partition' | 'providerAccount' | 'issuerHostPath' | 'namespace' | 'saName'>): PolicyDocument {
  const hp = s.issuerHostPath!;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: `arn:${s.partition}:iam::${s.providerAccount}:oidc-provider/${hp}` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${hp}:sub`]: `system:serviceaccount:${s.namespace}:${s.saName}`, [`${hp}:aud`]: 'sts.amazonaws.com' } },
      },
    ],
  };
}

export class Scenario {
  s: ScenarioState;
  constructor() {
    const region = 'us-west-2';
    const hp = `oidc.eks.${region}.amazonaws.com/id/${ISSUER_ID}`;
    this.s = {
      region,
      partition: 'aws',
      issuerHostPath: hp,
      clusterName: 'prod',
      clusterAccount: ACCOUNT,
      providerAccount: ACCOUNT,
      providerHostPath: hp,
      clientIds: ['sts.amazonaws.com'],
      thumbprints: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'],
      giveProviderDetail: true,
      giveProviderList: true,
      roleAccount: ACCOUNT,
      roleName: 'EKS-IRSA',
      trust: null,
      giveRole: true,
      roleMissing: false,
      attached: [{ name: 'AmazonS3ReadOnlyAccess', arn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' }],
      namespace: 'payments',
      saName: 'irsa',
      saAnnotations: {},
      saManagedTime: '2026-11-01T10:00:00Z',
      giveSa: true,
      podSaName: 'irsa',
      podCreated: '2026-11-02T10:00:00Z',
      mutated: true,
      containerEnv: [],
      clusterVersion: '1.30',
      extraFacts: [],
      giveCluster: true,
    };
  }
  get roleArn(): string {
    return `arn:${this.s.partition}:iam::${this.s.roleAccount}:role/${this.s.roleName}`;
  }
  with(patch: Partial<ScenarioState> | ((s: ScenarioState) => void)): this {
    if (typeof patch === 'function') patch(this.s);
    else Object.assign(this.s, patch);
    return this;
  }
  /** China: cn-north-1, arn:aws-cn, .amazonaws.com.cn issuer. */
  china(): this {
    const hp = `oidc.eks.cn-north-1.amazonaws.com.cn/id/${ISSUER_ID}`;
    return this.with({ region: 'cn-north-1', partition: 'aws-cn', issuerHostPath: hp, providerHostPath: hp });
  }
  trust(mutate: (doc: PolicyDocument & { Statement: Array<Record<string, unknown>> }) => void): this {
    const doc = structuredClone(this.s.trust ?? healthyTrust(this.s)) as PolicyDocument & { Statement: Array<Record<string, unknown>> };
    mutate(doc);
    this.s.trust = doc;
    return this;
  }

  facts(): Fact[] {
    const s = this.s;
    const facts: Fact[] = [];
    if (s.giveCluster) facts.push({
      kind: 'cluster',
      source: src('cluster.json'),
      name: s.clusterName,
      arn: `arn:${s.partition}:eks:${s.region}:${s.clusterAccount}:cluster/${s.clusterName}`,
      issuer: s.issuerHostPath ? `https://${s.issuerHostPath}` : null,
      version: s.clusterVersion,
      region: s.region,
    });
    const providerArn = s.providerHostPath ? `arn:${s.partition}:iam::${s.providerAccount}:oidc-provider/${s.providerHostPath}` : undefined;
    if (s.giveProviderList) facts.push({ kind: 'providerList', source: src('providers.json'), arns: providerArn ? [providerArn] : [] });
    if (s.giveProviderDetail && s.providerHostPath) {
      facts.push({ kind: 'provider', source: src('provider.json'), url: s.providerHostPath, clientIds: s.clientIds, thumbprints: s.thumbprints });
    }
    if (s.giveRole && !s.roleMissing) {
      facts.push({ kind: 'role', source: src('role.json'), arn: this.roleArn, name: s.roleName, trustPolicy: s.trust ?? healthyTrust(s), maxSessionDuration: 3600 });
      if (s.attached) facts.push({ kind: 'attachedPolicies', source: src('attached.json'), policies: s.attached });
      facts.push({ kind: 'inlinePolicyNames', source: src('inline.json'), names: [] });
    }
    if (s.roleMissing) {
      facts.push({ kind: 'notFound', source: src('get-role.txt'), resource: 'role', name: s.roleName, text: `An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name ${s.roleName} cannot be found.` });
    }
    const annotations = { 'eks.amazonaws.com/role-arn': this.roleArn, ...s.saAnnotations };
    for (const [k, v] of Object.entries(annotations)) if (v === '__delete__') delete (annotations as Record<string, string>)[k];
    const sa: K8sObject = {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name: s.saName,
        namespace: s.namespace,
        uid: '4b0c3a3e-2f3e-4f69-9a57-8d1f0c7c1a11',
        creationTimestamp: '2026-10-01T09:00:00Z',
        annotations,
        ...(s.saManagedTime
          ? {
              managedFields: [
                { manager: 'kubectl-annotate', operation: 'Update', time: s.saManagedTime, fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:annotations': Object.fromEntries(Object.keys(annotations).map((k) => [`f:${k}`, {}])) } } },
              ],
            }
          : {}),
      },
    };
    if (s.giveSa) facts.push({ kind: 'k8sObject', source: src('sa.yaml'), object: sa, fromList: 'List' });
    const podName = s.owner ? `${s.owner.name}-7d9f8b6c5d-x2x9k` : 'app';
    let pod: K8sObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: podName,
        namespace: s.namespace,
        creationTimestamp: s.podCreated,
        ...(s.podAnnotations ? { annotations: s.podAnnotations } : {}),
        ...(s.owner
          ? { labels: { 'pod-template-hash': '7d9f8b6c5d' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${s.owner.name}-7d9f8b6c5d`, controller: true }] }
          : {}),
      },
      spec: {
        ...(s.podSaName !== undefined ? { serviceAccountName: s.podSaName } : {}),
        containers: [{ name: 'app', image: 'public.ecr.aws/example/app:1.0', env: s.containerEnv }],
        ...(s.podSecurity ? { securityContext: s.podSecurity } : {}),
      },
    };
    const seen = s.mutatedWithRole ? { ...annotations, 'eks.amazonaws.com/role-arn': s.mutatedWithRole } : annotations;
    if (s.mutated) pod = mutatePod(pod, { annotations: seen }, { defaultRegion: s.region, regionalStsDefault: true }).pod;
    facts.push({ kind: 'k8sObject', source: src('pod.yaml'), object: pod });
    if (s.giveKubeVersion) {
      facts.push({ kind: 'kubeVersion', source: src('version.json'), server: { ...s.giveKubeVersion, gitVersion: `v${s.giveKubeVersion.major}.${s.giveKubeVersion.minor}.0-eks` } });
    }
    facts.push(...s.extraFacts);
    return facts;
  }

  run(checks: readonly Check[] = CHECKS, intent?: { action: string; resource?: string }): SubjectReport[] {
    return runChecks(join(this.facts(), { now: NOW, ...(intent ? { intent } : {}) }), checks);
  }

  finding(id: string, intent?: { action: string; resource?: string }): Finding {
    const r = this.run(CHECKS, intent);
    const f = r[0]?.findings.find((x) => x.check === id);
    if (!f) throw new Error(`no finding for ${id}`);
    return f;
  }
}

export const scenario = (): Scenario => new Scenario();
