// IAM's policy-document validation as the IAM API applies it when a document is stored
// (CreatePolicy, CreatePolicyVersion, PutRolePolicy: identity policies; CreateRole,
// UpdateAssumeRolePolicy: trust policies), answering with IAM's own MalformedPolicyDocument
// messages. Structure comes from src/iam/policy.ts (parsePolicyDocument); the ORDER of the
// checks and the messages follow IAM as recorded against real AWS in LocalStack's snapshot tests
// (tests/aws/services/iam/test_iam_policies.snapshot.json, TestPolicyDocumentValidity, and
// test_iam_roles.snapshot.json, test_update_assume_role_policy_errors), whose inputs are moto's
// policy-validation cases (moto/iam/policy_validation.py, which mirrors the same order):
//   syntax -> Version -> legacy parsing (Effect case, resource formats) -> Sid uniqueness ->
//   actions present -> first resource error -> action vendor prefixes -> resources present.
// Trust policies add: only STS AssumeRole-family actions, no Resource, a valid Principal.

import { parsePolicyDocument, type PolicyProblemCode } from '../../iam/policy.js';
import { isKnownPartition } from '../../iam/arn.js';
import { parseOperator } from '../../iam/conditions/index.js';
import { wildcardMatch } from '../../iam/wildcard.js';
import { iamError, type IamError } from './errors.js';

export type DocumentKind = 'identity' | 'trust';

const SYNTAX = 'Syntax errors in policy.';

/** Problems of parsePolicyDocument that IAM reports as "Syntax errors in policy.". */
const SYNTAX_PROBLEMS: ReadonlySet<PolicyProblemCode> = new Set<PolicyProblemCode>([
  'notAnObject',
  'unknownTopLevelKey',
  'idNotString',
  'versionUnknown',
  'statementMissing',
  'statementEmpty',
  'statementNotObject',
  'unknownStatementKey',
  'sidNotString',
  'effectMissing',
  'actionAndNotAction',
  'resourceAndNotResource',
  'principalAndNotPrincipal',
  'conditionInvalid',
]);

/** The actions a trust policy may name (the STS actions that apply to a role's trust). */
const TRUST_ACTIONS = ['sts:AssumeRole', 'sts:AssumeRoleWithSAML', 'sts:AssumeRoleWithWebIdentity', 'sts:TagSession', 'sts:SetSourceIdentity', 'sts:SetContext'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/**
 * The first error IAM reports for `text` stored as a policy of `kind`, or undefined when IAM
 * accepts it. The text is taken as sent: IAM does not URL-decode what it is given.
 */
export function validatePolicyDocument(text: string, kind: DocumentKind): IamError | undefined {
  const malformed = (m: string) => iamError('MalformedPolicyDocument', m);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return malformed(kind === 'trust' ? 'This policy contains invalid Json' : SYNTAX);
  }
  const parsed = parsePolicyDocument(json);
  const statements = isObj(json) ? asList(json['Statement']) : [];

  // 1. Syntax.
  for (const p of parsed.problems) {
    if (SYNTAX_PROBLEMS.has(p.code)) return malformed(SYNTAX);
    if (p.code === 'elementNotStringList' && !p.path.endsWith('Principal') && !/Principal\./.test(p.path)) return malformed(SYNTAX);
  }
  for (const s of statements) {
    if (!isObj(s)) return malformed(SYNTAX);
    const effect = s['Effect'];
    // Effect is matched case-insensitively at the syntax stage, exactly at "legacy parsing".
    if (typeof effect !== 'string' || !['allow', 'deny'].includes(effect.toLowerCase())) return malformed(SYNTAX);
    const cond = s['Condition'];
    if (isObj(cond)) {
      for (const [op, block] of Object.entries(cond)) {
        if (parseOperator(op).definition === undefined && isObj(block) && Object.keys(block).length > 0) return malformed(SYNTAX);
      }
    }
  }

  // 2. Version. Identity policies must use 2012-10-17 (recorded). Trust policies written with
  // 2008-10-17 or without Version exist on real accounts and are accepted here [unconfirmed for
  // new writes]: the doctor has to see them.
  const version = isObj(json) ? json['Version'] : undefined;
  if (kind === 'identity' && version !== '2012-10-17') return malformed('Policy document must be version 2012-10-17 or greater.');

  // 3. Legacy parsing: exact Effect, then the first malformed resource (kept for later).
  for (const s of statements as Obj[]) {
    if (s['Effect'] !== 'Allow' && s['Effect'] !== 'Deny') return malformed('The policy failed legacy parsing');
  }
  let resourceError: string | undefined;
  for (const s of statements as Obj[]) {
    for (const key of ['Resource', 'NotResource']) {
      const values = asList(s[key]).filter((r): r is string => typeof r === 'string' && r !== '');
      for (const r of [...values].sort().reverse()) {
        resourceError ??= resourceFormatError(r);
      }
      if (resourceError === undefined) {
        // "Legacy" ARN parsing: `a::b` shapes need all six parts and a service.
        for (const r of values) {
          if (r === '*') continue;
          const colons = r.split(':').length - 1;
          if ((colons < 5 && r.includes('::')) || (r.split(':')[2] ?? '') === '') return malformed('The policy failed legacy parsing');
        }
      }
    }
  }

  // 4. Sids unique.
  const sids = new Set<string>();
  for (const s of statements as Obj[]) {
    const sid = s['Sid'];
    if (typeof sid === 'string' && sid !== '') {
      if (sids.has(sid)) return malformed('Statement IDs (SID) in a single policy must be unique.');
      sids.add(sid);
    }
  }

  // 5. Actions present.
  for (const s of statements as Obj[]) {
    const a = s['Action'] ?? s['NotAction'];
    if (a === undefined || (Array.isArray(a) && a.length === 0)) return malformed('Policy statement must contain actions.');
  }

  // 6. The first malformed resource found at step 3.
  if (resourceError !== undefined) return malformed(resourceError);

  // 7. Action vendors.
  for (const s of statements as Obj[]) {
    for (const a of asList(s['Action'] ?? s['NotAction'])) {
      if (typeof a !== 'string') continue;
      const parts = a.split(':');
      if (parts.length === 1 && a !== '*') return malformed('Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
      if (parts.length > 2) return malformed('Actions/Condition can contain only one colon.');
      const vendor = parts[0] ?? '';
      if (vendor !== '*' && /[^a-zA-Z0-9\-.]/.test(vendor)) return malformed(`Vendor ${vendor} is not valid`);
    }
  }

  // 8. Identity policies need resources and name no principal; trust policies have their own rules.
  if (kind === 'identity') {
    for (const s of statements as Obj[]) {
      const r = s['Resource'] ?? s['NotResource'];
      if (r === undefined || (Array.isArray(r) && r.length === 0)) return malformed('Policy statement must contain resources.');
    }
    for (const s of statements as Obj[]) {
      if (s['Principal'] !== undefined || s['NotPrincipal'] !== undefined) return malformed('Policy document should not specify a principal.');
    }
    return undefined;
  }
  return trustErrors(statements as Obj[]);
}

function trustErrors(statements: Obj[]): IamError | undefined {
  const malformed = (m: string) => iamError('MalformedPolicyDocument', m);
  for (const s of statements) {
    for (const a of asList(s['Action'] ?? s['NotAction'])) {
      if (typeof a !== 'string' || !TRUST_ACTIONS.some((t) => wildcardMatch(a, t, true))) {
        return malformed('AssumeRole policy may only specify STS AssumeRole actions.');
      }
    }
  }
  for (const s of statements) {
    if (s['Resource'] !== undefined || s['NotResource'] !== undefined) return malformed('Has prohibited field Resource');
  }
  for (const s of statements) {
    const p = s['Principal'] ?? s['NotPrincipal'];
    if (p === undefined) return malformed('Missing required field Principal');
    if (p === '*') continue;
    if (!isObj(p)) return malformed(`Invalid principal in policy: ${JSON.stringify(p)}`);
    for (const [type, raw] of Object.entries(p)) {
      for (const v of asList(raw)) {
        const shown = `${JSON.stringify(type)}:${JSON.stringify(v)}`;
        if (typeof v !== 'string') return malformed(`Invalid principal in policy: ${shown}`);
        if (type === 'Federated' && !validFederated(v)) {
          // hashicorp/terraform-provider-aws & pulumi/pulumi-eks#871: IAM's message for a
          // Federated value that is neither a provider ARN nor a domain name.
          return malformed('Federated principals must be valid domain names or SAML metadata ARNs');
        }
        if (type === 'AWS' && !validAwsPrincipal(v)) return malformed(`Invalid principal in policy: ${shown}`);
        if (type === 'Service' && !/^[a-z0-9.-]+$/i.test(v) && v !== '*') return malformed(`Invalid principal in policy: ${shown}`);
        if (type !== 'Federated' && type !== 'AWS' && type !== 'Service' && type !== 'CanonicalUser') {
          return malformed(`Invalid principal in policy: ${shown}`);
        }
      }
    }
  }
  return undefined;
}

/** `arn:<p>:iam::<acct>:oidc-provider/<host/path>` or `saml-provider/<name>`, or a domain name. */
function validFederated(v: string): boolean {
  if (/^arn:[a-z-]+:iam::\d{12}:(oidc-provider|saml-provider)\/[^\s]+$/.test(v)) return isKnownPartition(v.split(':')[1] ?? '');
  return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(v);
}

/**
 * An account id, `arn:<p>:iam::<acct>:root|user/..|role/..`, an assumed-role session ARN, or
 * `*`. IAM also checks that a named user or role exists ("Invalid principal in policy"): the lab
 * does not, so a trust policy can name a role of an account the lab does not model.
 */
function validAwsPrincipal(v: string): boolean {
  if (v === '*' || /^\d{12}$/.test(v)) return true;
  const m = /^arn:([a-z-]+):(iam|sts)::(\d{12}):(.+)$/.exec(v);
  if (!m || !isKnownPartition(m[1] ?? '')) return false;
  const resource = m[4] ?? '';
  return m[2] === 'iam' ? /^(root|user\/.+|role\/.+|federated-user\/.+)$/.test(resource) : /^assumed-role\/.+\/.+$/.test(resource);
}

/** IAM's message for a Resource/NotResource value it cannot parse, or undefined. */
function resourceFormatError(resource: string): string | undefined {
  if (resource === '*') return undefined;
  const first = resource.indexOf(':');
  if (first < 0) return `Resource ${resource} must be in ARN format or "*".`;
  const rest = resource.slice(first + 1);
  const second = rest.indexOf(':');
  const partition = second < 0 ? rest : rest.slice(0, second);
  if (partition !== '*' && !isKnownPartition(partition)) {
    const parts = second < 0 ? [''] : rest.slice(second + 1).split(':');
    const a1 = parts[0] !== '' || parts.length > 1 ? (parts[0] ?? '*') : '*';
    const a2 = parts.length > 1 ? parts[1] : '*';
    const a3 = parts.length > 2 ? parts[2] : '*';
    const a4 = parts.length > 3 ? parts.slice(3).join(':') : '*';
    return `Partition "${partition}" is not valid for resource "arn:${partition}:${a1}:${a2}:${a3}:${a4}".`;
  }
  if (second < 0) return 'Resource vendor must be fully qualified and cannot contain regexes.';
  const afterPartition = rest.slice(second + 1);
  const service = afterPartition.split(':')[0] ?? '';
  const region = afterPartition.split(':')[1] ?? '';
  const resourcePart = afterPartition.split(':').slice(3).join(':');
  if (service === 'iam' && region !== '') return `IAM resource ${resource} cannot contain region information.`;
  if (service === 's3' && region !== '' && !resourcePart.startsWith('accesspoint/')) return `Resource ${resource} can not contain region information.`;
  if (service === 'iam') {
    const starts = ['user/', 'federated-user/', 'role/', 'group/', 'instance-profile/', 'mfa/', 'server-certificate/', 'policy/', 'sms-mfa/', 'saml-provider/', 'oidc-provider/', 'report/', 'access-report/'];
    if (resourcePart !== '*' && !starts.some((s) => resourcePart.startsWith(s))) return `IAM resource path must either be "*" or start with ${starts.join(', ')}.`;
  }
  return undefined;
}
