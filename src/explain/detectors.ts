// Recognising catalogue errors in pasted text.
//
// Each detector names the lower-case literals (needles) without which it cannot match. The
// engine (index.ts) finds the needles with indexOf and runs the detector only on windows around
// them, so a megabyte of noise costs a few indexOf scans. Regexes use bounded quantifiers and
// start with literals; nothing here can backtrack badly.

import type { EntryId } from './catalogue.js';
import type { ExplainOptions } from './types.js';
import { classifySession, looksLikeNodeRole, parseArn, roleNameOf } from './derive.js';
import { asciiLower } from './normalise.js';

export interface RawHit {
  readonly entry: EntryId;
  /** Offsets in the normalised text. */
  readonly start: number;
  readonly end: number;
  readonly values: Record<string, string>;
}

export interface Detector {
  readonly name: string;
  /** Lower-case literals; the detector runs around each occurrence of any of them. */
  readonly needles: readonly string[];
  /** How far before and after a needle the detector needs to see. */
  readonly window: readonly [number, number];
  /** Finds hits in text[from, to). `text` is the whole normalised text. */
  find(text: string, from: number, to: number, opts: ExplainOptions): RawHit[];
}

type Groups = Record<string, string>;

function groupsOf(m: RegExpExecArray): Groups {
  const out: Groups = {};
  for (const [k, v] of Object.entries(m.groups ?? {})) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

/** Runs global regexes over text[from, to) and maps every match through `build` (which may veto with undefined). */
function regexDetector(
  name: string,
  needles: readonly string[],
  patterns: readonly RegExp[],
  build: (g: Groups, text: string, start: number, end: number, opts: ExplainOptions) => { entry: EntryId; values: Groups } | undefined,
  window: readonly [number, number] = [300, 700],
): Detector {
  for (const p of patterns) if (!p.global) throw new Error(`detector ${name}: pattern ${p} must be global`);
  return {
    name,
    needles,
    window,
    find(text, from, to, opts) {
      const slice = text.slice(from, to);
      const hits: RawHit[] = [];
      for (const re of patterns) {
        re.lastIndex = 0;
        let m: RegExpExecArray | null;
        while ((m = re.exec(slice)) !== null) {
          if (m[0].length === 0) {
            re.lastIndex++;
            continue;
          }
          const start = from + m.index;
          const end = start + m[0].length;
          const built = build(groupsOf(m), text, start, end, opts);
          if (built) hits.push({ entry: built.entry, start, end, values: built.values });
        }
      }
      return hits;
    },
  };
}

const fixed =
  (entry: EntryId) =>
  (g: Groups): { entry: EntryId; values: Groups } => ({ entry, values: g });

// ---------------------------------------------------------------------------------------------
// Shared fragments

/** A URL as it ends in error messages: stops at whitespace, quotes, backslashes and closing punctuation. */
const URL_CHARS = String.raw`[^\s"'\\<>,;)\]}]{1,300}`;

const NETWORK_ERROR =
  /i\/o timeout|timed? ?out|ETIMEDOUT|Connect timeout|connection refused|ECONNREFUSED|no such host|ENOTFOUND|EAI_AGAIN|Name or service not known|context deadline exceeded|Client\.Timeout exceeded|UnknownHostException|Could not connect to the endpoint URL|network is unreachable|connection reset by peer|ECONNRESET|SocketTimeoutException|EHOSTUNREACH/i;

const NETWORK_ERROR_ALL = new RegExp(NETWORK_ERROR.source, 'gi');

const STS_OPERATIONS = new Set([
  'AssumeRole', 'AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML', 'GetCallerIdentity', 'GetSessionToken',
  'GetFederationToken', 'DecodeAuthorizationMessage', 'GetAccessKeyInfo', 'AssumeRoot',
]);

/** The AWS service named by the wrapper closest before `at` (same paragraph), if any. */
export function serviceNear(text: string, at: number): string | undefined {
  const before = text.slice(Math.max(0, at - 400), at);
  const lastPara = before.lastIndexOf('\n\n');
  const scope = lastPara >= 0 ? before.slice(lastPara) : before;
  const after = text.slice(at, Math.min(text.length, at + 300)).split('\n\n')[0] as string;
  let service: string | undefined;
  for (const m of scope.matchAll(/operation error ([\w ]{2,40}): (\w+)/g)) service = m[1];
  for (const m of scope.matchAll(/when calling the (\w+) operation/g)) service = STS_OPERATIONS.has(m[1] as string) ? 'STS' : `op:${m[1]}`;
  const java = /\(Service: ([\w ]{2,40})[;,]/.exec(after);
  if (!service && java) service = java[1];
  return service;
}

function isStsService(service: string | undefined): boolean {
  if (service === undefined) return true;
  return /^(?:STS|Sts|AWSSecurityTokenService|sts)$/.test(service.trim());
}

/** The same line as `at`, from `back` characters before to `fwd` after. */
function sameLine(text: string, at: number, back: number, fwd: number): { text: string; start: number } {
  // Bounded searches: a megabyte without a newline must not be rescanned for every hit.
  const from = Math.max(0, at - back);
  const before = text.slice(from, at);
  const nlBefore = before.lastIndexOf('\n');
  const start = nlBefore < 0 ? from : from + nlBefore + 1;
  const after = text.slice(at, Math.min(text.length, at + fwd));
  const nlAfter = after.indexOf('\n');
  return { text: text.slice(start, nlAfter < 0 ? at + after.length : at + nlAfter), start };
}

/** A network failure on the same line as a host found at [hostStart, hostEnd). */
function networkFailureNear(text: string, hostStart: number, hostEnd: number): { error: string; start: number; end: number } | undefined {
  const after = sameLine(text, hostEnd, 0, 300);
  const a = NETWORK_ERROR.exec(after.text);
  if (a) return { error: a[0], start: hostStart, end: after.start + a.index + a[0].length };
  // Before the host, the failure closest to it describes it (`ConnectTimeoutError: Connect timeout on endpoint URL: "https://sts...`).
  const before = sameLine(text, hostStart, 200, 0);
  let b: RegExpExecArray | undefined;
  for (const m of before.text.matchAll(NETWORK_ERROR_ALL)) b = m as RegExpExecArray;
  if (b) return { error: b[0], start: before.start + b.index, end: hostEnd };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// STS AssumeRoleWithWebIdentity

const roleArnInvalid = regexDetector(
  'role-arn-invalid',
  ['request arn is invalid', "at 'rolearn' failed to satisfy"],
  [/Request ARN is invalid/gi, /Value '(?<badValue>[^'\n]{0,300})' at 'roleArn' failed to satisfy constraint[^\n]{0,200}/gi],
  fixed('sts-role-arn-invalid'),
  // The needle follows the bad value (up to 300 characters).
  [400, 700],
);

const noProvider = regexDetector(
  'no-oidc-provider',
  ['no openidconnect provider found'],
  [new RegExp(String.raw`No OpenIDConnect provider found in (?:your )?account(?:\s{1,4}for\s{1,4}(?<issuerRaw>${URL_CHARS}))?`, 'gi')],
  (g) => {
    const values: Groups = {};
    const raw = (g.issuerRaw ?? '').replace(/[.:]+$/, '');
    if (/^https?:\/\/[\w.-]+/.test(raw)) values.issuer = raw;
    return { entry: 'sts-no-oidc-provider', values };
  },
);

const incorrectAudience = regexDetector('incorrect-audience', ['incorrect token audience'], [/Incorrect token audience/gi], fixed('sts-incorrect-audience'));

const missingAud = regexDetector('missing-aud', ['missing a required claim'], [/Missing a required claim: ?aud\b/gi], fixed('sts-missing-aud-claim'));

const thumbprint = regexDetector(
  'thumbprint',
  ['configured thumbprint'],
  [/OpenIDConnect provider['’]?s HTTPS certificate doesn['’]?t match (?:the )?configured thumbprint/gi],
  fixed('sts-thumbprint-mismatch'),
);

const jwks = regexDetector(
  'jwks',
  ['retrieve verification key', 'idpcommunicationerror'],
  [
    /Couldn['’]?t retrieve verification key from your identity provider,?\s{0,8}please reference AssumeRoleWithWebIdentity documentation for requirements/gi,
    /\bIDPCommunicationError(?:Exception)?\b/g,
  ],
  fixed('sts-jwks-unreachable'),
);

const tokenExpired = regexDetector(
  'token-expired',
  ['token expired', 'token too old'],
  [
    /Token expired: current date\/time ?(?<currentEpoch>\d{9,11}) must be before the expiration date\/time ?(?<expiryEpoch>\d{9,11})/gi,
    /Token too old: ?(?<tooOld>\d{1,12})/gi,
  ],
  fixed('sts-token-expired'),
);

const notAuthorized = regexDetector(
  'not-authorized-web-identity',
  ['not authorized to perform'],
  [/Not authorized to perform:? sts:AssumeRoleWithWebIdentity/gi],
  fixed('sts-not-authorized-web-identity'),
);

const duration = regexDetector(
  'duration',
  ['exceeds the maxsessionduration', "at 'durationseconds'"],
  [
    /The requested DurationSeconds exceeds the MaxSessionDuration set for this role\.?/gi,
    /Value '(?<durationSeconds>\d{1,7})' at 'durationSeconds' failed to satisfy constraint: Member must have value (?:less|greater) than or equal to \d{1,6}/gi,
  ],
  fixed('sts-duration-exceeds-max'),
);

const regionDisabled = regexDetector(
  'region-disabled',
  ['regiondisabled', 'sts is not activated'],
  [/STS is not activated in this region for account:? ?(?<account>\d{12})?/gi, /\bRegionDisabled(?:Exception)?\b/g],
  fixed('sts-region-disabled'),
);

/** The human message that follows an error code in the usual wrappings. */
function messageAfter(text: string, end: number): string | undefined {
  const line = sameLine(text, end, 0, 400).text;
  const xml = /^<\/Code>\s*<Message>([^<]{1,300})<\/Message>/.exec(line);
  if (xml) return xml[1]?.trim();
  const m = /^(?:Exception)?\)?(?: when calling the \w+ operation)?:\s*([^\n]{1,300})/.exec(line);
  if (!m) return undefined;
  const msg = (m[1] as string)
    .split(/\s+(?:status code: |\(Service: |\$metadata)|",|\\n/)[0]
    ?.trim()
    .replace(/["'}]+$/, '');
  return msg || undefined;
}

const genericInvalidToken = regexDetector(
  'invalid-identity-token',
  ['invalididentitytoken', 'idprejectedclaim'],
  [/\b(?:InvalidIdentityToken|IDPRejectedClaim)(?:Exception)?\b/g],
  (_g, text, _start, end) => {
    const message = messageAfter(text, end);
    const values: Groups = {};
    if (message) values.message = message;
    return { entry: 'sts-invalid-identity-token', values };
  },
);

// ---------------------------------------------------------------------------------------------
// Signing and credentials

const credentialScope = regexDetector(
  'credential-scope',
  ['credential should be scoped to a valid region'],
  [/Credential should be scoped to a valid region(?:, not '(?<signingRegion>[a-z0-9-]{0,30})')?\.?/gi],
  (g, text, start) => (isStsService(serviceNear(text, start)) ? { entry: 'credential-scope-invalid-region', values: g } : undefined),
);

const securityTokenInvalid = regexDetector(
  'security-token-invalid',
  ['security token included in the request is invalid'],
  [/The security token included in the request is invalid\.?/gi],
  fixed('security-token-invalid'),
);

const securityTokenExpired = regexDetector(
  'security-token-expired',
  ['security token included in the request is expired', 'the provided token has expired'],
  [/The security token included in the request is expired/gi, /The provided token has expired\.?/gi],
  fixed('security-token-expired'),
);

const sessionTokenRejected = regexDetector(
  'session-token-rejected',
  ['provided token is malformed or otherwise invalid'],
  [/The provided token is malformed or otherwise invalid\.?/gi],
  fixed('session-token-rejected-in-region'),
);

// ---------------------------------------------------------------------------------------------
// Network

const STS_HOST = /\b(?<host>sts(?:-fips)?(?:\.(?<region>[a-z]{2}(?:-[a-z]+){1,2}-\d))?\.amazonaws\.com(?:\.cn)?)\b/gi;

const stsUnreachable: Detector = {
  name: 'sts-unreachable',
  // Regional hosts (sts.eu-west-1.amazonaws.com) share no longer literal than this.
  needles: ['amazonaws.com'],
  window: [60, 60],
  find(text, from, to) {
    const hits: RawHit[] = [];
    const slice = text.slice(from, to);
    STS_HOST.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = STS_HOST.exec(slice)) !== null) {
      const hs = from + m.index;
      const he = hs + m[0].length;
      // Only a host used as an endpoint (URL or host:port), never the `sts.amazonaws.com` audience.
      const asUrl = text.slice(Math.max(0, hs - 2), hs) === '//' || /^:\d{2,5}/.test(text.slice(he, he + 6));
      if (!asUrl) continue;
      const fail = networkFailureNear(text, hs, he);
      if (!fail) continue;
      const host = (m.groups?.host as string).toLowerCase();
      const values: Groups = { stsHost: host, networkError: fail.error, stsEndpoint: m.groups?.region ? 'regional' : 'global' };
      if (m.groups?.region) values.region = m.groups.region.toLowerCase();
      hits.push({ entry: 'sts-endpoint-unreachable', start: Math.min(fail.start, hs), end: Math.max(fail.end, he), values });
    }
    return hits;
  },
};

function hostFailureDetector(name: string, entry: EntryId, hosts: readonly string[]): Detector {
  return {
    name,
    needles: hosts.map((h) => h.toLowerCase()),
    window: [300, 500],
    find(text, from, to) {
      const hits: RawHit[] = [];
      // ASCII-only lower-casing keeps offsets aligned ("İ".toLowerCase() is two code units).
      const lowerSlice = asciiLower(text.slice(from, to));
      for (const host of hosts) {
        let i = lowerSlice.indexOf(host.toLowerCase());
        while (i >= 0) {
          const hs = from + i;
          const he = hs + host.length;
          const fail = networkFailureNear(text, hs, he);
          if (fail) hits.push({ entry, start: Math.min(fail.start, hs), end: Math.max(fail.end, he), values: { networkError: fail.error } });
          i = lowerSlice.indexOf(host.toLowerCase(), i + host.length);
        }
      }
      return hits;
    },
  };
}

const imdsHost = hostFailureDetector('imds-host', 'imds-unreachable', ['169.254.169.254']);

const imdsMessages = regexDetector(
  'imds-messages',
  ['ec2metadataerror', 'ec2imds'],
  [/EC2MetadataError: failed to make EC2Metadata request/g, /ec2imds: GetMetadata,?[^\n]{0,80}?(?:deadline exceeded|timeout|canceled)/g],
  fixed('imds-unreachable'),
);

const podIdentityAgent = hostFailureDetector('pod-identity-agent', 'pod-identity-agent-unreachable', ['169.254.170.23', 'fd00:ec2::23']);

// ---------------------------------------------------------------------------------------------
// Token file

const PERMISSION = /permission denied|EACCES|Errno 13|AccessDeniedException|Access is denied|operation not permitted/i;
const NOT_FOUND = /no such file or directory|ENOENT|NoSuchFileException|FileNotFoundError|Errno 2\b|cannot find the (?:path|file)|does not exist/i;
const PATH_CHAR = /[\w.\-/\\:]/;

const tokenFile: Detector = {
  name: 'token-file',
  needles: ['serviceaccount/token', 'serviceaccount\\token', 'serviceaccount/eks-pod-identity-token', 'serviceaccount\\eks-pod-identity-token'],
  window: [400, 400],
  find(text, from, to) {
    const hits: RawHit[] = [];
    const re = /serviceaccount[/\\](?:token|eks-pod-identity-token)\b/gi;
    const slice = text.slice(from, to);
    let m: RegExpExecArray | null;
    while ((m = re.exec(slice)) !== null) {
      const anchor = from + m.index;
      const pathEnd = anchor + m[0].length;
      let pathStart = anchor;
      while (pathStart > 0 && anchor - pathStart < 200 && PATH_CHAR.test(text[pathStart - 1] as string)) pathStart--;
      const tokenPath = text.slice(pathStart, pathEnd).replace(/^[:]+/, '');
      const before = sameLine(text, pathStart, 160, 0);
      const after = sameLine(text, pathEnd, 0, 120);
      const kinds: Array<{ entry: EntryId; re: RegExp }> = [
        { entry: 'token-file-permission-denied', re: PERMISSION },
        { entry: 'token-file-missing', re: NOT_FOUND },
      ];
      let best: RawHit | undefined;
      for (const k of kinds) {
        const a = k.re.exec(after.text);
        const b = k.re.exec(before.text);
        const candidates: RawHit[] = [];
        if (a) candidates.push({ entry: k.entry, start: pathStart, end: after.start + a.index + a[0].length, values: { tokenPath } });
        if (b) candidates.push({ entry: k.entry, start: before.start + b.index, end: pathEnd, values: { tokenPath } });
        for (const c of candidates) if (!best || c.end - c.start < best.end - best.start) best = c;
      }
      if (best) hits.push(best);
    }
    return hits;
  },
};

const rubyTokenMissing = regexDetector('ruby-token-missing', ['missingwebidentitytokenfile'], [/MissingWebIdentityTokenFile/g], fixed('token-file-missing'));

// ---------------------------------------------------------------------------------------------
// Credential chains

const chainExhausted = regexDetector(
  'chain-exhausted',
  [
    'no ec2 imds role found',
    'no ec2 instance role found',
    'unable to locate credentials',
    'nocredentialproviders',
    'could not load credentials from any providers',
    'missing credentials in config',
    'unable to load credentials from any of the providers',
    'unable to load aws credentials from any provider',
  ],
  [
    /no EC2 IMDS role found/gi,
    /no EC2 instance role found/gi,
    /Unable to locate credentials/g,
    /NoCredentialProviders: no valid providers in chain/g,
    /Could not load credentials from any providers/gi,
    /Missing credentials in config/g,
    /Unable to load credentials from any of the providers in the chain/g,
    /Unable to load AWS credentials from any provider in the chain/g,
  ],
  fixed('credential-chain-exhausted'),
);

const javaStsModule = regexDetector(
  'java-sts-module',
  ["'sts' service module must be on the class path", 'aws-java-sdk-sts module must be on the class path'],
  [
    /To use web identity tokens, the 'sts' service module must be on the class path\.?/g,
    /To use assume role profiles the aws-java-sdk-sts module must be on the class path\.?/g,
  ],
  fixed('java-sts-module-missing'),
);

const javaEnvMissing = regexDetector(
  'java-web-identity-env',
  ['either the environment variable aws_web_identity_token_file'],
  [/Either the environment variable AWS_WEB_IDENTITY_TOKEN_FILE\s{0,8}or the javaproperty\s{0,8}aws\.\s{0,2}webIdentityTokenFile must be set\.?/g],
  fixed('java-web-identity-env-missing'),
);

// ---------------------------------------------------------------------------------------------
// EKS Pod Identity

const podIdentityOldSdk = regexDetector(
  'pod-identity-old-sdk',
  ['only loopback hosts are allowed', 'is not a valid container metadata service hostname'],
  [
    /invalid endpoint host,? ?"?(?<host>[0-9a-f.:[\]]{3,45})"?,? only loopback hosts are allowed\.?/gi,
    /(?<host>169\.254\.170\.23|\[?fd00:ec2::23\]?) is not a valid container metadata service hostname/gi,
  ],
  fixed('pod-identity-old-sdk'),
);

const podIdentityUnauthorized = regexDetector(
  'pod-identity-unauthorized',
  ['eks does not have permissions to assume the associated role'],
  [/(?:Unauthorized Exception! )?EKS does not have permissions to assume the associated role\.?/gi],
  fixed('pod-identity-unauthorized'),
);

const podIdentityToken = regexDetector(
  'pod-identity-token',
  ['service account token cannot be'],
  [/Service account token cannot be (?:parsed|empty)[^\n"]{0,120}/gi],
  fixed('pod-identity-token-invalid'),
);

// ---------------------------------------------------------------------------------------------
// AccessDenied from the application's own calls

const DENY_POLICY: ReadonlyArray<{ re: RegExp; kind: string }> = [
  { re: /no identity-based policy allows|explicit deny in an identity-based policy/i, kind: 'identity' },
  { re: /permissions boundary/i, kind: 'boundary' },
  { re: /no resource-based policy allows|explicit deny in a resource-based policy/i, kind: 'resource' },
  { re: /service control policy/i, kind: 'scp' },
  { re: /resource control policy/i, kind: 'rcp' },
  { re: /session policy/i, kind: 'session' },
  { re: /VPC endpoint policy/i, kind: 'vpc-endpoint' },
];

const ACCESS_DENIED = new RegExp(
  String.raw`User: ?(?<principal>arn:aws[a-z-]{0,12}:(?:sts|iam)::\d{12}:[\w+=,.@/-]{1,400}) is not authorized to perform:? ?(?<action>[\w-]{1,64}:[\w*-]{1,128})(?: on resource:? ?(?<resource>"[^"\n]{1,400}"|[^\s"\\]{1,400}))?`,
  'gi',
);

export type RoleVerdict = 'node-role' | 'other-role' | 'irsa-role' | 'unknown-role';

/** Decides whose role made the call. Session names are the strongest evidence, then the expected role, then role names. */
export function judgeAssumedRole(
  roleName: string,
  sessionName: string,
  account: string,
  expectedRoleArn: string | undefined,
): { verdict: RoleVerdict; evidence: string; sessionKind: string; sessionSdk?: string } {
  const session = classifySession(sessionName);
  const sdk = session.sdk ? { sessionSdk: session.sdk } : {};
  const expected = expectedRoleArn ? parseArn(expectedRoleArn.trim()) : undefined;
  const expectedName = expectedRoleArn ? roleNameOf(expectedRoleArn.trim()) : undefined;
  if (expected && expectedName) {
    const same = expectedName.toLowerCase() === roleName.toLowerCase() && (!expected.account || expected.account === account);
    if (same) {
      return { verdict: 'irsa-role', evidence: `is the expected role ${expectedRoleArn?.trim()}`, sessionKind: session.kind, ...sdk };
    }
    if (session.kind === 'ec2-instance' || looksLikeNodeRole(roleName)) {
      const why = session.kind === 'ec2-instance' ? `has the EC2 instance id ${sessionName} as its session name` : 'is named like a node group role';
      return { verdict: 'node-role', evidence: `${why}, not the expected role ${expectedRoleArn?.trim()}`, sessionKind: session.kind, ...sdk };
    }
    return { verdict: 'other-role', evidence: `is not the expected role ${expectedRoleArn?.trim()}`, sessionKind: session.kind, ...sdk };
  }
  if (session.kind === 'ec2-instance') {
    return { verdict: 'node-role', evidence: `has the EC2 instance id ${sessionName} as its session name`, sessionKind: session.kind, ...sdk };
  }
  if (session.kind === 'web-identity') {
    return { verdict: 'irsa-role', evidence: `whose session name \`${sessionName}\` is the default web identity session of ${session.sdk}`, sessionKind: session.kind, ...sdk };
  }
  if (session.kind === 'pod-identity') {
    return { verdict: 'irsa-role', evidence: `whose session name \`${sessionName}\` comes from EKS Pod Identity`, sessionKind: session.kind, ...sdk };
  }
  if (looksLikeNodeRole(roleName)) {
    return { verdict: 'node-role', evidence: `is named like a node group role (${roleName})`, sessionKind: session.kind, ...sdk };
  }
  return { verdict: 'unknown-role', evidence: 'cannot be attributed from its names', sessionKind: session.kind, ...sdk };
}

const VERDICT_ENTRY: Record<RoleVerdict, EntryId> = {
  'node-role': 'app-access-denied-node-role',
  'other-role': 'app-access-denied-other-role',
  'irsa-role': 'app-access-denied-irsa-role',
  'unknown-role': 'app-access-denied-unknown-role',
};

const accessDenied = regexDetector(
  'access-denied',
  ['is not authorized to perform'],
  [ACCESS_DENIED],
  (g, text, _start, end, opts) => {
    const principal = g.principal as string;
    const action = g.action as string;
    if (/^sts:AssumeRoleWithWebIdentity$/i.test(action)) return undefined;
    const arn = parseArn(principal);
    if (!arn) return undefined;
    const values: Groups = { action, account: arn.account, partition: arn.partition };
    if (g.resource) {
      const resource = g.resource.replace(/^"|"$/g, '').replace(/[.,;)]+$/, '');
      values.resource = resource;
      if (resource.startsWith('arn:')) values.resourceArn = resource;
    }
    // The reason AWS gives follows the resource on the same line; it is not part of the match, so a repeat right after is its own match.
    const tail = sameLine(text, end, 0, 200).text;
    for (const d of DENY_POLICY) {
      if (d.re.test(tail)) {
        values.denyPolicy = d.kind;
        const reason = /(?:because |with )((?:no|an explicit deny)[^".\n]{0,160})/i.exec(tail);
        if (reason) values.denyReason = (reason[1] as string).trim();
        break;
      }
    }
    if (arn.service === 'iam' && arn.resource.startsWith('user/')) {
      return { entry: 'app-access-denied-iam-user', values: { ...values, principalArn: principal } };
    }
    const ar = /^assumed-role\/([\w+=,.@-]{1,64})\/([\w+=,.@-]{1,64})$/.exec(arn.resource);
    if (arn.service !== 'sts' || !ar) return undefined;
    const roleName = ar[1] as string;
    const sessionName = ar[2] as string;
    const judged = judgeAssumedRole(roleName, sessionName, arn.account, opts.expectedRoleArn);
    Object.assign(values, {
      assumedRoleArn: principal,
      roleName,
      sessionName,
      sessionKind: judged.sessionKind,
      roleEvidence: judged.evidence,
      ...(judged.sessionSdk ? { sessionSdk: judged.sessionSdk } : {}),
    });
    if (opts.expectedRoleArn) values.expectedRoleArn = opts.expectedRoleArn.trim();
    values.roleArnForPolicy =
      judged.verdict === 'irsa-role' && opts.expectedRoleArn ? opts.expectedRoleArn.trim() : `arn:${arn.partition}:iam::${arn.account}:role/${roleName}`;
    return { entry: VERDICT_ENTRY[judged.verdict], values };
  },
  [300, 1200],
);

/** Every detector, in no particular order (the engine orders hits by position). */
export const DETECTORS: readonly Detector[] = [
  roleArnInvalid,
  noProvider,
  incorrectAudience,
  missingAud,
  thumbprint,
  jwks,
  tokenExpired,
  notAuthorized,
  duration,
  regionDisabled,
  genericInvalidToken,
  credentialScope,
  securityTokenInvalid,
  securityTokenExpired,
  sessionTokenRejected,
  stsUnreachable,
  imdsHost,
  imdsMessages,
  podIdentityAgent,
  tokenFile,
  rubyTokenMissing,
  chainExhausted,
  javaStsModule,
  javaEnvMissing,
  podIdentityOldSdk,
  podIdentityUnauthorized,
  podIdentityToken,
  accessDenied,
];
