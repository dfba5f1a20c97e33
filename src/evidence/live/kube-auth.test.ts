// How live mode authenticates to and reaches a Kubernetes API server, against real servers on
// 127.0.0.1: an HTTPS server that records what each request carried (token, basic auth,
// impersonation headers) and on how many TLS connections, an HTTP CONNECT proxy and a SOCKS5
// proxy. The lab's own API server covers tokens, exec plugins, in-cluster and client
// certificates in kube.test.ts; these are the kubeconfig settings it cannot observe.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer, type Server } from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createLabPki, type LabPki } from '../../lab/pki.js';
import { loadKube, serverVersion } from './kube.js';
import { proxyFromEnv } from './kube-auth.js';

const OPTS = { timeout: 30_000 };
/** A name only the test proxies resolve (to 127.0.0.1): a client that resolves it itself fails. */
const HOST = 'api.irsa-test.internal';

interface Seen {
  authorization?: string;
  impersonateUser?: string;
  impersonateGroups?: string[];
  impersonateUid?: string;
  extra?: string;
}

let pki: LabPki;
let dir: string;
let api: Server;
let apiUrl: string;
/** Tokens the API server accepts (Bearer), and basic `user:password` pairs. */
const valid = new Set<string>();
const seen: Seen[] = [];
let tlsConnections = 0;

const caData = () => Buffer.from(pki.caPem).toString('base64');

function config(name: string, user: Record<string, unknown> | null, cluster: Record<string, unknown> = {}): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': name,
      clusters: [{ name, cluster: { server: apiUrl, 'certificate-authority-data': caData(), ...cluster } }],
      contexts: [{ name, context: { cluster: name, ...(user ? { user: name } : {}) } }],
      users: user ? [{ name, user }] : [],
    }),
    { mode: 0o600 },
  );
  return path;
}

const version = async (path: string, env: Record<string, string> = {}) => serverVersion(loadKube({ kubeconfig: path, env: { HOME: dir, ...env } }));
const reasonOf = (v: Awaited<ReturnType<typeof serverVersion>>): string => (v.kind === 'unavailable' ? v.reason : 'ok');

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'irsa-kube-auth-'));
  pki = await createLabPki('kube-auth test');
  const leaf = await pki.issueLeaf(['127.0.0.1', 'localhost', HOST]);
  api = createServer({ cert: leaf.chainPem, key: leaf.keyPem }, (req, res) => {
    const h = req.headers;
    const s: Seen = {};
    if (h.authorization) s.authorization = h.authorization;
    if (h['impersonate-user']) s.impersonateUser = String(h['impersonate-user']);
    if (req.headersDistinct['impersonate-group']) s.impersonateGroups = req.headersDistinct['impersonate-group'];
    if (h['impersonate-uid']) s.impersonateUid = String(h['impersonate-uid']);
    if (h['impersonate-extra-scopes']) s.extra = String(h['impersonate-extra-scopes']);
    seen.push(s);
    const auth = h.authorization ?? '';
    const ok = auth.startsWith('Bearer ') ? valid.has(auth.slice(7)) : auth.startsWith('Basic ') ? valid.has(Buffer.from(auth.slice(6), 'base64').toString()) : false;
    res.setHeader('content-type', 'application/json');
    if (!ok) {
      res.statusCode = 401;
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }));
      return;
    }
    res.end(JSON.stringify({ major: '1', minor: '31', gitVersion: 'v1.31.2-eks-7f9249a', platform: 'linux/amd64' }));
  });
  api.on('secureConnection', () => tlsConnections++);
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  apiUrl = `https://127.0.0.1:${(api.address() as AddressInfo).port}`;
});

after(async () => {
  api?.closeAllConnections();
  await new Promise((r) => api?.close(r));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('credentials', () => {
  test("tokenFile (kubectl's key) is read and trimmed, wins over token, and is read again after a 401 (a rotated token)", OPTS, async () => {
    const file = join(dir, 'rotating-token');
    writeFileSync(file, 'first-token\n');
    valid.add('first-token');
    const k = loadKube({ kubeconfig: config('tokenfile', { tokenFile: file, token: 'static-token' }), env: { HOME: dir } });
    assert.equal((await serverVersion(k)).kind, 'kubeVersion');
    assert.equal(seen.at(-1)!.authorization, 'Bearer first-token');
    // The kubelet (or a rotation job) replaces the file; the old token stops working.
    valid.delete('first-token');
    valid.add('second-token');
    writeFileSync(file, 'second-token\n');
    const before = seen.length;
    assert.equal((await serverVersion(k)).kind, 'kubeVersion');
    assert.deepEqual(
      seen.slice(before).map((x) => x.authorization),
      ['Bearer first-token', 'Bearer second-token'],
      'one 401 with the cached token, then the file read again',
    );
    // client-node's spelling is read too.
    valid.add('dash-token');
    writeFileSync(join(dir, 'dash'), 'dash-token');
    assert.equal((await version(config('token-file-dash', { 'token-file': join(dir, 'dash') }))).kind, 'kubeVersion');
    assert.match(reasonOf(await version(config('tokenfile-missing', { tokenFile: join(dir, 'nope') }))), /^CredentialsUnreadable: the kubeconfig's tokenFile .*nope could not be read: ENOENT/);
  });

  test('basic auth, and the impersonation headers of as, as-groups, as-uid and as-user-extra', OPTS, async () => {
    valid.add('admin:s3cret');
    const v = await version(config('basic', { username: 'admin', password: 's3cret', as: 'jane', 'as-groups': ['dev', 'ops'], 'as-uid': '42', 'as-user-extra': { scopes: ['view'] } }));
    assert.equal(v.kind, 'kubeVersion');
    assert.deepEqual(seen.at(-1), { authorization: `Basic ${Buffer.from('admin:s3cret').toString('base64')}`, impersonateUser: 'jane', impersonateGroups: ['dev', 'ops'], impersonateUid: '42', extra: 'view' });
  });

  test("auth-provider oidc sends its id-token; the removed gcp/azure providers are a clear error", OPTS, async () => {
    valid.add('oidc-id-token');
    assert.equal((await version(config('oidc', { 'auth-provider': { name: 'oidc', config: { 'id-token': 'oidc-id-token', 'idp-issuer-url': 'https://idp.example' } } }))).kind, 'kubeVersion');
    assert.equal(seen.at(-1)!.authorization, 'Bearer oidc-id-token');
    assert.match(reasonOf(await version(config('gcp', { 'auth-provider': { name: 'gcp', config: {} } }))), /^CredentialsUnreadable: user "gcp" uses auth-provider "gcp", which kubectl dropped in 1\.26/);
  });

  test('an exec plugin gets KUBERNETES_EXEC_INFO (not interactive, the cluster when asked) and its env; a wrong apiVersion or install hint is reported', OPTS, async () => {
    const bin = join(dir, 'exec-bin');
    mkdirSync(bin, { recursive: true });
    const infoFile = join(bin, 'info.json');
    writeFileSync(
      join(bin, 'plugin'),
      `#!/bin/sh
printf '%s' "$KUBERNETES_EXEC_INFO" > ${JSON.stringify(infoFile)}
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"2099-01-01T00:00:00Z"}}' "$PLUGIN_TOKEN"
`,
    );
    chmodSync(join(bin, 'plugin'), 0o755);
    valid.add('from-plugin');
    const exec = { apiVersion: 'client.authentication.k8s.io/v1', command: join(bin, 'plugin'), args: [], env: [{ name: 'PLUGIN_TOKEN', value: 'from-plugin' }], interactiveMode: 'Never', provideClusterInfo: true };
    const extensions = [{ name: 'client.authentication.k8s.io/exec', extension: { audience: 'kubernetes', tenant: 'acme' } }];
    assert.equal((await version(config('exec-info', { exec }, { extensions }))).kind, 'kubeVersion');
    assert.equal(seen.at(-1)!.authorization, 'Bearer from-plugin');
    assert.deepEqual(JSON.parse(readFileSync(infoFile, 'utf8')), {
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      spec: { interactive: false, cluster: { server: apiUrl, 'insecure-skip-tls-verify': false, 'certificate-authority-data': caData(), config: { audience: 'kubernetes', tenant: 'acme' } } },
    });

    const older = { ...exec, apiVersion: 'client.authentication.k8s.io/v1beta1' };
    assert.equal(
      reasonOf(await version(config('exec-version', { exec: older }))),
      `ExecPluginFailed: the kubeconfig's exec plugin \`${join(bin, 'plugin')}\` failed: it returned apiVersion client.authentication.k8s.io/v1, the kubeconfig asks for client.authentication.k8s.io/v1beta1`,
    );
    const hinted = { ...exec, command: 'kubelogin-not-installed', installHint: 'Install kubelogin: https://github.com/int128/kubelogin\nthen retry' };
    assert.equal(
      reasonOf(await version(config('exec-hint', { exec: hinted }))),
      "ExecPluginFailed: the kubeconfig's exec plugin `kubelogin-not-installed` was not found (is it installed and on PATH?): Install kubelogin: https://github.com/int128/kubelogin",
    );
    writeFileSync(join(bin, 'empty'), '#!/bin/sh\necho \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{}}\'\n');
    chmodSync(join(bin, 'empty'), 0o755);
    assert.match(reasonOf(await version(config('exec-empty', { exec: { ...exec, command: join(bin, 'empty') } }))), /holds neither a token nor a client certificate and key$/);
  });

  test('requests of one run share a kept-alive TLS connection', OPTS, async () => {
    valid.add('keepalive');
    const k = loadKube({ kubeconfig: config('keepalive', { token: 'keepalive' }), env: { HOME: dir } });
    const before = tlsConnections;
    for (let i = 0; i < 3; i++) assert.equal((await serverVersion(k)).kind, 'kubeVersion');
    assert.equal(tlsConnections - before, 1);
  });
});

/** An HTTP proxy that tunnels CONNECT, recording the targets. */
async function connectProxy(): Promise<{ url: string; targets: string[]; close(): Promise<void> }> {
  const targets: string[] = [];
  const tunnels = new Set<net.Socket>();
  const server = http.createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    targets.push(String(req.url));
    tunnels.add(client);
    const [host, port] = String(req.url).split(':');
    const upstream = net.connect(Number(port), host === HOST ? '127.0.0.1' : host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    targets,
    close: () => {
      for (const t of tunnels) t.destroy(); // kept-alive tunnels would hold close() open
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** A SOCKS5 proxy (no authentication, CONNECT to an IPv4 address or a domain name), recording the targets. */
async function socksProxy(): Promise<{ url: string; targets: string[]; close(): Promise<void> }> {
  const targets: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((c) => {
    sockets.add(c);
    c.on('error', () => undefined);
    c.once('data', (greeting: Buffer) => {
      if (greeting[0] !== 5) return c.destroy();
      c.write(Buffer.from([5, 0]));
      c.once('data', (r: Buffer) => {
        let host: string;
        let at: number;
        if (r[3] === 1) {
          host = [...r.subarray(4, 8)].join('.');
          at = 8;
        } else if (r[3] === 3) {
          host = r.subarray(5, 5 + r[4]!).toString();
          at = 5 + r[4]!;
        } else return c.destroy();
        const port = r.readUInt16BE(at);
        targets.push(`${host}:${port}`);
        const upstream = net.connect(port, host === HOST ? '127.0.0.1' : host, () => {
          c.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
          upstream.pipe(c);
          c.pipe(upstream);
        });
        sockets.add(upstream);
        upstream.on('error', () => c.destroy());
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `socks5://127.0.0.1:${(server.address() as AddressInfo).port}`,
    targets,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

describe('proxies', () => {
  const hostUrl = () => `https://${HOST}:${new URL(apiUrl).port}`;

  test("the cluster's proxy-url (http CONNECT, then socks5 with the name resolved by the proxy) carries the TLS connection", OPTS, async () => {
    valid.add('proxied');
    const p = await connectProxy();
    try {
      assert.equal((await version(config('via-http-proxy', { token: 'proxied' }, { 'proxy-url': p.url }))).kind, 'kubeVersion');
      assert.deepEqual(p.targets, [new URL(apiUrl).host], 'proxy-url applies even to a loopback server, as in kubectl');
    } finally {
      await p.close();
    }
    const s = await socksProxy();
    try {
      // Through an ssh -D bastion the private endpoint's name only resolves on the far side.
      assert.equal((await version(config('via-socks', { token: 'proxied' }, { server: hostUrl(), 'proxy-url': s.url }))).kind, 'kubeVersion');
      assert.deepEqual(s.targets, [`${HOST}:${new URL(apiUrl).port}`]);
    } finally {
      await s.close();
    }
  });

  test('HTTPS_PROXY (or https_proxy) when the kubeconfig names no proxy; NO_PROXY and loopback servers bypass it', OPTS, async () => {
    valid.add('env-proxied');
    const p = await connectProxy();
    try {
      const named = config('env-proxy', { token: 'env-proxied' }, { server: hostUrl() });
      assert.equal((await version(named, { HTTPS_PROXY: p.url })).kind, 'kubeVersion');
      assert.deepEqual(p.targets, [`${HOST}:${new URL(apiUrl).port}`]);
      assert.equal((await version(named, { HTTPS_PROXY: '', https_proxy: p.url.replace(/^http:\/\//, '') })).kind, 'kubeVersion', 'an empty HTTPS_PROXY gives way; no scheme means http');
      assert.equal(p.targets.length, 2);
      const direct = await version(named, { HTTPS_PROXY: p.url, NO_PROXY: 'example.com,*.irsa-test.internal' });
      assert.match(reasonOf(direct), /^Unreachable: .*ENOTFOUND/, 'NO_PROXY matched: the client resolved the name itself');
      assert.equal(p.targets.length, 2);
      assert.equal((await version(config('env-loopback', { token: 'env-proxied' }), { HTTPS_PROXY: p.url })).kind, 'kubeVersion');
      assert.equal(p.targets.length, 2, 'a loopback server is never proxied (an SSM port-forward to a private endpoint)');
    } finally {
      await p.close();
    }
  });

  test('proxyFromEnv reads the variables as Go does: hosts, domain suffixes, *., host:port, CIDRs, addresses, *, loopback', () => {
    const env = (no: string) => ({ HTTPS_PROXY: 'http://proxy:3128', HTTP_PROXY: 'http://plain:3128', NO_PROXY: no });
    const eks = 'https://ABCDEF.gr7.us-west-2.eks.amazonaws.com';
    assert.equal(proxyFromEnv(eks, true, env('')), 'http://proxy:3128');
    assert.equal(proxyFromEnv('http://10.0.0.9:8001', false, env('')), 'http://plain:3128');
    assert.equal(proxyFromEnv(eks, true, env('.amazonaws.com')), undefined);
    assert.equal(proxyFromEnv(eks, true, env('*.amazonaws.com')), undefined);
    assert.equal(proxyFromEnv(eks, true, env('eks.amazonaws.com')), undefined, 'a domain covers its subdomains');
    assert.equal(proxyFromEnv(eks, true, env('ks.amazonaws.com')), 'http://proxy:3128', 'but not a mere suffix of a label');
    assert.equal(proxyFromEnv(eks, true, env('abcdef.gr7.us-west-2.eks.amazonaws.com:443')), undefined);
    assert.equal(proxyFromEnv(eks, true, env('abcdef.gr7.us-west-2.eks.amazonaws.com:8443')), 'http://proxy:3128');
    assert.equal(proxyFromEnv('https://10.0.3.7:443', true, env('10.0.0.0/16')), undefined);
    assert.equal(proxyFromEnv('https://10.1.3.7:443', true, env('10.0.0.0/16')), 'http://proxy:3128');
    assert.equal(proxyFromEnv('https://[fd00::1]:443', true, env('fd00::/8')), undefined);
    assert.equal(proxyFromEnv('https://[fd00::5]:443', true, env('fd00:0:0::5')), undefined, 'addresses compare as parsed');
    assert.equal(proxyFromEnv(eks, true, env(' * ')), undefined);
    assert.equal(proxyFromEnv(eks, true, {}), undefined);
    for (const local of ['https://127.0.0.1:6443', 'https://127.9.9.9', 'https://localhost:8443', 'https://[::1]:443']) assert.equal(proxyFromEnv(local, true, env('')), undefined, local);
    assert.equal(proxyFromEnv(eks, true, { HTTPS_PROXY: '', https_proxy: 'http://lower:3128' }), 'http://lower:3128');
  });
});

describe('what kubectl refuses, and what it does not run', () => {
  test('a v1alpha1 (or unversioned) exec plugin, insecure-skip-tls-verify with a CA, token with basic auth, as-groups without as', () => {
    const load = (user: Record<string, unknown> | null, cluster: Record<string, unknown> = {}) => () => loadKube({ kubeconfig: config('refused', user, cluster), env: { HOME: dir } });
    assert.throws(load({ exec: { apiVersion: 'client.authentication.k8s.io/v1alpha1', command: 'aws', args: ['eks', 'get-token', '--cluster-name', 'x'] } }), /exec plugin with apiVersion client\.authentication\.k8s\.io\/v1alpha1, which kubectl rejects \("exec plugin: invalid apiVersion"\): update the AWS CLI/);
    assert.throws(load({ exec: { command: 'aws', args: [] } }), /exec plugin with apiVersion \(none\)/);
    assert.throws(load({ token: 't' }, { 'insecure-skip-tls-verify': true }), /sets both insecure-skip-tls-verify and a certificate-authority, which kubectl refuses/);
    assert.throws(load({ token: 't', username: 'u', password: 'p' }), /more than one authentication method \(token and basicAuth\)/);
    assert.throws(load({ token: 't', 'as-groups': ['system:masters'] }), /without as, which kubectl refuses/);
  });

  test('the exec plugin is not run when the user has a token; its credential is reused until it expires; concurrent 401s run it once', OPTS, async () => {
    const bin = join(dir, 'exec-runs');
    mkdirSync(bin, { recursive: true });
    const log = join(bin, 'runs.log');
    const counter = join(bin, 'counter');
    // Hands out tok-1, tok-2, ... with the expiry given in $EXPIRY.
    writeFileSync(
      join(bin, 'plugin'),
      `#!/bin/sh
n=$(( $(cat ${JSON.stringify(counter)} 2>/dev/null || echo 0) + 1 ))
echo $n > ${JSON.stringify(counter)}
echo run >> ${JSON.stringify(log)}
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"tok-%s","expirationTimestamp":"%s"}}' "$n" "$EXPIRY"
`,
    );
    chmodSync(join(bin, 'plugin'), 0o755);
    const runs = () => (readFileSync(log, 'utf8').match(/run/g) ?? []).length;
    const exec = (expiry: string) => ({ apiVersion: 'client.authentication.k8s.io/v1', command: join(bin, 'plugin'), args: [], env: [{ name: 'EXPIRY', value: expiry }], interactiveMode: 'Never' });
    writeFileSync(log, '');
    valid.add('static');
    assert.equal((await version(config('exec-beside-token', { token: 'static', exec: exec('2099-01-01T00:00:00Z') }))).kind, 'kubeVersion');
    assert.equal(runs(), 0, 'kubectl uses the token and never runs the plugin');

    for (let i = 1; i <= 9; i++) valid.add(`tok-${i}`);
    const soon = new Date(Date.now() + 5_000).toISOString();
    const k = loadKube({ kubeconfig: config('exec-expiring', { exec: exec(soon) }), env: { HOME: dir } });
    await serverVersion(k);
    await serverVersion(k);
    assert.equal(runs(), 2, 'a credential that expires within 10 s is asked for again');

    writeFileSync(log, '');
    const later = loadKube({ kubeconfig: config('exec-cached', { exec: exec('2099-01-01T00:00:00Z') }), env: { HOME: dir } });
    await serverVersion(later);
    valid.clear(); // every token is now refused: the next calls all get a 401
    const n = Number(readFileSync(counter, 'utf8'));
    valid.add(`tok-${n + 1}`);
    const all = await Promise.all(Array.from({ length: 6 }, () => serverVersion(later)));
    assert.deepEqual([...new Set(all.map((v) => v.kind))], ['kubeVersion']);
    assert.equal(runs(), 2, 'once at first, then once for six concurrent 401s');
  });

  test('exec failures name the plugin with secret-looking values masked; a certificate without its key is an error', OPTS, async () => {
    const bin = join(dir, 'exec-secret');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'fail'), '#!/bin/sh\necho "error: invalid_client" >&2\nexit 1\n');
    chmodSync(join(bin, 'fail'), 0o755);
    const args = ['oidc-login', 'get-token', '--oidc-issuer-url=https://idp.example', '--oidc-client-id=k8s', '--oidc-client-secret=hunter2', '--password', 'p@ss'];
    const v = await version(config('exec-secret', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: join(bin, 'fail'), args, interactiveMode: 'Never' } }));
    assert.equal(reasonOf(v), `ExecPluginFailed: the kubeconfig's exec plugin \`${join(bin, 'fail')} oidc-login get-token --oidc-issuer-url=https://idp.example --oidc-client-id=k8s --oidc-client-secret=*** --password ***\` failed: error: invalid_client`);
    assert.ok(!reasonOf(v).includes('hunter2') && !reasonOf(v).includes('p@ss'));
    writeFileSync(join(bin, 'half'), '#!/bin/sh\necho \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientCertificateData":"-----BEGIN CERTIFICATE-----"}}\'\n');
    chmodSync(join(bin, 'half'), 0o755);
    assert.match(reasonOf(await version(config('exec-half', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: join(bin, 'half'), args: [], interactiveMode: 'Never' } }))), /holds a client certificate without its key$/);
    const always = await version(config('exec-always', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: join(bin, 'half'), args: [], interactiveMode: 'Always' } }));
    assert.match(reasonOf(always), /needs a terminal \(interactiveMode: Always\), and stdin is not one$/);
  });

  test('a relative tokenFile is relative to the kubeconfig, as kubectl reads it', OPTS, async () => {
    mkdirSync(join(dir, 'rel'), { recursive: true });
    writeFileSync(join(dir, 'rel', 'token'), 'relative-token\n');
    valid.add('relative-token');
    const path = join(dir, 'rel', 'config');
    writeFileSync(path, readFileSync(config('rel-src', { tokenFile: 'token' })));
    assert.equal((await version(path)).kind, 'kubeVersion');
    assert.equal(seen.at(-1)!.authorization, 'Bearer relative-token');
  });
});
