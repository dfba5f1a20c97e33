// Worlds built in code, of any size, for the scan benchmark and the scan's fault tests: a cluster
// whose IRSA workloads are Deployments of `podsPerWorkload` replicas, each on its own annotated
// service account, two service accounts per role, in an account that also holds roles the cluster
// does not use. A few links are broken on purpose (a trust policy naming the wrong namespace, an
// annotation naming a role that does not exist) so that a scan has something to find.

import type { Step, World } from './world.js';

export interface GeneratedWorldOptions {
  /** IRSA pods in the cluster. */
  pods: number;
  /** Replicas per Deployment (default 10): service accounts = pods / podsPerWorkload. */
  podsPerWorkload?: number;
  /** Service accounts per role (default 2): roles = service accounts / saPerRole. */
  saPerRole?: number;
  /** Service accounts per namespace (default 20). */
  saPerNamespace?: number;
  /** Roles in the account that no service account names (default 2,000). */
  unusedRoles?: number;
  /** Every n-th role's trust policy names the wrong namespace for its second account (default 25; 0: none). */
  wrongNamespaceEvery?: number;
  /** Every n-th service account names a role that does not exist (default 100; 0: none). */
  missingRoleEvery?: number;
  /** Pods on the namespace's default service account, per namespace (default 0): node-role fallbacks. */
  unannotatedPerNamespace?: number;
  name?: string;
}

export interface GeneratedWorld {
  world: World;
  pods: number;
  serviceAccounts: number;
  /** Roles the cluster's service accounts name (existing or not). */
  roles: number;
  namespaces: string[];
  /** `ns/deployment/name` of the workloads built broken, with the check that should fail. */
  broken: Map<string, string>;
}

export const GENERATED_ACCOUNT = '111122223333';
export const GENERATED_CLUSTER = 'bench';

export function generatedWorld(o: GeneratedWorldOptions): GeneratedWorld {
  const perWorkload = o.podsPerWorkload ?? 10;
  const saPerRole = o.saPerRole ?? 2;
  const saPerNs = o.saPerNamespace ?? 20;
  const wrongEvery = o.wrongNamespaceEvery ?? 25;
  const missingEvery = o.missingRoleEvery ?? 100;
  const sas = Math.max(1, Math.ceil(o.pods / perWorkload));
  const roles = Math.ceil(sas / saPerRole);
  const nsCount = Math.ceil(sas / saPerNs);
  const namespaces = Array.from({ length: nsCount }, (_, i) => `team-${String(i).padStart(3, '0')}`);
  const account = GENERATED_ACCOUNT;
  const cluster = GENERATED_CLUSTER;
  const steps: Step[] = [{ provider: { account, cluster, clientIds: ['sts.amazonaws.com'], thumbprints: 'auto' } }];
  const broken = new Map<string, string>();

  // One customer-managed policy per namespace, attached to its roles with an AWS-managed one.
  for (const ns of namespaces) {
    steps.push({
      policy: {
        account,
        name: `${ns}-data`,
        document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: `arn:\${PARTITION}:s3:::${ns}-data/*` }] },
      },
    });
  }
  const saOf = (i: number) => ({ ns: namespaces[Math.floor(i / saPerNs)]!, name: `app-${String(i).padStart(5, '0')}` });
  const roleName = (r: number) => `irsa-app-${String(r).padStart(5, '0')}`;
  for (let r = 0; r < roles; r++) {
    const members = Array.from({ length: saPerRole }, (_, k) => r * saPerRole + k).filter((i) => i < sas);
    const subs = members.map((i, k) => {
      const sa = saOf(i);
      const wrong = wrongEvery > 0 && r % wrongEvery === wrongEvery - 1 && k === members.length - 1 && members.length > 1;
      if (wrong) broken.set(`${sa.ns}/deployment/${sa.name}`, 'IRSA105');
      return `system:serviceaccount:${wrong ? `${sa.ns}-old` : sa.ns}:${sa.name}`;
    });
    const firstNs = saOf(members[0]!).ns;
    steps.push({
      role: {
        account,
        name: roleName(r),
        trust: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Federated: 'arn:${PARTITION}:iam::${ACCOUNT}:oidc-provider/${ISSUER_HOSTPATH}' },
              Action: 'sts:AssumeRoleWithWebIdentity',
              Condition: { StringEquals: { '${ISSUER_HOSTPATH}:sub': subs.length === 1 ? subs[0]! : subs, '${ISSUER_HOSTPATH}:aud': 'sts.amazonaws.com' } },
            },
          ],
        },
        attach: ['AmazonS3ReadOnlyAccess', `arn:\${PARTITION}:iam::${account}:policy/${firstNs}-data`],
        inline: {},
      },
    });
  }
  for (let u = 0; u < (o.unusedRoles ?? 2000); u++) {
    steps.push({
      role: {
        account,
        name: `ec2-unused-${String(u).padStart(5, '0')}`,
        trust: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
        attach: [],
        inline: {},
      },
    });
  }

  const objects: Array<Record<string, unknown>> = namespaces.map((ns) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
  for (let i = 0; i < sas; i++) {
    const sa = saOf(i);
    const missing = missingEvery > 0 && i % missingEvery === missingEvery - 1;
    const arn = missing ? `arn:aws:iam::${account}:role/irsa-deleted-${String(i).padStart(5, '0')}` : `arn:aws:iam::${account}:role/${roleName(Math.floor(i / saPerRole))}`;
    if (missing) broken.set(`${sa.ns}/deployment/${sa.name}`, 'IRSA102');
    objects.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa.name, namespace: sa.ns, annotations: { 'eks.amazonaws.com/role-arn': arn } } });
    const replicas = Math.min(perWorkload, o.pods - i * perWorkload);
    objects.push(deployment(sa.ns, sa.name, sa.name, Math.max(1, replicas)));
  }
  for (const ns of namespaces) for (let j = 0; j < (o.unannotatedPerNamespace ?? 0); j++) objects.push(deployment(ns, `batch-${j}`, 'default', 1));
  steps.push({ apply: { cluster, objects } });

  return {
    world: {
      name: o.name ?? `generated-${o.pods}`,
      description: `Generated: ${o.pods} IRSA pods, ${sas} service accounts, ${roles} roles, ${o.unusedRoles ?? 2000} unused roles.`,
      reproduces: [],
      expect: {},
      accounts: [{ id: account, partition: 'aws', quotas: { roles: 5000 } }],
      clusters: [{ name: cluster, account, region: 'us-west-2', version: '1.31', issuer: 'public', jwksOnSeparateHost: false, privateEndpoint: false, webhook: { down: false, cacheMiss: false, injectRegion: true } }],
      steps,
    },
    pods: o.pods,
    serviceAccounts: sas,
    roles,
    namespaces,
    broken,
  };
}

function deployment(ns: string, name: string, serviceAccount: string, replicas: number): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          serviceAccountName: serviceAccount,
          securityContext: { fsGroup: 65534 },
          containers: [{ name: 'app', image: 'public.ecr.aws/aws-cli/aws-cli:2.22.35', command: ['sh', '-c', 'sleep infinity'] }],
        },
      },
    },
  };
}
