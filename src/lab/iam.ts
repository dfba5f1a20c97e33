// The lab's IAM API: the AWS Query protocol over HTTPS, as botocore, the aws CLI and the JS SDK v3
// speak it to iam.amazonaws.com (POST form-encoded `Action=GetRole&Version=2010-05-08&...`, XML
// answers in the `https://iam.amazonaws.com/doc/2010-05-08/` namespace, errors as
// `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`).
// Every call is SigV4-verified (./sigv4.ts) against keys the lab issued; the caller's account is
// the account whose IAM the call reads and writes. Then it is authorized by the caller's identity
// policies (./authz.ts: AccessDenied 403 with IAM's sentence) before the operation runs. The behaviour lives in ./iam/model.ts (shared
// with the world loader's seeding); this file parses requests, dispatches and renders.
//
// Operation list and member names: botocore/data/iam/2010-05-08/service-2.json.

import type { LabRequest, LabResponse, Service } from './http.js';
import { authorize, authorizeAll, iamAuthzRequests, type Authorizer } from './authz.js';
import { allAwsManagedPolicies } from './aws-managed-policies.js';
import { isIamError, iamError, msg, validationError, type IamError } from './iam/errors.js';
import * as model from './iam/model.js';
import { QueryParams, pageParams, paginate } from './iam/query.js';
import { attachedShapes, encodeDocument, policyShape, providerShape, roleDetailShape, roleShape, sortedTags, sortedVersions, versionShape } from './iam/render.js';
import { verifySigV4, type SigV4Result } from './sigv4.js';
import { requestId, type LabCredential, type LabManagedPolicy, type LabState, type LabTag } from './state.js';
import type { Clock } from './types.js';
import { QueryMap, queryError, queryResponse, type QueryStructure, type QueryValue } from './xml.js';

export const IAM_NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';
export const IAM_VERSION = '2010-05-08';

/** Verifies a request's signature; the default checks SigV4 against LabState.credentials. */
export type Authenticate = (req: LabRequest) => SigV4Result;

export interface IamServiceOptions {
  readonly state: LabState;
  readonly clock: Clock;
  readonly authenticate?: Authenticate;
  /** Accept provider URLs with a port (see CreateProviderInput.allowPort). */
  readonly allowProviderUrlPort?: boolean;
  /**
   * Authorizes an authenticated call before its handler runs (./authz.ts); the default evaluates
   * the caller's identity policies, as IAM does. `() => undefined` allows everything.
   */
  readonly authorize?: Authorizer;
}

interface Ctx {
  readonly state: LabState;
  readonly clock: Clock;
  readonly account: string;
  readonly caller: LabCredential;
  readonly q: QueryParams;
  readonly allowProviderUrlPort: boolean;
}

/** What a handler returns: a result structure, `null` for operations without output, or an error. */
type Outcome = QueryStructure | null | IamError;
type Handler = (c: Ctx) => Outcome;

const NO_OUTPUT = null;

function xml(status: number, body: string, rid: string): LabResponse {
  return { status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': rid }, body };
}

export function iamErrorResponse(e: IamError, rid = requestId()): LabResponse {
  return xml(e.status, queryError(IAM_NAMESPACE, rid, e), rid);
}

function page<T>(c: Ctx, all: readonly T[]): { items: T[]; extra: QueryStructure } | IamError {
  const p = pageParams(c.q);
  if (isIamError(p)) return p;
  const r = paginate(all, p.offset, p.maxItems);
  return { items: r.items, extra: { IsTruncated: r.isTruncated, Marker: r.marker } };
}

const byName = <T extends { name: string }>(a: T, b: T) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : a.name.toLowerCase() > b.name.toLowerCase() ? 1 : 0);

/** Runs `f` when the required members are present. */
function need(c: Ctx, names: string[], f: () => Outcome): Outcome {
  return c.q.required(...names) ?? f();
}

const s = (c: Ctx, n: string): string => c.q.string(n) ?? '';
const list = (c: Ctx, n: string): string[] => c.q.list(n) ?? [];
const tags = (c: Ctx, n = 'Tags'): LabTag[] => c.q.tags(n) ?? [];

function optionalInt(c: Ctx, name: string): number | undefined | IamError {
  return c.q.integer(name);
}

const then = <T>(r: T | IamError, f: (v: T) => Outcome): Outcome => (isIamError(r) ? r : f(r));

function tagPage(c: Ctx, t: readonly LabTag[]): Outcome {
  const p = page(c, sortedTags(t));
  if (isIamError(p)) return p;
  return { Tags: p.items.map((x) => ({ Key: x.Key, Value: x.Value })), ...p.extra };
}

const ENTITY_TYPES = ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'] as const;

const HANDLERS: Record<string, Handler> = {
  // --- OIDC providers
  CreateOpenIDConnectProvider: (c) =>
    need(c, ['Url'], () => {
      const input: model.CreateProviderInput = { url: s(c, 'Url'), allowPort: c.allowProviderUrlPort };
      const ids = c.q.list('ClientIDList');
      const tps = c.q.list('ThumbprintList');
      const t = c.q.tags();
      if (ids) input.clientIds = ids;
      if (tps) input.thumbprints = tps;
      if (t) input.tags = t;
      return then(model.createProvider(c.state, c.account, input, c.clock), (p) => ({ OpenIDConnectProviderArn: p.arn, Tags: p.tags.length > 0 ? p.tags.map((x) => ({ Key: x.Key, Value: x.Value })) : undefined }));
    }),
  ListOpenIDConnectProviders: (c) => ({
    OpenIDConnectProviderList: [...c.state.account(c.account).providers.values()].sort((a, b) => (a.arn < b.arn ? -1 : 1)).map((p) => ({ Arn: p.arn })),
  }),
  GetOpenIDConnectProvider: (c) => need(c, ['OpenIDConnectProviderArn'], () => then(model.getProvider(c.state, c.account, s(c, 'OpenIDConnectProviderArn')), providerShape)),
  DeleteOpenIDConnectProvider: (c) => need(c, ['OpenIDConnectProviderArn'], () => then(model.deleteProvider(c.state, c.account, s(c, 'OpenIDConnectProviderArn')), () => NO_OUTPUT)),
  UpdateOpenIDConnectProviderThumbprint: (c) =>
    need(c, ['OpenIDConnectProviderArn', 'ThumbprintList'], () =>
      then(model.updateProviderThumbprint(c.state, c.account, { arn: s(c, 'OpenIDConnectProviderArn'), thumbprints: list(c, 'ThumbprintList') }), () => NO_OUTPUT),
    ),
  AddClientIDToOpenIDConnectProvider: (c) =>
    need(c, ['OpenIDConnectProviderArn', 'ClientID'], () => then(model.addClientIdToProvider(c.state, c.account, { arn: s(c, 'OpenIDConnectProviderArn'), clientId: s(c, 'ClientID') }), () => NO_OUTPUT)),
  RemoveClientIDFromOpenIDConnectProvider: (c) =>
    need(c, ['OpenIDConnectProviderArn', 'ClientID'], () =>
      then(model.removeClientIdFromProvider(c.state, c.account, { arn: s(c, 'OpenIDConnectProviderArn'), clientId: s(c, 'ClientID') }), () => NO_OUTPUT),
    ),
  TagOpenIDConnectProvider: (c) =>
    need(c, ['OpenIDConnectProviderArn', 'Tags'], () => then(model.tagProvider(c.state, c.account, { arn: s(c, 'OpenIDConnectProviderArn'), tags: tags(c) }), () => NO_OUTPUT)),
  UntagOpenIDConnectProvider: (c) =>
    need(c, ['OpenIDConnectProviderArn', 'TagKeys'], () => then(model.untagProvider(c.state, c.account, { arn: s(c, 'OpenIDConnectProviderArn'), tagKeys: list(c, 'TagKeys') }), () => NO_OUTPUT)),
  ListOpenIDConnectProviderTags: (c) => need(c, ['OpenIDConnectProviderArn'], () => then(model.getProvider(c.state, c.account, s(c, 'OpenIDConnectProviderArn')), (p) => tagPage(c, p.tags))),

  // --- Roles
  CreateRole: (c) =>
    need(c, ['RoleName', 'AssumeRolePolicyDocument'], () => {
      const msd = optionalInt(c, 'MaxSessionDuration');
      if (isIamError(msd)) return msd;
      const input: model.CreateRoleInput = { roleName: s(c, 'RoleName'), assumeRolePolicyDocument: s(c, 'AssumeRolePolicyDocument') };
      const path = c.q.string('Path');
      const description = c.q.string('Description');
      const boundary = c.q.string('PermissionsBoundary');
      const t = c.q.tags();
      if (path !== undefined) input.path = path;
      if (description !== undefined) input.description = description;
      if (msd !== undefined) input.maxSessionDuration = msd;
      if (boundary !== undefined) input.permissionsBoundary = boundary;
      if (t !== undefined) input.tags = t;
      return then(model.createRole(c.state, c.account, input, c.clock), (r) => ({ Role: roleShape(r, 'create') }));
    }),
  GetRole: (c) => need(c, ['RoleName'], () => then(model.getRole(c.state, c.account, s(c, 'RoleName')), (r) => ({ Role: roleShape(r, 'get') }))),
  ListRoles: (c) => {
    const prefix = c.q.string('PathPrefix') ?? '/';
    const roles = [...c.state.account(c.account).roles.values()].filter((r) => r.path.startsWith(prefix)).sort(byName);
    const p = page(c, roles);
    if (isIamError(p)) return p;
    return { Roles: p.items.map((r) => roleShape(r, 'list')), ...p.extra };
  },
  DeleteRole: (c) => need(c, ['RoleName'], () => then(model.deleteRole(c.state, c.account, s(c, 'RoleName')), () => NO_OUTPUT)),
  UpdateAssumeRolePolicy: (c) =>
    need(c, ['RoleName', 'PolicyDocument'], () => then(model.updateAssumeRolePolicy(c.state, c.account, { roleName: s(c, 'RoleName'), policyDocument: s(c, 'PolicyDocument') }), () => NO_OUTPUT)),
  UpdateRole: (c) =>
    need(c, ['RoleName'], () => {
      const msd = optionalInt(c, 'MaxSessionDuration');
      if (isIamError(msd)) return msd;
      const input: { roleName: string; description?: string; maxSessionDuration?: number } = { roleName: s(c, 'RoleName') };
      const d = c.q.string('Description');
      if (d !== undefined) input.description = d;
      if (msd !== undefined) input.maxSessionDuration = msd;
      return then(model.updateRole(c.state, c.account, input), () => ({}));
    }),
  PutRolePermissionsBoundary: (c) =>
    need(c, ['RoleName', 'PermissionsBoundary'], () =>
      then(model.putRolePermissionsBoundary(c.state, c.account, { roleName: s(c, 'RoleName'), permissionsBoundary: s(c, 'PermissionsBoundary') }), () => NO_OUTPUT),
    ),
  DeleteRolePermissionsBoundary: (c) => need(c, ['RoleName'], () => then(model.deleteRolePermissionsBoundary(c.state, c.account, s(c, 'RoleName')), () => NO_OUTPUT)),
  TagRole: (c) => need(c, ['RoleName', 'Tags'], () => then(model.tagRole(c.state, c.account, { roleName: s(c, 'RoleName'), tags: tags(c) }), () => NO_OUTPUT)),
  UntagRole: (c) => need(c, ['RoleName', 'TagKeys'], () => then(model.untagRole(c.state, c.account, { roleName: s(c, 'RoleName'), tagKeys: list(c, 'TagKeys') }), () => NO_OUTPUT)),
  ListRoleTags: (c) => need(c, ['RoleName'], () => then(model.getRole(c.state, c.account, s(c, 'RoleName')), (r) => tagPage(c, r.tags))),

  // --- Attached and inline role policies
  AttachRolePolicy: (c) =>
    need(c, ['RoleName', 'PolicyArn'], () => then(model.attachRolePolicy(c.state, c.account, { roleName: s(c, 'RoleName'), policyArn: s(c, 'PolicyArn') }), () => NO_OUTPUT)),
  DetachRolePolicy: (c) =>
    need(c, ['RoleName', 'PolicyArn'], () => then(model.detachRolePolicy(c.state, c.account, { roleName: s(c, 'RoleName'), policyArn: s(c, 'PolicyArn') }), () => NO_OUTPUT)),
  ListAttachedRolePolicies: (c) =>
    need(c, ['RoleName'], () =>
      then(model.getRole(c.state, c.account, s(c, 'RoleName')), (r) => {
        const p = page(c, attachedShapes(c.state, c.account, r, c.q.string('PathPrefix')));
        if (isIamError(p)) return p;
        return { AttachedPolicies: p.items, ...p.extra };
      }),
    ),
  PutRolePolicy: (c) =>
    need(c, ['RoleName', 'PolicyName', 'PolicyDocument'], () =>
      then(model.putRolePolicy(c.state, c.account, { roleName: s(c, 'RoleName'), policyName: s(c, 'PolicyName'), policyDocument: s(c, 'PolicyDocument') }), () => NO_OUTPUT),
    ),
  GetRolePolicy: (c) =>
    need(c, ['RoleName', 'PolicyName'], () =>
      then(model.getRolePolicy(c.state, c.account, { roleName: s(c, 'RoleName'), policyName: s(c, 'PolicyName') }), (g) => ({
        RoleName: g.role.name,
        PolicyName: g.policyName,
        PolicyDocument: encodeDocument(g.document),
      })),
    ),
  DeleteRolePolicy: (c) =>
    need(c, ['RoleName', 'PolicyName'], () => then(model.deleteRolePolicy(c.state, c.account, { roleName: s(c, 'RoleName'), policyName: s(c, 'PolicyName') }), () => NO_OUTPUT)),
  ListRolePolicies: (c) =>
    need(c, ['RoleName'], () =>
      then(model.getRole(c.state, c.account, s(c, 'RoleName')), (r) => {
        const p = page(c, [...r.inlinePolicies.keys()].sort());
        if (isIamError(p)) return p;
        return { PolicyNames: p.items, ...p.extra };
      }),
    ),

  // --- Managed policies and versions
  CreatePolicy: (c) =>
    need(c, ['PolicyName', 'PolicyDocument'], () => {
      const input: model.CreatePolicyInput = { policyName: s(c, 'PolicyName'), policyDocument: s(c, 'PolicyDocument') };
      const path = c.q.string('Path');
      const description = c.q.string('Description');
      const t = c.q.tags();
      if (path !== undefined) input.path = path;
      if (description !== undefined) input.description = description;
      if (t !== undefined) input.tags = t;
      return then(model.createPolicy(c.state, c.account, input, c.clock), (p) => ({ Policy: policyShape(c.state, c.account, p, 'create') }));
    }),
  GetPolicy: (c) => need(c, ['PolicyArn'], () => then(model.getPolicy(c.state, c.account, s(c, 'PolicyArn')), (p) => ({ Policy: policyShape(c.state, c.account, p, 'get') }))),
  ListPolicies: (c) => {
    const scope = c.q.string('Scope') ?? 'All';
    if (!['All', 'AWS', 'Local'].includes(scope)) return validationError([{ member: 'scope', constraint: 'Member must satisfy enum value set: [All, AWS, Local]' }]);
    const usage = c.q.string('PolicyUsageFilter');
    if (usage !== undefined && !['PermissionsPolicy', 'PermissionsBoundary'].includes(usage)) {
      return validationError([{ member: 'policyUsageFilter', constraint: 'Member must satisfy enum value set: [PermissionsPolicy, PermissionsBoundary]' }]);
    }
    const prefix = c.q.string('PathPrefix') ?? '/';
    const onlyAttached = c.q.boolean('OnlyAttached') === true;
    const partition = c.state.account(c.account).partition;
    const candidates: LabManagedPolicy[] = [];
    if (scope !== 'AWS') candidates.push(...c.state.account(c.account).policies.values());
    if (scope !== 'Local') candidates.push(...allAwsManagedPolicies(c.state, partition));
    const used = (p: LabManagedPolicy) => {
      const attached = model.attachmentCount(c.state, c.account, p.arn) > 0;
      const boundary = model.boundaryUsageCount(c.state, c.account, p.arn) > 0;
      if (usage === 'PermissionsPolicy') return attached;
      if (usage === 'PermissionsBoundary') return boundary;
      return attached || boundary;
    };
    const all = candidates.filter((p) => p.path.startsWith(prefix) && (!onlyAttached || used(p))).sort(byName);
    const p = page(c, all);
    if (isIamError(p)) return p;
    return { Policies: p.items.map((x) => policyShape(c.state, c.account, x, 'list')), ...p.extra };
  },
  DeletePolicy: (c) => need(c, ['PolicyArn'], () => then(model.deletePolicy(c.state, c.account, s(c, 'PolicyArn'), c.caller.arn), () => NO_OUTPUT)),
  CreatePolicyVersion: (c) =>
    need(c, ['PolicyArn', 'PolicyDocument'], () =>
      then(
        model.createPolicyVersion(c.state, c.account, { policyArn: s(c, 'PolicyArn'), policyDocument: s(c, 'PolicyDocument'), setAsDefault: c.q.boolean('SetAsDefault') === true }, c.clock, c.caller.arn),
        (r) => ({ PolicyVersion: versionShape(r.version, false) }),
      ),
    ),
  GetPolicyVersion: (c) =>
    need(c, ['PolicyArn', 'VersionId'], () =>
      then(model.getPolicyVersion(c.state, c.account, { policyArn: s(c, 'PolicyArn'), versionId: s(c, 'VersionId') }), (r) => ({ PolicyVersion: versionShape(r.version, true) })),
    ),
  ListPolicyVersions: (c) =>
    need(c, ['PolicyArn'], () =>
      then(model.getPolicy(c.state, c.account, s(c, 'PolicyArn')), (pol) => {
        const p = page(c, sortedVersions(pol));
        if (isIamError(p)) return p;
        return { Versions: p.items.map((v) => versionShape(v, false)), ...p.extra };
      }),
    ),
  SetDefaultPolicyVersion: (c) =>
    need(c, ['PolicyArn', 'VersionId'], () => then(model.setDefaultPolicyVersion(c.state, c.account, { policyArn: s(c, 'PolicyArn'), versionId: s(c, 'VersionId') }, c.caller.arn), () => NO_OUTPUT)),
  DeletePolicyVersion: (c) =>
    need(c, ['PolicyArn', 'VersionId'], () => then(model.deletePolicyVersion(c.state, c.account, { policyArn: s(c, 'PolicyArn'), versionId: s(c, 'VersionId') }, c.caller.arn), () => NO_OUTPUT)),
  TagPolicy: (c) => need(c, ['PolicyArn', 'Tags'], () => then(model.tagPolicy(c.state, c.account, { policyArn: s(c, 'PolicyArn'), tags: tags(c) }, c.caller.arn), () => NO_OUTPUT)),
  UntagPolicy: (c) => need(c, ['PolicyArn', 'TagKeys'], () => then(model.untagPolicy(c.state, c.account, { policyArn: s(c, 'PolicyArn'), tagKeys: list(c, 'TagKeys') }, c.caller.arn), () => NO_OUTPUT)),
  ListPolicyTags: (c) => need(c, ['PolicyArn'], () => then(model.getPolicy(c.state, c.account, s(c, 'PolicyArn')), (p) => tagPage(c, p.tags ?? []))),

  // --- The account's usage and quotas (the keys and defaults moto and IAM answer with)
  GetAccountSummary: (c) => {
    const a = c.state.account(c.account);
    const versionsInUse = [...a.policies.values()].reduce((n, p) => n + p.versions.length, 0);
    const summary: Array<[string, number]> = [
      ['AccessKeysPerUserQuota', 2],
      ['AccountAccessKeysPresent', 0],
      ['AccountMFAEnabled', 0],
      ['AccountSigningCertificatesPresent', 0],
      ['AssumeRolePolicySizeQuota', model.QUOTAS.trustPolicySize],
      ['AttachedPoliciesPerGroupQuota', 10],
      ['AttachedPoliciesPerRoleQuota', model.QUOTAS.managedPoliciesPerRole],
      ['AttachedPoliciesPerUserQuota', 10],
      ['GlobalEndpointTokenVersion', 1],
      ['GroupPolicySizeQuota', 5120],
      ['Groups', 0],
      ['GroupsPerUserQuota', 10],
      ['GroupsQuota', 300],
      ['InstanceProfiles', 0],
      ['InstanceProfilesQuota', 1000],
      ['MFADevices', 0],
      ['MFADevicesInUse', 0],
      ['Policies', a.policies.size],
      ['PoliciesQuota', a.quotas?.customerPolicies ?? model.QUOTAS.customerPoliciesPerAccount],
      ['PolicySizeQuota', model.QUOTAS.managedPolicySize],
      ['PolicyVersionsInUse', versionsInUse],
      ['PolicyVersionsInUseQuota', 10000],
      ['Providers', a.providers.size],
      ['RolePolicySizeQuota', model.QUOTAS.inlinePolicySizePerRole],
      ['Roles', a.roles.size],
      ['RolesQuota', a.quotas?.roles ?? model.QUOTAS.rolesPerAccount],
      ['ServerCertificates', 0],
      ['ServerCertificatesQuota', 20],
      ['SigningCertificatesPerUserQuota', 2],
      ['UserPolicySizeQuota', 2048],
      ['Users', 0],
      ['UsersQuota', 5000],
      ['VersionsPerPolicyQuota', model.QUOTAS.versionsPerPolicy],
    ];
    return { SummaryMap: new QueryMap(summary) };
  },

  // --- The bulk read of IAM auditing tools
  GetAccountAuthorizationDetails: (c) => {
    const filter = c.q.list('Filter');
    if (filter?.some((f) => !(ENTITY_TYPES as readonly string[]).includes(f))) {
      return validationError([{ member: 'filter', constraint: `Member must satisfy constraint: [Member must satisfy enum value set: [${ENTITY_TYPES.join(', ')}]]` }]);
    }
    const want = (t: (typeof ENTITY_TYPES)[number]) => !filter || filter.length === 0 || filter.includes(t);
    const a = c.state.account(c.account);
    // Entries are listed (sorted, cheap) and only the page's are shaped: a large account's
    // roles with their documents are megabytes of XML, and a page holds at most 1,000 of them.
    type Item = { kind: 'role'; shape: () => QueryValue } | { kind: 'policy'; shape: () => QueryValue };
    const items: Item[] = [];
    // Users and groups: the lab models none (its callers' IAM users exist only as credentials).
    if (want('Role')) for (const r of [...a.roles.values()].sort(byName)) items.push({ kind: 'role', shape: () => roleDetailShape(c.state, c.account, r) });
    if (want('LocalManagedPolicy')) for (const p of [...a.policies.values()].sort(byName)) items.push({ kind: 'policy', shape: () => policyShape(c.state, c.account, p, 'detail') });
    if (want('AWSManagedPolicy')) {
      // Only the AWS-managed policies in use in the account (LocalStack recording, filter AWSManagedPolicy).
      const inUse = allAwsManagedPolicies(c.state, a.partition).filter((p) => model.attachmentCount(c.state, c.account, p.arn) > 0 || model.boundaryUsageCount(c.state, c.account, p.arn) > 0);
      for (const p of inUse.sort(byName)) items.push({ kind: 'policy', shape: () => policyShape(c.state, c.account, p, 'detail') });
    }
    const p = page(c, items);
    if (isIamError(p)) return p;
    return {
      UserDetailList: [],
      GroupDetailList: [],
      RoleDetailList: p.items.filter((i) => i.kind === 'role').map((i) => i.shape()),
      Policies: p.items.filter((i) => i.kind === 'policy').map((i) => i.shape()),
      ...p.extra,
    };
  },
};

/** The IAM operations the lab serves. */
export const IAM_OPERATIONS: readonly string[] = Object.keys(HANDLERS).sort();

export class IamService implements Service {
  readonly name = 'iam' as const;
  private readonly state: LabState;
  private readonly clock: Clock;
  private readonly authenticate: Authenticate;
  private readonly allowProviderUrlPort: boolean;
  private readonly authorize: Authorizer;

  constructor(opts: IamServiceOptions) {
    this.allowProviderUrlPort = opts.allowProviderUrlPort === true;
    this.state = opts.state;
    this.clock = opts.clock;
    this.authenticate = opts.authenticate ?? ((req) => verifySigV4(req, { state: this.state, service: 'iam', now: this.clock.now() }));
    this.authorize = opts.authorize ?? ((cred, r) => authorize(this.state, cred, r.action, r.resource, { now: this.clock.now(), ...(r.context ? { context: r.context } : {}) }));
  }

  operationOf(req: LabRequest): string {
    return QueryParams.of(req).action ?? 'unknown';
  }

  handle(req: LabRequest): LabResponse {
    const rid = requestId();
    const auth = this.authenticate(req);
    if (!auth.ok) return xml(auth.error.status, queryError(IAM_NAMESPACE, rid, auth.error), rid);
    const q = QueryParams.of(req);
    const action = q.action;
    if (action === undefined) return iamErrorResponse(iamError('MissingAction', 'Missing Action'), rid);
    const handler = Object.hasOwn(HANDLERS, action) ? HANDLERS[action] : undefined;
    if (!handler || (q.version !== undefined && q.version !== IAM_VERSION)) {
      return iamErrorResponse(iamError('InvalidAction', `Could not find operation ${action} for version ${q.version ?? 'NO_VERSION_SPECIFIED'}`), rid);
    }
    // Authorized after authentication, before the operation reads or validates anything.
    // aws:RequestedRegion: the region the call was signed for (us-east-1 for IAM in the aws partition).
    const requests = iamAuthzRequests(this.state, auth.credential.account, action, q).map((r) => ({ ...r, context: { 'aws:RequestedRegion': auth.region, ...r.context } }));
    const denied = authorizeAll(this.authorize, auth.credential, requests);
    if (denied) return iamErrorResponse(iamError('AccessDenied', denied.message), rid);
    const outcome = handler({ state: this.state, clock: this.clock, account: auth.credential.account, caller: auth.credential, q, allowProviderUrlPort: this.allowProviderUrlPort });
    if (isIamError(outcome)) return iamErrorResponse(outcome, rid);
    return xml(200, queryResponse(action, IAM_NAMESPACE, rid, outcome ?? undefined), rid);
  }

  /** IAM's throttling answer (botocore retries `Throttling`): 400, Sender, `Rate exceeded`. */
  throttled(): LabResponse {
    return iamErrorResponse(iamError('Throttling', 'Rate exceeded'));
  }

  serverError(): LabResponse {
    return iamErrorResponse(iamError('ServiceFailure', msg.serviceFailure));
  }
}

