// IAM entities as the API's output shapes (botocore IAM model: Role, Policy, PolicyVersion,
// RoleDetail, ManagedPolicyDetail...). Which members each operation fills in is what real IAM
// returns, as recorded in LocalStack's snapshots:
//   - CreateRole: no MaxSessionDuration, no RoleLastUsed; Tags/PermissionsBoundary/Description only when set
//   - GetRole: MaxSessionDuration and RoleLastUsed (an empty element when never used)
//   - ListRoles: MaxSessionDuration, Description; never Tags, PermissionsBoundary or RoleLastUsed
//   - CreatePolicy: no Description; Tags only when given.  GetPolicy: Description when set, Tags always
//   - ListPolicies: neither Description nor Tags
//   - CreatePolicyVersion / ListPolicyVersions: no Document.  GetPolicyVersion: the Document
//   - GetAccountAuthorizationDetails: RoleDetail with InstanceProfileList, RolePolicyList,
//     AttachedManagedPolicies, Tags always; ManagedPolicyDetail with every version's Document
// Documents come back URL-encoded, as the raw IAM API returns them (aws CLI and boto3 decode them;
// the JS SDK does not).

import type { LabManagedPolicy, LabPolicyVersion, LabProvider, LabRole, LabState, LabTag } from '../state.js';
import type { QueryStructure, QueryValue } from '../xml.js';
import { attachmentCount, boundaryUsageCount, findPolicy } from './model.js';

/** IAM percent-encodes documents (`%7B%22Version%22...`; spaces as %20, which botocore's unquote reads). */
export function encodeDocument(text: string): string {
  return encodeURIComponent(text);
}

const tagList = (tags: readonly LabTag[]): QueryValue[] => tags.map((t) => ({ Key: t.Key, Value: t.Value }));

function boundary(role: LabRole): QueryStructure | undefined {
  return role.permissionsBoundary ? { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: role.permissionsBoundary } : undefined;
}

function lastUsed(role: LabRole): QueryStructure {
  return role.lastUsed ? { LastUsedDate: role.lastUsed.date, Region: role.lastUsed.region } : {};
}

export type RoleView = 'create' | 'get' | 'list' | 'instanceProfile';

export function roleShape(role: LabRole, view: RoleView): QueryStructure {
  const base: Record<string, QueryValue | undefined> = {
    Path: role.path,
    RoleName: role.name,
    RoleId: role.roleId,
    Arn: role.arn,
    CreateDate: role.createDate,
    AssumeRolePolicyDocument: encodeDocument(role.assumeRolePolicyDocument),
    Description: role.description,
  };
  if (view === 'get' || view === 'list') base['MaxSessionDuration'] = role.maxSessionDuration;
  if (view === 'create' || view === 'get') {
    base['PermissionsBoundary'] = boundary(role);
    base['Tags'] = role.tags.length > 0 ? tagList(role.tags) : undefined;
  }
  if (view === 'get') base['RoleLastUsed'] = lastUsed(role);
  return base;
}

export function roleDetailShape(state: LabState, account: string, role: LabRole): QueryStructure {
  return {
    Path: role.path,
    RoleName: role.name,
    RoleId: role.roleId,
    Arn: role.arn,
    CreateDate: role.createDate,
    AssumeRolePolicyDocument: encodeDocument(role.assumeRolePolicyDocument),
    // The lab models no instance profiles.
    InstanceProfileList: [],
    RolePolicyList: [...role.inlinePolicies].map(([PolicyName, doc]) => ({ PolicyName, PolicyDocument: encodeDocument(doc) })),
    AttachedManagedPolicies: attachedShapes(state, account, role),
    PermissionsBoundary: boundary(role),
    Tags: tagList(role.tags),
    RoleLastUsed: lastUsed(role),
  };
}

export function attachedShapes(state: LabState, account: string, role: LabRole, pathPrefix?: string): QueryValue[] {
  const out: QueryValue[] = [];
  for (const arn of role.attachedPolicies) {
    const p = findPolicy(state, account, arn);
    if (pathPrefix !== undefined && !(p?.path ?? '/').startsWith(pathPrefix)) continue;
    out.push({ PolicyName: p?.name ?? arn.slice(arn.lastIndexOf('/') + 1), PolicyArn: arn });
  }
  return out;
}

export type PolicyView = 'create' | 'get' | 'list' | 'detail';

export function policyShape(state: LabState, account: string, p: LabManagedPolicy, view: PolicyView): QueryStructure {
  const out: Record<string, QueryValue | undefined> = {
    PolicyName: p.name,
    PolicyId: p.policyId,
    Arn: p.arn,
    Path: p.path,
    DefaultVersionId: p.defaultVersionId,
    AttachmentCount: attachmentCount(state, account, p.arn),
    PermissionsBoundaryUsageCount: boundaryUsageCount(state, account, p.arn),
    IsAttachable: true,
    Description: view === 'get' || view === 'detail' ? p.description : undefined,
    CreateDate: p.createDate,
    UpdateDate: p.updateDate,
  };
  if (view === 'get') out['Tags'] = tagList(p.tags ?? []);
  if (view === 'create' && p.tags && p.tags.length > 0) out['Tags'] = tagList(p.tags);
  if (view === 'detail') out['PolicyVersionList'] = sortedVersions(p).map((v) => versionShape(v, true));
  return out;
}

/** Newest first, as ListPolicyVersions returns them. */
export function sortedVersions(p: LabManagedPolicy): LabPolicyVersion[] {
  const n = (v: LabPolicyVersion) => Number(/^v(\d+)/.exec(v.versionId)?.[1] ?? 0);
  return [...p.versions].sort((a, b) => n(b) - n(a));
}

export function versionShape(v: LabPolicyVersion, withDocument: boolean): QueryStructure {
  return {
    Document: withDocument ? encodeDocument(v.document) : undefined,
    VersionId: v.versionId,
    IsDefaultVersion: v.isDefault,
    CreateDate: v.createDate,
  };
}

export function providerShape(p: LabProvider): QueryStructure {
  return {
    Url: p.url,
    ClientIDList: [...p.clientIds],
    ThumbprintList: [...p.thumbprints],
    CreateDate: p.createDate,
    Tags: tagList(p.tags),
  };
}

/** ListXTags order: by key, as IAM returns them (LocalStack snapshot "list-case-sensitive-tags"). */
export function sortedTags(tags: readonly LabTag[]): LabTag[] {
  return [...tags].sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0));
}
