// AWS Signature Version 4 verification for the lab's STS, IAM and EKS servers: the request must
// be signed with the secret of an access key the lab issued (LabState.credentials), carry that
// key's session token, and be scoped to a region this endpoint serves, the right service and the
// request's date. Both forms are accepted: the Authorization header (what the SDKs send) and the
// query string (presigned URLs, e.g. the GetCallerIdentity URL inside an EKS `k8s-aws-v1.` token).
//
// The algorithm is AWS's published one (IAM User Guide, "Create a signed AWS API request"):
// canonical request, string to sign `AWS4-HMAC-SHA256\n<amz-date>\n<scope>\n<hash>`, signing key
// HMAC chain over date, region, service and `aws4_request`.
//
// Errors, with AWS's codes and strings (sources in comments where they are used):
// - no signature at all -> MissingAuthenticationToken (403) `Request is missing Authentication Token`
// - scope problems -> SignatureDoesNotMatch (403): AWS's coral services join one sentence per
//   problem, each ending with ". " (raw STS XML seen in hashicorp/vault and a route53 response:
//   `<Message>Credential should be scoped to a valid region. </Message>`, trailing space kept)
// - unknown key, or a key of another partition, or a wrong/missing session token -> InvalidClientTokenId
//   (403) `The security token included in the request is invalid.`
// - expired session -> ExpiredToken (403) `The security token included in the request is expired`
// - bad signature -> SignatureDoesNotMatch (403) `The request signature we calculated does not match
//   the signature you provided. Check your AWS Secret Access Key and signing method. Consult the
//   service documentation for details.`
// - clock skew over 5 minutes -> SignatureDoesNotMatch `Signature expired: <t> is now earlier than
//   <t> (<now> - 5 min.)` / `Signature not yet current: <t> is still later than <t> (<now> + 5 min.)`
//   (strings seen from AWS in BOSH docs and CloudFormation logs; IAM User Guide "Troubleshoot signed
//   requests" lists the same three sentences).
//
// Regions. By default an endpoint behaves like the regional endpoint the client signed for: any
// region AWS knows is accepted and decides the partition the key is looked up in, so China keys
// signed for us-east-1 are unknown (InvalidClientTokenId), as aws-behavior.md section 1 says. An
// endpoint that stands for one region (the global STS endpoint is us-east-1, IAM is global too)
// passes `regions`, and any other scope region gets `Credential should be scoped to a valid region. `.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isKnownPartition, isRegionName, partitionOfRegion } from '../iam/index.js';
import type { LabCredential, LabState, Partition } from './state.js';

export interface AwsErrorInfo {
  readonly code: string;
  readonly message: string;
  readonly status: number;
  readonly type: 'Sender' | 'Receiver';
}

export interface SigV4Request {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingHttpHeaders | Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export interface SigV4Options {
  readonly state: LabState;
  /** The signing name the endpoint expects: `sts`, `iam`, `eks`. */
  readonly service: string;
  /** Regions this endpoint accepts in the credential scope (default: every region AWS knows). */
  readonly regions?: readonly string[] | ((region: string) => boolean);
  /** Only keys of this partition exist here (default: the partition of the scope's region). */
  readonly partition?: Partition;
  /** The lab clock: session credentials expire by it. */
  readonly now: Date;
  /** Wall time for the signature's freshness (clients sign with the real clock); default Date.now(). */
  readonly signatureNow?: Date;
  /** Allowed clock skew, default 5 minutes. */
  readonly skewMs?: number;
}

export interface SigV4Success {
  readonly ok: true;
  readonly credential: LabCredential;
  readonly accessKeyId: string;
  readonly region: string;
  readonly service: string;
  readonly presigned: boolean;
}

export interface SigV4Failure {
  readonly ok: false;
  readonly error: AwsErrorInfo;
}

export type SigV4Result = SigV4Success | SigV4Failure;

export const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
export const INVALID_TOKEN = 'The security token included in the request is invalid.';
export const EXPIRED_TOKEN = 'The security token included in the request is expired';

const fail = (code: string, message: string, status = 403): SigV4Failure => ({ ok: false, error: { code, message, status, type: 'Sender' } });

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters, upper-case hex. */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function header(req: SigV4Request, name: string): string | undefined {
  const v = (req.headers as Record<string, string | string[] | undefined>)[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(',') : v;
}

/** Raw query pairs, decoded once (`+` is a space in the Query protocol's form encoding). */
function queryPairs(url: URL): Array<[string, string]> {
  const raw = url.search.startsWith('?') ? url.search.slice(1) : url.search;
  if (raw === '') return [];
  return raw.split('&').map((p) => {
    const i = p.indexOf('=');
    const k = i < 0 ? p : p.slice(0, i);
    const v = i < 0 ? '' : p.slice(i + 1);
    const dec = (x: string): string => {
      try {
        return decodeURIComponent(x.replace(/\+/g, ' '));
      } catch {
        return x;
      }
    };
    return [dec(k), dec(v)];
  });
}

function canonicalQuery(pairs: ReadonlyArray<[string, string]>): string {
  return pairs
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** Non-S3 services encode the (already encoded) path once more, segment by segment. */
function canonicalUri(url: URL): string {
  const path = url.pathname === '' ? '/' : url.pathname;
  return path
    .split('/')
    .map((seg) => uriEncode(seg))
    .join('/');
}

function canonicalHeaderValue(v: string): string {
  return v.trim().replace(/\s+/g, ' ');
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

/** `20240102T030405Z` -> Date, or undefined. */
export function parseAmzDate(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export function formatAmzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

interface Parsed {
  readonly presigned: boolean;
  readonly accessKeyId: string;
  readonly scopeDate: string;
  readonly region: string;
  readonly service: string;
  readonly terminator: string;
  readonly signedHeaders: string[];
  readonly signature: string;
  readonly amzDate: string;
  readonly sessionToken: string | undefined;
  readonly expiresSeconds: number | undefined;
}

type ParseResult = { ok: true; parsed: Parsed } | SigV4Failure;

function parseAuthorization(req: SigV4Request, auth: string): ParseResult {
  // `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sts/aws4_request, SignedHeaders=a;b, Signature=hex`
  const rest = auth.slice('AWS4-HMAC-SHA256'.length).trim();
  const parts = new Map<string, string>();
  for (const p of rest.split(',')) {
    const t = p.trim();
    const i = t.indexOf('=');
    if (i > 0) parts.set(t.slice(0, i).trim(), t.slice(i + 1).trim());
  }
  const amzDate = header(req, 'x-amz-date') ?? (header(req, 'date') !== undefined ? formatAmzDate(new Date(header(req, 'date') as string)) : undefined);
  // IncompleteSignature wording as AWS's coral services give it (one sentence per missing piece,
  // then the header echoed); [inferred] from SDK issue threads quoting it.
  const missing: string[] = [];
  for (const k of ['Credential', 'Signature', 'SignedHeaders']) if (!parts.get(k)) missing.push(`Authorization header requires '${k}' parameter.`);
  if (amzDate === undefined) missing.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  if (missing.length > 0) return fail('IncompleteSignature', `${missing.join(' ')} Authorization=${auth}`, 400);
  return finishParse(false, parts.get('Credential') as string, parts.get('SignedHeaders') as string, parts.get('Signature') as string, amzDate as string, header(req, 'x-amz-security-token'), undefined);
}

function parseQueryAuth(pairs: ReadonlyArray<[string, string]>): ParseResult {
  const q = new Map(pairs);
  const algorithm = q.get('X-Amz-Algorithm');
  if (algorithm !== 'AWS4-HMAC-SHA256') return fail('IncompleteSignature', `Unsupported AWS 'algorithm': '${algorithm ?? ''}'`, 400);
  const missing: string[] = [];
  for (const k of ['X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date']) if (!q.get(k)) missing.push(`AWS query-string parameters must include '${k}'.`);
  if (missing.length > 0) return fail('IncompleteSignature', `${missing.join(' ')} Re-examine the query-string parameters.`, 400);
  const expires = q.get('X-Amz-Expires');
  return finishParse(
    true,
    q.get('X-Amz-Credential') as string,
    q.get('X-Amz-SignedHeaders') as string,
    q.get('X-Amz-Signature') as string,
    q.get('X-Amz-Date') as string,
    q.get('X-Amz-Security-Token'),
    expires !== undefined && /^\d+$/.test(expires) ? Number(expires) : undefined,
  );
}

function finishParse(
  presigned: boolean,
  credential: string,
  signedHeaders: string,
  signature: string,
  amzDate: string,
  sessionToken: string | undefined,
  expiresSeconds: number | undefined,
): ParseResult {
  const c = credential.split('/');
  if (c.length !== 5) {
    return fail('IncompleteSignature', `Credential should have at least 5 slash-separated parts, not ${c.length}.`, 400);
  }
  const [accessKeyId, scopeDate, region, service, terminator] = c as [string, string, string, string, string];
  return {
    ok: true,
    parsed: {
      presigned,
      accessKeyId,
      scopeDate,
      region,
      service,
      terminator,
      signedHeaders: signedHeaders.split(';').map((h) => h.trim().toLowerCase()).filter((h) => h !== ''),
      signature: signature.toLowerCase(),
      amzDate,
      sessionToken,
      expiresSeconds,
    },
  };
}

function regionAccepted(region: string, opts: SigV4Options): boolean {
  if (!isRegionName(region)) return false;
  const r = opts.regions;
  if (r === undefined) return opts.partition === undefined || partitionOfRegion(region) === opts.partition;
  return typeof r === 'function' ? r(region) : r.includes(region);
}

function computeSignature(req: SigV4Request, p: Parsed, pairs: ReadonlyArray<[string, string]>, secret: string, payloadHash: string): string {
  const headerLines = p.signedHeaders.map((h) => `${h}:${canonicalHeaderValue(header(req, h) ?? '')}\n`).join('');
  const query = canonicalQuery(p.presigned ? pairs.filter(([k]) => k !== 'X-Amz-Signature') : pairs);
  const canonical = [req.method.toUpperCase(), canonicalUri(req.url), query, headerLines, p.signedHeaders.join(';'), payloadHash].join('\n');
  const scope = `${p.scopeDate}/${p.region}/${p.service}/${p.terminator}`;
  const toSign = ['AWS4-HMAC-SHA256', p.amzDate, scope, sha256(canonical)].join('\n');
  return createHmac('sha256', signingKey(secret, p.scopeDate, p.region, p.service)).update(toSign, 'utf8').digest('hex');
}

function sameHex(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** Whether a request carries any SigV4 signature (header or query string). */
export function isSigned(req: SigV4Request): boolean {
  const auth = header(req, 'authorization');
  return (auth !== undefined && auth !== '') || req.url.searchParams.has('X-Amz-Signature') || req.url.searchParams.has('X-Amz-Algorithm');
}

/** Verifies a request's SigV4 signature against the lab's issued credentials. */
export function verifySigV4(req: SigV4Request, opts: SigV4Options): SigV4Result {
  const auth = header(req, 'authorization');
  const pairs = queryPairs(req.url);
  let pr: ParseResult;
  if (auth !== undefined && auth.startsWith('AWS4-HMAC-SHA256')) pr = parseAuthorization(req, auth);
  else if (pairs.some(([k]) => k === 'X-Amz-Algorithm' || k === 'X-Amz-Signature')) pr = parseQueryAuth(pairs);
  else if (auth !== undefined && auth !== '') return fail('IncompleteSignature', `Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=${auth}`, 400);
  // The Query protocol's missing-signature answer (seen from IAM/STS: MissingAuthenticationToken, 403).
  else return fail('MissingAuthenticationToken', 'Request is missing Authentication Token');
  if (!pr.ok) return pr;
  const p = pr.parsed;

  // 1. The credential scope: region, service, terminator, date (one sentence each, coral style).
  const scopeProblems: string[] = [];
  if (!regionAccepted(p.region, opts)) scopeProblems.push('Credential should be scoped to a valid region. ');
  if (p.service !== opts.service) scopeProblems.push(`Credential should be scoped to correct service: '${opts.service}'. `);
  if (p.terminator !== 'aws4_request') scopeProblems.push(`Credential should be scoped with a valid terminator: 'aws4_request', not '${p.terminator}'. `);
  if (p.amzDate.slice(0, 8) !== p.scopeDate) {
    scopeProblems.push(`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${p.scopeDate}' != '${p.amzDate.slice(0, 8)}', from '${p.amzDate}'. `);
  }
  if (scopeProblems.length > 0) return fail('SignatureDoesNotMatch', scopeProblems.join(''));

  // 2. The key, in the partition this endpoint/region belongs to.
  const partition: string = opts.partition ?? partitionOfRegion(p.region);
  const cred = opts.state.credentials.get(p.accessKeyId);
  const credPartition = cred ? (opts.state.accounts.get(cred.account)?.partition ?? partitionFromArn(cred.arn)) : undefined;
  if (!cred || credPartition !== partition) return fail('InvalidClientTokenId', INVALID_TOKEN);
  // 3. The session token must be the one issued with the key (and only session keys have one).
  if ((cred.sessionToken ?? '') !== (p.sessionToken ?? '')) return fail('InvalidClientTokenId', INVALID_TOKEN);
  if (cred.expiration && opts.now.getTime() >= cred.expiration.getTime()) return fail('ExpiredToken', EXPIRED_TOKEN);

  // 4. The signature. Payload: the signed x-amz-content-sha256 when sent; presigned URLs use
  // UNSIGNED-PAYLOAD (botocore SigV4QueryAuth.payload), some signers hash the empty body instead.
  const declared = header(req, 'x-amz-content-sha256');
  if (declared !== undefined && declared !== 'UNSIGNED-PAYLOAD' && !declared.startsWith('STREAMING-') && declared.toLowerCase() !== sha256(req.body)) {
    return fail('SignatureDoesNotMatch', SIGNATURE_MISMATCH);
  }
  const candidates = declared !== undefined && p.signedHeaders.includes('x-amz-content-sha256') ? [declared] : p.presigned ? ['UNSIGNED-PAYLOAD', sha256(req.body)] : [sha256(req.body)];
  if (!p.signedHeaders.includes('host')) return fail('SignatureDoesNotMatch', SIGNATURE_MISMATCH);
  const matched = candidates.some((h) => sameHex(computeSignature(req, p, pairs, cred.secretAccessKey, h), p.signature));
  if (!matched) return fail('SignatureDoesNotMatch', SIGNATURE_MISMATCH);

  // 5. Freshness against the wall clock (clients sign with it).
  const signedAt = parseAmzDate(p.amzDate);
  if (!signedAt) return fail('IncompleteSignature', `Date must be in ISO-8601 'basic format'. Got '${p.amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`, 400);
  const wall = opts.signatureNow ?? new Date();
  const skew = opts.skewMs ?? 5 * 60 * 1000;
  const minutes = `${Math.round(skew / 60000)} min.`;
  if (p.presigned && p.expiresSeconds !== undefined) {
    const until = new Date(signedAt.getTime() + p.expiresSeconds * 1000);
    if (wall.getTime() > until.getTime()) {
      return fail('SignatureDoesNotMatch', `Signature expired: ${p.amzDate} is now earlier than ${formatAmzDate(new Date(wall.getTime() - p.expiresSeconds * 1000))} (${formatAmzDate(wall)} - ${p.expiresSeconds} sec.)`);
    }
  } else if (signedAt.getTime() < wall.getTime() - skew) {
    return fail('SignatureDoesNotMatch', `Signature expired: ${p.amzDate} is now earlier than ${formatAmzDate(new Date(wall.getTime() - skew))} (${formatAmzDate(wall)} - ${minutes})`);
  }
  if (signedAt.getTime() > wall.getTime() + skew) {
    return fail('SignatureDoesNotMatch', `Signature not yet current: ${p.amzDate} is still later than ${formatAmzDate(new Date(wall.getTime() + skew))} (${formatAmzDate(wall)} + ${minutes})`);
  }
  return { ok: true, credential: cred, accessKeyId: p.accessKeyId, region: p.region, service: p.service, presigned: p.presigned };
}

function partitionFromArn(arn: string): string | undefined {
  const p = arn.split(':')[1];
  return p !== undefined && isKnownPartition(p) ? p : undefined;
}

/** The region a global service (IAM, the global STS endpoint) is signed for in each partition. */
export function globalSigningRegion(partition: Partition): string {
  switch (partition) {
    case 'aws':
      return 'us-east-1';
    case 'aws-cn':
      return 'cn-north-1';
    case 'aws-us-gov':
      return 'us-gov-west-1';
    case 'aws-iso':
      return 'us-iso-east-1';
    case 'aws-iso-b':
      return 'us-isob-east-1';
  }
}

/** `regions` for a global service (IAM, the global STS endpoint): each partition's signing region. */
export function isGlobalSigningRegion(region: string): boolean {
  const p = partitionOfRegion(region);
  return isKnownPartition(p) && (p === 'aws' || p === 'aws-cn' || p === 'aws-us-gov' || p === 'aws-iso' || p === 'aws-iso-b') && globalSigningRegion(p) === region;
}
