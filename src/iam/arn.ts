// ARNs, partitions and the IAM role ARN that users paste into `eks.amazonaws.com/role-arn`.
//
// Partition data follows the AWS SDKs' partitions.json (regionRegex, dnsSuffix,
// dualStackDnsSuffix); see shared aws-behavior.md §7 for the region-prefix rule.
// Role name and path rules follow the IAM API reference for CreateRole:
// RoleName `[\w+=,.@-]+`, 1-64 characters; Path `(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`, 1-512.

export type PartitionId =
  | 'aws'
  | 'aws-cn'
  | 'aws-us-gov'
  | 'aws-iso'
  | 'aws-iso-b'
  | 'aws-iso-e'
  | 'aws-iso-f'
  | 'aws-eusc';

export interface PartitionInfo {
  readonly id: PartitionId;
  readonly name: string;
  /** Region names of this partition start with this prefix (`''` for the commercial partition). */
  readonly regionPrefix: string;
  /** DNS suffix of regional endpoints: `sts.<region>.<dnsSuffix>`, `oidc.eks.<region>.<dnsSuffix>`. */
  readonly dnsSuffix: string;
  /** DNS suffix of dual-stack endpoints (`oidc-eks.<region>.api.aws` in the commercial partition). */
  readonly dualStackDnsSuffix: string;
  /** The region the SDKs use when a partition-global endpoint is needed. */
  readonly defaultRegion: string;
  /** The regional STS host, `{region}` to be replaced (see `stsRegionalHost`). */
  readonly stsHostTemplate: string;
  /** The pre-regional global STS host, which only the commercial partition has. */
  readonly globalStsHost?: string;
}

export const PARTITIONS: Readonly<Record<PartitionId, PartitionInfo>> = {
  aws: {
    id: 'aws',
    name: 'AWS Standard',
    regionPrefix: '',
    dnsSuffix: 'amazonaws.com',
    dualStackDnsSuffix: 'api.aws',
    stsHostTemplate: 'sts.{region}.amazonaws.com',
    defaultRegion: 'us-east-1',
    globalStsHost: 'sts.amazonaws.com',
  },
  'aws-cn': {
    id: 'aws-cn',
    name: 'AWS China',
    regionPrefix: 'cn-',
    dnsSuffix: 'amazonaws.com.cn',
    dualStackDnsSuffix: 'api.amazonwebservices.com.cn',
    stsHostTemplate: 'sts.{region}.amazonaws.com.cn',
    defaultRegion: 'cn-northwest-1',
  },
  'aws-us-gov': {
    id: 'aws-us-gov',
    name: 'AWS GovCloud (US)',
    regionPrefix: 'us-gov-',
    dnsSuffix: 'amazonaws.com',
    dualStackDnsSuffix: 'api.aws',
    stsHostTemplate: 'sts.{region}.amazonaws.com',
    defaultRegion: 'us-gov-west-1',
  },
  'aws-iso': {
    id: 'aws-iso',
    name: 'AWS ISO (US)',
    regionPrefix: 'us-iso-',
    dnsSuffix: 'c2s.ic.gov',
    dualStackDnsSuffix: 'api.aws.ic.gov',
    stsHostTemplate: 'sts.{region}.c2s.ic.gov',
    defaultRegion: 'us-iso-east-1',
  },
  'aws-iso-b': {
    id: 'aws-iso-b',
    name: 'AWS ISOB (US)',
    regionPrefix: 'us-isob-',
    dnsSuffix: 'sc2s.sgov.gov',
    dualStackDnsSuffix: 'sc2s.sgov.gov',
    stsHostTemplate: 'sts.{region}.sc2s.sgov.gov',
    defaultRegion: 'us-isob-east-1',
  },
  'aws-iso-e': {
    id: 'aws-iso-e',
    name: 'AWS ISOE (Europe)',
    regionPrefix: 'eu-isoe-',
    dnsSuffix: 'cloud.adc-e.uk',
    dualStackDnsSuffix: 'cloud.adc-e.uk',
    stsHostTemplate: 'sts.{region}.cloud.adc-e.uk',
    defaultRegion: 'eu-isoe-west-1',
  },
  'aws-iso-f': {
    id: 'aws-iso-f',
    name: 'AWS ISOF',
    regionPrefix: 'us-isof-',
    dnsSuffix: 'csp.hci.ic.gov',
    dualStackDnsSuffix: 'csp.hci.ic.gov',
    stsHostTemplate: 'sts.{region}.csp.hci.ic.gov',
    defaultRegion: 'us-isof-south-1',
  },
  'aws-eusc': {
    id: 'aws-eusc',
    name: 'AWS European Sovereign Cloud',
    regionPrefix: 'eusc-',
    dnsSuffix: 'amazonaws.eu',
    dualStackDnsSuffix: 'api.amazonwebservices.eu',
    stsHostTemplate: 'sts.{region}.amazonaws.eu',
    defaultRegion: 'eusc-de-east-1',
  },
};

/**
 * Prefix -> partition, longest and most specific first. `us-isob-` is listed before `us-iso-`
 * so that a looser test (`startsWith('us-iso')`) could never claim an ISOB region.
 */
const REGION_PREFIXES: ReadonlyArray<readonly [string, PartitionId]> = [
  ['us-isob-', 'aws-iso-b'],
  ['us-isof-', 'aws-iso-f'],
  ['us-iso-', 'aws-iso'],
  ['eu-isoe-', 'aws-iso-e'],
  ['us-gov-', 'aws-us-gov'],
  ['eusc-', 'aws-eusc'],
  ['cn-', 'aws-cn'],
];

/** The partition a region belongs to, by its name prefix; anything else is `aws`. */
export function partitionOfRegion(region: string): PartitionId {
  const r = region.toLowerCase();
  for (const [prefix, id] of REGION_PREFIXES) if (r.startsWith(prefix)) return id;
  return 'aws';
}

export function isKnownPartition(p: string): p is PartitionId {
  return Object.prototype.hasOwnProperty.call(PARTITIONS, p);
}

const REGION_RE = /^[a-z]{2,5}(-[a-z]+)+-\d{1,2}$/;

/** Shape check for a region name (`us-east-1`, `us-gov-west-1`, `eusc-de-east-1`). */
export function isRegionName(s: string): boolean {
  return REGION_RE.test(s);
}

/** `sts.<region>.<dnsSuffix>`: the regional STS host for a region. */
export function stsRegionalHost(region: string): string {
  return PARTITIONS[partitionOfRegion(region)].stsHostTemplate.replace('{region}', region);
}

// ---------------------------------------------------------------------------------------------
// Generic ARNs

export interface Arn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  /** Everything after the fifth colon; may itself contain colons and slashes. */
  readonly resource: string;
}

export type ArnProblem = 'empty' | 'notArn' | 'missingParts' | 'emptyPartition' | 'emptyService' | 'emptyResource';

export type ArnResult =
  | { readonly ok: true; readonly arn: Arn }
  | { readonly ok: false; readonly problem: ArnProblem; readonly detail: string };

/**
 * Split `arn:partition:service:region:account:resource`. Region and account may be empty (IAM and
 * S3 ARNs have no region). Never throws.
 */
export function parseArn(s: string): ArnResult {
  if (typeof s !== 'string' || s.length === 0) return { ok: false, problem: 'empty', detail: 'the value is empty' };
  if (!s.startsWith('arn:')) {
    return { ok: false, problem: 'notArn', detail: `"${clip(s)}" does not start with "arn:"` };
  }
  const parts: string[] = [];
  let start = 4;
  for (let i = 0; i < 4; i++) {
    const j = s.indexOf(':', start);
    if (j < 0) {
      return {
        ok: false,
        problem: 'missingParts',
        detail: `"${clip(s)}" has ${i + 2} of the 6 colon-separated parts arn:partition:service:region:account:resource`,
      };
    }
    parts.push(s.slice(start, j));
    start = j + 1;
  }
  const [partition = '', service = '', region = '', account = ''] = parts;
  const resource = s.slice(start);
  if (partition === '') return { ok: false, problem: 'emptyPartition', detail: `"${clip(s)}" has an empty partition` };
  if (service === '') return { ok: false, problem: 'emptyService', detail: `"${clip(s)}" has an empty service` };
  if (resource === '') return { ok: false, problem: 'emptyResource', detail: `"${clip(s)}" has an empty resource` };
  return { ok: true, arn: { partition, service, region, account, resource } };
}

export function formatArn(a: Arn): string {
  return `arn:${a.partition}:${a.service}:${a.region}:${a.account}:${a.resource}`;
}

/**
 * Split an ARN into its six colon-delimited components the way the ARN condition operators do:
 * the first five colons separate components, the sixth component keeps any further colons.
 * Returns undefined when there are fewer than six components.
 */
export function splitArnComponents(s: string): [string, string, string, string, string, string] | undefined {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < 5; i++) {
    const j = s.indexOf(':', start);
    if (j < 0) return undefined;
    out.push(s.slice(start, j));
    start = j + 1;
  }
  out.push(s.slice(start));
  return out as [string, string, string, string, string, string];
}

const ACCOUNT_RE = /^\d{12}$/;

export function isAccountId(s: string): boolean {
  return ACCOUNT_RE.test(s);
}

// ---------------------------------------------------------------------------------------------
// Role ARNs

/** What users really get wrong in the `eks.amazonaws.com/role-arn` annotation. */
export type RoleArnProblem =
  | 'empty'
  | 'whitespace'
  | 'quoted'
  | 'notAnArn'
  | 'unknownPartition'
  | 'wrongService'
  | 'assumedRoleArn'
  | 'instanceProfileArn'
  | 'notARole'
  | 'badAccount'
  | 'regionNotEmpty'
  | 'invalidRoleName'
  | 'invalidPath';

export interface RoleArn {
  readonly partition: PartitionId;
  readonly account: string;
  /** `/` or `/a/b/`, as IAM stores it. */
  readonly path: string;
  readonly name: string;
  /** The canonical ARN. */
  readonly arn: string;
}

export type RoleArnResult =
  | ({ readonly ok: true } & RoleArn)
  | {
      readonly ok: false;
      readonly problem: RoleArnProblem;
      readonly detail: string;
      /** The corrected ARN, only when the correction is unambiguous. */
      readonly suggestion?: string;
      /** What was found instead, when it helps a message (`user`, `sts`, a role name...). */
      readonly found?: string;
    };

const ROLE_NAME_RE = /^[\w+=,.@-]{1,64}$/;
const PATH_RE = /^\/(?:[\x21-\x7E]+\/)?$/;
const QUOTES = `"'\``;

function clip(s: string, n = 120): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

function describeWhitespace(s: string): string {
  const lead = s.length - s.trimStart().length;
  const trail = s.length - s.trimEnd().length;
  const kinds: string[] = [];
  if (lead > 0) kinds.push(`${lead} leading`);
  if (trail > 0) kinds.push(`${trail} trailing`);
  const hasNewline = /[\r\n]/.test(s.slice(0, lead)) || /[\r\n]/.test(s.slice(s.length - trail));
  return `${kinds.join(' and ')} whitespace character${lead + trail > 1 ? 's' : ''}${hasNewline ? ' (including a line break, as YAML block scalars `|` add)' : ''}`;
}

function stripQuotes(s: string): string {
  let t = s;
  while (t.length > 0 && QUOTES.includes(t[0] as string)) t = t.slice(1).trim();
  while (t.length > 0 && QUOTES.includes(t[t.length - 1] as string)) t = t.slice(0, -1).trim();
  return t;
}

/**
 * Parse the value of `eks.amazonaws.com/role-arn`. Problems are reported in the order a reader
 * would fix them; surrounding whitespace or quotes are reported only when the ARN inside is
 * otherwise valid (then `suggestion` holds it); if the inside is also wrong, that problem wins.
 */
export function parseRoleArn(s: string): RoleArnResult {
  if (typeof s !== 'string' || s.trim() === '') {
    return { ok: false, problem: 'empty', detail: 'the role ARN is empty (an empty annotation means the webhook does not mutate the pod)' };
  }
  const trimmed = s.trim();
  const core = stripQuotes(trimmed);
  if (core === '') return { ok: false, problem: 'empty', detail: `the role ARN is only quotes: ${clip(s)}` };
  const inner = parseCoreRoleArn(core);
  if (!inner.ok) {
    if (core !== s) {
      return { ...inner, detail: `${inner.detail} (after removing surrounding whitespace and quotes)` };
    }
    return inner;
  }
  if (s !== trimmed) {
    return {
      ok: false,
      problem: 'whitespace',
      detail: `the role ARN has ${describeWhitespace(s)}, which are not part of a valid ARN`,
      suggestion: inner.arn,
    };
  }
  if (core !== trimmed) {
    return {
      ok: false,
      problem: 'quoted',
      detail: `the role ARN is wrapped in quotes (${clip(trimmed)}); YAML kept them as part of the value`,
      suggestion: inner.arn,
    };
  }
  return inner;
}

function parseCoreRoleArn(s: string): RoleArnResult {
  if (!s.startsWith('arn:')) {
    if (ROLE_NAME_RE.test(s)) {
      return {
        ok: false,
        problem: 'notAnArn',
        detail: `"${s}" looks like a bare role name; the annotation needs the full ARN arn:<partition>:iam::<account>:role/${s}`,
        found: s,
      };
    }
    return { ok: false, problem: 'notAnArn', detail: `"${clip(s)}" is not an ARN (it must start with "arn:")` };
  }
  const parsed = parseArn(s);
  if (!parsed.ok) return { ok: false, problem: 'notAnArn', detail: parsed.detail };
  const { partition, service, region, account, resource } = parsed.arn;
  if (!isKnownPartition(partition)) {
    return {
      ok: false,
      problem: 'unknownPartition',
      detail: `"${partition}" is not an AWS partition (expected one of ${Object.keys(PARTITIONS).join(', ')})`,
      found: partition,
    };
  }
  if (service === 'sts' && resource.startsWith('assumed-role/')) {
    const roleName = resource.split('/')[1] ?? '';
    return {
      ok: false,
      problem: 'assumedRoleArn',
      detail: `this is the ARN of an assumed-role session of role "${roleName}", not of the role; use the role's own ARN arn:${partition}:iam::${account}:role/<path>${roleName} (assumed-role ARNs drop the role path, so it cannot be rebuilt from this value)`,
      found: roleName,
    };
  }
  if (service !== 'iam') {
    return { ok: false, problem: 'wrongService', detail: `the ARN is for service "${service}"; a role ARN has service "iam"`, found: service };
  }
  const slash = resource.indexOf('/');
  const type = slash < 0 ? resource : resource.slice(0, slash);
  if (type === 'instance-profile') {
    return {
      ok: false,
      problem: 'instanceProfileArn',
      detail: `this is an instance profile ARN; IRSA needs the ARN of a role (an instance profile's role may have a different name, so it cannot be derived)`,
      found: resource.slice(slash + 1),
    };
  }
  if (type !== 'role') {
    return { ok: false, problem: 'notARole', detail: `the ARN names an IAM ${type || 'resource'}, not a role`, found: type };
  }
  if (!isAccountId(account)) {
    return {
      ok: false,
      problem: 'badAccount',
      detail: account === ''
        ? 'the account ID is missing (a role ARN is arn:<partition>:iam::<12-digit account>:role/<name>)'
        : `the account ID "${account}" is not 12 digits${/^\d+$/.test(account) ? ` (it has ${account.length}; a leading zero may have been lost)` : ''}`,
      found: account,
    };
  }
  const rest = slash < 0 ? '' : resource.slice(slash + 1);
  const last = rest.lastIndexOf('/');
  const name = rest.slice(last + 1);
  const path = `/${rest.slice(0, last + 1)}`;
  const canonical = `arn:${partition}:iam::${account}:role/${rest}`;
  if (!ROLE_NAME_RE.test(name)) {
    const bad = [...new Set(name.replace(/[\w+=,.@-]/g, ''))].map((c) => JSON.stringify(c)).join(' ');
    return {
      ok: false,
      problem: 'invalidRoleName',
      detail: name === ''
        ? 'the role name is empty'
        : name.length > 64
          ? `the role name is ${name.length} characters (IAM allows 1-64)`
          : `the role name "${clip(name)}" contains characters IAM does not allow in role names: ${bad}`,
      found: name,
    };
  }
  if (path.length > 512 || !PATH_RE.test(path)) {
    return {
      ok: false,
      problem: 'invalidPath',
      detail: `the role path "${clip(path)}" is not valid (IAM paths are / or /segments/ of printable ASCII without spaces, at most 512 characters)`,
      found: path,
    };
  }
  if (region !== '') {
    return {
      ok: false,
      problem: 'regionNotEmpty',
      detail: `IAM is global: a role ARN has no region, but this one has "${region}"`,
      suggestion: canonical,
      found: region,
    };
  }
  return { ok: true, partition, account, path, name, arn: canonical };
}

/** Build a role ARN from its parts. */
export function roleArn(partition: string, account: string, name: string, path = '/'): string {
  return `arn:${partition}:iam::${account}:role${path}${name}`;
}

// ---------------------------------------------------------------------------------------------
// EKS cluster ARNs

export type ClusterArnProblem =
  | 'notAnArn'
  | 'unknownPartition'
  | 'wrongService'
  | 'notACluster'
  | 'badRegion'
  | 'partitionMismatch'
  | 'badAccount'
  | 'invalidName';

export type ClusterArnResult =
  | {
      readonly ok: true;
      readonly partition: PartitionId;
      readonly region: string;
      readonly account: string;
      readonly name: string;
      readonly arn: string;
    }
  | { readonly ok: false; readonly problem: ClusterArnProblem; readonly detail: string };

const CLUSTER_NAME_RE = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;

/** Parse `arn:<partition>:eks:<region>:<account>:cluster/<name>`. */
export function parseClusterArn(s: string): ClusterArnResult {
  const parsed = parseArn(typeof s === 'string' ? s.trim() : s);
  if (!parsed.ok) return { ok: false, problem: 'notAnArn', detail: parsed.detail };
  const { partition, service, region, account, resource } = parsed.arn;
  if (!isKnownPartition(partition)) {
    return { ok: false, problem: 'unknownPartition', detail: `"${partition}" is not an AWS partition` };
  }
  if (service !== 'eks') return { ok: false, problem: 'wrongService', detail: `the ARN is for service "${service}", not "eks"` };
  if (!resource.startsWith('cluster/')) {
    return { ok: false, problem: 'notACluster', detail: `the ARN names "${resource.split('/')[0]}", not a cluster` };
  }
  if (!isRegionName(region)) return { ok: false, problem: 'badRegion', detail: `"${region}" is not a region name` };
  if (partitionOfRegion(region) !== partition) {
    return {
      ok: false,
      problem: 'partitionMismatch',
      detail: `region ${region} belongs to partition ${partitionOfRegion(region)}, but the ARN says ${partition}`,
    };
  }
  if (!isAccountId(account)) return { ok: false, problem: 'badAccount', detail: `the account ID "${account}" is not 12 digits` };
  const name = resource.slice('cluster/'.length);
  if (!CLUSTER_NAME_RE.test(name)) return { ok: false, problem: 'invalidName', detail: `"${name}" is not a valid EKS cluster name` };
  return { ok: true, partition, region, account, name, arn: `arn:${partition}:eks:${region}:${account}:cluster/${name}` };
}

/** The region of an EKS cluster ARN, or undefined when the value is not a valid cluster ARN. */
export function regionFromClusterArn(s: string): string | undefined {
  const r = parseClusterArn(s);
  return r.ok ? r.region : undefined;
}
