// The resource types the lab's Kubernetes API serves, as discovery describes them. Names, short
// names, verbs, categories and subresources follow what a v1.32 API server reports in
// /api/v1, /apis/apps/v1, /apis/batch/v1 (kubectl api-resources -o wide on a 1.32 cluster).

import { createHash } from 'node:crypto';

export interface SubresourceType {
  name: string;
  kind: string;
  /** When the subresource's kind lives in another group (deployments/scale -> autoscaling/v1 Scale). */
  group?: string;
  version?: string;
  verbs: string[];
}

export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  verbs: string[];
  shortNames: string[];
  categories: string[];
  subresources: SubresourceType[];
  /** The protobuf message of the kind, `core.v1.Pod`, for request bodies kubectl sends in protobuf. */
  proto: string;
  /** Virtual resources are never stored (reviews). */
  virtual?: boolean;
}

const CRUD = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'];

function rt(
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  extra: Partial<Pick<ResourceType, 'verbs' | 'shortNames' | 'categories' | 'subresources' | 'virtual'>> & { proto?: string } = {},
): ResourceType {
  const pkg = group === '' ? 'core' : group.split('.')[0]!;
  return {
    group,
    version,
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    verbs: extra.verbs ?? CRUD,
    shortNames: extra.shortNames ?? [],
    categories: extra.categories ?? [],
    subresources: extra.subresources ?? [],
    proto: extra.proto ?? `${pkg}.${version}.${kind}`,
    ...(extra.virtual ? { virtual: true } : {}),
  };
}

const scale = (): SubresourceType => ({ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: STATUS_VERBS });
const status = (kind: string): SubresourceType => ({ name: 'status', kind, verbs: STATUS_VERBS });

export const RESOURCES: ResourceType[] = [
  rt('', 'v1', 'ConfigMap', 'configmaps', true, { shortNames: ['cm'] }),
  rt('', 'v1', 'Event', 'events', true, { shortNames: ['ev'] }),
  rt('', 'v1', 'Namespace', 'namespaces', false, {
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['ns'],
    subresources: [{ name: 'finalize', kind: 'Namespace', verbs: ['update'] }, status('Namespace')],
  }),
  rt('', 'v1', 'Node', 'nodes', false, { shortNames: ['no'], subresources: [status('Node')] }),
  rt('', 'v1', 'Pod', 'pods', true, {
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      status('Pod'),
    ],
  }),
  rt('', 'v1', 'Secret', 'secrets', true),
  rt('', 'v1', 'ServiceAccount', 'serviceaccounts', true, {
    shortNames: ['sa'],
    subresources: [{ name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] }],
  }),
  rt('apps', 'v1', 'DaemonSet', 'daemonsets', true, { shortNames: ['ds'], categories: ['all'], subresources: [status('DaemonSet')] }),
  rt('apps', 'v1', 'Deployment', 'deployments', true, { shortNames: ['deploy'], categories: ['all'], subresources: [scale(), status('Deployment')] }),
  rt('apps', 'v1', 'ReplicaSet', 'replicasets', true, { shortNames: ['rs'], categories: ['all'], subresources: [scale(), status('ReplicaSet')] }),
  rt('apps', 'v1', 'StatefulSet', 'statefulsets', true, { shortNames: ['sts'], categories: ['all'], subresources: [scale(), status('StatefulSet')] }),
  rt('batch', 'v1', 'CronJob', 'cronjobs', true, { shortNames: ['cj'], categories: ['all'], subresources: [status('CronJob')] }),
  rt('batch', 'v1', 'Job', 'jobs', true, { categories: ['all'], subresources: [status('Job')] }),
  rt('authentication.k8s.io', 'v1', 'SelfSubjectReview', 'selfsubjectreviews', false, { verbs: ['create'], virtual: true }),
  rt('authentication.k8s.io', 'v1', 'TokenReview', 'tokenreviews', false, { verbs: ['create'], virtual: true }),
  rt('authorization.k8s.io', 'v1', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews', false, { verbs: ['create'], virtual: true }),
  rt('authorization.k8s.io', 'v1', 'SelfSubjectRulesReview', 'selfsubjectrulesreviews', false, { verbs: ['create'], virtual: true }),
];

/** The API groups in the order a 1.32 server lists them in /apis (apps, authentication, authorization, batch). */
export const GROUPS: Array<{ name: string; version: string }> = [
  { name: 'apps', version: 'v1' },
  { name: 'authentication.k8s.io', version: 'v1' },
  { name: 'authorization.k8s.io', version: 'v1' },
  { name: 'batch', version: 'v1' },
];

export function apiVersionOf(r: Pick<ResourceType, 'group' | 'version'>): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** `deployments.apps`, `pods`: how API errors name a resource. */
export function qualifiedResource(r: Pick<ResourceType, 'group' | 'plural'>): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

/** `Deployment.apps`, `Pod`: how validation errors name a kind. */
export function qualifiedKind(r: Pick<ResourceType, 'group' | 'kind'>): string {
  return r.group ? `${r.kind}.${r.group}` : r.kind;
}

export function findResource(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

export function resourceForKind(apiVersion: string, kind: string): ResourceType | undefined {
  const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion];
  return RESOURCES.find((r) => r.group === group && r.version === version && r.kind === kind);
}

export function resourceByPlural(plural: string): ResourceType {
  const r = RESOURCES.find((x) => x.plural === plural);
  if (!r) throw new Error(`unknown resource ${plural}`);
  return r;
}

/** apiserver's storageVersionHash: base64 of the first 8 bytes of sha256("group/version/kind"). */
export function storageVersionHash(r: ResourceType): string {
  return createHash('sha256').update(`${r.group}/${r.version}/${r.kind}`).digest().subarray(0, 8).toString('base64');
}
