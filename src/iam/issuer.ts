// OIDC issuers as EKS prints them, as IAM stores them (provider URL without `https://`, which is
// also the prefix of the trust-policy condition keys `<host/path>:sub` / `:aud`), and the ways a
// provider or principal can be "almost" the right one.
//
// Sourced facts (shared aws-behavior.md §2, §7): provider ARN
// `arn:<partition>:iam::<acct>:oidc-provider/<host><path>` (scheme stripped); the URL must start
// with https://, equal the token's `iss`, carry no query and no port, 1-255 characters. EKS issuers:
// `https://oidc.eks.<region>.amazonaws.com/id/<ID>`, China `...amazonaws.com.cn/id/<ID>`, dual-stack
// `https://oidc-eks.<region>.api.aws/id/<ID>`. The IAM OIDC docs show a provider created for
// `https://auth-dev.mozilla.auth0.com/` keeping its trailing slash in both the ARN and the
// condition key prefix (`auth-dev.mozilla.auth0.com/:aud`), so IAM does not strip it.

import { PARTITIONS, isAccountId, isKnownPartition, isRegionName, parseArn, partitionOfRegion, type PartitionId } from './arn.js';
import { editDistance } from './distance.js';

export { editDistance };

export type IssuerForm = 'eks' | 'eks-dualstack' | 'self-hosted';

export interface Issuer {
  /** `https://host/path` exactly as given (what the token's `iss` claim carries). */
  readonly url: string;
  /** The URL without `https://`: what IAM stores and what condition keys start with. */
  readonly hostPath: string;
  readonly host: string;
  /** `''` when the issuer has no path; otherwise starts with `/`. */
  readonly path: string;
  readonly form: IssuerForm;
  /** EKS forms only. */
  readonly region?: string;
  /** EKS forms only: the issuer id after `/id/`. */
  readonly id?: string;
  /** EKS forms only: the partition of the region. */
  readonly partition?: PartitionId;
  /** Problems that do not stop parsing but that IAM rejects (a port) or that often confuse. */
  readonly iamProblems: ReadonlyArray<{ readonly problem: IssuerProblem; readonly detail: string }>;
}

export type IssuerProblem =
  | 'empty'
  | 'whitespace'
  | 'notHttps'
  | 'invalidUrl'
  | 'hasUserinfo'
  | 'hasQuery'
  | 'hasFragment'
  | 'hasPort'
  | 'tooLong'
  | 'trailingSlash';

export type IssuerResult =
  | { readonly ok: true; readonly issuer: Issuer }
  | { readonly ok: false; readonly problem: IssuerProblem; readonly detail: string };

const EKS_HOST_RE = /^oidc\.eks\.([a-z0-9-]+)\.(amazonaws\.com(?:\.cn)?|c2s\.ic\.gov|sc2s\.sgov\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov|amazonaws\.eu)$/;
const EKS_DUALSTACK_HOST_RE = /^oidc-eks\.([a-z0-9-]+)\.(api\.aws)$/;
const EKS_PATH_RE = /^\/id\/([A-Za-z0-9]+)\/?$/;
const HOST_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/**
 * Parse an issuer URL. Accepts only `https://host[/path]`; rejects other schemes, queries,
 * fragments and user info; reports a port or a trailing slash in `iamProblems`. Never throws.
 */
export function parseIssuer(url: string): IssuerResult {
  if (typeof url !== 'string' || url.length === 0) return { ok: false, problem: 'empty', detail: 'the issuer URL is empty' };
  if (url.trim() !== url) return { ok: false, problem: 'whitespace', detail: 'the issuer URL has surrounding whitespace' };
  if (/\s/.test(url)) return { ok: false, problem: 'invalidUrl', detail: 'the issuer URL contains whitespace' };
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url);
  if (!scheme) {
    return { ok: false, problem: 'notHttps', detail: `"${url}" has no scheme; an issuer URL starts with https://` };
  }
  if ((scheme[1] as string).toLowerCase() !== 'https') {
    return { ok: false, problem: 'notHttps', detail: `the issuer uses ${scheme[1]}://; IAM and OIDC require https://` };
  }
  if (url.length > 255 + 'https://'.length) {
    return { ok: false, problem: 'tooLong', detail: `the issuer URL is ${url.length} characters; IAM provider URLs are at most 255` };
  }
  const rest = url.slice(scheme[0].length);
  if (rest.includes('#')) return { ok: false, problem: 'hasFragment', detail: 'the issuer URL has a #fragment, which OIDC forbids' };
  if (rest.includes('?')) return { ok: false, problem: 'hasQuery', detail: 'the issuer URL has a ?query, which OIDC and IAM forbid' };
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash);
  if (authority.includes('@')) return { ok: false, problem: 'hasUserinfo', detail: 'the issuer URL has user:password@ in it' };
  const iamProblems: Array<{ problem: IssuerProblem; detail: string }> = [];
  let host = authority;
  const portMatch = /^(.*):(\d*)$/.exec(authority);
  if (portMatch && !authority.startsWith('[')) {
    host = portMatch[1] as string;
    iamProblems.push({
      problem: 'hasPort',
      detail: `the issuer has port ${portMatch[2]}; IAM OIDC provider URLs cannot contain a port, so IAM cannot trust this issuer`,
    });
  }
  if (host === '' || !HOST_RE.test(host)) {
    return { ok: false, problem: 'invalidUrl', detail: `"${host}" is not a valid host name` };
  }
  if (path.endsWith('/')) {
    iamProblems.push({
      problem: 'trailingSlash',
      detail: 'the issuer ends with "/"; IAM keeps it, so the provider URL and the condition keys must keep it too',
    });
  }
  const hostPath = rest;
  const lowerHost = host.toLowerCase();
  const idMatch = EKS_PATH_RE.exec(path);
  const eks = EKS_HOST_RE.exec(lowerHost);
  if (eks && idMatch) {
    const region = eks[1] as string;
    const partition = partitionOfRegion(region);
    if (isRegionName(region) && PARTITIONS[partition].dnsSuffix === eks[2]) {
      return { ok: true, issuer: { url, hostPath, host, path, form: 'eks', region, id: idMatch[1] as string, partition, iamProblems } };
    }
  }
  const dual = EKS_DUALSTACK_HOST_RE.exec(lowerHost);
  if (dual && idMatch) {
    const region = dual[1] as string;
    const partition = partitionOfRegion(region);
    if (isRegionName(region) && PARTITIONS[partition].dualStackDnsSuffix === dual[2]) {
      return { ok: true, issuer: { url, hostPath, host, path, form: 'eks-dualstack', region, id: idMatch[1] as string, partition, iamProblems } };
    }
  }
  return { ok: true, issuer: { url, hostPath, host, path, form: 'self-hosted', iamProblems } };
}

/** Strip a leading `https://` (any case) from a URL or provider URL. */
export function stripScheme(s: string): string {
  return /^https:\/\//i.test(s) ? s.slice('https://'.length) : s;
}

/** `arn:<partition>:iam::<account>:oidc-provider/<hostPath>`; a leading https:// is dropped. */
export function providerArn(partition: string, account: string, hostPath: string): string {
  return `arn:${partition}:iam::${account}:oidc-provider/${stripScheme(hostPath)}`;
}

export type ProviderArnProblem = 'notAnArn' | 'unknownPartition' | 'wrongService' | 'notOidcProvider' | 'badAccount' | 'emptyUrl' | 'schemeInArn';

export type ProviderArnResult =
  | { readonly ok: true; readonly partition: PartitionId; readonly account: string; readonly hostPath: string }
  | { readonly ok: false; readonly problem: ProviderArnProblem; readonly detail: string };

/** Parse an IAM OIDC provider ARN. Never throws. */
export function parseProviderArn(arn: string): ProviderArnResult {
  const parsed = parseArn(arn);
  if (!parsed.ok) return { ok: false, problem: 'notAnArn', detail: parsed.detail };
  const { partition, service, account, resource } = parsed.arn;
  if (!isKnownPartition(partition)) return { ok: false, problem: 'unknownPartition', detail: `"${partition}" is not an AWS partition` };
  if (service !== 'iam') return { ok: false, problem: 'wrongService', detail: `the ARN is for service "${service}", not "iam"` };
  if (!resource.startsWith('oidc-provider/')) {
    return { ok: false, problem: 'notOidcProvider', detail: `the ARN names an IAM ${resource.split('/')[0]}, not an OIDC provider` };
  }
  if (!isAccountId(account)) return { ok: false, problem: 'badAccount', detail: `the account ID "${account}" is not 12 digits` };
  const hostPath = resource.slice('oidc-provider/'.length);
  if (hostPath === '') return { ok: false, problem: 'emptyUrl', detail: 'the provider ARN has no URL after oidc-provider/' };
  if (/^https?:\/\//i.test(hostPath) || /^https?:\//i.test(hostPath)) {
    return { ok: false, problem: 'schemeInArn', detail: 'the provider ARN contains the URL scheme; IAM provider ARNs carry host/path without https://' };
  }
  return { ok: true, partition, account, hostPath };
}

// ---------------------------------------------------------------------------------------------
// Comparing issuers
//
// Case: the host part is compared case-insensitively, because DNS names are (RFC 4343) and
// RFC 3986 §6.2.2.1 makes the host's case irrelevant to URI equivalence; the path is compared
// case-sensitively, because URI paths are case-sensitive and OIDC Core §3.1.3.7 requires the
// token's `iss` to match the configured issuer exactly (JWT StringOrURI values compare
// case-sensitively, RFC 7519 §2). Whether IAM itself folds the host's case when it looks up a
// provider is not documented [unconfirmed]: `compareIssuers` therefore also says whether the two
// spellings are byte-identical, so a check can warn when they are only equivalent.
//
// Trailing slash: IAM keeps a trailing slash (see the header comment), and token issuers carry
// whatever the API server was configured with. Whether IAM matches `iss: https://x/` to a provider
// created for `https://x` is not documented [unconfirmed]: `sameIssuer` treats them as the same
// issuer (one was almost certainly meant for the other) and `compareIssuers` reports the
// difference as `trailingSlash`.

export type IssuerDifference = 'scheme' | 'hostCase' | 'trailingSlash';

export interface IssuerComparison {
  /** The same issuer under the rules above. */
  readonly same: boolean;
  /** Byte-identical once `https://` is removed from both sides. */
  readonly exact: boolean;
  /** Only when `same`: the spelling differences that were tolerated. */
  readonly differences: readonly IssuerDifference[];
}

function splitHostPath(s: string): { host: string; path: string; hadScheme: boolean } {
  const hadScheme = /^https:\/\//i.test(s);
  const hp = hadScheme ? s.slice(8) : s;
  const slash = hp.indexOf('/');
  return slash < 0 ? { host: hp, path: '', hadScheme } : { host: hp.slice(0, slash), path: hp.slice(slash), hadScheme };
}

/** Compare two issuers given as URLs or host/paths (provider URLs). */
export function compareIssuers(a: string, b: string): IssuerComparison {
  const x = splitHostPath(a);
  const y = splitHostPath(b);
  const xp = x.path.endsWith('/') ? x.path.slice(0, -1) : x.path;
  const yp = y.path.endsWith('/') ? y.path.slice(0, -1) : y.path;
  const same = x.host.toLowerCase() === y.host.toLowerCase() && xp === yp;
  const exact = x.host === y.host && x.path === y.path;
  const differences: IssuerDifference[] = [];
  if (same) {
    if (x.hadScheme !== y.hadScheme) differences.push('scheme');
    if (x.host !== y.host) differences.push('hostCase');
    if (x.path !== y.path) differences.push('trailingSlash');
  }
  return { same, exact, differences };
}

/** True when `a` and `b` name the same issuer (see the rules above). */
export function sameIssuer(a: string, b: string): boolean {
  return compareIssuers(a, b).same;
}

// ---------------------------------------------------------------------------------------------
// Near misses

export type NearMissKind =
  | 'same'
  | 'schemeIncluded'
  | 'hostTypo'
  | 'idTypo'
  | 'otherIssuerId'
  | 'otherHostForm'
  | 'otherRegion'
  | 'otherPartition'
  | 'otherAccount'
  | 'unrelated';

export interface IssuerNearMiss {
  readonly kind: NearMissKind;
  /** Expected host/path (and account/partition when known). */
  readonly expected: string;
  /** The value examined, as given. */
  readonly actual: string;
  readonly detail: string;
  /** Facts that the message can cite. */
  readonly data: Readonly<Record<string, string>>;
}

export interface ExpectedProvider {
  /** The provider's account (the role's account): needed to classify `otherAccount`. */
  readonly account?: string;
  /** The expected partition, when known (otherwise taken from an EKS issuer's region). */
  readonly partition?: string;
}

function sameTokens(a: string, b: string): boolean {
  const ta = a.toLowerCase().split('.').sort().join('.');
  const tb = b.toLowerCase().split('.').sort().join('.');
  return ta === tb;
}

function looksLikeHostTypo(expectedHost: string, actualHost: string): boolean {
  const e = expectedHost.toLowerCase();
  const a = actualHost.toLowerCase();
  if (e === a) return false;
  if (sameTokens(e, a)) return true;
  return editDistance(e, a, 4) <= 4;
}

/**
 * Classify how `actual` (a provider ARN, an issuer URL or a host/path, e.g. the Federated principal
 * of a trust statement) differs from the expected issuer `expectedHostPath`. Used to write precise
 * messages: "the trust policy names the provider of the cluster's previous issuer id", "...a host
 * with `eks` and the region swapped", etc.
 */
export function nearMissIssuer(expectedHostPath: string, actual: string, expectedProvider: ExpectedProvider = {}): IssuerNearMiss {
  const expectedHp = stripScheme(expectedHostPath);
  const expected = expectedProvider.account
    ? `${expectedHp} (account ${expectedProvider.account}${expectedProvider.partition ? `, partition ${expectedProvider.partition}` : ''})`
    : expectedHp;
  const result = (kind: NearMissKind, detail: string, data: Record<string, string> = {}): IssuerNearMiss => ({
    kind,
    expected,
    actual,
    detail,
    data,
  });
  if (typeof actual !== 'string' || actual === '') return result('unrelated', 'no provider was given');

  let actualHp: string;
  let actualAccount: string | undefined;
  let actualPartition: string | undefined;
  let schemeIncluded = false;
  if (actual.startsWith('arn:')) {
    const parsed = parseArn(actual);
    if (!parsed.ok || parsed.arn.service !== 'iam' || !parsed.arn.resource.startsWith('oidc-provider/')) {
      return result('unrelated', `${actual} is not an IAM OIDC provider ARN`);
    }
    actualAccount = parsed.arn.account;
    actualPartition = parsed.arn.partition;
    actualHp = parsed.arn.resource.slice('oidc-provider/'.length);
  } else {
    actualHp = actual;
  }
  if (/^https?:\/\//i.test(actualHp)) {
    schemeIncluded = true;
    actualHp = actualHp.replace(/^https?:\/\//i, '');
  }

  const cmp = compareIssuers(expectedHp, actualHp);
  const exp = parseIssuer(`https://${expectedHp}`);
  const act = parseIssuer(`https://${actualHp}`);
  const expIssuer = exp.ok ? exp.issuer : undefined;
  const actIssuer = act.ok ? act.issuer : undefined;
  const expectedPartition = expectedProvider.partition ?? expIssuer?.partition;

  if (cmp.same) {
    if (schemeIncluded) {
      return result('schemeIncluded', `the value keeps the "https://" scheme; IAM provider ARNs and condition keys use ${expectedHp} without it`, {
        hostPath: expectedHp,
      });
    }
    if (actualPartition !== undefined && expectedPartition !== undefined && actualPartition !== expectedPartition) {
      return result('otherPartition', `the provider is in partition ${actualPartition}, but the cluster is in ${expectedPartition}`, {
        expectedPartition,
        actualPartition,
      });
    }
    if (actualAccount !== undefined && expectedProvider.account !== undefined && actualAccount !== expectedProvider.account) {
      return result('otherAccount', `the provider is in account ${actualAccount}, but the role is in account ${expectedProvider.account}`, {
        expectedAccount: expectedProvider.account,
        actualAccount,
      });
    }
    return result('same', cmp.exact ? 'same issuer' : `same issuer, spelled differently (${cmp.differences.join(', ')})`, {
      differences: cmp.differences.join(','),
    });
  }

  if (expIssuer?.id !== undefined && actIssuer?.id !== undefined) {
    // Both are EKS issuers.
    if (expIssuer.partition !== actIssuer.partition) {
      return result('otherPartition', `the provider is for an issuer in partition ${actIssuer.partition} (${actIssuer.region}), but the cluster is in ${expIssuer.partition} (${expIssuer.region})`, {
        expectedPartition: expIssuer.partition as string,
        actualPartition: actIssuer.partition as string,
        expectedRegion: expIssuer.region as string,
        actualRegion: actIssuer.region as string,
      });
    }
    if (expIssuer.region !== actIssuer.region) {
      return result('otherRegion', `the provider is for an issuer in region ${actIssuer.region}, but the cluster is in ${expIssuer.region}`, {
        expectedRegion: expIssuer.region as string,
        actualRegion: actIssuer.region as string,
        expectedId: expIssuer.id,
        actualId: actIssuer.id,
      });
    }
    if (expIssuer.id !== actIssuer.id) {
      const d = editDistance(expIssuer.id.toLowerCase(), actIssuer.id.toLowerCase(), 3);
      if (d <= 2 && expIssuer.id.length === actIssuer.id.length) {
        return result('idTypo', `the issuer id ${actIssuer.id} differs from ${expIssuer.id} by ${d === 0 ? 'letter case' : `${d} character${d > 1 ? 's' : ''}`}`, {
          expectedId: expIssuer.id,
          actualId: actIssuer.id,
        });
      }
      return result('otherIssuerId', `the provider is for issuer id ${actIssuer.id} in the same region, but the cluster's issuer id is ${expIssuer.id} (typically a provider left from a cluster that was deleted and recreated)`, {
        expectedId: expIssuer.id,
        actualId: actIssuer.id,
        region: expIssuer.region as string,
      });
    }
    if (expIssuer.form !== actIssuer.form) {
      return result('otherHostForm', `the provider uses the ${actIssuer.form === 'eks-dualstack' ? 'dual-stack' : 'IPv4'} issuer host ${actIssuer.host}, but the cluster's tokens carry ${expIssuer.host}`, {
        expectedHost: expIssuer.host,
        actualHost: actIssuer.host,
      });
    }
  }

  const e = splitHostPath(expectedHp);
  const a = splitHostPath(actualHp);
  if (e.path.replace(/\/$/, '') === a.path.replace(/\/$/, '') && looksLikeHostTypo(e.host, a.host)) {
    return result('hostTypo', `the host ${a.host} looks like a misspelling of ${e.host}`, { expectedHost: e.host, actualHost: a.host });
  }
  if (e.host.toLowerCase() === a.host.toLowerCase() && e.path !== a.path && editDistance(e.path, a.path, 3) <= 2) {
    return result('idTypo', `the path ${a.path} looks like a misspelling of ${e.path}`, { expectedPath: e.path, actualPath: a.path });
  }
  return result('unrelated', `${actualHp} is a different issuer from ${expectedHp}`);
}
