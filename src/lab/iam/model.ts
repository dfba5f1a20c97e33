// The lab's IAM: every write and read of roles, policies and OIDC providers, as functions over
// LabState. The IAM API (../iam.ts) calls them after parsing a request, and the world loader calls
// them directly when it seeds a lab, so that both meet the same validation and the same errors.
// Each returns the entity or an IamError (never throws for bad input).
//
// Behaviour and messages: botocore's IAM model for shapes and constraints, LocalStack's snapshot
// recordings of real IAM for messages (see errors.ts), the IAM API reference for semantics
// (idempotent AddClientID/RemoveClientID, version numbering, UpdateDate), and the IAM User Guide
// "IAM and AWS STS quotas" page for limits.

import { isKnownPartition } from '../../iam/arn.js';
import { awsManagedPolicy } from '../aws-managed-policies.js';
import { randomId, type LabAccount, type LabManagedPolicy, type LabPolicyVersion, type LabProvider, type LabRole, type LabState, type LabTag } from '../state.js';
import type { Clock } from '../types.js';
import { validatePolicyDocument } from './documents.js';
import { iamError, isIamError, msg, type IamError } from './errors.js';
import { Constraints, PATTERNS, duplicateTagKeys, mergeTags, policySize, removeTags } from './validate.js';

export type Result<T> = T | IamError;
export { isIamError };

/** A policy document: the JSON text as sent, or an object the lab serialises. */
export type PolicyDocumentInput = string | Readonly<Record<string, unknown>>;

const docText = (d: PolicyDocumentInput): string => (typeof d === 'string' ? d : JSON.stringify(d, null, 2));

/** Quotas (IAM User Guide, "IAM and AWS STS quotas"; messages as IAM words LimitExceeded). */
export const QUOTAS = {
  rolesPerAccount: 1000,
  customerPoliciesPerAccount: 1500,
  providersPerAccount: 100,
  managedPoliciesPerRole: 10,
  trustPolicySize: 2048,
  inlinePolicySizePerRole: 10240,
  managedPolicySize: 6144,
  versionsPerPolicy: 5,
  clientIdsPerProvider: 100,
  thumbprintsPerProvider: 5,
} as const;

const quota = (name: string, n: number) => iamError('LimitExceeded', `Cannot exceed quota for ${name}: ${n}`);

// ---------------------------------------------------------------------------------------------
// Lookups

function partitionOf(state: LabState, account: string): LabAccount['partition'] {
  return state.account(account).partition;
}

/** Role names are unique case-insensitively in IAM, and found whatever the case. */
export function findRole(state: LabState, account: string, name: string): LabRole | undefined {
  const roles = state.account(account).roles;
  const exact = roles.get(name);
  if (exact) return exact;
  const lower = name.toLowerCase();
  for (const r of roles.values()) if (r.name.toLowerCase() === lower) return r;
  return undefined;
}

export function getRole(state: LabState, account: string, roleName: string): Result<LabRole> {
  const c = new Constraints().string('roleName', roleName, { min: 1, max: 64, pattern: PATTERNS.name }).error();
  if (c) return c;
  return findRole(state, account, roleName) ?? iamError('NoSuchEntity', msg.roleNotFound(roleName));
}

/**
 * A managed policy visible from `account`: its own customer-managed ones and the AWS-managed ones
 * of its partition. Another account's policies are not visible (IAM is per account).
 */
export function findPolicy(state: LabState, account: string, arn: string): LabManagedPolicy | undefined {
  const own = state.account(account).policies.get(arn);
  if (own) return own;
  const p = arn.split(':')[1];
  if (p === partitionOf(state, account) && arn.includes(':iam::aws:policy/')) return awsManagedPolicy(state, arn);
  return undefined;
}

/** Roles of the account that have the policy attached (AttachmentCount is per account). */
export function attachmentCount(state: LabState, account: string, arn: string): number {
  let n = 0;
  for (const r of state.account(account).roles.values()) if (r.attachedPolicies.includes(arn)) n++;
  return n;
}

export function boundaryUsageCount(state: LabState, account: string, arn: string): number {
  let n = 0;
  for (const r of state.account(account).roles.values()) if (r.permissionsBoundary === arn) n++;
  return n;
}

function isPolicyArnShaped(arn: string): boolean {
  return /^arn:[a-z-]+:iam::(\d{12}|aws):policy\/.+$/.test(arn) && isKnownPartition(arn.split(':')[1] ?? '');
}

// ---------------------------------------------------------------------------------------------
// Roles

export interface CreateRoleInput {
  roleName: string;
  assumeRolePolicyDocument: PolicyDocumentInput;
  path?: string;
  description?: string;
  maxSessionDuration?: number;
  permissionsBoundary?: string;
  tags?: LabTag[];
}

function trustChecks(c: Constraints, member: string, text: string): void {
  c.string(member, text, { min: 1, max: 131072, pattern: PATTERNS.document });
}

export function createRole(state: LabState, account: string, input: CreateRoleInput, clock: Clock): Result<LabRole> {
  const doc = docText(input.assumeRolePolicyDocument);
  const c = new Constraints()
    .string('roleName', input.roleName, { min: 1, max: 64, pattern: PATTERNS.name })
    .string('path', input.path, { min: 1, max: 512, pattern: PATTERNS.path })
    .string('description', input.description, { max: 1000 })
    .integer('maxSessionDuration', input.maxSessionDuration, 3600, 43200)
    .string('permissionsBoundary', input.permissionsBoundary, { min: 20, max: 2048 })
    .tags(input.tags);
  trustChecks(c, 'assumeRolePolicyDocument', doc);
  const invalid = c.error();
  if (invalid) return invalid;
  if (input.tags) {
    const dup = duplicateTagKeys(input.tags, true);
    if (dup) return dup;
  }
  const bad = validatePolicyDocument(doc, 'trust');
  if (bad) return bad;
  if (policySize(doc) > QUOTAS.trustPolicySize) return quota('ACLSizePerRole', QUOTAS.trustPolicySize);
  if (input.permissionsBoundary !== undefined) {
    const b = checkBoundary(state, account, input.permissionsBoundary);
    if (b) return b;
  }
  const a = state.account(account);
  if (findRole(state, account, input.roleName)) return iamError('EntityAlreadyExists', msg.roleExists(input.roleName));
  const maxRoles = a.quotas?.roles ?? QUOTAS.rolesPerAccount;
  if (a.roles.size >= maxRoles) return quota('RolesPerAccount', maxRoles);
  const path = input.path ?? '/';
  const role: LabRole = {
    arn: `arn:${a.partition}:iam::${account}:role${path}${input.roleName}`,
    name: input.roleName,
    path,
    roleId: `AROA${randomId(17)}`,
    createDate: clock.now(),
    assumeRolePolicyDocument: doc,
    maxSessionDuration: input.maxSessionDuration ?? 3600,
    attachedPolicies: [],
    inlinePolicies: new Map(),
    tags: (input.tags ?? []).map((t) => ({ Key: t.Key, Value: t.Value })),
  };
  if (input.description !== undefined) role.description = input.description;
  if (input.permissionsBoundary !== undefined) role.permissionsBoundary = input.permissionsBoundary;
  a.roles.set(role.name, role);
  return role;
}

function checkBoundary(state: LabState, account: string, arn: string): IamError | undefined {
  if (!isPolicyArnShaped(arn)) return iamError('InvalidInput', msg.arnNotValid(arn));
  if (!findPolicy(state, account, arn)) return iamError('NoSuchEntity', msg.boundaryNotFound(arn));
  return undefined;
}

export function deleteRole(state: LabState, account: string, roleName: string): Result<LabRole> {
  const role = getRole(state, account, roleName);
  if (isIamError(role)) return role;
  if (role.attachedPolicies.length > 0) return iamError('DeleteConflict', msg.detachPoliciesFirst);
  if (role.inlinePolicies.size > 0) return iamError('DeleteConflict', msg.deletePoliciesFirst);
  state.account(account).roles.delete(role.name);
  return role;
}

export function updateAssumeRolePolicy(state: LabState, account: string, input: { roleName: string; policyDocument: PolicyDocumentInput }): Result<LabRole> {
  const doc = docText(input.policyDocument);
  const c = new Constraints().string('roleName', input.roleName, { min: 1, max: 64, pattern: PATTERNS.name });
  trustChecks(c, 'policyDocument', doc);
  const invalid = c.error();
  if (invalid) return invalid;
  const role = findRole(state, account, input.roleName);
  if (!role) return iamError('NoSuchEntity', msg.roleNotFound(input.roleName));
  const bad = validatePolicyDocument(doc, 'trust');
  if (bad) return bad;
  if (policySize(doc) > QUOTAS.trustPolicySize) return quota('ACLSizePerRole', QUOTAS.trustPolicySize);
  role.assumeRolePolicyDocument = doc;
  return role;
}

export function updateRole(state: LabState, account: string, input: { roleName: string; description?: string; maxSessionDuration?: number }): Result<LabRole> {
  const invalid = new Constraints()
    .string('roleName', input.roleName, { min: 1, max: 64, pattern: PATTERNS.name })
    .string('description', input.description, { max: 1000 })
    .integer('maxSessionDuration', input.maxSessionDuration, 3600, 43200)
    .error();
  if (invalid) return invalid;
  const role = findRole(state, account, input.roleName);
  if (!role) return iamError('NoSuchEntity', msg.roleNotFound(input.roleName));
  if (input.description !== undefined) role.description = input.description;
  if (input.maxSessionDuration !== undefined) role.maxSessionDuration = input.maxSessionDuration;
  return role;
}

export function putRolePermissionsBoundary(state: LabState, account: string, input: { roleName: string; permissionsBoundary: string }): Result<LabRole> {
  const invalid = new Constraints()
    .string('roleName', input.roleName, { min: 1, max: 64, pattern: PATTERNS.name })
    .string('permissionsBoundary', input.permissionsBoundary, { min: 20, max: 2048 })
    .error();
  if (invalid) return invalid;
  if (!isPolicyArnShaped(input.permissionsBoundary)) return iamError('InvalidInput', msg.arnNotValid(input.permissionsBoundary));
  const role = findRole(state, account, input.roleName);
  if (!role) return iamError('NoSuchEntity', msg.roleNotFound(input.roleName));
  const b = checkBoundary(state, account, input.permissionsBoundary);
  if (b) return b;
  role.permissionsBoundary = input.permissionsBoundary;
  return role;
}

export function deleteRolePermissionsBoundary(state: LabState, account: string, roleName: string): Result<LabRole> {
  const role = getRole(state, account, roleName);
  if (isIamError(role)) return role;
  delete role.permissionsBoundary;
  return role;
}

export function tagRole(state: LabState, account: string, input: { roleName: string; tags: LabTag[] }): Result<LabRole> {
  const invalid = new Constraints().string('roleName', input.roleName, { min: 1, max: 64, pattern: PATTERNS.name }).tags(input.tags).error();
  if (invalid) return invalid;
  const role = findRole(state, account, input.roleName);
  if (!role) return iamError('NoSuchEntity', msg.roleNotFound(input.roleName));
  const dup = duplicateTagKeys(input.tags, true);
  if (dup) return dup;
  const merged = mergeTags(role.tags, input.tags, true);
  if (isIamError(merged)) return merged;
  role.tags = merged;
  return role;
}

export function untagRole(state: LabState, account: string, input: { roleName: string; tagKeys: string[] }): Result<LabRole> {
  const invalid = new Constraints().string('roleName', input.roleName, { min: 1, max: 64, pattern: PATTERNS.name }).tagKeys(input.tagKeys).error();
  if (invalid) return invalid;
  const role = findRole(state, account, input.roleName);
  if (!role) return iamError('NoSuchEntity', msg.roleNotFound(input.roleName));
  role.tags = removeTags(role.tags, input.tagKeys, true);
  return role;
}

// ---------------------------------------------------------------------------------------------
// Inline role policies

export function putRolePolicy(state: LabState, account: string, input: { roleName: string; policyName: string; policyDocument: PolicyDocumentInput }): Result<LabRole> {
  const doc = docText(input.policyDocument);
  const invalid = new Constraints()
    .string('roleName', input.roleName, { min: 1, max: 64, pattern: PATTERNS.name })
    .string('policyName', input.policyName, { min: 1, max: 128, pattern: PATTERNS.name })
    .string('policyDocument', doc, { min: 1, max: 131072, pattern: PATTERNS.document })
    .error();
  if (invalid) return invalid;
  const bad = validatePolicyDocument(doc, 'identity');
  if (bad) return bad;
  const role = findRole(state, account, input.roleName);
  if (!role) return iamError('NoSuchEntity', msg.roleNotFound(input.roleName));
  let total = policySize(doc);
  for (const [name, text] of role.inlinePolicies) if (name !== input.policyName) total += policySize(text);
  if (total > QUOTAS.inlinePolicySizePerRole) {
    return iamError('LimitExceeded', `Maximum policy size of ${QUOTAS.inlinePolicySizePerRole} bytes exceeded for role ${role.name}`);
  }
  role.inlinePolicies.set(input.policyName, doc);
  return role;
}

export function getRolePolicy(state: LabState, account: string, input: { roleName: string; policyName: string }): Result<{ role: LabRole; policyName: string; document: string }> {
  const invalid = new Constraints()
    .string('roleName', input.roleName, { min: 1, max: 64, pattern: PATTERNS.name })
    .string('policyName', input.policyName, { min: 1, max: 128, pattern: PATTERNS.name })
    .error();
  if (invalid) return invalid;
  const role = findRole(state, account, input.roleName);
  if (!role) return iamError('NoSuchEntity', msg.roleNotFound(input.roleName));
  const document = role.inlinePolicies.get(input.policyName);
  if (document === undefined) return iamError('NoSuchEntity', msg.rolePolicyNotFound(input.policyName));
  return { role, policyName: input.policyName, document };
}

export function deleteRolePolicy(state: LabState, account: string, input: { roleName: string; policyName: string }): Result<LabRole> {
  const got = getRolePolicy(state, account, input);
  if (isIamError(got)) return got;
  got.role.inlinePolicies.delete(input.policyName);
  return got.role;
}

// ---------------------------------------------------------------------------------------------
// Attached managed policies

export function attachRolePolicy(state: LabState, account: string, input: { roleName: string; policyArn: string }): Result<LabRole> {
  const invalid = new Constraints()
    .string('roleName', input.roleName, { min: 1, max: 64, pattern: PATTERNS.name })
    .string('policyArn', input.policyArn, { min: 20, max: 2048 })
    .error();
  if (invalid) return invalid;
  if (!input.policyArn.startsWith('arn:')) return iamError('ValidationError', msg.arnNotValid(input.policyArn));
  const policy = findPolicy(state, account, input.policyArn);
  if (!policy) return iamError('NoSuchEntity', msg.policyNotAttachable(input.policyArn));
  const role = findRole(state, account, input.roleName);
  if (!role) return iamError('NoSuchEntity', msg.roleNotFound(input.roleName));
  if (role.attachedPolicies.includes(policy.arn)) return role;
  if (role.attachedPolicies.length >= QUOTAS.managedPoliciesPerRole) return quota('PoliciesPerRole', QUOTAS.managedPoliciesPerRole);
  role.attachedPolicies.push(policy.arn);
  if (!policy.awsManaged) policy.attachmentCount = attachmentCount(state, account, policy.arn);
  return role;
}

export function detachRolePolicy(state: LabState, account: string, input: { roleName: string; policyArn: string }): Result<LabRole> {
  const invalid = new Constraints()
    .string('roleName', input.roleName, { min: 1, max: 64, pattern: PATTERNS.name })
    .string('policyArn', input.policyArn, { min: 20, max: 2048 })
    .error();
  if (invalid) return invalid;
  if (!input.policyArn.startsWith('arn:')) return iamError('ValidationError', msg.arnNotValid(input.policyArn));
  const role = findRole(state, account, input.roleName);
  if (!role) return iamError('NoSuchEntity', msg.roleNotFound(input.roleName));
  const i = role.attachedPolicies.indexOf(input.policyArn);
  if (i < 0) return iamError('NoSuchEntity', msg.policyNotFound(input.policyArn));
  role.attachedPolicies.splice(i, 1);
  const policy = findPolicy(state, account, input.policyArn);
  if (policy && !policy.awsManaged) policy.attachmentCount = attachmentCount(state, account, policy.arn);
  return role;
}

// ---------------------------------------------------------------------------------------------
// Managed policies and versions

export interface CreatePolicyInput {
  policyName: string;
  policyDocument: PolicyDocumentInput;
  path?: string;
  description?: string;
  tags?: LabTag[];
}

/** Version numbers are never reused, even after DeletePolicyVersion. */
const highestVersion = new WeakMap<LabManagedPolicy, number>();

function versionNumber(v: string): number {
  const m = /^v(\d+)/.exec(v);
  return m ? Number(m[1]) : 0;
}

function nextVersionId(p: LabManagedPolicy): string {
  const seen = Math.max(highestVersion.get(p) ?? 0, ...p.versions.map((v) => versionNumber(v.versionId)));
  highestVersion.set(p, seen + 1);
  return `v${seen + 1}`;
}

export function createPolicy(state: LabState, account: string, input: CreatePolicyInput, clock: Clock): Result<LabManagedPolicy> {
  const doc = docText(input.policyDocument);
  const invalid = new Constraints()
    .string('policyName', input.policyName, { min: 1, max: 128, pattern: PATTERNS.name })
    .string('path', input.path, { min: 1, max: 512, pattern: PATTERNS.policyPath })
    .string('policyDocument', doc, { min: 1, max: 131072, pattern: PATTERNS.document })
    .string('description', input.description, { max: 1000 })
    .tags(input.tags)
    .error();
  if (invalid) return invalid;
  if (input.tags) {
    const dup = duplicateTagKeys(input.tags, false);
    if (dup) return dup;
  }
  const bad = validatePolicyDocument(doc, 'identity');
  if (bad) return bad;
  if (policySize(doc) > QUOTAS.managedPolicySize) return quota('PolicySize', QUOTAS.managedPolicySize);
  const a = state.account(account);
  const path = input.path ?? '/';
  for (const p of a.policies.values()) if (p.name.toLowerCase() === input.policyName.toLowerCase()) return iamError('EntityAlreadyExists', msg.policyExists(input.policyName));
  const maxPolicies = a.quotas?.customerPolicies ?? QUOTAS.customerPoliciesPerAccount;
  if (a.policies.size >= maxPolicies) return quota('PoliciesPerAccount', maxPolicies);
  const now = clock.now();
  const policy: LabManagedPolicy = {
    arn: `arn:${a.partition}:iam::${account}:policy${path}${input.policyName}`,
    name: input.policyName,
    path,
    policyId: `ANPA${randomId(17)}`,
    defaultVersionId: 'v1',
    versions: [{ versionId: 'v1', document: doc, isDefault: true, createDate: now }],
    attachmentCount: 0,
    createDate: now,
    updateDate: now,
    awsManaged: false,
  };
  highestVersion.set(policy, 1);
  if (input.description !== undefined) policy.description = input.description;
  if (input.tags) policy.tags = input.tags.map((t) => ({ Key: t.Key, Value: t.Value }));
  a.policies.set(policy.arn, policy);
  return policy;
}

function policyArnConstraints(arn: string): IamError | undefined {
  return new Constraints().string('policyArn', arn, { min: 20, max: 2048 }).error();
}

export function getPolicy(state: LabState, account: string, policyArn: string): Result<LabManagedPolicy> {
  const invalid = policyArnConstraints(policyArn);
  if (invalid) return invalid;
  if (!policyArn.startsWith('arn:')) return iamError('ValidationError', msg.arnNotValid(policyArn));
  return findPolicy(state, account, policyArn) ?? iamError('NoSuchEntity', msg.policyNotFound(policyArn));
}

/**
 * AWS-managed policies belong to AWS's account: writes to them are denied like any cross-account
 * IAM write (`User: <caller> is not authorized to perform: iam:<Action> on resource: policy <arn>`).
 */
function writable(p: LabManagedPolicy, action: string, caller: string | undefined): IamError | undefined {
  if (!p.awsManaged) return undefined;
  return iamError('AccessDenied', `User: ${caller ?? 'the caller'} is not authorized to perform: iam:${action} on resource: policy ${p.arn}`);
}

export function deletePolicy(state: LabState, account: string, policyArn: string, caller?: string): Result<LabManagedPolicy> {
  const p = getPolicy(state, account, policyArn);
  if (isIamError(p)) return p;
  const denied = writable(p, 'DeletePolicy', caller);
  if (denied) return denied;
  if (attachmentCount(state, account, p.arn) > 0 || boundaryUsageCount(state, account, p.arn) > 0) return iamError('DeleteConflict', msg.policyAttached);
  if (p.versions.length > 1) return iamError('DeleteConflict', msg.policyHasVersions);
  state.account(account).policies.delete(p.arn);
  return p;
}

export function createPolicyVersion(
  state: LabState,
  account: string,
  input: { policyArn: string; policyDocument: PolicyDocumentInput; setAsDefault?: boolean },
  clock: Clock,
  caller?: string,
): Result<{ policy: LabManagedPolicy; version: LabPolicyVersion }> {
  const doc = docText(input.policyDocument);
  const invalid = new Constraints()
    .string('policyArn', input.policyArn, { min: 20, max: 2048 })
    .string('policyDocument', doc, { min: 1, max: 131072, pattern: PATTERNS.document })
    .error();
  if (invalid) return invalid;
  const p = findPolicy(state, account, input.policyArn);
  if (!p) return iamError('NoSuchEntity', msg.policyNotFound(input.policyArn));
  const denied = writable(p, 'CreatePolicyVersion', caller);
  if (denied) return denied;
  const bad = validatePolicyDocument(doc, 'identity');
  if (bad) return bad;
  if (policySize(doc) > QUOTAS.managedPolicySize) return quota('PolicySize', QUOTAS.managedPolicySize);
  if (p.versions.length >= QUOTAS.versionsPerPolicy) return iamError('LimitExceeded', msg.versionLimit);
  const now = clock.now();
  const version: LabPolicyVersion = { versionId: nextVersionId(p), document: doc, isDefault: input.setAsDefault === true, createDate: now };
  if (version.isDefault) {
    for (const v of p.versions) v.isDefault = false;
    p.defaultVersionId = version.versionId;
  }
  p.versions.push(version);
  // UpdateDate: "the date and time when the most recent policy version was created" (IAM API reference, Policy).
  p.updateDate = now;
  return { policy: p, version };
}

function versionConstraints(policyArn: string, versionId: string): IamError | undefined {
  return new Constraints().string('policyArn', policyArn, { min: 20, max: 2048 }).string('versionId', versionId, { pattern: PATTERNS.versionId }).error();
}

export function getPolicyVersion(state: LabState, account: string, input: { policyArn: string; versionId: string }): Result<{ policy: LabManagedPolicy; version: LabPolicyVersion }> {
  const invalid = versionConstraints(input.policyArn, input.versionId);
  if (invalid) return invalid;
  const p = findPolicy(state, account, input.policyArn);
  const v = p?.versions.find((x) => x.versionId === input.versionId);
  if (!p || !v) return iamError('NoSuchEntity', msg.policyVersionNotFound(input.policyArn, input.versionId));
  return { policy: p, version: v };
}

export function setDefaultPolicyVersion(state: LabState, account: string, input: { policyArn: string; versionId: string }, caller?: string): Result<LabManagedPolicy> {
  const got = getPolicyVersion(state, account, input);
  if (isIamError(got)) return got;
  const denied = writable(got.policy, 'SetDefaultPolicyVersion', caller);
  if (denied) return denied;
  for (const v of got.policy.versions) v.isDefault = v === got.version;
  got.policy.defaultVersionId = got.version.versionId;
  return got.policy;
}

export function deletePolicyVersion(state: LabState, account: string, input: { policyArn: string; versionId: string }, caller?: string): Result<LabManagedPolicy> {
  const got = getPolicyVersion(state, account, input);
  if (isIamError(got)) return got;
  const denied = writable(got.policy, 'DeletePolicyVersion', caller);
  if (denied) return denied;
  if (got.version.isDefault) return iamError('DeleteConflict', msg.deleteDefaultVersion);
  highestVersion.set(got.policy, Math.max(highestVersion.get(got.policy) ?? 0, ...got.policy.versions.map((v) => versionNumber(v.versionId))));
  got.policy.versions = got.policy.versions.filter((v) => v !== got.version);
  return got.policy;
}

// ---------------------------------------------------------------------------------------------
// OIDC providers

export interface CreateProviderInput {
  /** `https://host/path`, exactly as the issuer's `iss`. */
  url: string;
  clientIds?: string[];
  thumbprints?: string[];
  tags?: LabTag[];
  /**
   * IAM refuses URLs with a port (aws-behavior.md section 2). A lab whose issuer could not get
   * port 443 (not root) serves it on another port and sets this so its provider can exist.
   */
  allowPort?: boolean;
}

/** The provider ARN IAM derives from a URL: scheme dropped, the rest kept as given. */
export function providerArnFor(partition: string, account: string, url: string): string {
  return `arn:${partition}:iam::${account}:oidc-provider/${url.replace(/^https:\/\//i, '')}`;
}

function urlOk(url: string, allowPort: boolean): boolean {
  if (!/^https:\/\//i.test(url)) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return u.hostname !== '' && (allowPort || u.port === '') && u.search === '' && u.hash === '' && u.username === '' && u.password === '';
}

function thumbprintChecks(thumbprints: readonly string[] | undefined): IamError | undefined {
  if (!thumbprints) return undefined;
  if (thumbprints.length > QUOTAS.thumbprintsPerProvider) return iamError('InvalidInput', 'Thumbprint list must contain fewer than 5 entries.');
  // [unconfirmed] IAM's model only constrains the length; the lab also refuses non-hex thumbprints
  // (a SHA-1 hex digest is what AWS documents), with this message.
  for (const t of thumbprints) if (!/^[0-9a-fA-F]{40}$/.test(t)) return iamError('InvalidInput', `Thumbprint ${t} is not a 40-character hex-encoded SHA-1 fingerprint.`);
  return undefined;
}

export function findProvider(state: LabState, account: string, arn: string): LabProvider | undefined {
  const a = state.account(account);
  const direct = a.providers.get(arn);
  if (direct) return direct;
  for (const p of a.providers.values()) if (p.arn === arn) return p;
  return undefined;
}

export function createProvider(state: LabState, account: string, input: CreateProviderInput, clock: Clock): Result<LabProvider> {
  const invalid = new Constraints()
    .string('url', input.url, { min: 1, max: 255 })
    .members('clientIDList', input.clientIds, 1, 255)
    .members('thumbprintList', input.thumbprints, 40, 40)
    .tags(input.tags)
    .error();
  if (invalid) return invalid;
  if (!urlOk(input.url, input.allowPort === true)) return iamError('ValidationError', 'Invalid Open ID Connect Provider URL');
  const tp = thumbprintChecks(input.thumbprints);
  if (tp) return tp;
  if ((input.clientIds?.length ?? 0) > QUOTAS.clientIdsPerProvider) return quota('ClientIdsPerOpenIdConnectProvider', QUOTAS.clientIdsPerProvider);
  if (input.tags) {
    const dup = duplicateTagKeys(input.tags, true);
    if (dup) return dup;
  }
  const a = state.account(account);
  const arn = providerArnFor(a.partition, account, input.url);
  if (findProvider(state, account, arn)) return iamError('EntityAlreadyExists', msg.providerExists(input.url));
  if (a.providers.size >= QUOTAS.providersPerAccount) return quota('OpenIdConnectProvidersPerAccount', QUOTAS.providersPerAccount);
  const provider: LabProvider = {
    arn,
    url: input.url.replace(/^https:\/\//i, ''),
    clientIds: [...new Set(input.clientIds ?? [])],
    thumbprints: [...(input.thumbprints ?? [])].map((t) => t.toLowerCase()),
    tags: (input.tags ?? []).map((t) => ({ Key: t.Key, Value: t.Value })),
    createDate: clock.now(),
  };
  a.providers.set(arn, provider);
  return provider;
}

function providerArnConstraints(arn: string): IamError | undefined {
  return new Constraints().string('openIDConnectProviderArn', arn, { min: 20, max: 2048 }).error();
}

export function getProvider(state: LabState, account: string, arn: string): Result<LabProvider> {
  const invalid = providerArnConstraints(arn);
  if (invalid) return invalid;
  return findProvider(state, account, arn) ?? iamError('NoSuchEntity', msg.providerNotFound(arn));
}

export function deleteProvider(state: LabState, account: string, arn: string): Result<LabProvider> {
  const invalid = providerArnConstraints(arn);
  if (invalid) return invalid;
  const p = findProvider(state, account, arn);
  if (!p) return iamError('NoSuchEntity', msg.providerNotFoundOnDelete(arn));
  const a = state.account(account);
  for (const [k, v] of a.providers) if (v === p) a.providers.delete(k);
  return p;
}

export function updateProviderThumbprint(state: LabState, account: string, input: { arn: string; thumbprints: string[] }): Result<LabProvider> {
  const invalid = new Constraints().string('openIDConnectProviderArn', input.arn, { min: 20, max: 2048 }).members('thumbprintList', input.thumbprints, 40, 40).error();
  if (invalid) return invalid;
  const tp = thumbprintChecks(input.thumbprints);
  if (tp) return tp;
  const p = getProvider(state, account, input.arn);
  if (isIamError(p)) return p;
  p.thumbprints = input.thumbprints.map((t) => t.toLowerCase());
  return p;
}

/** Idempotent: adding a client id that is already there succeeds (IAM API reference). */
export function addClientIdToProvider(state: LabState, account: string, input: { arn: string; clientId: string }): Result<LabProvider> {
  const invalid = new Constraints().string('openIDConnectProviderArn', input.arn, { min: 20, max: 2048 }).string('clientID', input.clientId, { min: 1, max: 255 }).error();
  if (invalid) return invalid;
  const p = getProvider(state, account, input.arn);
  if (isIamError(p)) return p;
  if (p.clientIds.includes(input.clientId)) return p;
  if (p.clientIds.length >= QUOTAS.clientIdsPerProvider) return quota('ClientIdsPerOpenIdConnectProvider', QUOTAS.clientIdsPerProvider);
  p.clientIds.push(input.clientId);
  return p;
}

/** Idempotent: removing a client id that is not there succeeds (IAM API reference). */
export function removeClientIdFromProvider(state: LabState, account: string, input: { arn: string; clientId: string }): Result<LabProvider> {
  const invalid = new Constraints().string('openIDConnectProviderArn', input.arn, { min: 20, max: 2048 }).string('clientID', input.clientId, { min: 1, max: 255 }).error();
  if (invalid) return invalid;
  const p = getProvider(state, account, input.arn);
  if (isIamError(p)) return p;
  p.clientIds = p.clientIds.filter((c) => c !== input.clientId);
  return p;
}

export function tagProvider(state: LabState, account: string, input: { arn: string; tags: LabTag[] }): Result<LabProvider> {
  const invalid = new Constraints().string('openIDConnectProviderArn', input.arn, { min: 20, max: 2048 }).tags(input.tags).error();
  if (invalid) return invalid;
  const p = getProvider(state, account, input.arn);
  if (isIamError(p)) return p;
  const dup = duplicateTagKeys(input.tags, true);
  if (dup) return dup;
  const merged = mergeTags(p.tags, input.tags, true);
  if (isIamError(merged)) return merged;
  p.tags = merged;
  return p;
}

export function untagProvider(state: LabState, account: string, input: { arn: string; tagKeys: string[] }): Result<LabProvider> {
  const invalid = new Constraints().string('openIDConnectProviderArn', input.arn, { min: 20, max: 2048 }).tagKeys(input.tagKeys).error();
  if (invalid) return invalid;
  const p = getProvider(state, account, input.arn);
  if (isIamError(p)) return p;
  p.tags = removeTags(p.tags, input.tagKeys, true);
  return p;
}

// Policy tags (GetPolicy returns them; TagPolicy/UntagPolicy/ListPolicyTags)

export function tagPolicy(state: LabState, account: string, input: { policyArn: string; tags: LabTag[] }, caller?: string): Result<LabManagedPolicy> {
  const invalid = new Constraints().string('policyArn', input.policyArn, { min: 20, max: 2048 }).tags(input.tags).error();
  if (invalid) return invalid;
  const p = findPolicy(state, account, input.policyArn);
  if (!p) return iamError('NoSuchEntity', msg.policyNotFound(input.policyArn));
  const denied = writable(p, 'TagPolicy', caller);
  if (denied) return denied;
  const dup = duplicateTagKeys(input.tags, false);
  if (dup) return dup;
  const merged = mergeTags(p.tags ?? [], input.tags, false);
  if (isIamError(merged)) return merged;
  p.tags = merged;
  return p;
}

export function untagPolicy(state: LabState, account: string, input: { policyArn: string; tagKeys: string[] }, caller?: string): Result<LabManagedPolicy> {
  const invalid = new Constraints().string('policyArn', input.policyArn, { min: 20, max: 2048 }).tagKeys(input.tagKeys).error();
  if (invalid) return invalid;
  const p = findPolicy(state, account, input.policyArn);
  if (!p) return iamError('NoSuchEntity', msg.policyNotFound(input.policyArn));
  const denied = writable(p, 'UntagPolicy', caller);
  if (denied) return denied;
  p.tags = removeTags(p.tags ?? [], input.tagKeys, false);
  return p;
}
