// Live mode: the AWS SDK v3 clients the collectors use, built the way the user's own tools would
// find their settings, and one reading of SDK errors for every collector.
//
// What comes from the user's environment without code here (and must stay so):
// - credentials: the SDK's default chain (env keys, SSO, ini, process, web identity, container,
//   IMDS). `profile` is passed as the client's own `profile` option, which the default chain and
//   the region/endpoint loaders read like AWS_PROFILE but for these clients only.
//   @aws-sdk/credential-providers (`fromIni`) is not a dependency of this project: the client
//   option gives the same profile resolution (SSO, assume-role and process profiles included)
//   without it.
// - endpoints: AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_IAM / _STS / _EKS, a profile's `endpoint_url`
//   and `services` section; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true turns them off.
// - region: AWS_REGION, then the profile's `region`.
// - attempts: AWS_MAX_ATTEMPTS (or `maxAttempts`); retry mode AWS_RETRY_MODE, else adaptive.
// - CA: NODE_EXTRA_CA_CERTS (Node reads it at start). `ca` (the CLI's `--ca-file`) adds a CA on
//   top of Node's roots and NODE_EXTRA_CA_CERTS; AWS_CA_BUNDLE is the aws CLI's and botocore's
//   variable, which the JS SDK does not read: the CLI may pass its content as `ca`.
//
// The SDK has no request timeout by default (a hung endpoint hangs the run): every client gets
// `requestTimeout` with `throwOnRequestTimeout`, and the same limit for connecting.

import https from 'node:https';
import { trustContext } from '../../tls/trust-context.js';
import { IAMClient, type IAMClientConfig } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { EKSClient } from '@aws-sdk/client-eks';

export const DEFAULT_AWS_TIMEOUT_MS = 10_000;

export interface AwsClientOptions {
  /** `--region`; default: AWS_REGION, then the profile's region. */
  region?: string;
  /** `--profile` (or `--role-profile`): read like AWS_PROFILE, for these clients only. */
  profile?: string;
  /** Per attempt: connecting, and the whole request and response (default 10 s). */
  timeoutMs?: number;
  /** Attempts per call including the first (default: AWS_MAX_ATTEMPTS, else the SDK's 3). */
  maxAttempts?: number;
  /** PEM of extra trusted CAs (`--ca-file`), added to Node's roots and NODE_EXTRA_CA_CERTS. */
  ca?: string;
  /**
   * For an in-process lab (the demo, tests), where the environment cannot be used: explicit
   * endpoints and keys. Users set AWS_ENDPOINT_URL_* and the credential chain instead.
   */
  endpoints?: { iam?: string; sts?: string; eks?: string };
  credentials?: IAMClientConfig['credentials'];
}

export interface AwsClients {
  iam: IAMClient;
  sts: STSClient;
  eks: EKSClient;
}

export function makeAwsClients(opts: AwsClientOptions = {}): AwsClients {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_AWS_TIMEOUT_MS;
  const secureContext = trustContext(opts.ca);
  // One agent for the three clients: keep-alive sockets are shared.
  // --ca-file is added to Node's roots in one secure context per process (see trustContext).
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 50, ...(secureContext ? { secureContext } : {}) });
  const common = {
    requestHandler: { requestTimeout: timeoutMs, connectionTimeout: timeoutMs, throwOnRequestTimeout: true, httpsAgent },
    // Code config outranks the environment: leave the mode to AWS_RETRY_MODE when it is set.
    ...(process.env['AWS_RETRY_MODE'] ? {} : { retryMode: 'adaptive' }),
    ...(opts.maxAttempts !== undefined ? { maxAttempts: opts.maxAttempts } : {}),
    ...(opts.region !== undefined ? { region: opts.region } : {}),
    ...(opts.profile !== undefined ? { profile: opts.profile } : {}),
    ...(opts.credentials !== undefined ? { credentials: opts.credentials } : {}),
  };
  const at = (url: string | undefined) => (url !== undefined ? { endpoint: url } : {});
  return {
    iam: new IAMClient({ ...common, ...at(opts.endpoints?.iam) }),
    sts: new STSClient({ ...common, ...at(opts.endpoints?.sts) }),
    eks: new EKSClient({ ...common, ...at(opts.endpoints?.eks) }),
  };
}

// ------------------------------------------------------------------------------------------------
// Errors

export interface AwsErrorDescription {
  /** The service's error code as sent (`AccessDenied`, `NoSuchEntity`, `AccessDeniedException`,
   * `ResourceNotFoundException`), or the client-side failure (`TimeoutError`, `ECONNREFUSED`,
   * `CredentialsProviderError`). */
  code: string;
  /** One line. */
  message: string;
  /** HTTP status, when the service answered. */
  status?: number;
  /** The action a denial names (`... is not authorized to perform: iam:GetRole ...`). */
  permission?: string;
  /** `client` / `server` when the service answered. */
  fault?: 'client' | 'server';
  /** Attempts made, retries included. */
  attempts?: number;
}

const DENIAL_CODES = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedAccess', 'Forbidden']);

/** The code the service sent, read from the SDK error (`Code` for Query protocols, else `name`). */
export function describeAwsError(e: unknown): AwsErrorDescription {
  if (!e || typeof e !== 'object') return { code: 'Error', message: oneLine(String(e)) };
  const err = e as Record<string, unknown> & { $metadata?: { httpStatusCode?: number; attempts?: number } };
  const nested = (err['Error'] && typeof err['Error'] === 'object' ? (err['Error'] as Record<string, unknown>) : undefined) ?? {};
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const name = str(err['name']);
  // Network errors keep Node's errno code (`ECONNREFUSED`) on a plain `Error`.
  const errno = str(err['code']);
  const code = str(err['Code']) ?? str(nested['Code']) ?? (name && name !== 'Error' ? name : undefined) ?? errno ?? 'Error';
  let message = oneLine(str(err['message']) ?? str(nested['Message']) ?? '');
  // The SDK's own timeout text names its package: keep what it says.
  message = message.replace(/^@smithy\/node-http-handler - \[ERROR\] /, '');
  if (message === '' || message === 'UnknownError') message = name && name !== code ? name : 'no message';
  const d: AwsErrorDescription = { code, message };
  const status = err.$metadata?.httpStatusCode;
  if (typeof status === 'number') d.status = status;
  const fault = err['$fault'];
  if (fault === 'client' || fault === 'server') d.fault = fault;
  const attempts = err.$metadata?.attempts;
  if (typeof attempts === 'number') d.attempts = attempts;
  if (isDenial(d)) {
    const p = /\bperform: ([a-z0-9-]+:[A-Za-z0-9*]+)/.exec(message);
    if (p) d.permission = p[1]!;
  }
  return d;
}

/** A refusal by policy (not a missing thing, not a failure). */
export function isDenial(d: AwsErrorDescription): boolean {
  return DENIAL_CODES.has(d.code) || (d.status === 403 && /not authorized to perform/i.test(d.message));
}

/** `Code: message`, plus the HTTP status and attempts when the call failed on the server side. */
export function reasonOf(d: AwsErrorDescription): string {
  const extra: string[] = [];
  if (d.status !== undefined && (d.status >= 500 || d.code === 'Throttling' || d.code === 'ThrottlingException' || d.code === 'TooManyRequestsException')) extra.push(`HTTP ${d.status}`);
  if (d.attempts !== undefined && d.attempts > 1) extra.push(`${d.attempts} attempts`);
  return `${d.code}: ${d.message}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}
