// Authorization of the lab's IAM and EKS calls by the caller's identity policies, as AWS does it
// for a principal of the account that owns the resource: allowed iff an identity policy allows
// the action on the resource, no identity policy or permissions boundary denies it, and the
// boundary (when there is one) allows it too (IAM User Guide, "Policy evaluation logic";
// src/iam/evaluate.ts evaluateIdentityPolicies). Resource-based policies, SCPs and session
// policies are not modelled.
//
// Whose policies:
//   - an IAM user (long-term keys): LabState.users, inline + attached policies and its boundary;
//     the lab's administrator keys (LabState.issueUserKeys) have AdministratorAccess attached;
//   - an assumed-role session (`arn:<p>:sts::<acct>:assumed-role/<role>/<session>`): the role's
//     attached and inline policies and its permissions boundary, read at call time (as IAM does:
//     a policy change applies to existing sessions).
//
// The denial, with IAM's wording (real messages quoted in public issues and logs):
//   `User: <caller ARN> is not authorized to perform: <action> on resource: <resource>` +
//   ` because no identity-based policy allows the <action> action` (implicit deny), or
//   ` with an explicit deny in an identity-based policy`, or
//   ` because no permissions boundary allows the <action> action`, or
//   ` with an explicit deny in a permissions boundary`.
// An assumed-role caller is named `User: arn:aws:sts::...:assumed-role/R/S` too.
//
// The resource each operation is authorized on, and how IAM prints it in the message (these
// differ for IAM): from AWS's own denials (aws/aws-cdk#27067, terraform-aws-modules/
// terraform-aws-eks#2517, aws/aws-cli#5823, awsdocs/amazon-eks-user-guide troubleshooting_iam.md and
// public CLI transcripts):
//   - role operations: `arn:<p>:iam::<acct>:role<path><name>`, printed `role <RoleName>`
//     (GetRole, ListAttachedRolePolicies, ListRolePolicies, PutRolePolicy, AttachRolePolicy...);
//   - CreateRole: the new role's ARN, printed as the ARN;
//   - ListRoles: `arn:<p>:iam::<acct>:role<PathPrefix>`, printed as that ARN (`...:role/`);
//   - policy operations: the PolicyArn, printed `policy <arn>` (GetPolicy, ListPolicyVersions);
//   - CreatePolicy: `arn:...:policy<path><name>`, printed `policy <PolicyName>`;
//   - ListPolicies: `arn:...:policy<PathPrefix>`, printed `policy path <PathPrefix>`;
//   - OIDC provider operations: the provider ARN, printed as the ARN (DeleteOpenIDConnectProvider);
//   - CreateOpenIDConnectProvider (and the TagOpenIDConnectProvider it implies when it carries
//     tags): `arn:...:oidc-provider/<host>`, the URL's host only, as AWS prints it;
//   - ListOpenIDConnectProviders: `arn:...:oidc-provider/*`;
//   - GetAccountAuthorizationDetails: `*`;
//   - EKS DescribeCluster: the cluster ARN `arn:<p>:eks:<region>:<acct>:cluster/<name>`;
//     ListClusters: `arn:<p>:eks:<region>:<acct>:cluster/*`.
// Creating with tags also needs the Tag* permission on the new resource (IAM User Guide,
// "Permissions required to tag IAM entities"); tag operations carry aws:RequestTag/aws:TagKeys,
// existing roles, policies, providers and clusters aws:ResourceTag (and iam:ResourceTag for IAM),
// AttachRolePolicy/DetachRolePolicy iam:PolicyARN, CreateRole/PutRolePermissionsBoundary
// iam:PermissionsBoundary (Service Authorization Reference, IAM's condition keys).

import { evaluateIdentityPolicies, type ContextValue, type IdentityEvaluation, type IdentityReason, type NamedPolicy } from '../iam/index.js';
import { awsManagedPolicy } from './aws-managed-policies.js';
import { findProvider, findRole } from './iam/model.js';
import type { QueryParams } from './iam/query.js';
import type { AwsErrorInfo } from './sigv4.js';
import type { LabCredential, LabManagedPolicy, LabState, LabTag } from './state.js';

/** What a call is authorized on: the ARN the policies are matched against, and how the message prints it. */
export interface AuthzResource {
  readonly arn: string;
  /** Default: the ARN. */
  readonly display?: string;
}

export interface AuthzRequest {
  /** `iam:GetRole`, `eks:DescribeCluster`. */
  readonly action: string;
  readonly resource: AuthzResource;
  /** Request-specific condition keys (aws:RequestTag/..., iam:PolicyARN, ...). */
  readonly context?: Readonly<Record<string, ContextValue>>;
}

export interface AccessDenial extends AwsErrorInfo {
  readonly code: 'AccessDenied';
  readonly status: 403;
  readonly type: 'Sender';
  readonly action: string;
  readonly resource: string;
  readonly reason: IdentityReason;
  /** The full evaluation, for tests and explanations. */
  readonly evaluation: IdentityEvaluation;
}

/** The check a service runs before its handler; `undefined` means allowed. */
export type Authorizer = (credential: LabCredential, request: AuthzRequest) => AccessDenial | undefined;

export interface AuthorizeOptions {
  /** Extra condition keys for this request. */
  readonly context?: Readonly<Record<string, ContextValue>>;
  /** The lab clock's now, for aws:CurrentTime / aws:EpochTime (default: the wall clock). */
  readonly now?: Date;
  /** aws:RequestedRegion. */
  readonly region?: string;
}

/** The identity policies that govern a caller, and the principal's condition keys. */
export interface CallerPolicies {
  readonly kind: 'user' | 'assumedRole' | 'unknown';
  readonly policies: NamedPolicy[];
  /** The permissions boundary document (JSON text), if the principal has one the lab knows. */
  readonly boundary?: string;
  readonly context: Record<string, ContextValue>;
}

const SESSION_ARN = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;

function defaultDocument(p: LabManagedPolicy | undefined): string | undefined {
  return p?.versions.find((v) => v.versionId === p.defaultVersionId)?.document;
}

/** A managed policy's default document, customer-managed (of `account`) or AWS-managed. */
export function managedPolicyDocument(state: LabState, account: string, arn: string): string | undefined {
  const own = state.accounts.get(account)?.policies.get(arn);
  if (own) return defaultDocument(own);
  return /^arn:[^:]+:iam::aws:policy\//.test(arn) ? defaultDocument(awsManagedPolicy(state, arn)) : undefined;
}

function tagContext(tags: readonly LabTag[] | Readonly<Record<string, string>> | undefined, prefixes: readonly string[]): Record<string, ContextValue> {
  const out: Record<string, ContextValue> = {};
  if (!tags) return out;
  const pairs = Array.isArray(tags) ? (tags as readonly LabTag[]).map((t) => [t.Key, t.Value] as const) : Object.entries(tags as Record<string, string>);
  for (const [k, v] of pairs) for (const p of prefixes) out[`${p}/${k}`] = v;
  return out;
}

/**
 * The policies that authorize a credential's calls: a user's (inline, attached, boundary) or, for
 * an assumed-role session, its role's. A principal the lab does not know has none.
 */
export function callerPolicies(state: LabState, credential: LabCredential): CallerPolicies {
  const base: Record<string, ContextValue> = { 'aws:PrincipalAccount': credential.account, 'aws:userid': credential.userId };
  const session = SESSION_ARN.exec(credential.arn);
  if (session) {
    const role = state.accounts.has(credential.account) ? findRole(state, credential.account, session[3] as string) : undefined;
    const context: Record<string, ContextValue> = { ...base, 'aws:PrincipalType': 'AssumedRole', 'aws:PrincipalArn': role?.arn ?? credential.arn, ...tagContext(role?.tags, ['aws:PrincipalTag']) };
    if (!role) return { kind: 'unknown', policies: [], context };
    const policies: NamedPolicy[] = [];
    for (const arn of role.attachedPolicies) {
      const doc = managedPolicyDocument(state, credential.account, arn);
      if (doc !== undefined) policies.push({ name: arn, document: doc });
    }
    for (const [name, doc] of role.inlinePolicies) policies.push({ name, document: doc });
    const boundary = role.permissionsBoundary !== undefined ? managedPolicyDocument(state, credential.account, role.permissionsBoundary) : undefined;
    return boundary !== undefined ? { kind: 'assumedRole', policies, boundary, context } : { kind: 'assumedRole', policies, context };
  }
  const user = state.users.get(credential.arn);
  const context: Record<string, ContextValue> = { ...base, 'aws:PrincipalType': 'User', 'aws:PrincipalArn': credential.arn, 'aws:username': user?.name ?? credential.arn.split('/').pop() };
  if (!user) return { kind: 'unknown', policies: [], context };
  const policies: NamedPolicy[] = [];
  for (const arn of user.attachedPolicies) {
    const doc = managedPolicyDocument(state, user.account, arn);
    if (doc !== undefined) policies.push({ name: arn, document: doc });
  }
  for (const [name, doc] of user.inlinePolicies) policies.push({ name, document: doc });
  const boundary = user.permissionsBoundary !== undefined ? managedPolicyDocument(state, user.account, user.permissionsBoundary) : undefined;
  return boundary !== undefined ? { kind: 'user', policies, boundary, context } : { kind: 'user', policies, context };
}

/** IAM's AccessDenied sentence for a caller, an action, the printed resource and why. */
export function accessDeniedMessage(callerArn: string, action: string, resource: string, reason: IdentityReason): string {
  const head = `User: ${callerArn} is not authorized to perform: ${action} on resource: ${resource}`;
  switch (reason) {
    case 'deniedByPolicy':
      return `${head} with an explicit deny in an identity-based policy`;
    case 'deniedByBoundary':
      return `${head} with an explicit deny in a permissions boundary`;
    case 'boundaryDoesNotAllow':
      return `${head} because no permissions boundary allows the ${action} action`;
    default:
      return `${head} because no identity-based policy allows the ${action} action`;
  }
}

const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Authorizes `credential` to perform `action` on `resource` by its identity policies. Returns
 * undefined when allowed, else the AccessDenied error (code, message, 403) with the evaluation.
 */
export function authorize(state: LabState, credential: LabCredential, action: string, resource: string | AuthzResource, options: AuthorizeOptions = {}): AccessDenial | undefined {
  const res: AuthzResource = typeof resource === 'string' ? { arn: resource } : resource;
  const caller = callerPolicies(state, credential);
  const now = options.now ?? new Date();
  const context: Record<string, ContextValue> = {
    'aws:CurrentTime': isoSeconds(now),
    'aws:EpochTime': String(Math.floor(now.getTime() / 1000)),
    'aws:SecureTransport': 'true',
    ...(options.region !== undefined ? { 'aws:RequestedRegion': options.region } : {}),
    ...caller.context,
    ...options.context,
  };
  const evaluation = evaluateIdentityPolicies(caller.policies, caller.boundary, { action, resource: res.arn, context });
  if (evaluation.decision === 'allow') return undefined;
  return {
    code: 'AccessDenied',
    status: 403,
    type: 'Sender',
    message: accessDeniedMessage(credential.arn, action, res.display ?? res.arn, evaluation.reason),
    action,
    resource: res.arn,
    reason: evaluation.reason,
    evaluation,
  };
}

/** Runs the requests in order; the first denial wins. */
export function authorizeAll(authorizer: Authorizer, credential: LabCredential, requests: readonly AuthzRequest[]): AccessDenial | undefined {
  for (const r of requests) {
    const d = authorizer(credential, r);
    if (d) return d;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// IAM: the requests each Query operation is authorized with.

const ROLE_OPERATIONS = new Set([
  'GetRole',
  'DeleteRole',
  'UpdateAssumeRolePolicy',
  'UpdateRole',
  'PutRolePermissionsBoundary',
  'DeleteRolePermissionsBoundary',
  'TagRole',
  'UntagRole',
  'ListRoleTags',
  'AttachRolePolicy',
  'DetachRolePolicy',
  'ListAttachedRolePolicies',
  'PutRolePolicy',
  'GetRolePolicy',
  'DeleteRolePolicy',
  'ListRolePolicies',
]);

const POLICY_OPERATIONS = new Set([
  'GetPolicy',
  'DeletePolicy',
  'CreatePolicyVersion',
  'GetPolicyVersion',
  'ListPolicyVersions',
  'SetDefaultPolicyVersion',
  'DeletePolicyVersion',
  'TagPolicy',
  'UntagPolicy',
  'ListPolicyTags',
]);

const PROVIDER_OPERATIONS = new Set([
  'GetOpenIDConnectProvider',
  'DeleteOpenIDConnectProvider',
  'UpdateOpenIDConnectProviderThumbprint',
  'AddClientIDToOpenIDConnectProvider',
  'RemoveClientIDFromOpenIDConnectProvider',
  'TagOpenIDConnectProvider',
  'UntagOpenIDConnectProvider',
  'ListOpenIDConnectProviderTags',
]);

/** The IAM operations iamAuthzRequests knows (every one the lab's IAM API serves). */
export const IAM_AUTHZ_OPERATIONS: readonly string[] = [
  ...ROLE_OPERATIONS,
  ...POLICY_OPERATIONS,
  ...PROVIDER_OPERATIONS,
  'CreateRole',
  'ListRoles',
  'CreatePolicy',
  'ListPolicies',
  'CreateOpenIDConnectProvider',
  'ListOpenIDConnectProviders',
  'GetAccountAuthorizationDetails',
  'GetAccountSummary',
].sort();

function requestTagContext(tags: readonly LabTag[] | undefined): Record<string, ContextValue> {
  if (!tags || tags.length === 0) return {};
  return { ...tagContext(tags, ['aws:RequestTag']), 'aws:TagKeys': tags.map((t) => t.Key) };
}

const IAM_RESOURCE_TAGS = ['aws:ResourceTag', 'iam:ResourceTag'] as const;

/**
 * The authorization requests of one IAM Query call (`Action` = `operation`) by a caller of
 * `account`: usually one; a Create* with tags adds the Tag* permission on the new resource.
 * An operation the lab does not know is authorized on `*`.
 */
export function iamAuthzRequests(state: LabState, account: string, operation: string, q: QueryParams): AuthzRequest[] {
  const partition = state.accounts.get(account)?.partition ?? 'aws';
  const arnOf = (rest: string) => `arn:${partition}:iam::${account}:${rest}`;
  const str = (n: string) => q.string(n) ?? '';
  const action = `iam:${operation}`;

  if (ROLE_OPERATIONS.has(operation)) {
    const name = str('RoleName');
    const role = name !== '' ? findRole(state, account, name) : undefined;
    const context: Record<string, ContextValue> = tagContext(role?.tags, IAM_RESOURCE_TAGS);
    if (operation === 'AttachRolePolicy' || operation === 'DetachRolePolicy') context['iam:PolicyARN'] = str('PolicyArn');
    if (operation === 'PutRolePermissionsBoundary') context['iam:PermissionsBoundary'] = str('PermissionsBoundary');
    if (operation === 'TagRole') Object.assign(context, requestTagContext(q.tags()));
    if (operation === 'UntagRole') context['aws:TagKeys'] = q.list('TagKeys') ?? [];
    return [{ action, resource: { arn: role?.arn ?? arnOf(`role/${name}`), display: `role ${name}` }, context }];
  }
  if (POLICY_OPERATIONS.has(operation)) {
    const arn = str('PolicyArn');
    const own = state.accounts.get(account)?.policies.get(arn);
    const context: Record<string, ContextValue> = tagContext(own?.tags, IAM_RESOURCE_TAGS);
    if (operation === 'TagPolicy') Object.assign(context, requestTagContext(q.tags()));
    if (operation === 'UntagPolicy') context['aws:TagKeys'] = q.list('TagKeys') ?? [];
    return [{ action, resource: { arn, display: `policy ${arn}` }, context }];
  }
  if (PROVIDER_OPERATIONS.has(operation)) {
    const arn = str('OpenIDConnectProviderArn');
    const provider = state.accounts.has(account) ? findProvider(state, account, arn) : undefined;
    const context: Record<string, ContextValue> = tagContext(provider?.tags, IAM_RESOURCE_TAGS);
    if (operation === 'TagOpenIDConnectProvider') Object.assign(context, requestTagContext(q.tags()));
    if (operation === 'UntagOpenIDConnectProvider') context['aws:TagKeys'] = q.list('TagKeys') ?? [];
    return [{ action, resource: { arn }, context }];
  }
  switch (operation) {
    case 'CreateRole': {
      const arn = arnOf(`role${q.string('Path') ?? '/'}${str('RoleName')}`);
      const tags = q.tags();
      const context: Record<string, ContextValue> = requestTagContext(tags);
      const boundary = q.string('PermissionsBoundary');
      if (boundary !== undefined) context['iam:PermissionsBoundary'] = boundary;
      const out: AuthzRequest[] = [{ action, resource: { arn }, context }];
      if (tags && tags.length > 0) out.push({ action: 'iam:TagRole', resource: { arn }, context: requestTagContext(tags) });
      return out;
    }
    case 'ListRoles': {
      const arn = arnOf(`role${q.string('PathPrefix') ?? '/'}`);
      return [{ action, resource: { arn } }];
    }
    case 'CreatePolicy': {
      const name = str('PolicyName');
      const resource = { arn: arnOf(`policy${q.string('Path') ?? '/'}${name}`), display: `policy ${name}` };
      const tags = q.tags();
      const out: AuthzRequest[] = [{ action, resource, context: requestTagContext(tags) }];
      if (tags && tags.length > 0) out.push({ action: 'iam:TagPolicy', resource, context: requestTagContext(tags) });
      return out;
    }
    case 'ListPolicies': {
      const prefix = q.string('PathPrefix') ?? '/';
      return [{ action, resource: { arn: arnOf(`policy${prefix}`), display: `policy path ${prefix}` } }];
    }
    case 'CreateOpenIDConnectProvider': {
      const host = str('Url').replace(/^https?:\/\//i, '').split('/')[0] ?? '';
      const arn = arnOf(`oidc-provider/${host}`);
      const tags = q.tags();
      const out: AuthzRequest[] = [{ action, resource: { arn }, context: requestTagContext(tags) }];
      if (tags && tags.length > 0) out.push({ action: 'iam:TagOpenIDConnectProvider', resource: { arn }, context: requestTagContext(tags) });
      return out;
    }
    case 'ListOpenIDConnectProviders':
      return [{ action, resource: { arn: arnOf('oidc-provider/*') } }];
    default:
      // GetAccountAuthorizationDetails, GetAccountSummary, and anything not listed above.
      return [{ action, resource: { arn: '*' } }];
  }
}

// ---------------------------------------------------------------------------------------------
// EKS

/** The authorization request of an EKS call by a caller of `account` signing for `region`. */
export function eksAuthzRequest(state: LabState, account: string, region: string, op: { op: 'ListClusters' } | { op: 'DescribeCluster'; name: string }): AuthzRequest {
  const partition = state.accounts.get(account)?.partition ?? 'aws';
  if (op.op === 'ListClusters') return { action: 'eks:ListClusters', resource: { arn: `arn:${partition}:eks:${region}:${account}:cluster/*` } };
  const cluster = [...state.clusters.values()].find((c) => c.account === account && c.region === region && c.name === op.name);
  return {
    action: 'eks:DescribeCluster',
    resource: { arn: cluster?.arn ?? `arn:${partition}:eks:${region}:${account}:cluster/${op.name}` },
    context: tagContext(cluster?.tags, ['aws:ResourceTag']),
  };
}
