// How live mode reaches the Kubernetes API once the kubeconfig has chosen a context: the
// cluster's TLS settings and the user's credentials, as client-go (kubectl) applies them.
//
//   cluster: server, certificate-authority(-data), insecure-skip-tls-verify, tls-server-name,
//            proxy-url (http, https, socks5), else HTTPS_PROXY/HTTP_PROXY minus NO_PROXY
//   user:    client-certificate(-data) + client-key(-data), tokenFile (re-read on refresh; it wins
//            over token, as in client-go), token, username/password, exec plugins
//            (client.authentication.k8s.io v1, v1beta1: KUBERNETES_EXEC_INFO, env, expiry),
//            auth-provider oidc (its id-token), impersonation (as, as-uid, as-groups,
//            as-user-extra)
//
// This replaces @kubernetes/client-node's KubeConfig, whose import loads the library's whole
// generated API (about 75 MB of memory and 0.2 s at every start) for the few hundred lines used
// here, and whose agents did not keep connections alive (a TLS handshake per list page).

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';

type Raw = Record<string, unknown>;
const isRaw = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export interface ClusterEntry {
  name: string;
  server: string;
  caFile?: string;
  /** base64 PEM, as in the kubeconfig. */
  caData?: string;
  skipTLSVerify: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
  /** The cluster's `client.authentication.k8s.io/exec` extension, handed to exec plugins that ask for the cluster. */
  execExtension?: unknown;
}

const EXEC_V1 = 'client.authentication.k8s.io/v1';
const EXEC_V1BETA1 = 'client.authentication.k8s.io/v1beta1';

export interface ExecConfig {
  apiVersion: string;
  /** Never: no terminal; IfAvailable (the default for v1beta1): one when stdin is a terminal; Always: requires one. */
  interactiveMode?: 'Never' | 'IfAvailable' | 'Always';
  command: string;
  args: string[];
  env: Array<{ name: string; value: string }>;
  installHint?: string;
  provideClusterInfo: boolean;
}

export interface UserEntry {
  name: string;
  token?: string;
  tokenFile?: string;
  certFile?: string;
  certData?: string;
  keyFile?: string;
  keyData?: string;
  username?: string;
  password?: string;
  exec?: ExecConfig;
  authProvider?: { name: string; config: Record<string, string> };
  impersonate?: { user?: string; uid?: string; groups: string[]; extra: Record<string, string[]> };
}

export interface ContextEntry {
  name: string;
  cluster: string;
  user?: string;
  namespace?: string;
}

/** A `clusters[]` entry, or why it cannot be used. */
export function clusterEntry(e: Raw): ClusterEntry | string {
  const c = isRaw(e['cluster']) ? e['cluster'] : {};
  const server = str(c['server']);
  if (!server) return 'has no server';
  const out: ClusterEntry = { name: String(e['name']), server: server.replace(/\/+$/, ''), skipTLSVerify: c['insecure-skip-tls-verify'] === true };
  const set = (k: 'caFile' | 'caData' | 'tlsServerName' | 'proxyUrl', v: unknown) => {
    const s = str(v);
    if (s !== undefined) out[k] = s;
  };
  set('caFile', c['certificate-authority']);
  set('caData', c['certificate-authority-data']);
  set('tlsServerName', c['tls-server-name']);
  set('proxyUrl', c['proxy-url']);
  const ext = Array.isArray(c['extensions']) ? c['extensions'].find((e) => isRaw(e) && e['name'] === 'client.authentication.k8s.io/exec') : undefined;
  if (isRaw(ext) && ext['extension'] !== undefined) out.execExtension = ext['extension'];
  // kubectl: "specifying a root certificates file with the insecure flag is not allowed".
  if (out.skipTLSVerify && (out.caFile || out.caData)) return 'sets both insecure-skip-tls-verify and a certificate-authority, which kubectl refuses';
  return out;
}

/** A `contexts[]` entry, or why it cannot be used. */
export function contextEntry(e: Raw): ContextEntry | string {
  const c = isRaw(e['context']) ? e['context'] : {};
  const cluster = str(c['cluster']);
  if (!cluster) return 'names no cluster';
  const out: ContextEntry = { name: String(e['name']), cluster };
  const user = str(c['user']);
  if (user) out.user = user;
  const ns = str(c['namespace']);
  if (ns) out.namespace = ns;
  return out;
}

/** A `users[]` entry, or why it cannot be used. */
export function userEntry(e: Raw): UserEntry | string {
  const u = isRaw(e['user']) ? e['user'] : {};
  const out: UserEntry = { name: String(e['name']) };
  const token = str(u['token']);
  if (token) out.token = token.trim();
  // client-go's key is tokenFile; @kubernetes/client-node wrote token-file: both are read.
  const tokenFile = str(u['tokenFile']) ?? str(u['token-file']);
  if (tokenFile) out.tokenFile = tokenFile;
  const pairs = [
    ['certFile', 'client-certificate'],
    ['certData', 'client-certificate-data'],
    ['keyFile', 'client-key'],
    ['keyData', 'client-key-data'],
    ['username', 'username'],
    ['password', 'password'],
  ] as const;
  for (const [k, key] of pairs) {
    const v = str(u[key]);
    if (v !== undefined) out[k] = v;
  }
  if (u['exec'] !== undefined && u['exec'] !== null) {
    const x = u['exec'];
    if (!isRaw(x) || !str(x['command'])) return 'has an exec plugin with no command';
    const exec: ExecConfig = {
      apiVersion: '',
      command: String(x['command']),
      args: Array.isArray(x['args']) ? x['args'].map(String) : [],
      env: Array.isArray(x['env']) ? x['env'].filter(isRaw).map((v) => ({ name: String(v['name'] ?? ''), value: String(v['value'] ?? '') })).filter((v) => v.name !== '') : [],
      provideClusterInfo: x['provideClusterInfo'] === true,
    };
    const apiVersion = str(x['apiVersion']);
    // kubectl 1.24+ runs v1 and v1beta1 plugins only; the v1alpha1 an old `aws eks
    // update-kubeconfig` wrote fails with "exec plugin: invalid apiVersion".
    if (apiVersion !== EXEC_V1 && apiVersion !== EXEC_V1BETA1) {
      return `has an exec plugin with apiVersion ${apiVersion ?? '(none)'}, which kubectl rejects ("exec plugin: invalid apiVersion"): update the AWS CLI and run \`aws eks update-kubeconfig\` again, or set ${EXEC_V1BETA1}`;
    }
    exec.apiVersion = apiVersion;
    const mode = str(x['interactiveMode']);
    if (mode === 'Never' || mode === 'IfAvailable' || mode === 'Always') exec.interactiveMode = mode;
    const hint = str(x['installHint']);
    if (hint) exec.installHint = hint;
    out.exec = exec;
  }
  const ap = u['auth-provider'];
  if (isRaw(ap) && str(ap['name'])) {
    const config: Record<string, string> = {};
    if (isRaw(ap['config'])) for (const [k, v] of Object.entries(ap['config'])) if (typeof v === 'string') config[k] = v;
    out.authProvider = { name: String(ap['name']), config };
  }
  // clientcmd's validation: one of token and basic auth, and no auth-provider beside an exec plugin.
  if ((out.token || out.tokenFile) && (out.username || out.password)) return 'has more than one authentication method (token and basicAuth), which kubectl refuses';
  if (out.exec && out.authProvider) return 'has both an auth-provider and an exec plugin, which kubectl refuses';
  const as = str(u['as']);
  const asUid = str(u['as-uid']);
  const groups = Array.isArray(u['as-groups']) ? u['as-groups'].map(String) : [];
  const extra: Record<string, string[]> = {};
  if (isRaw(u['as-user-extra'])) for (const [k, v] of Object.entries(u['as-user-extra'])) extra[k] = Array.isArray(v) ? v.map(String) : [String(v)];
  if (as || asUid || groups.length || Object.keys(extra).length) {
    if (!as) return 'sets as-groups, as-uid or as-user-extra without as, which kubectl refuses (impersonating groups requires a user)';
    out.impersonate = { groups, extra };
    if (as) out.impersonate.user = as;
    if (asUid) out.impersonate.uid = asUid;
  }
  return out;
}

// =================================================================================================
// connecting
// =================================================================================================

/** The request never got an HTTP answer: credentials (exec plugin), network, TLS or timeout. */
export class TransportError extends Error {
  constructor(
    readonly reason: 'ExecPluginFailed' | 'CredentialsUnreadable' | 'Unreachable' | 'TLSError' | 'Timeout',
    message: string,
  ) {
    super(message);
  }
}

interface TlsOptions {
  ca?: Buffer;
  cert?: Buffer | string;
  key?: Buffer | string;
  rejectUnauthorized?: boolean;
  servername?: string;
}

export interface Connection {
  agent: http.Agent;
  /** When the exec plugin's credential expires (ms since the epoch): connect again before. */
  expiresAt?: number;
  /** Per-request TLS options (some proxy agents take them from the request, not the agent). */
  tls: TlsOptions;
  headers: Record<string, string | string[]>;
  auth?: string;
}

export interface ConnectOptions {
  /** Where HTTPS_PROXY, HTTP_PROXY and NO_PROXY are read (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** How long a non-interactive exec plugin may run, ms (default 60 000). */
  execTimeoutMs?: number;
  /** Whether our stdin is a terminal an interactive plugin may use (default: process.stdin.isTTY). */
  terminal?: boolean;
}

const readFile = (what: string, path: string, reason: TransportError['reason']): Buffer => {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new TransportError(reason, `the kubeconfig's ${what} ${path} could not be read: ${(e as Error).message}`);
  }
};
const fromData = (what: string, data: string): Buffer => {
  const b = Buffer.from(data, 'base64');
  if (b.length === 0) throw new TransportError('CredentialsUnreadable', `the kubeconfig's ${what} is not base64`);
  return b;
};

/**
 * The agent, TLS options and headers that reach `cluster` as `user`. Reads the files the
 * kubeconfig names and runs its exec plugin; throws a `TransportError` saying which one failed.
 */
export async function connect(cluster: ClusterEntry, user: UserEntry | null, o: ConnectOptions = {}): Promise<Connection> {
  const tls: TlsOptions = {};
  const headers: Record<string, string | string[]> = {};
  let auth: string | undefined;
  let expiresAt: number | undefined;
  const secure = !cluster.server.startsWith('http:');
  if (cluster.caData) tls.ca = fromData('certificate-authority-data', cluster.caData);
  else if (cluster.caFile) tls.ca = readFile('certificate-authority', cluster.caFile, 'TLSError');
  if (cluster.skipTLSVerify) tls.rejectUnauthorized = false;
  if (cluster.tlsServerName) tls.servername = cluster.tlsServerName;

  if (user) {
    if (user.certData) tls.cert = fromData('client-certificate-data', user.certData);
    else if (user.certFile) tls.cert = readFile('client-certificate', user.certFile, 'CredentialsUnreadable');
    if (user.keyData) tls.key = fromData('client-key-data', user.keyData);
    else if (user.keyFile) tls.key = readFile('client-key', user.keyFile, 'CredentialsUnreadable');
    // client-go: tokenFile (read again on refresh) over token; an auth-provider only when no
    // token is set; the exec plugin only when there is no token, basic auth or certificate.
    let token = user.token;
    if (user.tokenFile) token = readFile('tokenFile', user.tokenFile, 'CredentialsUnreadable').toString('utf8').trim();
    if (!token && user.authProvider) token = authProviderToken(user);
    const basic = user.username !== undefined || user.password !== undefined;
    if (user.exec && !token && !basic && !(tls.cert && tls.key)) {
      const cred = await runExec(user.exec, cluster, o.execTimeoutMs ?? 60_000, o.terminal ?? process.stdin.isTTY === true);
      if (cred.token) token = cred.token;
      if (cred.cert && cred.key) {
        tls.cert = cred.cert;
        tls.key = cred.key;
      }
      if (cred.expiresAt !== undefined) expiresAt = cred.expiresAt;
    }
    if (token) headers['authorization'] = `Bearer ${token}`;
    else if (basic) auth = `${user.username ?? ''}:${user.password ?? ''}`;
    const imp = user.impersonate;
    if (imp) {
      if (imp.user) headers['impersonate-user'] = imp.user;
      if (imp.uid) headers['impersonate-uid'] = imp.uid;
      if (imp.groups.length) headers['impersonate-group'] = imp.groups;
      for (const [k, v] of Object.entries(imp.extra)) headers[`impersonate-extra-${headerKeyEscape(k)}`] = v;
    }
  }
  const agent = await agentFor(cluster, secure, tls, o.env ?? process.env);
  const out: Connection = { agent, tls, headers };
  if (auth !== undefined) out.auth = auth;
  if (expiresAt !== undefined) out.expiresAt = expiresAt;
  return out;
}

/** client-go's headerKeyEscape: bytes outside the legal header-name characters (and %) as %XX. */
function headerKeyEscape(key: string): string {
  let out = '';
  for (const b of Buffer.from(key, 'utf8')) {
    const c = String.fromCharCode(b);
    out += b < 0x80 && /[!#$&'*+\-.^_`|~0-9A-Za-z]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A URL for messages: without the user and password it may carry. */
function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}

function authProviderToken(user: UserEntry): string | undefined {
  const ap = user.authProvider!;
  if (ap.name === 'oidc') {
    const t = ap.config['id-token'];
    if (!t) throw new TransportError('CredentialsUnreadable', `user "${user.name}" uses auth-provider oidc with no id-token: log in again (or use an exec plugin such as kubelogin)`);
    return t;
  }
  throw new TransportError(
    'CredentialsUnreadable',
    `user "${user.name}" uses auth-provider "${ap.name}", which kubectl dropped in 1.26 and irsa-doctor does not run: use its exec plugin instead (for EKS: \`aws eks update-kubeconfig\`)`,
  );
}

async function agentFor(cluster: ClusterEntry, secure: boolean, tls: TlsOptions, env: Readonly<Record<string, string | undefined>>): Promise<http.Agent> {
  let proxy = cluster.proxyUrl ?? proxyFromEnv(cluster.server, secure, env);
  const base = { keepAlive: true, ...tls };
  if (!proxy) return secure ? new https.Agent(base) : new http.Agent({ keepAlive: true });
  // Go reads a proxy without a scheme as http://.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(proxy)) proxy = `http://${proxy}`;
  if (/^socks5:/i.test(proxy)) {
    // Go's SOCKS5 dialer sends the host name to the proxy (a bastion resolves the private
    // endpoint); socks-proxy-agent does that for socks5h.
    const { SocksProxyAgent } = await import('socks-proxy-agent');
    return new SocksProxyAgent(proxy.replace(/^socks5:/i, 'socks5h:'), base);
  }
  if (!/^https?:\/\//i.test(proxy)) throw new TransportError('Unreachable', `proxy ${withoutCredentials(proxy)}: not an http, https or socks5 URL`);
  const { HttpsProxyAgent, HttpProxyAgent } = await import('hpagent');
  return secure ? new HttpsProxyAgent({ ...base, proxy }) : new HttpProxyAgent({ keepAlive: true, proxy });
}

/** HTTPS_PROXY (or HTTP_PROXY for an http server), unless NO_PROXY names the host, as Go's net/http reads them. */
export function proxyFromEnv(server: string, secure: boolean, env: Readonly<Record<string, string | undefined>>): string | undefined {
  // Go's getEnvAny: the first of NAME and name that is set and not empty.
  const get = (n: string) => [env[n], env[n.toLowerCase()]].find((v) => v !== undefined && v !== '');
  const proxy = secure ? get('HTTPS_PROXY') : get('HTTP_PROXY');
  if (!proxy) return undefined;
  const url = new URL(server);
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (secure ? '443' : '80');
  // Never for localhost or a loopback address (an SSM port-forward to a private endpoint).
  if (host === 'localhost' || isLoopback(host)) return undefined;
  for (const raw of (get('NO_PROXY') ?? '').split(',')) {
    let e = raw.trim().toLowerCase();
    if (e === '') continue;
    if (e === '*') return undefined;
    if (e.includes('/')) {
      const [net, bits] = e.split('/');
      const family = isIP(net ?? '');
      if (family && isIP(host) === family) {
        const b = new BlockList();
        b.addSubnet(net!, Number(bits), family === 6 ? 'ipv6' : 'ipv4');
        if (b.check(host, family === 6 ? 'ipv6' : 'ipv4')) return undefined;
      }
      continue;
    }
    const m = /^(.*):(\d+)$/.exec(e);
    if (m && !isIP(e)) {
      if (m[2] !== port) continue;
      e = m[1]!;
    }
    e = e.replace(/^\[|\]$/g, '');
    const family = isIP(e);
    if (family) {
      // An address: equal as parsed (::1 is 0:0::1), not as text.
      if (isIP(host) === family) {
        const b = new BlockList();
        b.addAddress(e, family === 6 ? 'ipv6' : 'ipv4');
        if (b.check(host, family === 6 ? 'ipv6' : 'ipv4')) return undefined;
      }
      continue;
    }
    if (e.startsWith('*.')) e = e.slice(1); // Go: "*.example.com" is ".example.com"
    if (host === e || host.endsWith(e.startsWith('.') ? e : `.${e}`)) return undefined;
  }
  return proxy;
}

function isLoopback(host: string): boolean {
  const family = isIP(host);
  if (family === 4) return host.startsWith('127.');
  if (family === 6) {
    const b = new BlockList();
    b.addAddress('::1', 'ipv6');
    b.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');
    return b.check(host, 'ipv6');
  }
  return false;
}

interface ExecResult {
  token?: string;
  cert?: string;
  key?: string;
  expiresAt?: number;
}

/** The plugin's command line for messages, with the values of secret-looking flags masked (kubelogin's --oidc-client-secret=...). */
function shownCommand(exec: ExecConfig): string {
  const SECRET = /secret|password|passwd|token|key|credential/i;
  const out: string[] = [exec.command];
  for (let i = 0; i < exec.args.length; i++) {
    const a = exec.args[i]!;
    const eq = /^(--?[^=]+)=(.*)$/.exec(a);
    if (eq && SECRET.test(eq[1]!)) out.push(`${eq[1]}=***`);
    else if (/^--?[A-Za-z]/.test(a) && SECRET.test(a) && i + 1 < exec.args.length && !exec.args[i + 1]!.startsWith('-')) {
      out.push(a, '***');
      i++;
    } else out.push(a);
  }
  return out.join(' ');
}

/**
 * Runs a credential plugin as client-go does: the kubeconfig's env on top of ours, with
 * KUBERNETES_EXEC_INFO (not interactive: no stdin), and reads the ExecCredential it prints.
 */
function runExec(exec: ExecConfig, cluster: ClusterEntry, timeoutMs: number, terminal: boolean): Promise<ExecResult> {
  const apiVersion = exec.apiVersion;
  const cmd = shownCommand(exec);
  // client-go: v1 plugins say their mode; v1beta1 ones default to IfAvailable.
  const mode = exec.interactiveMode ?? 'IfAvailable';
  if (mode === 'Always' && !terminal) {
    return Promise.reject(new TransportError('ExecPluginFailed', `the kubeconfig's exec plugin \`${cmd}\` needs a terminal (interactiveMode: Always), and stdin is not one`));
  }
  const interactive = mode !== 'Never' && terminal;
  const spec: Raw = { interactive };
  if (exec.provideClusterInfo) {
    const c: Raw = { server: cluster.server, 'insecure-skip-tls-verify': cluster.skipTLSVerify };
    if (cluster.tlsServerName) c['tls-server-name'] = cluster.tlsServerName;
    if (cluster.proxyUrl) c['proxy-url'] = cluster.proxyUrl;
    if (cluster.caData) c['certificate-authority-data'] = cluster.caData;
    else if (cluster.caFile) c['certificate-authority-data'] = readFile('certificate-authority', cluster.caFile, 'TLSError').toString('base64');
    if (cluster.execExtension !== undefined) c['config'] = cluster.execExtension;
    spec['cluster'] = c;
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  for (const e of exec.env) env[e.name] = e.value;
  env['KUBERNETES_EXEC_INFO'] = JSON.stringify({ apiVersion, kind: 'ExecCredential', spec });
  const failed = (why: string) => new TransportError('ExecPluginFailed', `the kubeconfig's exec plugin \`${cmd}\` failed: ${why}`);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    let spawnError: NodeJS.ErrnoException | undefined;
    // Interactive: the plugin talks to the user on our terminal (an MFA code, a device login),
    // for as long as that takes; else it has no stdin and 60 s.
    const p = spawn(exec.command, exec.args, { env, stdio: [interactive ? 'inherit' : 'ignore', 'pipe', 'pipe'] });
    const timer = interactive
      ? undefined
      : setTimeout(() => {
          p.kill('SIGKILL');
          reject(failed(`it did not finish within ${timeoutMs / 1000} s`));
        }, timeoutMs);
    p.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    p.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      if (interactive) process.stderr.write(d);
    });
    p.on('error', (e) => (spawnError = e));
    p.on('close', (code) => {
      clearTimeout(timer);
      if (spawnError?.code === 'ENOENT') {
        return reject(new TransportError('ExecPluginFailed', `the kubeconfig's exec plugin \`${exec.command}\` was not found (is it installed and on PATH?)${exec.installHint ? `: ${exec.installHint.trim().split('\n')[0]}` : ''}`));
      }
      if (spawnError) return reject(failed(spawnError.message));
      if (code !== 0) return reject(failed(err.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? `it exited with ${code} and printed nothing`));
      let cred: unknown;
      try {
        cred = JSON.parse(out);
      } catch {
        return reject(failed('it printed no ExecCredential JSON'));
      }
      if (!isRaw(cred) || cred['kind'] !== 'ExecCredential') return reject(failed('it printed no ExecCredential JSON'));
      if (cred['apiVersion'] !== apiVersion) return reject(failed(`it returned apiVersion ${String(cred['apiVersion'])}, the kubeconfig asks for ${apiVersion}`));
      const status = isRaw(cred['status']) ? cred['status'] : {};
      const r: ExecResult = {};
      const token = str(status['token']);
      const cert = str(status['clientCertificateData']);
      const key = str(status['clientKeyData']);
      if (token) r.token = token;
      if (Boolean(cert) !== Boolean(key)) return reject(failed(`its ExecCredential holds a client ${cert ? 'certificate without its key' : 'key without its certificate'}`));
      if (cert && key) {
        r.cert = cert;
        r.key = key;
      }
      if (!r.token && !r.cert) return reject(failed('its ExecCredential holds neither a token nor a client certificate and key'));
      const expiry = str(status['expirationTimestamp']);
      if (expiry !== undefined && Number.isFinite(Date.parse(expiry))) r.expiresAt = Date.parse(expiry);
      resolve(r);
    });
  });
}
