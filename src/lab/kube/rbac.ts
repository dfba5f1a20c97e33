// Lab users and their RBAC-like rules. A user is what a (Cluster)RoleBinding would give a
// subject: rules of apiGroups/resources/verbs/resourceNames, each either cluster-wide (a
// ClusterRoleBinding) or limited to namespaces (RoleBindings). Matching follows
// k8s.io/kubernetes/pkg/apis/rbac/v1/evaluation_helpers.go (VerbMatches, APIGroupMatches,
// ResourceMatches with `*/subresource`, ResourceNameMatches). Every authenticated user also
// holds the default system:discovery, system:basic-user and system:public-info-viewer grants.

import { randomBytes } from 'node:crypto';

export interface KubeRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  /** Empty or absent: any name. */
  resourceNames?: string[];
  /** Absent: cluster-wide (ClusterRoleBinding). Present: only in these namespaces (RoleBindings). */
  namespaces?: string[];
}

export interface KubeNonResourceRule {
  nonResourceURLs: string[];
  verbs: string[];
}

export interface KubeUserSpec {
  name: string;
  groups?: string[];
  /** Bearer token; generated when absent. */
  token?: string;
  rules?: KubeRule[];
  nonResourceRules?: KubeNonResourceRule[];
  /** `system:masters`: everything. */
  admin?: boolean;
}

export interface KubeUser {
  name: string;
  uid: string;
  groups: string[];
  token: string;
  rules: KubeRule[];
  nonResourceRules: KubeNonResourceRule[];
  admin: boolean;
}

export interface ResourceAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/** Bound to system:authenticated by the default ClusterRoleBindings. */
const DEFAULT_NON_RESOURCE: KubeNonResourceRule[] = [
  { nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'], verbs: ['get'] },
];
const DEFAULT_RULES: KubeRule[] = [
  { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], verbs: ['create'] },
  { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] },
];

export function makeUser(spec: KubeUserSpec): KubeUser {
  const groups = [...(spec.groups ?? [])];
  if (spec.admin && !groups.includes('system:masters')) groups.unshift('system:masters');
  if (!groups.includes('system:authenticated')) groups.push('system:authenticated');
  return {
    name: spec.name,
    uid: `aws-iam-authenticator:${randomBytes(6).toString('hex')}`,
    groups,
    token: spec.token ?? randomBytes(24).toString('base64url'),
    rules: spec.rules ?? [],
    nonResourceRules: spec.nonResourceRules ?? [],
    admin: spec.admin === true,
  };
}

function resourceMatches(ruleResources: string[], resource: string, subresource: string | undefined): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const r of ruleResources) {
    if (r === '*' || r === combined) return true;
    if (subresource && r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true;
  }
  return false;
}

export function ruleAllows(rule: KubeRule, a: ResourceAttributes): boolean {
  if (!rule.verbs.includes('*') && !rule.verbs.includes(a.verb)) return false;
  if (!rule.apiGroups.includes('*') && !rule.apiGroups.includes(a.group)) return false;
  if (!resourceMatches(rule.resources, a.resource, a.subresource)) return false;
  if (rule.resourceNames && rule.resourceNames.length) {
    if (!a.name || !rule.resourceNames.includes(a.name)) return false;
  }
  if (rule.namespaces) {
    if (!a.namespace || !rule.namespaces.includes(a.namespace)) return false;
  }
  return true;
}

export function authorizeResource(user: KubeUser, a: ResourceAttributes): boolean {
  if (user.admin) return true;
  return [...DEFAULT_RULES, ...user.rules].some((r) => ruleAllows(r, a));
}

function urlMatches(pattern: string, path: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return path.startsWith(pattern.slice(0, -1));
  return pattern === path;
}

export function authorizeNonResource(user: KubeUser, verb: string, path: string): boolean {
  if (user.admin) return true;
  return [...DEFAULT_NON_RESOURCE, ...user.nonResourceRules].some((r) => (r.verbs.includes('*') || r.verbs.includes(verb)) && r.nonResourceURLs.some((p) => urlMatches(p, path)));
}

/** What a SelfSubjectRulesReview reports for one namespace. */
export function rulesIn(user: KubeUser, namespace: string): { resourceRules: KubeRule[]; nonResourceRules: KubeNonResourceRule[] } {
  if (user.admin) return { resourceRules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }], nonResourceRules: [{ nonResourceURLs: ['*'], verbs: ['*'] }] };
  const resourceRules = [...DEFAULT_RULES, ...user.rules]
    .filter((r) => !r.namespaces || r.namespaces.includes(namespace))
    .map((r) => {
      const out: KubeRule = { verbs: r.verbs, apiGroups: r.apiGroups, resources: r.resources };
      if (r.resourceNames?.length) out.resourceNames = r.resourceNames;
      return out;
    });
  return { resourceRules, nonResourceRules: [...DEFAULT_NON_RESOURCE, ...user.nonResourceRules] };
}
