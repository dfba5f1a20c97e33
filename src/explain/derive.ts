// Small pure helpers that turn raw values found in an error into the values the explanations
// use: ARN parts, the issuer's region and partition, the assumed role's session kind, the SDK
// that printed the error, readable times.

export interface ParsedArn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  readonly resource: string;
}

const ARN = /^arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|aws)?:(.+)$/;

export function parseArn(s: string): ParsedArn | undefined {
  const m = ARN.exec(s);
  if (!m) return undefined;
  return { partition: m[1] as string, service: m[2] as string, region: m[3] as string, account: m[4] ?? '', resource: m[5] as string };
}

/** `role/path/name` -> `name`. */
export function roleNameOf(arn: string): string | undefined {
  const p = parseArn(arn);
  if (!p || p.service !== 'iam' || !p.resource.startsWith('role/')) return undefined;
  const parts = p.resource.split('/');
  return parts[parts.length - 1] || undefined;
}

/** Region prefix -> partition (aws-behavior.md section 7). */
export function partitionOfRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  return 'aws';
}

export interface IssuerInfo {
  readonly issuer: string;
  /** The issuer without its scheme: the OIDC provider ARN's resource and the trust policy condition key prefix. */
  readonly providerPath: string;
  readonly issuerHost: string;
  readonly issuerId?: string;
  readonly region?: string;
  readonly partition?: string;
}

const EKS_ISSUER_HOST = /^oidc(?:\.eks|-eks)\.([a-z]{2}(?:-[a-z]+)+-\d)\.(?:amazonaws\.com(?:\.cn)?|api\.aws)$/;

export function describeIssuer(raw: string): IssuerInfo | undefined {
  const issuer = raw.replace(/[.,;:]+$/, '');
  const m = /^https?:\/\/([^/\s]+)(\/[^\s]*)?$/.exec(issuer);
  if (!m) return undefined;
  const host = (m[1] as string).toLowerCase();
  const path = (m[2] ?? '').replace(/\/+$/, '');
  const eks = EKS_ISSUER_HOST.exec(host);
  const idMatch = /\/id\/([A-Za-z0-9]+)$/.exec(path);
  const region = eks?.[1];
  const partition = host.endsWith('.amazonaws.com.cn') ? 'aws-cn' : region ? partitionOfRegion(region) : undefined;
  return {
    issuer,
    providerPath: host + path,
    issuerHost: host,
    ...(idMatch ? { issuerId: idMatch[1] as string } : {}),
    ...(region ? { region } : {}),
    ...(partition ? { partition } : {}),
  };
}

export type SessionKind = 'ec2-instance' | 'web-identity' | 'pod-identity' | 'other';

/**
 * Default role session names, by who creates the session. Sources (code):
 * - EC2 instance profile (IMDS): the instance id, e.g. `i-0e5afb93460d609d2`
 *   (external-secrets/kubernetes-external-secrets#368, kubernetes/kops#13078).
 * - botocore / AWS CLI web identity: `'botocore-session-%s' % int(time.time())` (botocore/credentials.py).
 * - JS v3: `aws-sdk-js-session-${Date.now()}` (@aws-sdk/credential-provider-web-identity fromWebToken).
 * - JS v2: `'token-file-web-identity'` (aws-sdk-js lib/credentials/token_file_web_identity_credentials.js).
 * - Go v1 and v2: `strconv.FormatInt(sdk.NowTime().UnixNano(), 10)` (stscreds/web_identity_provider.go),
 *   e.g. `1717079343811266923` (aws/karpenter-provider-aws#6298).
 * - Java v1 and v2: `"aws-sdk-java-" + System.currentTimeMillis()` (StsWebIdentityCredentialsProvider).
 * - Rust: `default_session_name("web-identity-token")` (aws-config web_identity_token.rs); the suffix format is not checked here.
 * - Ruby: `Base64.strict_encode64(SecureRandom.uuid)`, 48 characters (aws-sdk-core assume_role_web_identity_credentials.rb).
 * - EKS Pod Identity: `eks-<cluster>-<pod name prefix>-<uuid>` (aws/containers-roadmap#2362).
 */
const SESSION_PATTERNS: ReadonlyArray<{ re: RegExp; kind: SessionKind; sdk?: string }> = [
  { re: /^i-[0-9a-f]{8}(?:[0-9a-f]{9})?$/, kind: 'ec2-instance' },
  { re: /^botocore-session-\d{9,11}$/, kind: 'web-identity', sdk: 'botocore' },
  { re: /^aws-sdk-js-session-\d{12,14}$/, kind: 'web-identity', sdk: 'js-v3' },
  { re: /^token-file-web-identity$/, kind: 'web-identity', sdk: 'js-v2' },
  { re: /^\d{18,20}$/, kind: 'web-identity', sdk: 'go' },
  { re: /^aws-sdk-java-\d{12,14}$/, kind: 'web-identity', sdk: 'java' },
  { re: /^web-identity-token(?:-profile)?-\d+$/, kind: 'web-identity', sdk: 'rust' },
  { re: /^eks-[\w.@=,+-]*-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, kind: 'pod-identity' },
  { re: /^[A-Za-z0-9+]{47}[A-Za-z0-9+=]$/, kind: 'web-identity', sdk: 'ruby' },
];

export function classifySession(name: string): { kind: SessionKind; sdk?: string } {
  for (const p of SESSION_PATTERNS) {
    if (p.re.test(name)) return p.sdk ? { kind: p.kind, sdk: p.sdk } : { kind: p.kind };
  }
  return { kind: 'other' };
}

/**
 * Role names that node groups get by default: eksctl `eksctl-<cluster>-nodegroup-<ng>-NodeInstanceRole-<suffix>`,
 * CloudFormation/console `...NodeInstanceRole...`, `AmazonEKSNodeRole`, terraform-aws-eks `<ng>-eks-node-group-<ts>`,
 * Karpenter `KarpenterNodeRole-<cluster>`, kops `nodes.<cluster>`, and `...-node-group-role`.
 */
const NODE_ROLE_PATTERNS: readonly RegExp[] = [
  /NodeInstanceRole/i,
  /nodegroup/i,
  /node-group/i,
  /NodeRole/i,
  /node-role/i,
  /^nodes\./,
  /worker-?nodes?/i,
];

export function looksLikeNodeRole(roleName: string): boolean {
  return NODE_ROLE_PATTERNS.some((re) => re.test(roleName));
}

/** Which SDK printed the error, from its wrapping. The first rule that matches the surrounding block wins. */
const SDK_STYLES: ReadonlyArray<{ sdk: string; re: RegExp }> = [
  { sdk: 'java-v2', re: /software\.amazon\.awssdk|\(Service: \w+, Status Code: \d{3}|AwsCredentialsProviderChain|\bs\.a\.a\.[a-z]/ },
  { sdk: 'java-v1', re: /com\.amazonaws\.|\(Service: [\w ]+; Status Code: \d{3};|aws-java-sdk-sts/ },
  { sdk: 'go-v2', re: /operation error [\w ]{2,40}: \w+|https response error StatusCode|\bapi error \w+:|failed to refresh cached credentials|ec2imds: GetMetadata/ },
  { sdk: 'go-v1', re: /\bWebIdentityErr\b|caused by: |status code: \d{3}, request id:|\bNoCredentialProviders\b|EC2RoleRequestError/ },
  { sdk: 'js-v3', re: /\$metadata|\$fault|@aws-sdk\/|CredentialsProviderError|Could not load credentials from any providers/ },
  { sdk: 'js-v2', re: /aws-sdk\/lib\/|Missing credentials in config|\bCredentialsError\b|TokenFileWebIdentityCredentials/ },
  { sdk: 'botocore', re: /An error occurred \(\w+\) when calling the \w+ operation|botocore|boto3|NoCredentialsError|Unable to locate credentials|\[Errno \d+\]/ },
];

export function detectSdk(block: string): string | undefined {
  return SDK_STYLES.find((s) => s.re.test(block))?.sdk;
}

export function epochToIso(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** 93784 -> "1 d 2 h 3 min". Shows the two largest non-zero units. */
export function humanDuration(totalSeconds: number): string {
  const s = Math.abs(Math.round(totalSeconds));
  const units: Array<[number, string]> = [
    [86400, 'd'],
    [3600, 'h'],
    [60, 'min'],
    [1, 's'],
  ];
  const parts: string[] = [];
  let rest = s;
  for (const [size, name] of units) {
    const q = Math.floor(rest / size);
    rest -= q * size;
    if (q > 0 || (parts.length > 0 && parts.length < 2)) parts.push(`${q} ${name}`);
    if (parts.length === 2) break;
  }
  const trimmed = parts.filter((p, i) => i === 0 || !p.startsWith('0 '));
  return trimmed.length ? trimmed.join(' ') : '0 s';
}
