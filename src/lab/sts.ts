// The lab's STS: AWS Query protocol (form-encoded POST or GET query, `Version=2011-06-15`), XML
// answers in the STS namespace, and the validation of aws-behavior.md section 1 written on its
// own (this file imports no check: the lab and the doctor must be able to disagree).
//
// AssumeRoleWithWebIdentity (unsigned, as the SDKs send it), in this order:
//   -1. the API model's constraints (botocore sts-2011-06-15 service model: RoleArn 20..2048,
//       RoleSessionName 2..64 `[\w+=,.@-]*`, WebIdentityToken 4..20000, DurationSeconds
//       900..43200) -> ValidationError `1 validation error detected: Value '..' at 'roleSessionName'
//       failed to satisfy constraint: Member must ...` (coral's wording, seen in SDK issue threads)
//    0. RoleArn not a role ARN -> ValidationError `Request ARN is invalid`
//       [inferred, no source found] a token that is not a JWT -> InvalidIdentityToken with the API
//       reference's description of InvalidIdentityTokenException; a token without `iss` or `exp`
//       -> `Missing a required claim: iss|exp` (by analogy with the documented `aud` message);
//       `nbf`/`iat` are not checked.
//    1. no IAM OIDC provider for the token's `iss` in the ROLE's account -> InvalidIdentityToken
//       `No OpenIDConnect provider found in your account for <iss>`
//    2. no aud -> `Missing a required claim: aud`; aud not a client ID -> `Incorrect token audience`
//    3./4. discovery document then JWKS over real HTTPS; each host's chain must end in a
//       certificate whose SHA-1 is in the provider's ThumbprintList, unless the issuer is
//       "publicly trusted" and its chain verifies against the CA the lab was given (IAM: thumbprints
//       are used only when the certificate is not signed by a trusted CA) -> `OpenIDConnect
//       provider's HTTPS certificate doesn't match configured thumbprint`; a host that cannot be
//       reached, a non-200, bad JSON, or a token `kid` the JWKS lacks -> `Couldn't retrieve
//       verification key from your identity provider,  please reference AssumeRoleWithWebIdentity
//       documentation for requirements` (two spaces; the missing-kid case is the one reported in
//       aws/amazon-eks-pod-identity-webhook#12)
//    5. bad signature -> InvalidIdentityToken `Token signature invalid` (the aws CLI's output for a
//       token whose signature was damaged, in a 2025 write-up of the Big IAM Challenge; aws-behavior
//       marks it unconfirmed)
//    6. expired beyond 5 minutes' leeway -> ExpiredTokenException `Token expired: current date/time
//       <now> must be before the expiration date/time <exp>`
//    7. the role's trust policy, really evaluated (src/iam evaluatePolicy: principal Federated =
//       the provider ARN, action sts:AssumeRoleWithWebIdentity, context `<host/path>:sub`, `:aud`,
//       `aws:FederatedProvider`, `sts:RoleSessionName`); a missing role lands here too, as AWS does
//       not say whether a role exists -> AccessDenied (403) `Not authorized to perform
//       sts:AssumeRoleWithWebIdentity`
//    8. DurationSeconds > MaxSessionDuration -> ValidationError `The requested DurationSeconds
//       exceeds the MaxSessionDuration set for this role.`
// JWKS are cached per issuer for a short time, like STS does (`clearJwksCache()` for tests); the
// observed chains are cached with them and compared with the provider's CURRENT thumbprints on
// every call.
//
// GetCallerIdentity and AssumeRole are SigV4-signed (sigv4.ts). AssumeRole evaluates the target
// role's trust policy with principal AWS = the caller (assumed-role session or user ARN) and, for a
// caller that is a role session, the caller role's identity policies (cross-account needs both;
// same-account, a trust policy that names the caller itself suffices). Lab users (the lab's admin
// keys) are not IAM entities here and count as allowed by their identity policies. Messages:
// AccessDenied (403) `User: <caller arn> is not authorized to perform: sts:AssumeRole on resource:
// <role arn>`; a chained session asking for more than an hour -> ValidationError `The requested
// DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.` (both widely
// quoted from AWS); a malformed RoleArn reuses `Request ARN is invalid` [inferred]. Session policies
// (Policy, PolicyArns) are accepted and ignored: no PackedPolicySize.

import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK, type JWK, type JWTPayload } from 'jose';
import {
  evaluateIdentityPolicies,
  evaluatePolicy,
  isAccountId,
  parseRoleArn,
  stripScheme,
  webIdentityRequest,
  type AudienceMode,
  type ContextValue,
  type NamedPolicy,
} from '../iam/index.js';
import { fetchChain } from '../tls/fetch.js';
import type { LabRequest, LabResponse, Service } from './http.js';
import { verifySigV4, type AwsErrorInfo, type SigV4Options } from './sigv4.js';
import { requestId, type LabAccount, type LabCredential, type LabProvider, type LabRole, type LabState, type Partition } from './state.js';
import { el, errorResponse, queryResponse, type XmlElement } from './sts-xml.js';
import type { Clock } from './types.js';

export const STS_VERSION = '2011-06-15';

export const MSG = {
  arnInvalid: 'Request ARN is invalid',
  noProvider: (iss: string) => `No OpenIDConnect provider found in your account for ${iss}`,
  missingClaim: (claim: string) => `Missing a required claim: ${claim}`,
  audience: 'Incorrect token audience',
  thumbprint: "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint",
  retrieve: "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
  signature: 'Token signature invalid',
  expired: (now: number, exp: number) => `Token expired: current date/time ${now} must be before the expiration date/time ${exp}`,
  // The API reference's description of InvalidIdentityTokenException, for a token that is not a JWT.
  malformed: 'The web identity token that was passed could not be validated by Amazon Web Services. Get a new identity token from the identity provider and then retry the request.',
  webIdentityDenied: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
  assumeRoleDenied: (caller: string, role: string) => `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${role}`,
  duration: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
  chainedDuration: 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
  throttled: 'Rate exceeded',
  internal: 'The request processing has failed because of an unknown error, exception or failure.',
  // The Query protocol's wording for an unknown action (S3Proxy's STS emulation answers the same).
  invalidAction: (a: string) => `Could not find operation ${a} for version ${STS_VERSION}`,
  missingAction: 'The request is missing an action or a required parameter.',
} as const;

export class StsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly type: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
    this.name = 'StsError';
  }
  static from(e: AwsErrorInfo): StsError {
    return new StsError(e.code, e.message, e.status, e.type);
  }
}

export interface StsOptions {
  readonly state: LabState;
  readonly clock: Clock;
  /** CA certificates (PEM) STS trusts for the issuers' HTTPS: the lab CA. */
  readonly ca: string | readonly string[];
  /** Issuers whose certificates count as signed by a CA AWS trusts (EKS-hosted): thumbprints ignored. */
  readonly publiclyTrusted?: (issuerUrl: string) => boolean;
  /** Regions whose signatures this endpoint accepts (sigv4.ts; default: any region). */
  readonly regions?: SigV4Options['regions'];
  /** Only this partition's accounts and keys exist here (default: every partition). */
  readonly partition?: Partition;
  /** How long fetched JWKS are reused, default 60 s. */
  readonly jwksCacheTtlMs?: number;
  /** Per connection / request to an issuer, default 5 s (STS gives IdPs about 5 s). */
  readonly fetchTimeoutMs?: number;
  /** The region this endpoint reports for unsigned calls (RoleLastUsed), default us-east-1. */
  readonly region?: string;
  /** What `<issuer>:aud` holds for a multi-audience token (src/iam/web-identity.ts). */
  readonly audienceMode?: AudienceMode;
}

type Params = Map<string, string>;

function parseParams(req: LabRequest): Params {
  const out: Params = new Map();
  for (const [k, v] of req.url.searchParams) out.set(k, v);
  const ct = String(req.headers['content-type'] ?? '');
  if (req.body.length > 0 && (ct === '' || ct.includes('application/x-www-form-urlencoded'))) {
    for (const [k, v] of new URLSearchParams(req.body.toString('utf8'))) out.set(k, v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Model validation (coral wording)

interface Constraint {
  readonly param: string;
  /** The member name as coral prints it (lower camel case). */
  readonly member: string;
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: { readonly re: RegExp; readonly text: string };
  readonly int?: { readonly min: number; readonly max: number };
  /** Sensitive members are not echoed. */
  readonly sensitive?: boolean;
}

const SESSION_NAME = { re: /^[\w+=,.@-]*$/, text: '[\\w+=,.@-]*' };
const ARN_PATTERN = { re: /^[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD]+$/, text: '[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+' };

const WEB_IDENTITY_MODEL: readonly Constraint[] = [
  { param: 'RoleArn', member: 'roleArn', required: true, min: 20, max: 2048, pattern: ARN_PATTERN },
  { param: 'RoleSessionName', member: 'roleSessionName', required: true, min: 2, max: 64, pattern: SESSION_NAME },
  { param: 'WebIdentityToken', member: 'webIdentityToken', required: true, min: 4, max: 20000, sensitive: true },
  { param: 'ProviderId', member: 'providerId', min: 4, max: 2048 },
  { param: 'DurationSeconds', member: 'durationSeconds', int: { min: 900, max: 43200 } },
];

const ASSUME_ROLE_MODEL: readonly Constraint[] = [
  { param: 'RoleArn', member: 'roleArn', required: true, min: 20, max: 2048, pattern: ARN_PATTERN },
  { param: 'RoleSessionName', member: 'roleSessionName', required: true, min: 2, max: 64, pattern: SESSION_NAME },
  { param: 'DurationSeconds', member: 'durationSeconds', int: { min: 900, max: 43200 } },
  { param: 'ExternalId', member: 'externalId', min: 2, max: 1224, pattern: { re: /^[\w+=,.@:/-]*$/, text: '[\\w+=,.@:\\/-]*' } },
];

function validate(params: Params, model: readonly Constraint[]): void {
  const errors: string[] = [];
  for (const c of model) {
    const v = params.get(c.param);
    const value = c.sensitive ? 'Value' : v === undefined ? 'Value null' : `Value '${v}'`;
    const at = `${value} at '${c.member}' failed to satisfy constraint: `;
    if (v === undefined) {
      if (c.required) errors.push(`${at}Member must not be null`);
      continue;
    }
    if (c.int) {
      if (!/^-?\d+$/.test(v)) {
        errors.push(`${at}Member must be a valid integer`);
        continue;
      }
      const n = Number(v);
      if (n < c.int.min) errors.push(`${at}Member must have value greater than or equal to ${c.int.min}`);
      else if (n > c.int.max) errors.push(`${at}Member must have value less than or equal to ${c.int.max}`);
      continue;
    }
    const len = [...v].length;
    if (c.min !== undefined && len < c.min) errors.push(`${at}Member must have length greater than or equal to ${c.min}`);
    else if (c.max !== undefined && len > c.max) errors.push(`${at}Member must have length less than or equal to ${c.max}`);
    if (c.pattern && !c.pattern.re.test(v)) errors.push(`${at}Member must satisfy regular expression pattern: ${c.pattern.text}`);
  }
  if (errors.length > 0) {
    throw new StsError('ValidationError', `${errors.length} validation error${errors.length > 1 ? 's' : ''} detected: ${errors.join('; ')}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Fetching an issuer's keys

interface HostRecord {
  readonly host: string;
  readonly port: number;
  /** SHA-1 (lower-case hex) of the last certificate the host sent. */
  readonly thumbprint: string;
  /** The chain verified against the given CA and the name matched. */
  readonly authorized: boolean;
  readonly leaf: Buffer;
}

interface KeyCacheEntry {
  readonly at: number;
  readonly hosts: readonly HostRecord[];
  readonly keys: readonly JWK[];
}

class RetrieveError extends Error {}

function hostPort(u: URL): { host: string; port: number } {
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return { host, port: u.port === '' ? 443 : Number(u.port) };
}

const sha1 = (der: Buffer) => createHash('sha1').update(der).digest('hex');

/** GET a small JSON document over the connection whose leaf we inspected (pinned by its DER). */
function getJson(u: URL, leaf: Buffer, timeoutMs: number): Promise<unknown> {
  const { host, port } = hostPort(u);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host,
        port,
        path: `${u.pathname}${u.search}`,
        method: 'GET',
        headers: { accept: 'application/json', 'user-agent': 'irsa-doctor-lab-sts' },
        rejectUnauthorized: false,
        agent: false,
        ...(isIP(host) === 0 ? { servername: host } : {}),
        timeout: timeoutMs,
      },
      (res) => {
        const sock = res.socket as TLSSocket;
        const got = sock.getPeerX509Certificate?.();
        if (!got || !got.raw.equals(leaf)) {
          res.destroy();
          reject(new RetrieveError(`${u.host} presented another certificate`));
          return;
        }
        if (res.statusCode !== 200) {
          res.resume();
          reject(new RetrieveError(`${u.href}: HTTP ${res.statusCode}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > 1024 * 1024) {
            res.destroy();
            reject(new RetrieveError(`${u.href}: document too large`));
          } else chunks.push(c);
        });
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch {
            reject(new RetrieveError(`${u.href}: not JSON`));
          }
        });
        res.on('error', (e) => reject(new RetrieveError(e.message)));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', (e) => reject(new RetrieveError(e.message)));
    req.end();
  });
}

// ---------------------------------------------------------------------------------------------
// The service

const ASSUME_ROLE_WITH_WEB_IDENTITY = 'AssumeRoleWithWebIdentity';
const SIGNED_ACTIONS = new Set(['GetCallerIdentity', 'AssumeRole']);

const xmlDate = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function credentialsXml(c: LabCredential): XmlElement {
  // Member order as in the STS API reference's examples.
  return el('Credentials', [
    el('SessionToken', c.sessionToken),
    el('SecretAccessKey', c.secretAccessKey),
    el('Expiration', c.expiration ? xmlDate(c.expiration) : undefined),
    el('AccessKeyId', c.accessKeyId),
  ]);
}

function assumedRoleUserXml(c: LabCredential): XmlElement {
  return el('AssumedRoleUser', [el('Arn', c.arn), el('AssumedRoleId', c.userId)]);
}

export class LabSts implements Service {
  readonly name = 'sts' as const;
  private readonly keyCache = new Map<string, KeyCacheEntry>();
  private readonly ca: string[];

  constructor(private readonly opts: StsOptions) {
    this.ca = typeof opts.ca === 'string' ? [opts.ca] : [...opts.ca];
  }

  /** Forgets every fetched JWKS and observed chain (tests change issuers between calls). */
  clearJwksCache(): void {
    this.keyCache.clear();
  }

  operationOf(req: LabRequest): string {
    return parseParams(req).get('Action') ?? 'unknown';
  }

  async handle(req: LabRequest, operation: string): Promise<LabResponse> {
    const rid = requestId();
    try {
      const params = parseParams(req);
      if (req.method !== 'POST' && req.method !== 'GET') throw new StsError('InvalidAction', MSG.invalidAction(operation));
      // AWS's common Query errors: MissingAction (400) "The request is missing an action or a required parameter."
      if (!params.has('Action')) throw new StsError('MissingAction', MSG.missingAction);
      let result: XmlElement[] | undefined;
      if (operation === ASSUME_ROLE_WITH_WEB_IDENTITY) {
        result = await this.assumeRoleWithWebIdentity(params);
      } else if (SIGNED_ACTIONS.has(operation)) {
        const auth = verifySigV4(req, {
          state: this.opts.state,
          service: 'sts',
          now: this.opts.clock.now(),
          ...(this.opts.regions !== undefined ? { regions: this.opts.regions } : {}),
          ...(this.opts.partition !== undefined ? { partition: this.opts.partition } : {}),
        });
        if (!auth.ok) throw StsError.from(auth.error);
        result = operation === 'GetCallerIdentity' ? this.getCallerIdentity(auth.credential) : this.assumeRole(params, auth.credential, auth.region);
      } else {
        throw new StsError('InvalidAction', MSG.invalidAction(operation));
      }
      return { status: 200, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': rid }, body: queryResponse(operation, result, rid) };
    } catch (e) {
      if (e instanceof StsError) return this.error(e, rid);
      throw e;
    }
  }

  throttled(): LabResponse {
    return this.error(new StsError('Throttling', MSG.throttled, 400), requestId());
  }

  serverError(): LabResponse {
    return this.error(new StsError('InternalFailure', MSG.internal, 500, 'Receiver'), requestId());
  }

  private error(e: StsError, rid: string): LabResponse {
    return { status: e.status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': rid }, body: errorResponse(e.type, e.code, e.message, rid) };
  }

  // -------------------------------------------------------------------------------------------
  // Lookups

  private account(id: string, partition: string): LabAccount | undefined {
    const a = this.opts.state.accounts.get(id);
    if (!a || a.partition !== partition) return undefined;
    if (this.opts.partition !== undefined && a.partition !== this.opts.partition) return undefined;
    return a;
  }

  private role(account: LabAccount | undefined, name: string): LabRole | undefined {
    if (!account) return undefined;
    // Role names are unique in an account whatever the path; STS finds the role by name.
    return account.roles.get(name) ?? [...account.roles.values()].find((r) => r.name === name);
  }

  private provider(account: LabAccount | undefined, iss: string): LabProvider | undefined {
    if (!account || !/^https:\/\//i.test(iss)) return undefined;
    const want = normaliseHostPath(stripScheme(iss));
    return [...account.providers.values()].find((p) => normaliseHostPath(p.url) === want);
  }

  private policyDocument(account: LabAccount, arn: string): string | undefined {
    const p = account.policies.get(arn) ?? this.opts.state.awsPolicies.get(arn);
    return p?.versions.find((v) => v.versionId === p.defaultVersionId)?.document;
  }

  // -------------------------------------------------------------------------------------------
  // AssumeRoleWithWebIdentity

  private async assumeRoleWithWebIdentity(params: Params): Promise<XmlElement[]> {
    validate(params, WEB_IDENTITY_MODEL);
    const roleArnText = params.get('RoleArn') as string;
    const sessionName = params.get('RoleSessionName') as string;
    const token = params.get('WebIdentityToken') as string;
    const roleArn = parseRoleArn(roleArnText);
    if (!roleArn.ok || roleArn.arn !== roleArnText) throw new StsError('ValidationError', MSG.arnInvalid);

    let claims: JWTPayload;
    let header: { kid?: string; alg?: string };
    try {
      claims = decodeJwt(token);
      header = decodeProtectedHeader(token) as { kid?: string; alg?: string };
    } catch {
      throw new StsError('InvalidIdentityToken', MSG.malformed);
    }
    const iss = typeof claims.iss === 'string' ? claims.iss : undefined;
    if (iss === undefined) throw new StsError('InvalidIdentityToken', MSG.missingClaim('iss'));

    // 1. Provider in the role's account.
    const account = this.account(roleArn.account, roleArn.partition);
    const provider = this.provider(account, iss);
    if (!account || !provider) throw new StsError('InvalidIdentityToken', MSG.noProvider(iss));

    // 2. Audience.
    const auds = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud.filter((a): a is string => typeof a === 'string') : [];
    if (auds.length === 0) throw new StsError('InvalidIdentityToken', MSG.missingClaim('aud'));
    const audience = auds.find((a) => provider.clientIds.includes(a));
    if (audience === undefined) throw new StsError('InvalidIdentityToken', MSG.audience);

    // 3./4. Thumbprints and keys.
    const key = await this.verificationKey(iss, provider, header.kid);

    // 5. Signature.
    try {
      if (!header.alg || !/^(RS|ES|PS)(256|384|512)$/.test(header.alg)) throw new Error('unsupported alg');
      await compactVerify(token, await importJWK({ ...key, alg: header.alg }, header.alg));
    } catch {
      throw new StsError('InvalidIdentityToken', MSG.signature);
    }

    // 6. Expiry, 5 minutes' leeway (IAM User Guide: tokens are accepted up to 5 min past exp).
    const nowSec = Math.floor(this.opts.clock.now().getTime() / 1000);
    if (typeof claims.exp !== 'number') throw new StsError('InvalidIdentityToken', MSG.missingClaim('exp'));
    if (nowSec > claims.exp + 300) throw new StsError('ExpiredTokenException', MSG.expired(nowSec, claims.exp));

    // 7. Trust policy.
    const wi = webIdentityRequest({
      providerArn: provider.arn,
      claims,
      clientIds: provider.clientIds,
      ...(this.opts.audienceMode !== undefined ? { audienceMode: this.opts.audienceMode } : {}),
      roleSessionName: sessionName,
      extraContext: { 'aws:FederatedProvider': provider.arn, ...this.globalContext() },
    });
    const role = this.role(account, roleArn.name);
    if (!wi.ok || !role) throw new StsError('AccessDenied', MSG.webIdentityDenied, 403);
    const trust = evaluatePolicy(role.assumeRolePolicyDocument, wi.request, { kind: 'trust' });
    if (trust.decision !== 'allow') throw new StsError('AccessDenied', MSG.webIdentityDenied, 403);

    // 8. Duration.
    const duration = params.has('DurationSeconds') ? Number(params.get('DurationSeconds')) : 3600;
    if (duration > role.maxSessionDuration) throw new StsError('ValidationError', MSG.duration);

    const cred = this.opts.state.issueSession(account.id, role, sessionName, duration, this.opts.clock.now());
    role.lastUsed = { date: this.opts.clock.now(), region: this.opts.region ?? 'us-east-1' };
    return [
      el('SubjectFromWebIdentityToken', typeof claims.sub === 'string' ? claims.sub : undefined),
      el('Audience', audience),
      assumedRoleUserXml(cred),
      credentialsXml(cred),
      el('Provider', provider.arn),
    ];
  }

  private globalContext(): Record<string, ContextValue> {
    const now = this.opts.clock.now();
    return { 'aws:CurrentTime': xmlDate(now), 'aws:EpochTime': String(Math.floor(now.getTime() / 1000)), 'aws:SecureTransport': 'true' };
  }

  /** The JWK for `kid`, fetched (or cached) with every host's chain checked against the provider. */
  private async verificationKey(iss: string, provider: LabProvider, kid: string | undefined): Promise<JWK> {
    const ttl = this.opts.jwksCacheTtlMs ?? 60_000;
    let entry = this.keyCache.get(iss);
    const fresh = entry !== undefined && Date.now() - entry.at < ttl;
    if (!fresh) entry = await this.fetchKeys(iss, provider);
    else this.checkThumbprints(iss, provider, (entry as KeyCacheEntry).hosts);
    let key = pick((entry as KeyCacheEntry).keys, kid);
    if (!key && fresh) {
      // An unknown kid: the issuer may have rotated; fetch again once.
      entry = await this.fetchKeys(iss, provider);
      key = pick(entry.keys, kid);
    }
    if (!key) throw new StsError('InvalidIdentityToken', MSG.retrieve);
    return key;
  }

  private trusted(iss: string, provider: LabProvider, h: HostRecord): boolean {
    if (this.opts.publiclyTrusted?.(iss) && h.authorized) return true;
    return provider.thumbprints.some((t) => t.toLowerCase() === h.thumbprint);
  }

  private checkThumbprints(iss: string, provider: LabProvider, hosts: readonly HostRecord[]): void {
    for (const h of hosts) if (!this.trusted(iss, provider, h)) throw new StsError('InvalidIdentityToken', MSG.thumbprint);
  }

  private async connect(u: URL): Promise<HostRecord> {
    const { host, port } = hostPort(u);
    try {
      const chain = await fetchChain(host, port, { ca: this.ca, timeoutMs: this.opts.fetchTimeoutMs ?? 5000 });
      const last = chain.certs[chain.certs.length - 1] as Buffer;
      return { host, port, thumbprint: sha1(last), authorized: chain.authorized, leaf: chain.certs[0] as Buffer };
    } catch {
      throw new StsError('InvalidIdentityToken', MSG.retrieve);
    }
  }

  private async fetchKeys(iss: string, provider: LabProvider): Promise<KeyCacheEntry> {
    const timeout = this.opts.fetchTimeoutMs ?? 5000;
    const retrieveFailed = () => new StsError('InvalidIdentityToken', MSG.retrieve);
    let discoveryUrl: URL;
    try {
      discoveryUrl = new URL(`${iss.replace(/\/$/, '')}/.well-known/openid-configuration`);
    } catch {
      throw retrieveFailed();
    }
    const first = await this.connect(discoveryUrl);
    this.checkThumbprints(iss, provider, [first]);
    let doc: unknown;
    try {
      doc = await getJson(discoveryUrl, first.leaf, timeout);
    } catch {
      throw retrieveFailed();
    }
    const jwksUri = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>)['jwks_uri'] : undefined;
    let jwksUrl: URL;
    try {
      jwksUrl = new URL(String(jwksUri));
    } catch {
      throw retrieveFailed();
    }
    if (typeof jwksUri !== 'string' || jwksUrl.protocol !== 'https:') throw retrieveFailed();
    const a = hostPort(discoveryUrl);
    const b = hostPort(jwksUrl);
    const second = a.host === b.host && a.port === b.port ? first : await this.connect(jwksUrl);
    if (second !== first) this.checkThumbprints(iss, provider, [second]);
    let jwks: unknown;
    try {
      jwks = await getJson(jwksUrl, second.leaf, timeout);
    } catch {
      throw retrieveFailed();
    }
    const keys = typeof jwks === 'object' && jwks !== null && Array.isArray((jwks as { keys?: unknown }).keys) ? ((jwks as { keys: unknown[] }).keys.filter((k) => typeof k === 'object' && k !== null) as JWK[]) : undefined;
    if (!keys) throw retrieveFailed();
    const entry: KeyCacheEntry = { at: Date.now(), hosts: second === first ? [first] : [first, second], keys };
    this.keyCache.set(iss, entry);
    return entry;
  }

  // -------------------------------------------------------------------------------------------
  // GetCallerIdentity

  private getCallerIdentity(c: LabCredential): XmlElement[] {
    return [el('Arn', c.arn), el('UserId', c.userId), el('Account', c.account)];
  }

  // -------------------------------------------------------------------------------------------
  // AssumeRole

  private assumeRole(params: Params, caller: LabCredential, region: string): XmlElement[] {
    validate(params, ASSUME_ROLE_MODEL);
    const roleArnText = params.get('RoleArn') as string;
    const sessionName = params.get('RoleSessionName') as string;
    const roleArn = parseRoleArn(roleArnText);
    if (!roleArn.ok || roleArn.arn !== roleArnText) throw new StsError('ValidationError', MSG.arnInvalid);
    const denied = () => new StsError('AccessDenied', MSG.assumeRoleDenied(caller.arn, roleArnText), 403);

    const account = this.account(roleArn.account, roleArn.partition);
    const role = this.role(account, roleArn.name);
    if (!account || !role) throw denied();

    const session = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(caller.arn);
    const callerAccount = this.opts.state.accounts.get(caller.account);
    const callerRole = session ? this.role(callerAccount, session[3] as string) : undefined;
    const principalArn = callerRole ? callerRole.arn : caller.arn;
    const context: Record<string, ContextValue> = {
      ...this.globalContext(),
      'aws:PrincipalArn': principalArn,
      'aws:PrincipalAccount': caller.account,
      'aws:PrincipalType': session ? 'AssumedRole' : 'User',
      'aws:userid': caller.userId,
      'sts:RoleSessionName': sessionName,
    };
    if (!session) context['aws:username'] = caller.arn.split('/').pop() as string;
    const externalId = params.get('ExternalId');
    if (externalId !== undefined) context['sts:ExternalId'] = externalId;

    const request = { principal: { type: 'AWS' as const, id: caller.arn }, action: 'sts:AssumeRole', resource: role.arn, context };
    const trust = evaluatePolicy(role.assumeRolePolicyDocument, request, { kind: 'trust' });
    if (trust.decision !== 'allow') throw denied();
    // Does the trust policy name the caller itself (or everyone), or only its account?
    const direct = trust.deciding.some((i) => {
      const v = trust.statements[i]?.principal?.matchedValue;
      return v !== undefined && !isAccountId(v) && !/^arn:[^:]+:iam::\d{12}:root$/.test(v);
    });
    let identityAllows = true;
    if (session) {
      if (!callerRole || !callerAccount) throw denied();
      const policies: NamedPolicy[] = [];
      for (const arn of callerRole.attachedPolicies) {
        const doc = this.policyDocument(callerAccount, arn);
        if (doc !== undefined) policies.push({ name: arn, document: doc });
      }
      for (const [name, doc] of callerRole.inlinePolicies) policies.push({ name, document: doc });
      const boundary = callerRole.permissionsBoundary !== undefined ? this.policyDocument(callerAccount, callerRole.permissionsBoundary) : undefined;
      identityAllows = evaluateIdentityPolicies(policies, boundary, request).decision === 'allow';
    }
    const sameAccount = caller.account === account.id;
    if (!(sameAccount ? direct || identityAllows : identityAllows)) throw denied();

    const chained = session !== null;
    const duration = params.has('DurationSeconds') ? Number(params.get('DurationSeconds')) : 3600;
    if (chained && duration > 3600) throw new StsError('ValidationError', MSG.chainedDuration);
    if (duration > role.maxSessionDuration) throw new StsError('ValidationError', MSG.duration);

    const cred = this.opts.state.issueSession(account.id, role, sessionName, duration, this.opts.clock.now());
    role.lastUsed = { date: this.opts.clock.now(), region };
    return [assumedRoleUserXml(cred), credentialsXml(cred)];
  }
}

function pick(keys: readonly JWK[], kid: string | undefined): JWK | undefined {
  return keys.find((k) => (k.kid ?? undefined) === kid && (k.use === undefined || k.use === 'sig'));
}

/** Host lower-cased, the rest as is: DNS names are case-insensitive, paths are not. */
function normaliseHostPath(hp: string): string {
  const i = hp.indexOf('/');
  return i < 0 ? hp.toLowerCase() : hp.slice(0, i).toLowerCase() + hp.slice(i);
}
