// The Kubernetes side of live mode: loads the kubeconfig the way kubectl does, then reads the
// workload, its owners, its pods and their service accounts, the server version and a
// TokenRequest, and turns each API response into the facts the offline recognisers produce from
// the same JSON (`kubectl get -o json`), so the join and the checks cannot tell the difference.
//
// The kubeconfig's entries and credentials are applied by ./kube-auth.ts (tokens, token files,
// exec plugins such as `aws eks get-token`, client certificates, proxies); the requests are plain
// GETs/POSTs with the agent and headers it prepares, and the objects stay exactly as the API (and
// kubectl) print them: no generated client turns timestamps into Date objects or drops fields.

import { isAscii } from 'node:buffer';
import { existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Fact, K8sObject, K8sObjectFact, KubeVersionFact, NotFoundFact, Source, TokenFact, UnavailableFact } from '../facts.js';
import { kubectlObjects, kubectlVersion } from '../offline/kubectl.js';
import { decodeToken } from '../../tls/token.js';
import { podTemplate, serviceAccountName } from '../../k8s/pod.js';
import { parseSelector, type Selector } from './selector.js';
import { clusterEntry, connect, contextEntry, TransportError, userEntry, type ClusterEntry, type Connection, type UserEntry } from './kube-auth.js';

// =================================================================================================
// kubeconfig
// =================================================================================================

export class KubeConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeConfigError';
  }
}

export interface LoadKubeOptions {
  /** `--kubeconfig`: this one file only (KUBECONFIG and ~/.kube/config are then ignored, as kubectl does). */
  kubeconfig?: string;
  /** `--context`; default: the merged current-context. */
  context?: string;
  /** Where KUBECONFIG, HOME and KUBERNETES_SERVICE_HOST/PORT are read (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Prefix of the in-cluster files `/var/run/secrets/kubernetes.io/serviceaccount/*` (tests). */
  inClusterRoot?: string;
  /** Timeout of each API request, ms (default 30 000). */
  timeoutMs?: number;
  /** Items per list page (kubectl's --chunk-size; default 500). */
  pageSize?: number;
}

/** What the kubeconfig says about the EKS cluster behind the context, when it says anything. */
export interface EksClusterHint {
  arn?: string;
  name?: string;
  region?: string;
  account?: string;
  partition?: string;
  /** Where the hint came from: the context name, the cluster name (EKS ARNs) or the exec plugin's args. */
  from?: 'context' | 'cluster' | 'exec';
}

export interface LoadedKube {
  /** The context's cluster and user entries, as the requests apply them, and where proxy variables are read. */
  endpoint: { cluster: ClusterEntry; user: UserEntry | null; env: Readonly<Record<string, string | undefined>> };
  contextName: string;
  server: string;
  /** The context's namespace, when it sets one (kubectl's default for `-n`). */
  namespace?: string;
  cluster: EksClusterHint;
  /** The kubeconfig files read, in precedence order (empty in-cluster). */
  files: string[];
  inCluster: boolean;
  timeoutMs: number;
  pageSize: number;
}

type Raw = Record<string, unknown>;
const isRaw = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * Loads the kubeconfig as kubectl does: `--kubeconfig` alone; else every file of KUBECONFIG
 * (missing ones skipped), merged so that the first file to define a name or the current-context
 * wins; else ~/.kube/config; else the in-cluster service account. Relative paths (CA, client
 * certificate and key, token file, an exec command with a `/`) are relative to the file that
 * names them. Never falls back to http://localhost:8080: with no configuration it throws a
 * `KubeConfigError` saying what was looked for.
 */
export function loadKube(opts: LoadKubeOptions = {}): LoadedKube {
  const env = opts.env ?? process.env;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const pageSize = opts.pageSize ?? 500;
  const files = configFiles(opts, env);
  if (files.length === 0) return inCluster(opts, env, timeoutMs, pageSize);

  const merged: { clusters: Raw[]; contexts: Raw[]; users: Raw[]; 'current-context'?: string } = { clusters: [], contexts: [], users: [] };
  for (const f of files) {
    const doc = readConfigFile(f);
    for (const key of ['clusters', 'contexts', 'users'] as const) {
      const list = doc[key];
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) throw new KubeConfigError(`${f}: "${key}" is not a list`);
      for (const entry of list) {
        if (!isRaw(entry) || typeof entry['name'] !== 'string') continue;
        if (merged[key].some((e) => e['name'] === entry['name'])) continue; // the first file wins
        merged[key].push(entry);
      }
    }
    const cur = doc['current-context'];
    if (merged['current-context'] === undefined && typeof cur === 'string' && cur !== '') merged['current-context'] = cur;
  }

  const where = files.length === 1 ? files[0]! : `the kubeconfig files (${files.join(', ')})`;
  const names = merged.contexts.map((c) => String(c['name']));
  const contextName = opts.context ?? merged['current-context'];
  if (contextName === undefined || contextName === '') {
    if (names.length === 0) throw new KubeConfigError(`${where} defines no context: run \`aws eks update-kubeconfig --name CLUSTER --region REGION\` or pass --kubeconfig`);
    throw new KubeConfigError(`${where} sets no current-context: pass --context (contexts: ${names.join(', ')})`);
  }
  // Entries are checked only when the chosen context needs them, as kubectl does.
  const rawCtx = merged.contexts.find((c) => c['name'] === contextName);
  if (!rawCtx) throw new KubeConfigError(`context "${contextName}" not found in ${where}${names.length ? ` (contexts: ${names.join(', ')})` : ''}`);
  const ctx = contextEntry(rawCtx);
  if (typeof ctx === 'string') throw new KubeConfigError(`context "${contextName}" in ${where} is invalid: it ${ctx}`);
  const rawCluster = merged.clusters.find((c) => c['name'] === ctx.cluster);
  if (!rawCluster) throw new KubeConfigError(`context "${contextName}" names cluster "${ctx.cluster}", which ${where} does not define`);
  const cluster = clusterEntry(rawCluster);
  if (typeof cluster === 'string') throw new KubeConfigError(`cluster "${ctx.cluster}" of context "${contextName}" in ${where} ${cluster}`);
  let user: UserEntry | null = null;
  if (ctx.user) {
    const rawUser = merged.users.find((u) => u['name'] === ctx.user);
    if (!rawUser) throw new KubeConfigError(`context "${contextName}" names user "${ctx.user}", which ${where} does not define`);
    const u = userEntry(rawUser);
    if (typeof u === 'string') throw new KubeConfigError(`user "${ctx.user}" of context "${contextName}" in ${where} ${u}`);
    user = u;
  }
  const loaded: LoadedKube = {
    endpoint: { cluster, user, env },
    contextName,
    server: cluster.server,
    cluster: eksClusterHint(ctx, user),
    files,
    inCluster: false,
    timeoutMs,
    pageSize,
  };
  if (ctx.namespace) loaded.namespace = ctx.namespace;
  return loaded;
}

function configFiles(opts: LoadKubeOptions, env: Readonly<Record<string, string | undefined>>): string[] {
  if (opts.kubeconfig !== undefined) {
    const f = resolve(opts.kubeconfig);
    if (!existsSync(f)) throw new KubeConfigError(`--kubeconfig ${opts.kubeconfig}: no such file`);
    return [f];
  }
  const kubeconfigVar = env['KUBECONFIG'];
  if (kubeconfigVar !== undefined && kubeconfigVar !== '') {
    const listed = kubeconfigVar.split(delimiter).filter((x) => x !== '');
    const found = [...new Set(listed.map((f) => resolve(f)))].filter((f) => existsSync(f) && statSync(f).isFile());
    if (found.length === 0) throw new KubeConfigError(`KUBECONFIG=${kubeconfigVar}: none of its files exist`);
    return found;
  }
  const home = env['HOME'] ?? homedir();
  const def = join(home, '.kube', 'config');
  return existsSync(def) ? [def] : [];
}

/** One kubeconfig file as YAML, with the paths it names made absolute. */
function readConfigFile(path: string): Raw {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new KubeConfigError(`${path}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new KubeConfigError(`${path}: not a kubeconfig (YAML error: ${(e as Error).message.split('\n')[0]})`);
  }
  if (doc === null || doc === undefined) return {};
  if (!isRaw(doc)) throw new KubeConfigError(`${path}: not a kubeconfig (expected a mapping with clusters, contexts and users)`);
  const dir = dirname(path);
  const abs = (o: Raw, key: string) => {
    const v = o[key];
    if (typeof v === 'string' && v !== '' && !isAbsolute(v)) o[key] = join(dir, v);
  };
  for (const c of Array.isArray(doc['clusters']) ? doc['clusters'] : []) {
    if (isRaw(c) && isRaw(c['cluster'])) abs(c['cluster'], 'certificate-authority');
  }
  for (const u of Array.isArray(doc['users']) ? doc['users'] : []) {
    if (!isRaw(u) || !isRaw(u['user'])) continue;
    const user = u['user'];
    for (const k of ['client-certificate', 'client-key', 'tokenFile', 'token-file']) abs(user, k);
    // client-go: an exec command with a path separator is relative to the kubeconfig's folder.
    const exec = user['exec'];
    if (isRaw(exec) && typeof exec['command'] === 'string' && exec['command'].includes('/')) abs(exec, 'command');
  }
  return doc;
}

function inCluster(opts: LoadKubeOptions, env: Readonly<Record<string, string | undefined>>, timeoutMs: number, pageSize: number): LoadedKube {
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  const root = opts.inClusterRoot ?? '';
  const tokenFile = `${root}${SA_DIR}/token`;
  const home = env['HOME'] ?? homedir();
  if (!host || !port) {
    const why = env['KUBECONFIG'] !== undefined && env['KUBECONFIG'] !== '' ? 'KUBECONFIG names no file' : `KUBECONFIG is not set and ${join(home, '.kube', 'config')} does not exist`;
    throw new KubeConfigError(
      `no Kubernetes configuration: ${why}, and this is not a pod (KUBERNETES_SERVICE_HOST is not set). Run \`aws eks update-kubeconfig --name CLUSTER --region REGION\` or pass --kubeconfig`,
    );
  }
  if (!existsSync(tokenFile)) throw new KubeConfigError(`in-cluster configuration: KUBERNETES_SERVICE_HOST is set but ${tokenFile} does not exist (automountServiceAccountToken: false?)`);
  const contextName = 'inClusterContext';
  if (opts.context !== undefined && opts.context !== contextName) {
    throw new KubeConfigError(`context "${opts.context}" not found: there is no kubeconfig, only the in-cluster configuration (context ${contextName})`);
  }
  const server = `${['80', '8080', '8001'].includes(port) ? 'http' : 'https'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const nsFile = `${root}${SA_DIR}/namespace`;
  const namespace = existsSync(nsFile) ? readFileSync(nsFile, 'utf8').trim() : undefined;
  const endpoint = { cluster: { name: 'inCluster', server, caFile: `${root}${SA_DIR}/ca.crt`, skipTLSVerify: false }, user: { name: 'inClusterUser', tokenFile }, env };
  const loaded: LoadedKube = { endpoint, contextName, server, cluster: {}, files: [], inCluster: true, timeoutMs, pageSize };
  if (namespace) loaded.namespace = namespace;
  return loaded;
}

const EKS_ARN = /^arn:(aws[a-z-]*):eks:([a-z0-9-]+):(\d{12}):cluster\/([A-Za-z0-9][A-Za-z0-9_-]*)$/;

/** `arn:aws:eks:REGION:ACCOUNT:cluster/NAME` -> its parts. */
export function parseEksClusterArn(arn: string): { arn: string; partition: string; region: string; account: string; name: string } | undefined {
  const m = EKS_ARN.exec(arn);
  return m ? { arn, partition: m[1]!, region: m[2]!, account: m[3]!, name: m[4]! } : undefined;
}

/**
 * The EKS cluster behind a context: the context name or its cluster's name when it is an EKS
 * ARN (what `aws eks update-kubeconfig` writes), else `--cluster-name`/`--cluster-id` (`-i` for
 * aws-iam-authenticator) and `--region` in the exec plugin's args (region also from the plugin's
 * AWS_REGION/AWS_DEFAULT_REGION). Empty when the kubeconfig says nothing.
 */
export function eksClusterHint(ctx: { name: string; cluster: string }, user: { exec?: unknown } | null | undefined): EksClusterHint {
  const fromArn = (s: string, from: 'context' | 'cluster'): EksClusterHint | undefined => {
    const p = parseEksClusterArn(s);
    return p ? { arn: p.arn, name: p.name, region: p.region, account: p.account, partition: p.partition, from } : undefined;
  };
  const hint = fromArn(ctx.name, 'context') ?? fromArn(ctx.cluster, 'cluster');
  if (hint) return hint;
  const exec: unknown = user?.exec;
  if (!isRaw(exec)) return {};
  const args = Array.isArray(exec['args']) ? exec['args'].filter((a): a is string => typeof a === 'string') : [];
  const command = typeof exec['command'] === 'string' ? exec['command'] : '';
  const authenticator = /aws-iam-authenticator/.test(command) || args[0] === 'token';
  const flag = (names: string[]): string | undefined => {
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      for (const n of names) {
        if (a === n && args[i + 1] !== undefined) return args[i + 1];
        if (a.startsWith(`${n}=`)) return a.slice(n.length + 1);
      }
    }
    return undefined;
  };
  const name = flag(authenticator ? ['--cluster-name', '--cluster-id', '-i'] : ['--cluster-name', '--cluster-id']);
  const envList = Array.isArray(exec['env']) ? exec['env'] : [];
  const envVar = (n: string): string | undefined => {
    const e = envList.find((x: unknown) => isRaw(x) && x['name'] === n);
    return isRaw(e) && typeof e['value'] === 'string' && e['value'] !== '' ? e['value'] : undefined;
  };
  const region = flag(['--region']) ?? envVar('AWS_REGION') ?? envVar('AWS_DEFAULT_REGION');
  if (name === undefined && region === undefined) return {};
  const out: EksClusterHint = { from: 'exec' };
  if (name !== undefined) out.name = name;
  if (region !== undefined) out.region = region;
  return out;
}

// =================================================================================================
// requests
// =================================================================================================

interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const prepared = new WeakMap<LoadedKube['endpoint'], Promise<Connection>>();

/**
 * TLS agent and auth headers for the current context, prepared once per run (exec plugins are
 * slow) and shared by concurrent calls. Prepared again, once for all of them, when the exec
 * credential is about to expire or when a call got a 401 with `stale` (the connection it used).
 */
async function prepare(k: LoadedKube, stale?: Connection): Promise<Connection> {
  for (;;) {
    const p = prepared.get(k.endpoint);
    if (!p) break;
    const c = await p; // a failure reaches every call that waited on it, as before
    const expiring = c.expiresAt !== undefined && c.expiresAt - Date.now() < 10_000;
    if (c !== stale && !expiring) return c;
    if (prepared.get(k.endpoint) === p) {
      prepared.delete(k.endpoint);
      break;
    }
    // Another call has already prepared a new connection: use it.
  }
  const p = connect(k.endpoint.cluster, k.endpoint.user, { env: k.endpoint.env });
  prepared.set(k.endpoint, p);
  p.catch(() => {
    if (prepared.get(k.endpoint) === p) prepared.delete(k.endpoint);
  });
  return p;
}

/**
 * UTF-8 text of a body. API servers write JSON with non-ASCII characters as they are, but most
 * bodies have none: those are read as Latin-1, which gives the same text for ASCII bytes and
 * takes a third of the time for a 3 MB list page.
 */
function decode(b: Buffer): string {
  return isAscii(b) ? b.toString('latin1') : b.toString('utf8');
}

/** Bytes of a successful answer handed to `onHead` before the rest arrives. */
const HEAD_BYTES = 4096;

/** How a call is watched: its answer's head as it arrives, and a signal that abandons it. */
export interface CallOptions {
  /**
   * The first 4 KiB of a successful answer, as soon as they arrive (a paginated list reads its
   * `continue` token there); called again if the answer is cut and the call retried.
   */
  onHead?: (head: string) => void;
  /** Aborting abandons the call: the connection is closed and nothing is retried. */
  signal?: AbortSignal;
}

function send(url: URL, method: string, p: Connection, body: string | undefined, timeoutMs: number, watch: CallOptions = {}): Promise<Response> {
  const { onHead, signal } = watch;
  return new Promise((resolvePromise, reject) => {
    const headers: Record<string, string | string[]> = { ...p.headers, accept: 'application/json', 'user-agent': 'irsa-doctor (live)' };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const lib = url.protocol === 'http:' ? http : https;
    const req = lib.request(url, { ...p.tls, method, headers, agent: p.agent, ...(p.auth ? { auth: p.auth } : {}), ...(signal ? { signal } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      const ok = (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300;
      let head = onHead && ok ? 0 : -1;
      const giveHead = () => {
        head = -1;
        try {
          onHead!(Buffer.concat(chunks).subarray(0, HEAD_BYTES).toString('utf8'));
        } catch {
          // Reading ahead is an optimisation: its failure must not break this answer.
        }
      };
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        if (head >= 0 && (head += c.length) >= HEAD_BYTES) giveHead();
      });
      res.on('end', () => {
        clearTimeout(timer);
        if (head >= 0) giveHead();
        resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: decode(Buffer.concat(chunks)) });
      });
      res.on('error', (e) => {
        clearTimeout(timer);
        reject(networkError(url, e));
      });
    });
    const timer = setTimeout(() => req.destroy(new TransportError('Timeout', `no answer from ${url.origin} within ${timeoutMs / 1000} s`)), timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e instanceof TransportError ? e : networkError(url, e));
    });
    req.end(body);
  });
}

function networkError(url: URL, e: Error): TransportError {
  const code = (e as NodeJS.ErrnoException).code;
  const tls = code !== undefined && /CERT|SELF_SIGNED|UNABLE_TO|HOSTNAME|ERR_TLS/.test(code);
  if (tls) return new TransportError('TLSError', `TLS to ${url.origin} failed: ${e.message} (check the cluster's certificate-authority in the kubeconfig)`);
  // A body cut short is `aborted` with code ECONNRESET: the code is kept, so that a GET is retried.
  return new TransportError('Unreachable', `${url.origin}: ${e.message}${code && !e.message.includes(code) ? ` (${code})` : ''}`);
}

const RETRYABLE = new Set([429, 500, 502, 503, 504]);

/** One API call; retries 429/5xx (honouring Retry-After, capped), a GET after a reset or a timeout, and a 401 once with fresh credentials. */
async function call(k: LoadedKube, method: string, path: string, query: Record<string, string> = {}, body?: unknown, watch: CallOptions = {}): Promise<Response> {
  const url = new URL(k.server.replace(/\/+$/, '') + path);
  for (const [q, v] of Object.entries(query)) url.searchParams.set(q, v);
  const text = body === undefined ? undefined : JSON.stringify(body);
  let stale: Connection | undefined;
  let refreshed = false;
  // A GET is safe to send again after a reset connection or a timeout; a write is not (it may
  // have been applied). 429 and 5xx are retried for every method: the server did not act.
  const idempotent = method === 'GET';
  for (let attempt = 1; ; attempt++) {
    if (watch.signal?.aborted) throw new TransportError('Unreachable', `${url.origin}: abandoned`);
    const p = await prepare(k, stale);
    stale = undefined;
    let res: Response;
    try {
      res = await send(url, method, p, text, k.timeoutMs, watch);
    } catch (e) {
      if (watch.signal?.aborted) throw new TransportError('Unreachable', `${url.origin}: abandoned`);
      if (idempotent && e instanceof TransportError && (e.reason === 'Timeout' || (e.reason === 'Unreachable' && /ECONNRESET|socket hang up|EPIPE/.test(e.message))) && attempt < MAX_ATTEMPTS) {
        await sleep(backoffMs(attempt));
        continue;
      }
      throw e;
    }
    const user = k.endpoint.user;
    if (res.status === 401 && !refreshed && (user?.exec || user?.tokenFile)) {
      // An expired exec credential or a rotated token file: ask again, once.
      refreshed = true;
      stale = p;
      continue;
    }
    if (RETRYABLE.has(res.status) && attempt < MAX_ATTEMPTS) {
      const after = Number(res.headers['retry-after']);
      await sleep(Number.isFinite(after) && after > 0 ? Math.min(after, 5) * 1000 : backoffMs(attempt));
      continue;
    }
    return res;
  }
}

/** Attempts per call: throttling bursts and brief outages of the API server are ridden out. */
const MAX_ATTEMPTS = 5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Exponential backoff with full jitter (100 ms, 200, 400, 800 ceilings). */
const backoffMs = (attempt: number): number => Math.round(Math.random() * 100 * 2 ** (attempt - 1)) + 10;

/** A failed call as `{ code, reason, message }`, from the API's `Status` body when there is one. */
export interface KubeFailure {
  code?: number;
  /**
   * `Forbidden`, `NotFound`, `Unauthorized`...; when no HTTP answer came: `Unreachable`,
   * `TLSError`, `Timeout`, `ExecPluginFailed` or `CredentialsUnreadable`.
   */
  reason: string;
  message: string;
  /** The details.kind/name of a NotFound. */
  details?: { kind?: string; name?: string };
}

const HTTP_REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/**
 * What went wrong, from an HTTP status and body, or from an API client's exception (numeric
 * `code`, unparsed string `body`, as @kubernetes/client-node's ApiException), or any other error.
 */
export function kubeFailure(e: unknown): KubeFailure {
  const o: Raw = isRaw(e) ? e : e instanceof Error ? { message: e.message } : {};
  // Our own responses carry `status`; API client exceptions carry a numeric `code`
  // (Node's system errors carry a string `code`: no HTTP answer).
  const code = typeof o['status'] === 'number' ? o['status'] : typeof o['code'] === 'number' ? o['code'] : undefined;
  if (code === undefined) {
    const message = e instanceof Error ? e.message : typeof o['message'] === 'string' ? o['message'] : String(e);
    return { reason: 'Unreachable', message };
  }
  const body = o['body'];
  let status: unknown = body;
  if (typeof body === 'string') {
    try {
      status = JSON.parse(body);
    } catch {
      status = undefined;
    }
  }
  if (isRaw(status) && status['kind'] === 'Status') {
    const out: KubeFailure = {
      code,
      reason: typeof status['reason'] === 'string' && status['reason'] !== '' ? status['reason'] : (HTTP_REASONS[code] ?? `HTTP${code}`),
      message: typeof status['message'] === 'string' && status['message'] !== '' ? status['message'] : `HTTP ${code}`,
    };
    const d = status['details'];
    if (isRaw(d)) {
      out.details = {};
      if (typeof d['kind'] === 'string') out.details.kind = d['kind'];
      if (typeof d['name'] === 'string') out.details.name = d['name'];
    }
    return out;
  }
  const first = typeof body === 'string' ? body.split('\n').map((l) => l.trim()).find((l) => l !== '') : undefined;
  return { code, reason: HTTP_REASONS[code] ?? `HTTP${code}`, message: first ? first.slice(0, 300) : `HTTP ${code}` };
}

/** `Forbidden: pods is forbidden: User "x" cannot list resource "pods" ...`: one line. */
function reasonLine(f: KubeFailure): string {
  return `${f.reason}: ${f.message}`.replace(/\s*\n\s*/g, ' ');
}

type Outcome = { ok: true; json: unknown } | { ok: false; failure: KubeFailure };
export type RawOutcome = { ok: true; status: number; text: string } | { ok: false; failure: KubeFailure };

/** One call on the Kubernetes API with the kubeconfig's TLS and credentials (exec plugin refresh, retries of 429/5xx). */
export async function request(k: LoadedKube, method: string, path: string, query?: Record<string, string>, body?: unknown): Promise<Outcome> {
  const raw = await requestText(k, method, path, query, body);
  return raw.ok ? parseBody(raw) : raw;
}

/**
 * As `request`, the body left unparsed; `watch` (see CallOptions) lets a paginated list read the
 * next page's `continue` token while the rest of this one is still on the wire, and abandon a
 * page it asked for ahead.
 */
export async function requestText(k: LoadedKube, method: string, path: string, query?: Record<string, string>, body?: unknown, watch?: CallOptions): Promise<RawOutcome> {
  let res: Response;
  try {
    res = await call(k, method, path, query, body, watch);
  } catch (e) {
    if (e instanceof TransportError) return { ok: false, failure: { reason: e.reason, message: e.message } };
    throw e;
  }
  if (res.status < 200 || res.status >= 300) return { ok: false, failure: kubeFailure(res) };
  return { ok: true, status: res.status, text: res.body };
}

/** The JSON of a successful answer, or why it is not JSON. */
export function parseBody(raw: { status: number; text: string }): Outcome {
  try {
    return { ok: true, json: JSON.parse(raw.text) as unknown };
  } catch (e) {
    return { ok: false, failure: { code: raw.status, reason: 'BadResponse', message: `the API answered HTTP ${raw.status} with a body that is not JSON (${(e as Error).message})` } };
  }
}

// =================================================================================================
// resources and facts
// =================================================================================================

interface Resource {
  kind: string;
  group: string;
  version: string;
  plural: string;
  /** `serviceAccount`, `replicaSet`: how UnavailableFact.what names one object. */
  one: string;
  /** `pods`, `replicaSets`: how it names a namespace's list. */
  many: string;
  notFound: NotFoundFact['resource'];
}

const res = (kind: string, group: string, plural: string, notFound: NotFoundFact['resource'] = 'other'): Resource => {
  const one = kind[0]!.toLowerCase() + kind.slice(1);
  return { kind, group, version: 'v1', plural, one, many: `${one}s`, notFound };
};

const R = {
  Pod: res('Pod', '', 'pods', 'pod'),
  ServiceAccount: res('ServiceAccount', '', 'serviceaccounts', 'serviceAccount'),
  Deployment: res('Deployment', 'apps', 'deployments'),
  ReplicaSet: res('ReplicaSet', 'apps', 'replicasets'),
  StatefulSet: res('StatefulSet', 'apps', 'statefulsets'),
  DaemonSet: res('DaemonSet', 'apps', 'daemonsets'),
  Job: res('Job', 'batch', 'jobs'),
  CronJob: res('CronJob', 'batch', 'cronjobs'),
} as const;

/** Owners worth following up a pod's ownerReferences (the join names the workload from them). */
const OWNER_KINDS = new Map<string, Resource>([R.ReplicaSet, R.Deployment, R.StatefulSet, R.DaemonSet, R.Job, R.CronJob].map((r) => [r.kind, r]));

function collectionPath(r: Resource, ns: string): string {
  const base = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  return `${base}/namespaces/${encodeURIComponent(ns)}/${r.plural}`;
}

/** `pods list`, `deployments.apps get`, `serviceaccounts/token create`: the RBAC grant a call needs. */
function permission(r: Resource, verb: string, subresource?: string): string {
  return `${r.plural}${subresource ? `/${subresource}` : ''}${r.group ? `.${r.group}` : ''} ${verb}`;
}

/** Sources name the Kubernetes API operation, as `api:iam:GetRole` names IAM's. */
function source(operation: string): Source {
  return { path: `api:kubernetes:${operation}` };
}

/**
 * The facts the offline recogniser makes of this JSON (`kubectl get -o json` of an object or a
 * list): kind/apiVersion filled in for list items, Secret values redacted, `fromList` set.
 */
/** Objects of a response (an object or a List), as the offline kubectl recogniser reads them. */
export function objectFacts(json: unknown, src: Source): K8sObjectFact[] {
  const out = kubectlObjects.recognise({ path: src.path, text: '', docs: [{ value: json, line: 1 }] }, src) ?? [];
  return out.filter((f): f is K8sObjectFact => f.kind === 'k8sObject').map((f) => ({ ...f, source: { path: src.path } }));
}

function controllerRef(o: K8sObject): { kind: string; name: string; uid?: string } | undefined {
  const refs = o.metadata.ownerReferences ?? [];
  return refs.find((r) => r.controller === true) ?? undefined;
}

/** A metav1.LabelSelector as the `labelSelector` query; undefined when there is none (selects nothing). */
export function labelSelectorQuery(sel: unknown): string | undefined {
  if (!isRaw(sel)) return undefined;
  const parts: string[] = [];
  const ml = sel['matchLabels'];
  if (isRaw(ml)) for (const [k, v] of Object.entries(ml)) parts.push(`${k}=${String(v)}`);
  for (const e of Array.isArray(sel['matchExpressions']) ? sel['matchExpressions'] : []) {
    if (!isRaw(e) || typeof e['key'] !== 'string') return undefined;
    const values = Array.isArray(e['values']) ? e['values'].map(String) : [];
    switch (e['operator']) {
      case 'In':
        parts.push(`${e['key']} in (${values.join(',')})`);
        break;
      case 'NotIn':
        parts.push(`${e['key']} notin (${values.join(',')})`);
        break;
      case 'Exists':
        parts.push(e['key']);
        break;
      case 'DoesNotExist':
        parts.push(`!${e['key']}`);
        break;
      default:
        return undefined;
    }
  }
  return parts.join(',');
}

// =================================================================================================
// collecting a workload
// =================================================================================================

export interface ServiceAccountRef {
  namespace: string;
  name: string;
}

export interface WorkloadFacts {
  facts: Fact[];
  /**
   * The service accounts the workload's pods (and its pod template) run as, in that order;
   * those the API proved missing are left out (a NotFoundFact says so).
   */
  serviceAccounts: ServiceAccountRef[];
}

type Got = { ok: true; object: K8sObject } | { ok: false; failure: KubeFailure };

class Collector {
  readonly facts: Fact[] = [];
  private readonly uids = new Set<string>();
  private readonly gets = new Map<string, Promise<Got>>();
  private readonly saOrder: string[] = [];

  constructor(
    readonly k: LoadedKube,
    readonly ns: string,
  ) {}

  private add(f: K8sObjectFact): void {
    const uid = f.object.metadata.uid;
    const key = uid ?? `${f.object.kind}/${f.object.metadata.namespace ?? this.ns}/${f.object.metadata.name ?? ''}`;
    if (this.uids.has(key)) return;
    this.uids.add(key);
    this.facts.push(f);
  }

  private unavailable(what: string, failure: KubeFailure, perm: string, src: Source): void {
    if (this.facts.some((f) => f.kind === 'unavailable' && f.what === what)) return;
    this.facts.push({ kind: 'unavailable', source: src, what, reason: reasonLine(failure), permission: perm } satisfies UnavailableFact);
  }

  /** GET one object; records the K8sObjectFact, a NotFoundFact (404) or an UnavailableFact. */
  async get(r: Resource, name: string, opts: { expectUid?: string } = {}): Promise<K8sObject | undefined> {
    const key = `${r.kind}/${name}`;
    let p = this.gets.get(key);
    const first = !p;
    if (!p) {
      p = (async (): Promise<Got> => {
        const out = await request(this.k, 'GET', `${collectionPath(r, this.ns)}/${encodeURIComponent(name)}`);
        if (!out.ok) return out;
        const facts = objectFacts(out.json, source(`readNamespaced${r.kind}`));
        const f = facts[0];
        if (!f) return { ok: false, failure: { code: 200, reason: 'BadResponse', message: `the API answered the GET of ${r.plural} "${name}" with something that is not a ${r.kind}` } };
        return { ok: true, object: f.object };
      })().catch((e: unknown): Got => ({ ok: false, failure: { reason: 'BadResponse', message: e instanceof Error ? e.message : String(e) } }));
      this.gets.set(key, p);
    }
    const got = await p;
    const src = source(`readNamespaced${r.kind}`);
    if (!got.ok) {
      if (!first) return undefined;
      const f = got.failure;
      if (f.code === 404) {
        this.facts.push({ kind: 'notFound', source: src, resource: r.notFound, name, namespace: this.ns, text: f.message } satisfies NotFoundFact);
      } else this.unavailable(`${r.one}:${this.ns}/${name}`, f, permission(r, 'get'), src);
      return undefined;
    }
    // An owner reference to an object that was deleted and recreated under the same name.
    if (opts.expectUid !== undefined && got.object.metadata.uid !== opts.expectUid) return undefined;
    this.add({ kind: 'k8sObject', source: src, object: got.object });
    return got.object;
  }

  /**
   * Lists the namespace's objects (all pages) matching the query, without recording them: the
   * caller keeps those it wants. Undefined when the list failed (an UnavailableFact is recorded,
   * unless `quiet` names the status, for the caller to handle).
   */
  async list(r: Resource, query: Record<string, string>, quiet: number[] = []): Promise<K8sObjectFact[] | { failure: KubeFailure } | undefined> {
    const src = source(`listNamespaced${r.kind}`);
    const items: K8sObjectFact[] = [];
    let cont: string | undefined;
    let restarted = false;
    for (let page = 0; page < 1000; page++) {
      const q: Record<string, string> = { ...query, limit: String(this.k.pageSize) };
      if (cont) q['continue'] = cont;
      const out = await request(this.k, 'GET', collectionPath(r, this.ns), q);
      if (!out.ok) {
        if (out.failure.code === 410 && cont && !restarted) {
          // The continue token expired (compaction): start over once, as kubectl would have to.
          restarted = true;
          items.length = 0;
          cont = undefined;
          continue;
        }
        if (out.failure.code !== undefined && quiet.includes(out.failure.code)) return { failure: out.failure };
        this.unavailable(`${r.many}:${this.ns}`, out.failure, permission(r, 'list'), src);
        return undefined;
      }
      try {
        items.push(...objectFacts(out.json, src));
      } catch (e) {
        this.unavailable(`${r.many}:${this.ns}`, { reason: 'BadResponse', message: (e as Error).message }, permission(r, 'list'), src);
        return undefined;
      }
      const meta = isRaw(out.json) && isRaw(out.json['metadata']) ? out.json['metadata'] : {};
      cont = typeof meta['continue'] === 'string' && meta['continue'] !== '' ? meta['continue'] : undefined;
      if (!cont) return items;
    }
    return items;
  }

  keep(facts: K8sObjectFact[]): void {
    for (const f of facts) this.add(f);
  }

  /** Follows controller ownerReferences up (pod -> ReplicaSet -> Deployment, Job -> CronJob). */
  async owners(o: K8sObject, depth = 0): Promise<void> {
    const ref = controllerRef(o);
    if (!ref || depth > 4) return;
    const r = OWNER_KINDS.get(ref.kind);
    if (!r) return;
    if (ref.uid !== undefined && this.uids.has(ref.uid)) return;
    const owner = await this.get(r, ref.name, ref.uid !== undefined ? { expectUid: ref.uid } : {});
    if (owner) await this.owners(owner, depth + 1);
  }

  usesServiceAccount(name: string): void {
    if (!this.saOrder.includes(name)) this.saOrder.push(name);
  }

  /** GETs every service account named so far; returns those not proven missing. */
  async serviceAccounts(): Promise<ServiceAccountRef[]> {
    const out: ServiceAccountRef[] = [];
    for (const name of this.saOrder) {
      await this.get(R.ServiceAccount, name);
      const missing = this.facts.some((f) => f.kind === 'notFound' && f.resource === 'serviceAccount' && f.name === name && f.namespace === this.ns);
      if (!missing) out.push({ namespace: this.ns, name });
    }
    // A pod on an account without the role annotation (often `default`): the namespace's other
    // accounts tell which one was meant (IRSA301). Extra evidence: a denied list costs nothing.
    const unannotated = this.saOrder.some((name) => {
      const f = this.facts.find((x) => x.kind === 'k8sObject' && x.object.kind === 'ServiceAccount' && x.object.metadata.name === name);
      return f?.kind === 'k8sObject' && !f.object.metadata.annotations?.['eks.amazonaws.com/role-arn'];
    });
    if (unannotated) {
      const all = await this.list(R.ServiceAccount, {}, [401, 403]);
      if (Array.isArray(all)) this.keep(all);
    }
    return out;
  }
}

/**
 * Reads a workload and everything the doctor needs about it in `namespace`: the object, its
 * owners, its pods (through the workload's selector; a Deployment through its ReplicaSets, a
 * CronJob through its Jobs) and their service accounts (with managedFields, which the API
 * returns). `sa/NAME` gives the account and the pods that run as it. A call that fails becomes
 * an UnavailableFact (or a NotFoundFact for a 404) and the rest carries on.
 */
export async function collectWorkload(k: LoadedKube, selector: Selector | string, namespace: string): Promise<WorkloadFacts> {
  const sel = typeof selector === 'string' ? parseSelector(selector) : selector;
  const c = new Collector(k, namespace);

  if (sel.kind === 'ServiceAccount') {
    c.usesServiceAccount(sel.name);
    const serviceAccounts = await c.serviceAccounts();
    const pods = await podsOfServiceAccount(c, sel.name);
    for (const p of pods) {
      c.keep([p]);
      await c.owners(p.object);
    }
    return { facts: c.facts, serviceAccounts };
  }

  if (sel.kind === 'Pod') {
    const pod = await c.get(R.Pod, sel.name);
    if (pod) {
      await c.owners(pod);
      c.usesServiceAccount(serviceAccountName(pod).name);
    }
    return { facts: c.facts, serviceAccounts: await c.serviceAccounts() };
  }

  const r = R[sel.kind];
  const workload = await c.get(r, sel.name);
  if (!workload) return { facts: c.facts, serviceAccounts: [] };
  await c.owners(workload);
  const t = podTemplate(workload);
  if (t) c.usesServiceAccount(serviceAccountName({ kind: 'Pod', metadata: {}, spec: t.spec }).name);

  const uid = workload.metadata.uid;
  const spec = isRaw(workload.spec) ? workload.spec : {};
  let pods: K8sObjectFact[] = [];
  if (sel.kind === 'Deployment') {
    pods = await deploymentPods(c, workload);
  } else if (sel.kind === 'CronJob') {
    const jobs = await c.list(R.Job, {});
    if (Array.isArray(jobs)) {
      const owned = jobs.filter((j) => controllerRef(j.object)?.uid === uid);
      c.keep(owned);
      for (const j of owned) {
        const js = isRaw(j.object.spec) ? j.object.spec : {};
        pods.push(...(await podsBySelector(c, js['selector'], j.object.metadata.uid)));
      }
    }
  } else {
    pods = await podsBySelector(c, spec['selector'], uid);
  }
  c.keep(pods);
  for (const p of pods) c.usesServiceAccount(serviceAccountName(p.object).name);
  return { facts: c.facts, serviceAccounts: await c.serviceAccounts() };
}

/** Pods matching `selector` whose controller is `ownerUid`. */
async function podsBySelector(c: Collector, selector: unknown, ownerUid: string | undefined): Promise<K8sObjectFact[]> {
  const q = labelSelectorQuery(selector);
  if (q === undefined) return [];
  const pods = await c.list(R.Pod, q === '' ? {} : { labelSelector: q });
  if (!Array.isArray(pods)) return [];
  return pods.filter((p) => ownerUid === undefined || controllerRef(p.object)?.uid === ownerUid);
}

/** A Deployment's pods through its ReplicaSets; the ReplicaSets that own a pod or want replicas are kept. */
async function deploymentPods(c: Collector, d: K8sObject): Promise<K8sObjectFact[]> {
  const spec = isRaw(d.spec) ? d.spec : {};
  const q = labelSelectorQuery(spec['selector']);
  if (q === undefined) return [];
  const query: Record<string, string> = q === '' ? {} : { labelSelector: q };
  const rsList = await c.list(R.ReplicaSet, query);
  const podList = await c.list(R.Pod, query);
  const pods = Array.isArray(podList) ? podList : [];
  if (!Array.isArray(rsList)) {
    // ReplicaSets unreadable: the pods whose controller is a ReplicaSet named after the Deployment.
    return pods.filter((p) => {
      const ref = controllerRef(p.object);
      return ref?.kind === 'ReplicaSet' && ref.name.startsWith(`${d.metadata.name ?? ''}-`);
    });
  }
  const owned = rsList.filter((rs) => controllerRef(rs.object)?.uid === d.metadata.uid);
  const rsUids = new Set(owned.map((rs) => rs.object.metadata.uid));
  const mine = pods.filter((p) => rsUids.has(controllerRef(p.object)?.uid));
  const withPods = new Set(mine.map((p) => controllerRef(p.object)?.uid));
  c.keep(
    owned.filter((rs) => {
      const want = isRaw(rs.object.spec) ? rs.object.spec['replicas'] : undefined;
      return withPods.has(rs.object.metadata.uid) || (typeof want === 'number' && want > 0);
    }),
  );
  return mine;
}

/** Pods running as `name`: by field selector where the server supports it, else the namespace's pods filtered. */
async function podsOfServiceAccount(c: Collector, name: string): Promise<K8sObjectFact[]> {
  const bySelector = await c.list(R.Pod, { fieldSelector: `spec.serviceAccountName=${name}` }, [400]);
  if (Array.isArray(bySelector)) return bySelector;
  if (bySelector === undefined) return [];
  const all = await c.list(R.Pod, {});
  return Array.isArray(all) ? all.filter((p) => serviceAccountName(p.object).name === name) : [];
}

// =================================================================================================
// version and tokens
// =================================================================================================

/** `GET /version` as a KubeVersionFact (server), or an UnavailableFact `kubeVersion`. */
export async function serverVersion(k: LoadedKube): Promise<KubeVersionFact | UnavailableFact> {
  const src = source('getCode');
  const out = await request(k, 'GET', '/version');
  if (out.ok) {
    try {
      const f = kubectlVersion.recognise({ path: src.path, text: '', docs: [{ value: out.json, line: 1 }] }, src)?.[0];
      if (f?.kind === 'kubeVersion' && f.server) return { ...f, source: src };
    } catch {
      // An unreadable version document: reported below.
    }
    return { kind: 'unavailable', source: src, what: 'kubeVersion', reason: 'BadResponse: /version did not return a version.Info (major, minor, gitVersion)', permission: '/version get' };
  }
  return { kind: 'unavailable', source: src, what: 'kubeVersion', reason: reasonLine(out.failure), permission: '/version get' };
}

export interface TokenOptions {
  audience: string;
  /** Seconds; the API's minimum is 600 (default). */
  expirationSeconds?: number;
}

/**
 * A TokenRequest for the service account (never a Secret). The fact holds the token's header
 * and claims only; the raw token is returned beside it for the STS probe and must not be
 * logged, printed or put in a fact.
 */
export async function requestToken(k: LoadedKube, namespace: string, serviceAccount: string, opts: TokenOptions): Promise<{ fact: TokenFact | UnavailableFact; token?: string }> {
  const src = source('createNamespacedServiceAccountToken');
  const what = `token:${namespace}/${serviceAccount}`;
  const perm = permission(R.ServiceAccount, 'create', 'token');
  const body = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [opts.audience], expirationSeconds: opts.expirationSeconds ?? 600 } };
  const out = await request(k, 'POST', `${collectionPath(R.ServiceAccount, namespace)}/${encodeURIComponent(serviceAccount)}/token`, {}, body);
  if (!out.ok) return { fact: { kind: 'unavailable', source: src, what, reason: reasonLine(out.failure), permission: perm } };
  const status = isRaw(out.json) && isRaw(out.json['status']) ? out.json['status'] : {};
  const token = typeof status['token'] === 'string' ? status['token'].trim() : '';
  if (token === '') return { fact: { kind: 'unavailable', source: src, what, reason: 'BadResponse: the TokenRequest came back without status.token', permission: perm } };
  try {
    const { header, claims } = decodeToken(token);
    return { fact: { kind: 'token', source: src, header, claims }, token };
  } catch (e) {
    return { fact: { kind: 'unavailable', source: src, what, reason: `BadResponse: the issued token does not decode: ${(e as Error).message}`, permission: perm } };
  }
}
