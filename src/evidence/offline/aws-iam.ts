// `aws iam ...` outputs: OIDC providers (article steps 1, 11, 12), roles and their trust policy
// (step 3), attached/inline/managed policies (step 2). The aws CLI prints policy documents
// decoded; the raw API (and SDK responses saved as JSON) URL-encode them: both are read.
// Dates are kept as the strings printed.

import { InputError } from '../facts.js';
import type {
  AttachedPoliciesFact,
  Fact,
  InlinePolicyFact,
  InlinePolicyNamesFact,
  ManagedPolicyFact,
  PolicyVersionFact,
  ProviderFact,
  ProviderListFact,
  RoleFact,
  Source,
} from '../facts.js';
import type { FileInput, Recogniser } from './types.js';
import {
  arr,
  decodePolicyDocument,
  docSource,
  docsOf,
  isRecord,
  lineOf,
  lines,
  linesOfItems,
  num,
  own,
  rec,
  sourceAt,
  str,
  strings,
} from './util.js';
import type { Doc, Rec } from './util.js';

const ROLE_ARN = /^arn:[a-z0-9-]+:iam::[0-9]{12}:role\/.+$/;
const PROVIDER_ARN = /^arn:[a-z0-9-]+:iam::[0-9]{12}:oidc-provider\/\S+$/;

/**
 * Facts of get-account-authorization-details name their role: until facts.ts gives
 * AttachedPoliciesFact and InlinePolicyNamesFact a `roleName` field, it rides along as an
 * extra property (list-attached-role-policies / list-role-policies output does not name it).
 */
export type AttachedPoliciesOfRole = AttachedPoliciesFact & { roleName: string };
export type InlinePolicyNamesOfRole = InlinePolicyNamesFact & { roleName: string };

/** Runs `each` over every document; all must be claimed, else the recogniser declines. */
function perDoc(input: FileInput, source: Source, each: (doc: Doc, src: Source) => Fact[] | null): Fact[] | null {
  const out: Fact[] = [];
  const docs = docsOf(input);
  if (docs.length === 0) return null;
  for (const doc of docs) {
    const facts = each(doc, docSource(input, source, doc));
    if (facts === null) return null;
    out.push(...facts);
  }
  return out;
}

// ---------------------------------------------------------------- OIDC providers

export const listOpenIdConnectProviders: Recogniser = {
  format: 'aws iam list-open-id-connect-providers',
  reads: 'structured',
  recognise(input, source) {
    return perDoc(input, source, (doc, src) => {
      const v = doc.value;
      // `--query 'OpenIDConnectProviderList[].Arn' --output json` prints the ARNs alone.
      if (Array.isArray(v)) {
        if (v.length === 0 || !v.every((x) => typeof x === 'string' && PROVIDER_ARN.test(x))) return null;
        return [{ kind: 'providerList', source: src, arns: v as string[] } satisfies ProviderListFact];
      }
      if (!isRecord(v)) return null;
      const list = arr(v, 'OpenIDConnectProviderList');
      if (!list) return null;
      const arns: string[] = [];
      list.forEach((p, i) => {
        const a = isRecord(p) ? str(p, 'Arn') : undefined;
        if (a === undefined) {
          throw new InputError(src.path, `OpenIDConnectProviderList[${i}] has no Arn`, lineOf(doc, ['OpenIDConnectProviderList', i]));
        }
        arns.push(a);
      });
      return [{ kind: 'providerList', source: src, arns } satisfies ProviderListFact];
    });
  },
};

/**
 * The provider ARNs in text form: the article's `list-open-id-connect-providers | grep ID`
 * (`"Arn": "arn:...:oidc-provider/..."` lines), `--output text` (`OPENIDCONNECTPROVIDERLIST
 * arn:...`), or `--query 'OpenIDConnectProviderList[].Arn' --output text` (ARNs separated by
 * tabs). Returns null unless every non-blank line is one of those.
 */
export function parseProviderArnLines(text: string): string[] | null {
  const arns: string[] = [];
  for (const raw of lines(text)) {
    const l = raw.trim();
    if (l === '') continue;
    const grepped = /^"Arn"\s*:\s*"([^"]+)",?$/.exec(l);
    const textOut = /^OPENIDCONNECTPROVIDERLIST\s+(\S+)$/.exec(l);
    const found = grepped ? [grepped[1]!] : textOut ? [textOut[1]!] : l.split(/\s+/);
    if (!found.every((a) => PROVIDER_ARN.test(a))) return null;
    arns.push(...found);
  }
  return arns.length ? arns : null;
}

export const providerArnLines: Recogniser = {
  format: 'aws iam list-open-id-connect-providers (grep or --output text)',
  reads: 'text',
  recognise(input, source) {
    const arns = parseProviderArnLines(input.text);
    return arns ? [{ kind: 'providerList', source, arns } satisfies ProviderListFact] : null;
  },
};

export const getOpenIdConnectProvider: Recogniser = {
  format: 'aws iam get-open-id-connect-provider',
  reads: 'structured',
  recognise(input, source) {
    return perDoc(input, source, (doc, src) => {
      const v = doc.value;
      if (!isRecord(v)) return null;
      const url = str(v, 'Url');
      const clientIds = arr(v, 'ClientIDList');
      const thumbprints = arr(v, 'ThumbprintList');
      if (url === undefined || (clientIds === undefined && thumbprints === undefined)) return null;
      const fact: ProviderFact = { kind: 'provider', source: src, url, clientIds: strings(clientIds), thumbprints: strings(thumbprints) };
      const tags = arr(v, 'Tags');
      if (tags) {
        fact.tags = tags.filter(isRecord).flatMap((t) => {
          const Key = str(t, 'Key');
          const Value = str(t, 'Value');
          return Key !== undefined && Value !== undefined ? [{ Key, Value }] : [];
        });
      }
      const created = str(v, 'CreateDate');
      if (created !== undefined) fact.createDate = created;
      return [fact];
    });
  },
};

// ---------------------------------------------------------------- roles

function isRoleObject(v: unknown): v is Rec {
  if (!isRecord(v)) return false;
  const arn = str(v, 'Arn');
  return typeof own(v, 'RoleName') === 'string' && arn !== undefined && ROLE_ARN.test(arn);
}

/** A RoleFact from a Role object (get-role, list-roles, get-account-authorization-details). */
function toRoleFact(role: Rec, src: Source, where: string): RoleFact {
  const arn = str(role, 'Arn');
  const name = str(role, 'RoleName');
  if (arn === undefined || name === undefined) {
    throw new InputError(src.path, `${where} has no ${arn === undefined ? 'Arn' : 'RoleName'}`, src.line);
  }
  const fact: RoleFact = { kind: 'role', source: src, arn, name };
  const path = str(role, 'Path');
  const roleId = str(role, 'RoleId');
  const maxSession = num(role, 'MaxSessionDuration');
  const boundary = rec(role, 'PermissionsBoundary');
  const boundaryArn = boundary ? str(boundary, 'PermissionsBoundaryArn') : undefined;
  const created = str(role, 'CreateDate');
  if (path !== undefined) fact.path = path;
  if (roleId !== undefined) fact.roleId = roleId;
  const trust = own(role, 'AssumeRolePolicyDocument');
  if (trust !== undefined && trust !== null) {
    fact.trustPolicy = decodePolicyDocument(trust, `the AssumeRolePolicyDocument of role ${name}`, src, src.line);
  }
  if (maxSession !== undefined) fact.maxSessionDuration = maxSession;
  if (boundaryArn !== undefined) fact.permissionsBoundaryArn = boundaryArn;
  if (created !== undefined) fact.createDate = created;
  return fact;
}

export const getRole: Recogniser = {
  format: 'aws iam get-role',
  reads: 'structured',
  recognise(input, source) {
    return perDoc(input, source, (doc, src) => {
      const v = doc.value;
      if (!isRecord(v)) return null;
      const role = rec(v, 'Role');
      if (role) return [toRoleFact(role, src, 'Role')];
      // `--query Role` prints the role object alone.
      if (isRoleObject(v)) return [toRoleFact(v, src, 'the role')];
      return null;
    });
  },
};

export const listRoles: Recogniser = {
  format: 'aws iam list-roles',
  reads: 'structured',
  recognise(input, source) {
    return perDoc(input, source, (doc) => {
      const v = doc.value;
      // `--query 'Roles[]'` (or a filtered query) prints an array of roles.
      const roles = Array.isArray(v) ? v : isRecord(v) ? arr(v, 'Roles') : undefined;
      if (!roles) return null;
      if (Array.isArray(v) && (v.length === 0 || !v.every(isRoleObject))) return null;
      const at = linesOfItems(doc, Array.isArray(v) ? [] : ['Roles'], roles.length);
      return roles.map((r, i) => {
        const src = sourceAt(source, at[i]);
        if (!isRecord(r)) throw new InputError(src.path, `Roles[${i}] is not an object`, src.line);
        return toRoleFact(r, src, `Roles[${i}]`);
      });
    });
  },
};

// ---------------------------------------------------------------- role policies

function attachedPolicies(list: unknown[], src: Source, where: string): AttachedPoliciesFact['policies'] {
  return list.map((p, i) => {
    const name = isRecord(p) ? str(p, 'PolicyName') : undefined;
    const arn = isRecord(p) ? str(p, 'PolicyArn') : undefined;
    if (name === undefined || arn === undefined) {
      throw new InputError(src.path, `${where}[${i}] needs PolicyName and PolicyArn`, src.line);
    }
    return { name, arn };
  });
}

export const listAttachedRolePolicies: Recogniser = {
  format: 'aws iam list-attached-role-policies',
  reads: 'structured',
  recognise(input, source) {
    return perDoc(input, source, (doc, src) => {
      const v = doc.value;
      if (!isRecord(v)) return null;
      const list = arr(v, 'AttachedPolicies');
      if (!list) return null;
      return [{ kind: 'attachedPolicies', source: src, policies: attachedPolicies(list, src, 'AttachedPolicies') } satisfies AttachedPoliciesFact];
    });
  },
};

export const listRolePolicies: Recogniser = {
  format: 'aws iam list-role-policies',
  reads: 'structured',
  recognise(input, source) {
    return perDoc(input, source, (doc, src) => {
      const v = doc.value;
      if (!isRecord(v)) return null;
      const names = arr(v, 'PolicyNames');
      if (!names) return null;
      if (!names.every((n) => typeof n === 'string')) throw new InputError(src.path, 'PolicyNames holds something other than names', src.line);
      return [{ kind: 'inlinePolicyNames', source: src, names: names as string[] } satisfies InlinePolicyNamesFact];
    });
  },
};

export const getRolePolicy: Recogniser = {
  format: 'aws iam get-role-policy',
  reads: 'structured',
  recognise(input, source) {
    return perDoc(input, source, (doc, src) => {
      const v = doc.value;
      if (!isRecord(v)) return null;
      const roleName = str(v, 'RoleName');
      const policyName = str(v, 'PolicyName');
      if (roleName === undefined || policyName === undefined || !('PolicyDocument' in v)) return null;
      const document = decodePolicyDocument(own(v, 'PolicyDocument'), `the PolicyDocument of ${roleName}/${policyName}`, src, src.line);
      return [{ kind: 'inlinePolicy', source: src, roleName, policyName, document } satisfies InlinePolicyFact];
    });
  },
};

function toManagedPolicyFact(p: Rec, src: Source, where: string): ManagedPolicyFact {
  const arn = str(p, 'Arn');
  if (arn === undefined) throw new InputError(src.path, `${where} has no Arn`, src.line);
  const fact: ManagedPolicyFact = { kind: 'managedPolicy', source: src, arn };
  const name = str(p, 'PolicyName');
  const def = str(p, 'DefaultVersionId');
  const count = num(p, 'AttachmentCount');
  if (name !== undefined) fact.name = name;
  if (def !== undefined) fact.defaultVersionId = def;
  if (count !== undefined) fact.attachmentCount = count;
  return fact;
}

export const getPolicy: Recogniser = {
  format: 'aws iam get-policy',
  reads: 'structured',
  recognise(input, source) {
    return perDoc(input, source, (doc, src) => {
      const v = doc.value;
      if (!isRecord(v)) return null;
      const p = rec(v, 'Policy');
      if (!p || (str(p, 'Arn') === undefined && str(p, 'PolicyName') === undefined)) return null;
      return [toManagedPolicyFact(p, src, 'Policy')];
    });
  },
};

function toPolicyVersionFact(pv: Rec, src: Source, where: string, policyArn?: string): PolicyVersionFact {
  const versionId = str(pv, 'VersionId');
  if (versionId === undefined) throw new InputError(src.path, `${where} has no VersionId`, src.line);
  const isDefault = own(pv, 'IsDefaultVersion');
  if (typeof isDefault !== 'boolean') throw new InputError(src.path, `${where} has no IsDefaultVersion`, src.line);
  const document = decodePolicyDocument(own(pv, 'Document'), `the Document of policy version ${versionId}`, src, src.line);
  const fact: PolicyVersionFact = { kind: 'policyVersion', source: src, versionId, isDefault, document };
  if (policyArn !== undefined) fact.policyArn = policyArn;
  return fact;
}

export const getPolicyVersion: Recogniser = {
  format: 'aws iam get-policy-version',
  reads: 'structured',
  recognise(input, source) {
    return perDoc(input, source, (doc, src) => {
      const v = doc.value;
      if (!isRecord(v)) return null;
      const pv = rec(v, 'PolicyVersion');
      if (!pv || !('Document' in pv)) return null;
      return [toPolicyVersionFact(pv, src, 'PolicyVersion')];
    });
  },
};

// ---------------------------------------------------------------- account authorization details

const AUTH_DETAIL_KEYS = ['UserDetailList', 'GroupDetailList', 'RoleDetailList', 'Policies'] as const;

export const getAccountAuthorizationDetails: Recogniser = {
  format: 'aws iam get-account-authorization-details',
  reads: 'structured',
  recognise(input, source) {
    return perDoc(input, source, (doc) => {
      const v = doc.value;
      if (!isRecord(v)) return null;
      const present = AUTH_DETAIL_KEYS.filter((k) => k in v);
      if (present.length === 0 || !present.every((k) => Array.isArray(own(v, k)))) return null;
      // `Policies` alone is not enough to tell this output apart from other documents.
      if (!('RoleDetailList' in v) && present.length < 2) return null;
      const facts: Fact[] = [];
      const roles = arr(v, 'RoleDetailList') ?? [];
      const roleLines = linesOfItems(doc, ['RoleDetailList'], roles.length);
      roles.forEach((r, i) => {
        const src = sourceAt(source, roleLines[i]);
        if (!isRecord(r)) throw new InputError(src.path, `RoleDetailList[${i}] is not an object`, src.line);
        const role = toRoleFact(r, src, `RoleDetailList[${i}]`);
        facts.push(role);
        const attached = arr(r, 'AttachedManagedPolicies') ?? [];
        const attachedFact: AttachedPoliciesOfRole = {
          kind: 'attachedPolicies',
          source: src,
          roleName: role.name,
          policies: attachedPolicies(attached, src, `RoleDetailList[${i}].AttachedManagedPolicies`),
        };
        facts.push(attachedFact);
        const inline = arr(r, 'RolePolicyList') ?? [];
        const names: string[] = [];
        inline.forEach((p, j) => {
          const where = `RoleDetailList[${i}].RolePolicyList[${j}]`;
          const policyName = isRecord(p) ? str(p, 'PolicyName') : undefined;
          if (!isRecord(p) || policyName === undefined) throw new InputError(src.path, `${where} has no PolicyName`, src.line);
          names.push(policyName);
          const document = decodePolicyDocument(own(p, 'PolicyDocument'), `the PolicyDocument of ${role.name}/${policyName}`, src, src.line);
          facts.push({ kind: 'inlinePolicy', source: src, roleName: role.name, policyName, document } satisfies InlinePolicyFact);
        });
        const namesFact: InlinePolicyNamesOfRole = { kind: 'inlinePolicyNames', source: src, roleName: role.name, names };
        facts.push(namesFact);
      });
      const policies = arr(v, 'Policies') ?? [];
      const policyLines = linesOfItems(doc, ['Policies'], policies.length);
      policies.forEach((p, i) => {
        const src = sourceAt(source, policyLines[i]);
        if (!isRecord(p)) throw new InputError(src.path, `Policies[${i}] is not an object`, src.line);
        const managed = toManagedPolicyFact(p, src, `Policies[${i}]`);
        facts.push(managed);
        (arr(p, 'PolicyVersionList') ?? []).forEach((pv, j) => {
          const where = `Policies[${i}].PolicyVersionList[${j}]`;
          if (!isRecord(pv)) throw new InputError(src.path, `${where} is not an object`, src.line);
          facts.push(toPolicyVersionFact(pv, src, where, managed.arn));
        });
      });
      return facts;
    });
  },
};
