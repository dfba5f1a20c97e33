// Service-account token decoding for IRSA401. The token is a JWS in compact form; we read
// its header and claims and drop the signature: nothing here verifies it (IRSA402's STS probe
// is what proves a token), and no signature or raw token is ever returned, so none can reach
// a report.
//
// Hand-rolled rather than jose's decodeJwt/decodeProtectedHeader: jose's errors say "Invalid
// JWT" / "Invalid Token or Protected Header formatting" without naming the segment or the
// cause, while a user pasting a token wants "the payload is not JSON: Unexpected token ...".
// The decoding itself is the same (base64url, UTF-8, JSON object); tests check both agree on
// tokens signed with jose.

/** The part of a token that is broken. */
export type TokenPart = 'token' | 'header' | 'payload' | 'signature';

export class TokenFormatError extends Error {
  constructor(
    readonly part: TokenPart,
    message: string,
  ) {
    super(message);
    this.name = 'TokenFormatError';
  }
}

export interface DecodedToken {
  readonly header: Record<string, unknown>;
  readonly claims: Record<string, unknown>;
  /** False when the signature segment is empty (an unsecured JWT, `alg: none`). */
  readonly signed: boolean;
}

const B64URL = /^[A-Za-z0-9_-]*$/;

/**
 * The text with surrounding whitespace (and line breaks a terminal inserted) removed, when it
 * has the shape of a compact JWS/JWE: starts with `eyJ` (base64url of `{"`), no characters
 * other than base64/base64url and dots, and 3 (JWS) or 5 (JWE) segments. Otherwise undefined.
 */
export function jwtCandidate(text: string): string | undefined {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (/[ \t]/.test(trimmed)) return undefined; // line breaks only: spaces mean prose or several values
  const compact = trimmed.replace(/[\r\n]+/g, '');
  if (!compact.startsWith('eyJ') || !/^[A-Za-z0-9_\-+/=.]+$/.test(compact)) return undefined;
  const dots = compact.split('.').length - 1;
  return dots === 2 || dots === 4 ? compact : undefined;
}

/** Header and claims of a compact JWS. Throws `TokenFormatError` naming the broken part. */
export function decodeToken(jwt: string): DecodedToken {
  const parts = jwt.trim().split('.');
  if (parts.length === 5) {
    throw new TokenFormatError('token', 'this is an encrypted JWT (JWE, 5 segments): its claims cannot be read, and Kubernetes service-account tokens are never encrypted');
  }
  if (parts.length !== 3) {
    throw new TokenFormatError('token', `a JWT has 3 dot-separated segments (header.payload.signature), found ${parts.length}`);
  }
  const [h = '', p = '', s = ''] = parts;
  const header = decodeSegment(h, 'header');
  const claims = decodeSegment(p, 'payload');
  if (!B64URL.test(s)) throw new TokenFormatError('signature', `the signature segment is not base64url (${describeBadChar(s)})`);
  if (s.length % 4 === 1) throw new TokenFormatError('signature', 'the signature segment has an impossible base64url length (truncated copy?)');
  return { header, claims, signed: s.length > 0 };
}

function decodeSegment(seg: string, part: 'header' | 'payload'): Record<string, unknown> {
  if (seg.length === 0) throw new TokenFormatError(part, `the ${part} segment is empty`);
  if (!B64URL.test(seg)) throw new TokenFormatError(part, `the ${part} segment is not base64url (${describeBadChar(seg)})`);
  if (seg.length % 4 === 1) throw new TokenFormatError(part, `the ${part} segment has an impossible base64url length (truncated copy?)`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(seg, 'base64url'));
  } catch {
    throw new TokenFormatError(part, `the ${part} segment does not decode to UTF-8 text`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new TokenFormatError(part, `the ${part} segment is not JSON: ${(e as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TokenFormatError(part, `the ${part} segment is JSON but not an object`);
  }
  return value as Record<string, unknown>;
}

function describeBadChar(seg: string): string {
  const m = /[^A-Za-z0-9_-]/.exec(seg);
  if (!m) return 'unknown character';
  const c = m[0];
  if (c === '=') return 'it has "=" padding, which base64url in a JWT never has';
  if (c === '+' || c === '/') return `it has "${c}": standard base64, not base64url`;
  return `character ${JSON.stringify(c)} at position ${m.index}`;
}

// ---------------------------------------------------------------------------------------------

/** STS accepts a web identity token up to 5 minutes past `exp` (IAM docs; aws-behavior.md 1.6). */
export const AWS_EXPIRY_LEEWAY_SECONDS = 300;

export interface KubernetesIdentity {
  /** From the private `kubernetes.io` claim. */
  readonly namespace?: string;
  readonly serviceAccount?: string;
  readonly serviceAccountUid?: string;
  /** Set for tokens bound to a pod (projected volumes, `kubectl create token --bound-object-kind Pod`). */
  readonly pod?: string;
  readonly podUid?: string;
  /** Kubernetes 1.30+ bound tokens also name the node. */
  readonly node?: string;
}

export interface ClaimsSummary {
  readonly iss?: string;
  readonly sub?: string;
  /** `aud` as an array (a single string becomes one entry). */
  readonly aud: string[];
  /** Seconds since the epoch, as in the token. */
  readonly exp?: number;
  readonly iat?: number;
  readonly nbf?: number;
  /** ISO 8601 forms of exp / iat. */
  readonly expiresAt?: string;
  readonly issuedAt?: string;
  /** exp - now, in seconds; negative once expired. */
  readonly expiresIn?: number;
  /** exp - iat: the projected volume's expirationSeconds (or the TokenRequest's). */
  readonly lifetimeSeconds?: number;
  /** now >= exp (RFC 7519). */
  readonly expired: boolean;
  /** AWS's view: STS rejects the token only once now > exp + 300 s. */
  readonly aws: { readonly leewaySeconds: number; readonly rejectedAsExpired: boolean };
  /** now < nbf. */
  readonly notYetValid: boolean;
  /** `system:serviceaccount:<ns>:<name>` split, when `sub` has that form. */
  readonly subject?: { readonly namespace: string; readonly serviceAccount: string };
  readonly kubernetes: KubernetesIdentity;
  /** Claims that are missing, of the wrong type, or disagree with each other. */
  readonly problems: string[];
}

export function summariseClaims(claims: Record<string, unknown>, now: Date): ClaimsSummary {
  const problems: string[] = [];
  const nowS = Math.floor(now.getTime() / 1000);
  const str = (k: string): string | undefined => {
    const v = claims[k];
    if (v === undefined) return undefined;
    if (typeof v === 'string') return v;
    problems.push(`claim "${k}" is ${typeName(v)}, expected a string`);
    return undefined;
  };
  const num = (k: string): number | undefined => {
    const v = claims[k];
    if (v === undefined) return undefined;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    problems.push(`claim "${k}" is ${typeName(v)}, expected a number of seconds since the epoch`);
    return undefined;
  };
  const iss = str('iss');
  const sub = str('sub');
  const exp = num('exp');
  const iat = num('iat');
  const nbf = num('nbf');
  let aud: string[] = [];
  const rawAud = claims['aud'];
  if (typeof rawAud === 'string') aud = [rawAud];
  else if (Array.isArray(rawAud)) {
    aud = rawAud.filter((a): a is string => typeof a === 'string');
    if (aud.length !== rawAud.length) problems.push('claim "aud" has entries that are not strings');
  } else if (rawAud !== undefined) problems.push(`claim "aud" is ${typeName(rawAud)}, expected a string or an array of strings`);

  if (iss === undefined && claims['iss'] === undefined) problems.push('no "iss" claim');
  if (sub === undefined && claims['sub'] === undefined) problems.push('no "sub" claim');
  if (rawAud === undefined) problems.push('no "aud" claim (STS: "Missing a required claim: aud")');
  if (exp === undefined && claims['exp'] === undefined) problems.push('no "exp" claim');

  const subject = sub !== undefined ? parseServiceAccountSubject(sub) : undefined;
  if (sub !== undefined && !subject) problems.push(`"sub" is ${JSON.stringify(sub)}, not system:serviceaccount:<namespace>:<name>: not a service-account token`);
  const kubernetes = kubernetesIdentity(claims['kubernetes.io'], problems);
  if (subject && kubernetes.namespace !== undefined && kubernetes.namespace !== subject.namespace) {
    problems.push(`"sub" names namespace ${subject.namespace} but kubernetes.io.namespace is ${kubernetes.namespace}`);
  }
  if (subject && kubernetes.serviceAccount !== undefined && kubernetes.serviceAccount !== subject.serviceAccount) {
    problems.push(`"sub" names service account ${subject.serviceAccount} but kubernetes.io.serviceaccount.name is ${kubernetes.serviceAccount}`);
  }

  const expired = exp !== undefined && nowS >= exp;
  return {
    ...(iss !== undefined ? { iss } : {}),
    ...(sub !== undefined ? { sub } : {}),
    aud,
    ...(exp !== undefined ? { exp, expiresAt: isoSeconds(exp), expiresIn: exp - nowS } : {}),
    ...(iat !== undefined ? { iat, issuedAt: isoSeconds(iat) } : {}),
    ...(nbf !== undefined ? { nbf } : {}),
    ...(exp !== undefined && iat !== undefined ? { lifetimeSeconds: exp - iat } : {}),
    expired,
    aws: { leewaySeconds: AWS_EXPIRY_LEEWAY_SECONDS, rejectedAsExpired: exp !== undefined && nowS > exp + AWS_EXPIRY_LEEWAY_SECONDS },
    notYetValid: nbf !== undefined && nowS < nbf,
    ...(subject ? { subject } : {}),
    kubernetes,
    problems,
  };
}

/** `system:serviceaccount:<ns>:<name>` -> parts; undefined for any other subject. */
export function parseServiceAccountSubject(sub: string): { namespace: string; serviceAccount: string } | undefined {
  const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(sub);
  return m ? { namespace: m[1] as string, serviceAccount: m[2] as string } : undefined;
}

function kubernetesIdentity(raw: unknown, problems: string[]): KubernetesIdentity {
  if (raw === undefined) return {};
  if (!isRecord(raw)) {
    problems.push(`claim "kubernetes.io" is ${typeName(raw)}, expected an object`);
    return {};
  }
  const out: { -readonly [K in keyof KubernetesIdentity]: KubernetesIdentity[K] } = {};
  if (typeof raw['namespace'] === 'string') out.namespace = raw['namespace'];
  const named = (v: unknown): { name?: string; uid?: string } =>
    isRecord(v) ? { ...(typeof v['name'] === 'string' ? { name: v['name'] } : {}), ...(typeof v['uid'] === 'string' ? { uid: v['uid'] } : {}) } : {};
  const sa = named(raw['serviceaccount']);
  if (sa.name !== undefined) out.serviceAccount = sa.name;
  if (sa.uid !== undefined) out.serviceAccountUid = sa.uid;
  const pod = named(raw['pod']);
  if (pod.name !== undefined) out.pod = pod.name;
  if (pod.uid !== undefined) out.podUid = pod.uid;
  const node = named(raw['node']);
  if (node.name !== undefined) out.node = node.name;
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v} (${JSON.stringify(v)})`;
}

function isoSeconds(s: number): string | undefined {
  const d = new Date(s * 1000);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
