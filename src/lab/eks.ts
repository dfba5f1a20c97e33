// The lab's EKS API: REST-JSON as botocore's EKS model describes it
// (botocore/data/eks/2017-11-01/service-2.json): `GET /clusters` (ListClusters, `maxResults`
// 1-100 and `nextToken` in the query string) and `GET /clusters/{name}` (DescribeCluster), both
// SigV4-signed for the `eks` service. Clusters come from LabState.clusters and are visible to
// callers of the cluster's account in the cluster's region (the region of the request's
// credential scope), as EKS is regional.
//
// Errors are JSON bodies with the type in the `x-amzn-ErrorType` header (how botocore's
// RestJSONParser and the JS SDK read them):
//   - ResourceNotFoundException 404 `No cluster found for name: X.` (seen from AWS in
//     MaterializeInc/materialize#31179; moto's body layout, which moto took from cURL responses)
//   - TooManyRequestsException 429 `Too Many Requests` (awslabs/amazon-eks-ami#218: the aws CLI's
//     DescribeCluster error under throttling)
//   - ServerException 500 (the model's documentation string)
//   - signature problems as REST-JSON services name them (UnrecognizedClientException,
//     InvalidSignatureException, ExpiredTokenException, MissingAuthenticationTokenException).
//   - AccessDeniedException 403 when the caller's identity policies do not allow
//     eks:ListClusters / eks:DescribeCluster (./authz.ts), checked before the operation runs.

import { createHash } from 'node:crypto';
import { authorize, eksAuthzRequest, type AccessDenial, type Authorizer } from './authz.js';
import type { LabRequest, LabResponse, Service } from './http.js';
import { verifySigV4, type AwsErrorInfo, type SigV4Result } from './sigv4.js';
import { requestId, type LabCluster, type LabState } from './state.js';
import type { Clock } from './types.js';

export type Authenticate = (req: LabRequest) => SigV4Result;

export interface EksServiceOptions {
  readonly state: LabState;
  readonly clock: Clock;
  readonly authenticate?: Authenticate;
  /**
   * Authorizes an authenticated call before its handler runs (./authz.ts); the default evaluates
   * the caller's identity policies, as AWS does. `() => undefined` allows everything.
   */
  readonly authorize?: Authorizer;
}

/** Query-protocol signature error codes -> the names REST-JSON services use for them. */
const AUTH_ERROR_TYPES: Record<string, { type: string; message?: string }> = {
  MissingAuthenticationToken: { type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' },
  InvalidClientTokenId: { type: 'UnrecognizedClientException' },
  SignatureDoesNotMatch: { type: 'InvalidSignatureException' },
  ExpiredToken: { type: 'ExpiredTokenException' },
  IncompleteSignature: { type: 'IncompleteSignatureException' },
};

function json(status: number, body: unknown, rid: string, errorType?: string): LabResponse {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amzn-requestid': rid };
  if (errorType) headers['x-amzn-errortype'] = errorType;
  return { status, headers, body: JSON.stringify(body) };
}

export function eksError(status: number, type: string, message: string, extra: Record<string, unknown> = {}, rid = requestId()): LabResponse {
  return json(status, { ...extra, message }, rid, type);
}

/**
 * EKS's AccessDeniedException (403, botocore EKS model: `AccessDeniedException`, httpStatusCode
 * 403, member `message`) with IAM's sentence. The denial comes from AWS's request authorization
 * layer in front of the service, whose REST-JSON answers carry the message as `Message` (seen from
 * AWS in denials of OpenSearch and Bedrock runtime calls); botocore's RestJSONParser and the JS
 * SDK read `message` or `Message` alike and take the code from `x-amzn-ErrorType`.
 */
export function eksAccessDenied(d: AccessDenial, rid = requestId()): LabResponse {
  return json(403, { Message: d.message }, rid, 'AccessDeniedException');
}

function authError(e: AwsErrorInfo, rid: string): LabResponse {
  const t = AUTH_ERROR_TYPES[e.code];
  return eksError(e.status, t?.type ?? e.code, t?.message ?? e.message, {}, rid);
}

type Route = { op: 'ListClusters' } | { op: 'DescribeCluster'; name: string } | { op: 'unknown' };

function route(req: LabRequest): Route {
  if (req.method !== 'GET') return { op: 'unknown' };
  const path = req.url.pathname.replace(/\/+$/, '');
  if (path === '/clusters') return { op: 'ListClusters' };
  const m = /^\/clusters\/([^/]+)$/.exec(path);
  if (m) {
    try {
      return { op: 'DescribeCluster', name: decodeURIComponent(m[1] ?? '') };
    } catch {
      return { op: 'unknown' };
    }
  }
  return { op: 'unknown' };
}

/** Stable ids derived from the cluster ARN, for the parts of a cluster the lab does not model (its VPC). */
function stableHex(seed: string, what: string, n = 17): string {
  return createHash('sha256').update(`${what}:${seed}`).digest('hex').slice(0, n);
}

/** The cluster as DescribeCluster's `cluster` member (botocore shape `Cluster`). */
export function clusterShape(c: LabCluster, state: LabState): Record<string, unknown> {
  const partition = state.accounts.get(c.account)?.partition ?? (c.arn.split(':')[1] as string);
  const ca = c.certificateAuthority.includes('-----BEGIN') ? Buffer.from(c.certificateAuthority).toString('base64') : c.certificateAuthority;
  const out: Record<string, unknown> = {
    name: c.name,
    arn: c.arn,
    // A JSON number of epoch seconds with milliseconds, e.g. 1527807879.988 (botocore examples-1.json).
    createdAt: c.createdAt.getTime() / 1000,
    version: c.version,
    endpoint: c.endpoint,
    roleArn: `arn:${partition}:iam::${c.account}:role/${c.name}-cluster-role`,
    resourcesVpcConfig: {
      subnetIds: [`subnet-${stableHex(c.arn, 'subnet-a')}`, `subnet-${stableHex(c.arn, 'subnet-b')}`, `subnet-${stableHex(c.arn, 'subnet-c')}`],
      securityGroupIds: [`sg-${stableHex(c.arn, 'sg-control-plane')}`],
      clusterSecurityGroupId: `sg-${stableHex(c.arn, 'sg-cluster')}`,
      vpcId: `vpc-${stableHex(c.arn, 'vpc')}`,
      endpointPublicAccess: c.endpointPublicAccess,
      endpointPrivateAccess: c.endpointPrivateAccess,
      publicAccessCidrs: c.endpointPublicAccess ? ['0.0.0.0/0'] : [],
    },
    kubernetesNetworkConfig: { serviceIpv4Cidr: '10.100.0.0/16', ipFamily: 'ipv4', elasticLoadBalancing: { enabled: false } },
    logging: { clusterLogging: [{ types: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'], enabled: false }] },
  };
  // Clusters without an OIDC issuer (the lab's `issuer: none`) have no `identity` member.
  if (c.issuer !== '') out['identity'] = { oidc: { issuer: c.issuer } };
  Object.assign(out, {
    status: c.status,
    certificateAuthority: { data: ca },
    platformVersion: 'eks.1',
    tags: { ...c.tags },
    health: { issues: [] },
    accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' },
    upgradePolicy: { supportType: 'STANDARD' },
  });
  return out;
}

export class EksService implements Service {
  readonly name = 'eks' as const;
  private readonly state: LabState;
  private readonly clock: Clock;
  private readonly authenticate: Authenticate;
  private readonly authorize: Authorizer;

  constructor(opts: EksServiceOptions) {
    this.state = opts.state;
    this.clock = opts.clock;
    this.authenticate = opts.authenticate ?? ((req) => verifySigV4(req, { state: this.state, service: 'eks', now: this.clock.now() }));
    this.authorize = opts.authorize ?? ((cred, r) => authorize(this.state, cred, r.action, r.resource, { now: this.clock.now(), ...(r.context ? { context: r.context } : {}) }));
  }

  operationOf(req: LabRequest): string {
    return route(req).op;
  }

  /** The clusters a caller sees: its account's, in the region it signed for, by name. */
  private visible(account: string, region: string): LabCluster[] {
    return [...this.state.clusters.values()].filter((c) => c.account === account && c.region === region).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  handle(req: LabRequest): LabResponse {
    const rid = requestId();
    const auth = this.authenticate(req);
    if (!auth.ok) return authError(auth.error, rid);
    const r = route(req);
    const account = auth.credential.account;
    if (r.op !== 'unknown') {
      // Authorized after authentication, before the operation validates or reads anything.
      const a = eksAuthzRequest(this.state, account, auth.region, r);
      const denied = this.authorize(auth.credential, { ...a, context: { 'aws:RequestedRegion': auth.region, ...a.context } });
      if (denied) return eksAccessDenied(denied, rid);
    }
    if (r.op === 'ListClusters') return this.list(req, account, auth.region, rid);
    if (r.op === 'DescribeCluster') {
      const c = this.visible(account, auth.region).find((x) => x.name === r.name);
      if (!c) {
        return eksError(404, 'ResourceNotFoundException', `No cluster found for name: ${r.name}.`, { clusterName: null, nodegroupName: null, fargateProfileName: null, addonName: null }, rid);
      }
      return json(200, { cluster: clusterShape(c, this.state) }, rid);
    }
    return eksError(404, 'UnknownOperationException', `The lab's EKS API does not serve ${req.method} ${req.url.pathname} (it serves ListClusters and DescribeCluster).`, {}, rid);
  }

  private list(req: LabRequest, account: string, region: string, rid: string): LabResponse {
    const rawMax = req.url.searchParams.get('maxResults');
    let max = 100;
    if (rawMax !== null) {
      const n = Number(rawMax);
      if (!Number.isInteger(n) || n < 1 || n > 100) {
        return eksError(400, 'InvalidParameterException', `1 validation error detected: Value '${rawMax}' at 'maxResults' failed to satisfy constraint: Member must have value ${n < 1 ? 'greater than or equal to 1' : 'less than or equal to 100'}`, { clusterName: null }, rid);
      }
      max = n;
    }
    let offset = 0;
    const token = req.url.searchParams.get('nextToken');
    if (token !== null) {
      const m = /^lab-next:(\d+)$/.exec(Buffer.from(token, 'base64').toString('utf8'));
      if (!m) return eksError(400, 'InvalidParameterException', 'The nextToken provided is not valid.', { clusterName: null }, rid);
      offset = Number(m[1]);
    }
    const all = this.visible(account, region);
    const items = all.slice(offset, offset + max);
    const body: { clusters: string[]; nextToken?: string } = { clusters: items.map((c) => c.name) };
    if (offset + items.length < all.length) body.nextToken = Buffer.from(`lab-next:${offset + items.length}`).toString('base64');
    return json(200, body, rid);
  }

  throttled(): LabResponse {
    return eksError(429, 'TooManyRequestsException', 'Too Many Requests');
  }

  serverError(): LabResponse {
    // ServerException's documentation in botocore's EKS model.
    return eksError(500, 'ServerException', 'These errors are usually caused by a server-side issue.', { clusterName: null });
  }
}
