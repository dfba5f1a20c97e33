// `aws eks describe-cluster` output, and the bare issuer URL its `--query ... --output text`
// form prints (article step 1).

import { InputError } from '../facts.js';
import type { ClusterFact, Fact, Source } from '../facts.js';
import type { FileInput, Recogniser } from './types.js';
import { docSource, docsOf, isRecord, lines, own, rec, str } from './util.js';
import type { Rec } from './util.js';

const CLUSTER_ARN = /^arn:[a-z0-9-]+:eks:([a-z0-9-]+):[0-9]{12}:cluster\/.+$/;

/**
 * The region an EKS issuer host names: `oidc.eks.<region>.amazonaws.com[.cn]` or the
 * dual-stack `oidc-eks.<region>.api.aws`.
 */
export function regionFromIssuer(issuer: string): string | undefined {
  const m = /^https:\/\/(?:oidc\.eks\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?|oidc-eks\.([a-z0-9-]+)\.api\.aws)(?:\/|$)/.exec(issuer);
  return m ? (m[1] ?? m[2]) : undefined;
}

export function regionFromClusterArn(arn: string): string | undefined {
  return CLUSTER_ARN.exec(arn)?.[1];
}

/** The cluster object: `{ cluster: {...} }` from describe-cluster, or `--query cluster`. */
function clusterObject(v: unknown): Rec | null {
  if (!isRecord(v)) return null;
  const wrapped = rec(v, 'cluster');
  if (wrapped && (typeof wrapped['name'] === 'string' || typeof wrapped['arn'] === 'string')) return wrapped;
  const arn = str(v, 'arn');
  if (arn !== undefined && CLUSTER_ARN.test(arn) && ('identity' in v || 'endpoint' in v || 'version' in v)) return v;
  return null;
}

function toClusterFact(c: Rec, source: Source): ClusterFact {
  const identity = c['identity'];
  let issuer: string | null = null;
  if (identity !== undefined && identity !== null) {
    if (!isRecord(identity)) throw new InputError(source.path, 'cluster.identity is not an object', source.line);
    const oidc = identity['oidc'];
    if (oidc !== undefined && oidc !== null) {
      if (!isRecord(oidc)) throw new InputError(source.path, 'cluster.identity.oidc is not an object', source.line);
      const iss = oidc['issuer'];
      if (iss !== undefined && iss !== null && typeof iss !== 'string') {
        throw new InputError(source.path, 'cluster.identity.oidc.issuer is not a string', source.line);
      }
      issuer = typeof iss === 'string' && iss !== '' ? iss : null;
    }
  }
  const fact: ClusterFact = { kind: 'cluster', source, issuer };
  const name = str(c, 'name');
  const arn = str(c, 'arn');
  const version = str(c, 'version');
  const endpoint = str(c, 'endpoint');
  const status = str(c, 'status');
  if (name !== undefined) fact.name = name;
  if (arn !== undefined) fact.arn = arn;
  if (version !== undefined) fact.version = version;
  if (endpoint !== undefined) fact.endpoint = endpoint;
  if (status !== undefined) fact.status = status;
  const vpc = rec(c, 'resourcesVpcConfig');
  if (vpc) {
    const pub = own(vpc, 'endpointPublicAccess');
    const priv = own(vpc, 'endpointPrivateAccess');
    if (typeof pub === 'boolean') fact.endpointPublicAccess = pub;
    if (typeof priv === 'boolean') fact.endpointPrivateAccess = priv;
  }
  const region = (arn !== undefined ? regionFromClusterArn(arn) : undefined) ?? (issuer !== null ? regionFromIssuer(issuer) : undefined);
  if (region !== undefined) fact.region = region;
  return fact;
}

export const describeCluster: Recogniser = {
  format: 'aws eks describe-cluster',
  reads: 'structured',
  recognise(input: FileInput, source: Source): Fact[] | null {
    const facts: Fact[] = [];
    for (const doc of docsOf(input)) {
      const c = clusterObject(doc.value);
      if (!c) return null;
      facts.push(toClusterFact(c, docSource(input, source, doc)));
    }
    return facts.length ? facts : null;
  },
};

/** `--query cluster.identity` prints `{ "oidc": { "issuer": "..." } }`. */
export const describeClusterIdentity: Recogniser = {
  format: 'aws eks describe-cluster --query cluster.identity',
  reads: 'structured',
  recognise(input, source) {
    const facts: Fact[] = [];
    for (const doc of docsOf(input)) {
      const v = doc.value;
      if (!isRecord(v) || Object.keys(v).length !== 1) return null;
      const oidc = rec(v, 'oidc');
      const issuer = oidc ? str(oidc, 'issuer') : undefined;
      if (issuer === undefined || !/^https:\/\//.test(issuer)) return null;
      const fact: ClusterFact = { kind: 'cluster', source: docSource(input, source, doc), issuer };
      const region = regionFromIssuer(issuer);
      if (region !== undefined) fact.region = region;
      facts.push(fact);
    }
    return facts.length ? facts : null;
  },
};

/**
 * Parses a lone issuer URL: what `aws eks describe-cluster --name X --query
 * cluster.identity.oidc.issuer --output text` prints (or `--output json`: the same in quotes).
 * Returns the URL, or null when the text is not one https URL.
 */
export function parseIssuerLine(text: string): string | null {
  const body = lines(text).map((l) => l.trim()).filter((l) => l !== '');
  if (body.length !== 1) return null;
  const m = /^"?(https:\/\/[^\s"]+)"?$/.exec(body[0]!);
  if (!m) return null;
  const url = m[1]!;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  // An issuer has a host and no query or fragment (IAM refuses them).
  if (parsed.hostname === '' || parsed.search !== '' || parsed.hash !== '') return null;
  // The discovery or JWKS URL is not the issuer (`<issuer>/.well-known/openid-configuration`,
  // EKS's `<issuer>/keys`, the API server's `/openid/v1/jwks`).
  if (/\/\.well-known\/|\/openid\/v1\/jwks$/.test(parsed.pathname)) return null;
  if (regionFromIssuer(url) !== undefined && /\/id\/[^/]+\/keys$/.test(parsed.pathname)) return null;
  return url;
}

export const issuerUrl: Recogniser = {
  format: 'aws eks describe-cluster --query cluster.identity.oidc.issuer --output text',
  reads: 'text',
  recognise(input, source) {
    const issuer = parseIssuerLine(input.text);
    if (issuer === null) return null;
    const fact: ClusterFact = { kind: 'cluster', source, issuer };
    const region = regionFromIssuer(issuer);
    if (region !== undefined) fact.region = region;
    return [fact];
  },
};
