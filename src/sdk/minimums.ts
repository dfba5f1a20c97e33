// The minimum AWS SDK versions that can use IRSA (web identity) and EKS Pod Identity, and the
// judging of one dependency (or one file's dependencies) against them. Tables are data: each
// SDK's rule is a step function over its version line, so "below the article's version fails,
// between the article's and the current table's warns" and "Ruby 3.0 to 3.57 never had it" are
// rows, not code paths. Every judgement carries its reason as an id and as text.

import type { SdkDependency, SdkDepsFact, SdkId } from '../evidence/facts.js';
import { formatListsTransitives } from './formats.js';
import { DOTNET_CORE, DOTNET_STS, GO_V2_MODULE, JAVA_V1_STS_ARTIFACTS, JAVA_V2_STS_ARTIFACTS, JS_V3_CREDENTIAL_PACKAGES } from './packages.js';
import {
  composer,
  gem,
  go,
  isConstraintError,
  maven,
  nuget,
  numeric,
  pep440,
  semver,
  type Constraint,
  type ConstraintErrorId,
  type Scheme,
  type SchemeId,
} from './versions.js';

export type SdkMode = 'irsa' | 'podIdentity';
export type SdkStatus = 'pass' | 'warn' | 'fail' | 'unknown';

export type SdkReasonId =
  | 'allVersionsSupported'
  | 'atLeastMinimum'
  | 'belowMinimum'
  | 'belowArticleMinimum'
  | 'betweenArticleAndCurrent'
  | 'decidedByOtherPackage'
  | 'rangeStraddlesMinimum'
  | 'noVersionPinned'
  | ConstraintErrorId;

export interface SdkJudgement {
  readonly status: SdkStatus;
  /** AWS's current minimum, as its table writes it (for AWS CLI and Ruby: the one of the version's major line). */
  readonly minimum: string;
  /** The original article's minimum, where it differs from AWS's current table. */
  readonly articleMinimum?: string;
  /** The minimum of this very package when its versions are not the table's (AWSSDK.Core, Go v2's config module). */
  readonly packageMinimum?: string;
  readonly reasonId: SdkReasonId;
  readonly reason: string;
  /** Where the minimum comes from. */
  readonly sources: readonly string[];
}

/** One stretch of an SDK's version line: from `from` (inclusive; null = the beginning) to the next step. */
interface Step {
  readonly from: string | null;
  readonly status: SdkStatus;
  readonly reasonId: SdkReasonId;
  /** The minimum that applies on this stretch (the line's own minimum). */
  readonly minimum: string;
  /** Said after the reason. */
  readonly note?: string;
}

interface PackageRule {
  /** Package names this rule judges (compared case-insensitively), or every package of the SDK. */
  readonly packages: 'any' | readonly string[];
  readonly packageMinimum?: string;
  readonly steps: readonly Step[];
}

export interface MinimumEntry {
  readonly sdk: SdkId;
  readonly label: string;
  readonly scheme: SchemeId;
  /** As AWS's table writes it. */
  readonly minimum: string;
  readonly articleMinimum?: string;
  /** Every version supports the mode (Go v2 and IRSA). */
  readonly allVersions?: boolean;
  /** For SDKs that AWS lists by release date (Go v2): `release-YYYY-MM-DD` versions compare with it. */
  readonly releaseDate?: string;
  readonly rules: readonly PackageRule[];
  readonly sources: readonly string[];
}

const SCHEMES: Record<SchemeId, Scheme<unknown>> = { semver, go, pep440, maven, nuget, gem, composer, numeric };

const IRSA_TABLE = 'https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts-minimum-sdk.html';
const POD_TABLE = 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-minimum-sdk.html';
const ARTICLE = 'https://repost.aws/knowledge-center/eks-troubleshoot-oidc-and-irsa (section "use a supported AWS SDK")';
const RUBY_CHANGELOG = 'https://github.com/aws/aws-sdk-ruby/blob/version-3/gems/aws-sdk-core/CHANGELOG.md (3.58.0, 2019-07-01: "Support Aws::AssumeRoleWebIdentityCredentials provider")';
const DOTNET_2020 = 'https://github.com/aws/aws-sdk-net/blob/main/changelogs/SDK.CHANGELOG.2020.md (release 3.3.659.1 = AWSSDK.Core 3.3.104.14)';
const DOTNET_2024 = 'https://github.com/aws/aws-sdk-net/blob/main/changelogs/SDK.CHANGELOG.2024.md (release 3.7.734.0 = AWSSDK.Core 3.7.302.0)';
const GO_V2_CONFIG = 'https://github.com/aws/aws-sdk-go-v2/blob/main/config/CHANGELOG.md (v1.25.0, 2023-11-14: auth token from file and EKS container host)';

/** The usual rule: below the minimum fails, from it on passes. */
function simple(minimum: string, packageMinimum?: string): PackageRule {
  const m = packageMinimum ?? minimum;
  return {
    packages: 'any',
    ...(packageMinimum !== undefined ? { packageMinimum } : {}),
    steps: [
      { from: null, status: 'fail', reasonId: 'belowMinimum', minimum: m },
      { from: m, status: 'pass', reasonId: 'atLeastMinimum', minimum: m },
    ],
  };
}

/** Below the article's version fails, between it and the current table's warns. */
function withArticle(article: string, current: string): PackageRule {
  return {
    packages: 'any',
    steps: [
      { from: null, status: 'fail', reasonId: 'belowArticleMinimum', minimum: current },
      { from: article, status: 'warn', reasonId: 'betweenArticleAndCurrent', minimum: current },
      { from: current, status: 'pass', reasonId: 'atLeastMinimum', minimum: current },
    ],
  };
}

function entry(e: Omit<MinimumEntry, 'rules'> & { rules?: readonly PackageRule[] }): MinimumEntry {
  return { ...e, rules: e.rules ?? [simple(e.minimum)] };
}

export const IRSA_MINIMUMS: Readonly<Record<SdkId, MinimumEntry>> = {
  'java-v2': entry({ sdk: 'java-v2', label: 'AWS SDK for Java 2.x', scheme: 'maven', minimum: '2.10.11', sources: [IRSA_TABLE] }),
  'java-v1': entry({
    sdk: 'java-v1',
    label: 'AWS SDK for Java 1.x',
    scheme: 'maven',
    minimum: '1.12.782',
    articleMinimum: '1.11.704',
    rules: [withArticle('1.11.704', '1.12.782')],
    sources: [IRSA_TABLE, ARTICLE],
  }),
  'go-v1': entry({ sdk: 'go-v1', label: 'AWS SDK for Go v1', scheme: 'go', minimum: 'v1.23.13', sources: [IRSA_TABLE] }),
  'go-v2': entry({ sdk: 'go-v2', label: 'AWS SDK for Go v2', scheme: 'go', minimum: 'all versions', allVersions: true, rules: [], sources: [IRSA_TABLE] }),
  boto3: entry({ sdk: 'boto3', label: 'boto3', scheme: 'pep440', minimum: '1.9.220', sources: [IRSA_TABLE] }),
  botocore: entry({ sdk: 'botocore', label: 'botocore', scheme: 'pep440', minimum: '1.12.200', sources: [IRSA_TABLE] }),
  'aws-cli': entry({ sdk: 'aws-cli', label: 'AWS CLI', scheme: 'pep440', minimum: '1.16.232', sources: [IRSA_TABLE] }),
  'js-v2': entry({ sdk: 'js-v2', label: 'AWS SDK for JavaScript v2', scheme: 'semver', minimum: '2.525.0', sources: [IRSA_TABLE] }),
  'js-v3': entry({
    sdk: 'js-v3',
    label: 'AWS SDK for JavaScript v3',
    scheme: 'semver',
    minimum: '3.27.0',
    articleMinimum: '3.15.0',
    rules: [withArticle('3.15.0', '3.27.0')],
    sources: [IRSA_TABLE, ARTICLE],
  }),
  ruby: entry({
    sdk: 'ruby',
    label: 'AWS SDK for Ruby',
    scheme: 'gem',
    minimum: '3.58.0',
    articleMinimum: '2.11.345',
    rules: [
      {
        packages: 'any',
        steps: [
          { from: null, status: 'fail', reasonId: 'belowArticleMinimum', minimum: '3.58.0' },
          {
            from: '2.11.345',
            status: 'warn',
            reasonId: 'betweenArticleAndCurrent',
            minimum: '3.58.0',
            note: 'This is the SDK v2 line (aws-sdk-core 2.x), which AWS no longer supports.',
          },
          {
            from: '3.0.0',
            status: 'fail',
            reasonId: 'belowMinimum',
            minimum: '3.58.0',
            note: "aws-sdk-core 3 added web identity in 3.58.0 (2019-07-01); the article's 2.11.345 applies to the 2.x line only.",
          },
          { from: '3.58.0', status: 'pass', reasonId: 'atLeastMinimum', minimum: '3.58.0' },
        ],
      },
    ],
    sources: [IRSA_TABLE, ARTICLE, RUBY_CHANGELOG],
  }),
  cpp: entry({ sdk: 'cpp', label: 'AWS SDK for C++', scheme: 'numeric', minimum: '1.7.174', sources: [IRSA_TABLE] }),
  dotnet: entry({
    sdk: 'dotnet',
    label: 'AWS SDK for .NET',
    scheme: 'nuget',
    minimum: '3.3.659.1',
    rules: [
      { ...simple('3.3.659.1', '3.3.104.14'), packages: [DOTNET_CORE] },
      {
        packages: 'any',
        steps: [
          { from: null, status: 'fail', reasonId: 'belowMinimum', minimum: '3.3.659.1' },
          {
            from: '3.3.0',
            status: 'unknown',
            reasonId: 'decidedByOtherPackage',
            minimum: '3.3.659.1',
            note: 'the AWSSDK.Core version that NuGet resolves decides (3.3.104.14 or later, shipped in SDK release 3.3.659.1)',
          },
          {
            from: '3.5.0',
            status: 'pass',
            reasonId: 'atLeastMinimum',
            minimum: '3.3.659.1',
            note: 'AWSSDK packages 3.5 and later require AWSSDK.Core 3.5 or later.',
          },
        ],
      },
    ],
    sources: [IRSA_TABLE, DOTNET_2020],
  }),
  php: entry({ sdk: 'php', label: 'AWS SDK for PHP', scheme: 'composer', minimum: '3.110.7', sources: [IRSA_TABLE] }),
};

export const POD_IDENTITY_MINIMUMS: Readonly<Record<SdkId, MinimumEntry>> = {
  'java-v2': entry({ sdk: 'java-v2', label: 'AWS SDK for Java 2.x', scheme: 'maven', minimum: '2.21.30', sources: [POD_TABLE] }),
  'java-v1': entry({ sdk: 'java-v1', label: 'AWS SDK for Java 1.x', scheme: 'maven', minimum: '1.12.746', sources: [POD_TABLE] }),
  'go-v1': entry({ sdk: 'go-v1', label: 'AWS SDK for Go v1', scheme: 'go', minimum: 'v1.47.11', sources: [POD_TABLE] }),
  'go-v2': entry({
    sdk: 'go-v2',
    label: 'AWS SDK for Go v2',
    scheme: 'go',
    minimum: 'release-2023-11-14',
    releaseDate: '2023-11-14',
    rules: [
      { ...simple('release-2023-11-14', 'v1.25.0'), packages: [`${GO_V2_MODULE}/config`] },
      {
        packages: 'any',
        steps: [
          {
            from: null,
            status: 'unknown',
            reasonId: 'decidedByOtherPackage',
            minimum: 'release-2023-11-14',
            note: `the ${GO_V2_MODULE}/config module builds the default credential chain and decides (v1.25.0 or later)`,
          },
        ],
      },
    ],
    sources: [POD_TABLE, GO_V2_CONFIG],
  }),
  boto3: entry({ sdk: 'boto3', label: 'boto3', scheme: 'pep440', minimum: '1.34.41', sources: [POD_TABLE] }),
  botocore: entry({ sdk: 'botocore', label: 'botocore', scheme: 'pep440', minimum: '1.34.41', sources: [POD_TABLE] }),
  'aws-cli': entry({
    sdk: 'aws-cli',
    label: 'AWS CLI',
    scheme: 'pep440',
    minimum: '1.30.0 / 2.15.0',
    rules: [
      {
        packages: 'any',
        steps: [
          { from: null, status: 'fail', reasonId: 'belowMinimum', minimum: '1.30.0' },
          { from: '1.30.0', status: 'pass', reasonId: 'atLeastMinimum', minimum: '1.30.0' },
          { from: '2.0.0', status: 'fail', reasonId: 'belowMinimum', minimum: '2.15.0', note: 'AWS CLI v2 has its own minimum, 2.15.0.' },
          { from: '2.15.0', status: 'pass', reasonId: 'atLeastMinimum', minimum: '2.15.0' },
        ],
      },
    ],
    sources: [POD_TABLE],
  }),
  'js-v2': entry({ sdk: 'js-v2', label: 'AWS SDK for JavaScript v2', scheme: 'semver', minimum: '2.1550.0', sources: [POD_TABLE] }),
  'js-v3': entry({ sdk: 'js-v3', label: 'AWS SDK for JavaScript v3', scheme: 'semver', minimum: '3.458.0', sources: [POD_TABLE] }),
  ruby: entry({ sdk: 'ruby', label: 'AWS SDK for Ruby', scheme: 'gem', minimum: '3.188.0', sources: [POD_TABLE] }),
  cpp: entry({ sdk: 'cpp', label: 'AWS SDK for C++', scheme: 'numeric', minimum: '1.11.263', sources: [POD_TABLE] }),
  dotnet: entry({
    sdk: 'dotnet',
    label: 'AWS SDK for .NET',
    scheme: 'nuget',
    minimum: '3.7.734.0',
    rules: [
      { ...simple('3.7.734.0', '3.7.302.0'), packages: [DOTNET_CORE] },
      {
        packages: 'any',
        steps: [
          { from: null, status: 'fail', reasonId: 'belowMinimum', minimum: '3.7.734.0' },
          {
            from: '3.7.0',
            status: 'unknown',
            reasonId: 'decidedByOtherPackage',
            minimum: '3.7.734.0',
            note: 'the AWSSDK.Core version that NuGet resolves decides (3.7.302.0 or later, shipped in SDK release 3.7.734.0)',
          },
          { from: '4.0.0', status: 'pass', reasonId: 'atLeastMinimum', minimum: '3.7.734.0', note: 'AWSSDK packages 4.x require AWSSDK.Core 4.x.' },
        ],
      },
    ],
    sources: [POD_TABLE, DOTNET_2024],
  }),
  php: entry({ sdk: 'php', label: 'AWS SDK for PHP', scheme: 'composer', minimum: '3.287.1', sources: [POD_TABLE] }),
};

/** SDKs in AWS's Pod Identity table that have no SdkId yet (no recogniser finds them). */
export const POD_IDENTITY_OTHER_SDKS: ReadonlyArray<{ readonly label: string; readonly minimum: string }> = [
  { label: 'AWS SDK for Kotlin', minimum: '1.0.1' },
  { label: 'AWS SDK for Rust', minimum: 'release-2024-03-13' },
  { label: 'AWS Tools for PowerShell', minimum: '4.1.502' },
];

export function minimumsFor(mode: SdkMode): Readonly<Record<SdkId, MinimumEntry>> {
  return mode === 'irsa' ? IRSA_MINIMUMS : POD_IDENTITY_MINIMUMS;
}

const MODE_LABEL: Record<SdkMode, string> = { irsa: 'IRSA (web identity)', podIdentity: 'EKS Pod Identity' };
const CONSEQUENCE: Record<SdkMode, string> = {
  irsa: 'it cannot use the web identity token and falls through to the next credential source, usually the node\'s instance role.',
  podIdentity: 'it cannot use the Pod Identity agent (AWS_CONTAINER_CREDENTIALS_FULL_URI) and falls through to the next credential source, usually the node\'s instance role.',
};

const RELEASE_TAG = /^release-(\d{4}-\d{2}-\d{2})(?:\.\d+)?$/;

function ruleFor(e: MinimumEntry, pkg: string): PackageRule | undefined {
  const p = pkg.toLowerCase();
  return e.rules.find((r) => r.packages === 'any' || r.packages.some((n) => n.toLowerCase() === p));
}

/** Judge one dependency against the minimum for `mode`. Total: never throws. */
export function judgeSdk(dep: SdkDependency, mode: SdkMode = 'irsa'): SdkJudgement {
  const e = minimumsFor(mode)[dep.sdk];
  const base = {
    minimum: e.minimum,
    ...(e.articleMinimum !== undefined ? { articleMinimum: e.articleMinimum } : {}),
    sources: e.sources,
  };
  const what = `${dep.package} ${dep.version}`.trim();
  const label = MODE_LABEL[mode];
  if (e.allVersions) {
    return { ...base, status: 'pass', reasonId: 'allVersionsSupported', reason: `Every release of the ${e.label} supports ${label} (${what}).` };
  }
  const rule = ruleFor(e, dep.package);
  const withPkg = rule?.packageMinimum !== undefined ? { ...base, packageMinimum: rule.packageMinimum } : base;
  const tag = e.releaseDate !== undefined ? RELEASE_TAG.exec(dep.version.trim()) : null;
  if (tag && e.releaseDate !== undefined) {
    const ok = (tag[1] ?? '') >= e.releaseDate;
    return {
      ...withPkg,
      status: ok ? 'pass' : 'fail',
      reasonId: ok ? 'atLeastMinimum' : 'belowMinimum',
      reason: ok
        ? `${what} is at or after ${e.minimum}, the minimum AWS lists for ${label}.`
        : `${what} is older than ${e.minimum}, the minimum AWS lists for ${label}: ${CONSEQUENCE[mode]}`,
    };
  }
  if (!rule) {
    return { ...withPkg, status: 'unknown', reasonId: 'decidedByOtherPackage', reason: `${what}: no minimum is known for this package of the ${e.label}.` };
  }
  const scheme = SCHEMES[e.scheme];
  const c = scheme.constraint(dep.version);
  if (isConstraintError(c)) {
    return { ...withPkg, status: 'unknown', reasonId: c.error, reason: constraintReason(c.error, dep, scheme.label) };
  }
  return judgeConstraint(dep, mode, e, rule, scheme, c, withPkg);
}

function judgeConstraint(
  dep: SdkDependency,
  mode: SdkMode,
  e: MinimumEntry,
  rule: PackageRule,
  scheme: Scheme<unknown>,
  c: Constraint<unknown>,
  base: Omit<SdkJudgement, 'status' | 'reasonId' | 'reason'>,
): SdkJudgement {
  const label = MODE_LABEL[mode];
  const minimum = rule.packageMinimum ?? e.minimum;
  if (c.lower === null && c.upper === null) {
    return {
      ...base,
      status: 'unknown',
      reasonId: 'noVersionPinned',
      reason: `${dep.package} has no version pinned ('${dep.version}'): any release may be installed. Pin it, or give a lockfile or SBOM that records the installed version (${label} needs ${minimum} or later).`,
    };
  }
  if (c.lower && c.upper) {
    const k = scheme.compare(c.lower.version, c.upper.version);
    if (k > 0 || (k === 0 && !(c.lower.inclusive && c.upper.inclusive))) {
      return { ...base, status: 'unknown', reasonId: 'unparseable', reason: `${dep.package} '${dep.version}' allows no version at all.` };
    }
  }
  const froms = rule.steps.map((s) => (s.from === null ? null : scheme.parse(s.from)));
  const hit: Step[] = [];
  rule.steps.forEach((step, i) => {
    const lo = froms[i] ?? null;
    const hi = i + 1 < froms.length ? (froms[i + 1] ?? null) : null;
    if (lo !== null && c.upper !== null) {
      const k = scheme.compare(c.upper.version, lo);
      if (k < 0 || (k === 0 && !c.upper.inclusive)) return;
    }
    if (hi !== null && c.lower !== null && scheme.compare(c.lower.version, hi) >= 0) return;
    hit.push(step);
  });
  const statuses = new Set(hit.map((s) => s.status));
  const first = hit[0];
  const note = c.note !== undefined ? ` (${c.note})` : '';
  if ((first === undefined || statuses.size > 1) && c.note !== undefined) {
    return {
      ...base,
      status: 'unknown',
      reasonId: 'rangeStraddlesMinimum',
      reason: `${dep.package} ${dep.version} is a ${c.note}, on both sides of ${minimum} (the minimum for ${label}): whether that commit already has the support cannot be told from its version. Use a tagged release at or above ${minimum}.`,
    };
  }
  if (first === undefined || statuses.size > 1) {
    const low = c.lower ? c.lower.text : 'any older release';
    const high = c.upper ? c.upper.text : 'any newer release';
    return {
      ...base,
      status: 'unknown',
      reasonId: 'rangeStraddlesMinimum',
      reason: `${dep.package} '${dep.version}'${note} allows versions from ${low} to ${high}, on both sides of ${minimum} (the minimum for ${label}): the installed version decides. Give a lockfile or SBOM that records it.`,
    };
  }
  const what = c.exact ? `${dep.package} ${dep.version}` : `every version that ${dep.package} '${dep.version}' allows${note}`;
  const judged = { ...base, minimum: rule.packageMinimum !== undefined ? e.minimum : first.minimum };
  return { ...judged, status: first.status, reasonId: first.reasonId, reason: stepReason(first, what, dep, mode, e, rule) };
}

function stepReason(step: Step, what: string, dep: SdkDependency, mode: SdkMode, e: MinimumEntry, rule: PackageRule): string {
  const label = MODE_LABEL[mode];
  const release = e.minimum.startsWith('release-') ? e.minimum : `release ${e.minimum}`;
  const min = rule.packageMinimum !== undefined ? `${rule.packageMinimum} (${dep.package} in the ${e.label} ${release})` : step.minimum;
  const note = step.note !== undefined ? ` ${step.note}` : '';
  switch (step.reasonId) {
    case 'atLeastMinimum':
      return `${what} is at or above ${min}, the minimum AWS lists for ${label}.${note}`;
    case 'belowMinimum':
      return `${what} is older than ${min}, the minimum AWS lists for ${label}: ${CONSEQUENCE[mode]}${note}`;
    case 'belowArticleMinimum':
      return `${what} is older than ${e.articleMinimum ?? step.minimum}, the version that added web identity support (the article's table); AWS's current table asks for ${step.minimum}. So ${CONSEQUENCE[mode]}${note}`;
    case 'betweenArticleAndCurrent':
      return `${what} has web identity support (added in ${e.articleMinimum ?? '?'}, the article's minimum) but is older than ${step.minimum}, the minimum in AWS's current table: upgrade to ${step.minimum} or later.${note}`;
    case 'decidedByOtherPackage':
      return `${what} does not decide on its own:${note}. Give a lockfile or SBOM that lists it.`;
    default:
      return `${what}: ${step.reasonId}.${note}`;
  }
}

function constraintReason(id: ConstraintErrorId, dep: SdkDependency, schemeLabel: string): string {
  switch (id) {
    case 'versionMissing':
      return `${dep.package} has no version in this file: it comes from a BOM, parent POM, central package file or version catalog that was not given. Give that file, a lockfile or an SBOM.`;
    case 'unresolvedProperty':
      return `${dep.package} version '${dep.version}' is a property this file does not define (a parent POM, gradle.properties or Directory.Build.props may). Give that file, or a lockfile or SBOM with the resolved version.`;
    case 'movingTag':
      return `${dep.package} version '${dep.version}' is a moving tag, not a release: the version it resolved to cannot be told. Give a lockfile or SBOM that records it.`;
    case 'notARelease':
      return `${dep.package} version '${dep.version}' is a git reference, URL, local path or branch, not a release: which SDK release it holds cannot be told.`;
    case 'unparseable':
      return `${dep.package} version '${dep.version}' is not a ${schemeLabel} version that can be compared.`;
  }
}

// ---------------------------------------------------------------------------------------------
// Several packages of one SDK in one file: which one decides

interface Tier {
  readonly label: string;
  readonly match: (pkg: string) => boolean;
  /** True when the tier's versions only hint at the credential chain's version. */
  readonly weak?: boolean;
}

const artifact = (pkg: string): string => pkg.slice(pkg.indexOf(':') + 1);

/**
 * Per SDK, the packages whose version decides, best first. Within the first tier that has any
 * package, the worst judgement wins, and among equal judgements the lowest version: a lockfile
 * with two copies of the web identity provider is only as good as the older one.
 */
const TIERS: Partial<Record<SdkId, readonly Tier[]>> = {
  'js-v3': [
    { label: 'credential-chain packages', match: (p) => JS_V3_CREDENTIAL_PACKAGES.includes(p) },
    { label: 'client packages (the credential chain was not listed: a weaker signal)', match: (p) => p.startsWith('@aws-sdk/client-'), weak: true },
  ],
  'java-v2': [
    { label: 'the sts and auth modules', match: (p) => ['sts', 'auth'].includes(artifact(p)) },
    { label: 'the BOM or bundle', match: (p) => ['bom', 'bundle'].includes(artifact(p)) },
    { label: 'any module (all modules share one version)', match: () => true },
  ],
  'java-v1': [
    { label: 'the core and sts modules', match: (p) => ['aws-java-sdk-core', 'aws-java-sdk-sts'].includes(artifact(p)) },
    { label: 'the BOM, meta artifact or bundle', match: (p) => ['aws-java-sdk-bom', 'aws-java-sdk', 'aws-java-sdk-bundle'].includes(artifact(p)) },
    { label: 'any module (all modules share one version)', match: () => true },
  ],
  'go-v2': [
    { label: 'the config module', match: (p) => p === `${GO_V2_MODULE}/config` },
    { label: 'any module', match: () => true },
  ],
  dotnet: [
    { label: 'AWSSDK.Core', match: (p) => p.toLowerCase() === DOTNET_CORE.toLowerCase() },
    { label: 'other AWSSDK packages (AWSSDK.Core was not listed: a weaker signal)', match: () => true, weak: true },
  ],
  ruby: [
    { label: 'aws-sdk-core', match: (p) => p === 'aws-sdk-core' },
    { label: 'any gem', match: () => true },
  ],
};

const DEFAULT_TIERS: readonly Tier[] = [{ label: 'the package', match: () => true }];

const BADNESS: Record<SdkStatus, number> = { fail: 3, warn: 2, unknown: 1, pass: 0 };

/** True when `a` is an exact version below the exact version `b` (false when either is not one). */
function lowerVersion(scheme: Scheme<unknown>, a: string, b: string): boolean {
  const x = scheme.parse(a);
  const y = scheme.parse(b);
  return x !== null && y !== null && scheme.compare(x, y) < 0;
}

export interface SdkVerdict {
  readonly sdk: SdkId;
  /** The dependency whose judgement stands for the SDK. */
  readonly deciding: SdkDependency;
  readonly judgement: SdkJudgement;
  /** How `deciding` was chosen, e.g. "credential-chain packages". */
  readonly basis: string;
  /** True when only packages that hint at the version were found (JS v3 clients without the credential chain). */
  readonly weak: boolean;
  /** Every dependency of this SDK in the file, `deciding` included. */
  readonly all: readonly SdkDependency[];
}

/** One verdict per SDK found in `deps`, in the order the SDKs first appear. */
export function judgeSdkDeps(deps: readonly SdkDependency[], mode: SdkMode = 'irsa'): SdkVerdict[] {
  const bySdk = new Map<SdkId, SdkDependency[]>();
  for (const d of deps) {
    const list = bySdk.get(d.sdk);
    if (list) list.push(d);
    else bySdk.set(d.sdk, [d]);
  }
  const out: SdkVerdict[] = [];
  for (const [sdk, all] of bySdk) {
    const tiers = TIERS[sdk] ?? DEFAULT_TIERS;
    const tier = tiers.find((t) => all.some((d) => t.match(d.package))) ?? DEFAULT_TIERS[0];
    if (!tier) continue;
    const scheme = SCHEMES[minimumsFor(mode)[sdk].scheme];
    let best: { dep: SdkDependency; j: SdkJudgement } | null = null;
    for (const dep of all.filter((d) => tier.match(d.package))) {
      const j = judgeSdk(dep, mode);
      const worse = !best || BADNESS[j.status] > BADNESS[best.j.status];
      const sameButLower = best !== null && BADNESS[j.status] === BADNESS[best.j.status] && lowerVersion(scheme, dep.version, best.dep.version);
      if (worse || sameButLower) best = { dep, j };
    }
    if (best) out.push({ sdk, deciding: best.dep, judgement: best.j, basis: tier.label, weak: tier.weak === true, all });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Modules that must be present beside the SDK

export type CompanionId = 'javaV2StsModuleMissing' | 'javaV1StsModuleMissing' | 'dotnetSecurityTokenMissing';

export interface CompanionFinding {
  readonly sdk: SdkId;
  readonly id: CompanionId;
  /** The module that is missing, as its ecosystem names it. */
  readonly module: string;
  /** `fail` when the file lists every installed package (lockfile, SBOM); `warn` for a manifest, where it may still arrive transitively. */
  readonly status: 'fail' | 'warn';
  readonly reason: string;
  /** The error the SDK gives at run time, when known. */
  readonly symptom?: string;
  readonly sources: readonly string[];
}

const IRSA_CONSIDERATIONS = `${IRSA_TABLE} (Considerations)`;

/** Web identity needs STS on the class path (Java) or in the package set (.NET). IRSA only. */
export function companionFindings(fact: SdkDepsFact, mode: SdkMode = 'irsa'): CompanionFinding[] {
  if (mode !== 'irsa') return [];
  const complete = formatListsTransitives(fact.format);
  const status = complete ? 'fail' : 'warn';
  const where = complete
    ? `${fact.format} lists every installed package and it is not among them`
    : `it is not declared in this ${fact.format}; it may still arrive as a transitive dependency`;
  const out: CompanionFinding[] = [];
  const has = (sdk: SdkId, artifacts: readonly string[]): boolean =>
    fact.deps.some((d) => d.sdk === sdk && artifacts.includes(artifact(d.package)));
  if (fact.deps.some((d) => d.sdk === 'java-v2') && fact.javaStsModule !== true && !has('java-v2', JAVA_V2_STS_ARTIFACTS)) {
    out.push({
      sdk: 'java-v2',
      id: 'javaV2StsModuleMissing',
      module: 'software.amazon.awssdk:sts',
      status,
      reason: `The Java 2.x web identity provider needs the software.amazon.awssdk:sts module on the class path; ${where}.`,
      symptom: "To use web identity tokens, the 'sts' service module must be on the class path.",
      sources: [IRSA_CONSIDERATIONS],
    });
  }
  if (fact.deps.some((d) => d.sdk === 'java-v1') && !has('java-v1', JAVA_V1_STS_ARTIFACTS)) {
    out.push({
      sdk: 'java-v1',
      id: 'javaV1StsModuleMissing',
      module: 'com.amazonaws:aws-java-sdk-sts',
      status,
      reason: `The Java 1.x WebIdentityTokenCredentialsProvider loads STS from com.amazonaws:aws-java-sdk-sts; ${where}.`,
      symptom: 'WebIdentityTokenCredentialsProvider: To use assume role profiles the aws-java-sdk-sts module must be on the class path.',
      sources: ['https://github.com/aws/aws-sdk-java (STSProfileCredentialsServiceLoader)'],
    });
  }
  if (fact.deps.some((d) => d.sdk === 'dotnet') && fact.dotnetSecurityToken !== true && !fact.deps.some((d) => d.package.toLowerCase() === DOTNET_STS.toLowerCase())) {
    out.push({
      sdk: 'dotnet',
      id: 'dotnetSecurityTokenMissing',
      module: DOTNET_STS,
      status,
      reason: `The .NET SDK assumes the role through ${DOTNET_STS}, which AWS says must be included; ${where}.`,
      sources: [IRSA_TABLE],
    });
  }
  return out;
}

export interface SdkFactJudgement {
  readonly format: string;
  /** True when the file is of a known format but holds no AWS SDK. */
  readonly noSdk: boolean;
  readonly verdicts: readonly SdkVerdict[];
  readonly companions: readonly CompanionFinding[];
}

/** Everything IRSA306 needs from one file. */
export function judgeSdkFact(fact: SdkDepsFact, mode: SdkMode = 'irsa'): SdkFactJudgement {
  return {
    format: fact.format,
    noSdk: fact.deps.length === 0,
    verdicts: judgeSdkDeps(fact.deps, mode),
    companions: companionFindings(fact, mode),
  };
}
