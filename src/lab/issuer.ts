// The lab's OIDC issuer: what EKS hosts at `https://oidc.eks.<region>.amazonaws.com/id/<32 hex>`.
// It serves the discovery document and the JWKS over real HTTPS with a lab leaf (leaf + the
// intermediate, like a real server), signs Kubernetes service-account tokens (TokenSigner), rotates
// its keys, and can publish its JWKS on another host with another chain, so that an IAM provider
// needs two thumbprints.
//
// Shapes:
// - Discovery document as EKS and the Kubernetes API server publish it (kubernetes.io "Service
//   account issuer discovery"; EKS serves the same fields): issuer, jwks_uri,
//   authorization_endpoint `urn:kubernetes:programmatic_authorization`, response_types_supported
//   [id_token], subject_types_supported [public], id_token_signing_alg_values_supported [RS256],
//   claims_supported [sub, iss]. EKS's jwks_uri is `<issuer>/keys`.
// - JWKS entries: kty RSA, e, n, kid, use sig, alg RS256. The kid is computed like the Kubernetes
//   API server does (serviceaccount/jwt.go keyIDFromPublicKey: base64url of the SHA-256 of the
//   DER public key), so a token's header kid names its JWKS entry.
// - Tokens (aws-behavior.md section 9): header {alg RS256, kid}; claims aud (array), exp, iat,
//   iss, jti (Kubernetes 1.29+), kubernetes.io {namespace, node?, pod?, serviceaccount{name,uid}},
//   nbf, sub `system:serviceaccount:<ns>:<sa>`; iat = nbf = now from the lab clock.
//
// Hosting. IAM refuses issuer URLs with a port (aws-behavior.md section 2), so when the process may
// bind port 443 (root) the issuer gets its own loopback address, a random 127.42.x.y (all of
// 127.0.0.0/8 reaches `lo` on Linux), and its URL has no port. Otherwise it falls back to
// 127.0.0.1:<random port> and `hasPort` says so: the lab's IAM then has to accept a port.

import 'reflect-metadata';
import { randomBytes, randomUUID, webcrypto, createHash } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { Faults, serve, type LabRequest, type LabResponse, type RunningServer, type Service } from './http.js';
import { thumbprintOf, type LabPki, type Leaf } from './pki.js';
import { issuerId } from './state.js';
import type { Clock, SignedToken, TokenRequestSpec, TokenSigner } from './types.js';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** A public JWK as the issuer publishes it. */
export interface PublishedJwk extends JWK {
  kty: 'RSA';
  kid: string;
  use: 'sig';
  alg: 'RS256';
  n: string;
  e: string;
}

export interface IssuerKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly jwk: PublishedJwk;
  readonly createdAt: Date;
}

export interface DiscoveryDocument {
  issuer: string;
  jwks_uri: string;
  authorization_endpoint: string;
  response_types_supported: string[];
  subject_types_supported: string[];
  claims_supported: string[];
  id_token_signing_alg_values_supported: string[];
}

export interface LabIssuerOptions {
  readonly clock: Clock;
  /** 32 upper-case hex characters (default: random, like EKS). */
  readonly id?: string;
  /** Keys made at creation (default 1). */
  readonly keys?: number;
  /** Emulates an issuer whose certificate chains to a CA AWS trusts (EKS-hosted): STS then
   * ignores thumbprints for it. Read by the lab STS through `publiclyTrusted`. */
  readonly publiclyTrusted?: boolean;
}

async function kubernetesKeyId(publicKey: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('spki', publicKey));
  return createHash('sha256').update(der).digest('base64url');
}

async function newKey(now: Date): Promise<IssuerKey> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const pub = (await exportJWK(publicKey)) as JWK;
  const kid = await kubernetesKeyId(publicKey as unknown as CryptoKey);
  const jwk: PublishedJwk = { use: 'sig', kty: 'RSA', kid, alg: 'RS256', n: pub.n as string, e: pub.e as string };
  return { kid, privateKey: privateKey as unknown as CryptoKey, jwk, createdAt: now };
}

/** Options for signing arbitrary claims (tests: no `aud`, a foreign `iss`, a key not in the JWKS). */
export interface SignClaimsOptions {
  /** Sign with this key id (must be one of the issuer's keys, current or removed). */
  readonly kid?: string;
  /** Sign with a key that was never published. */
  readonly unpublishedKey?: boolean;
}

/** An OIDC issuer: keys, discovery document, JWKS, and Kubernetes service-account tokens. */
export class LabIssuer implements TokenSigner {
  readonly id: string;
  readonly clock: Clock;
  publiclyTrusted: boolean;
  private issuerUrl = '';
  private jwksUrl = '';
  private readonly active: IssuerKey[] = [];
  /** Keys removed from the JWKS: kept so a test can still sign with one. */
  private readonly retired = new Map<string, IssuerKey>();
  private stray: IssuerKey | undefined;

  private constructor(opts: LabIssuerOptions) {
    this.id = opts.id ?? issuerId();
    if (!/^[0-9A-F]{32}$/.test(this.id)) throw new Error(`issuer id must be 32 upper-case hex characters, got ${this.id}`);
    this.clock = opts.clock;
    this.publiclyTrusted = opts.publiclyTrusted ?? false;
  }

  static async create(opts: LabIssuerOptions): Promise<LabIssuer> {
    const i = new LabIssuer(opts);
    const n = Math.max(1, opts.keys ?? 1);
    for (let k = 0; k < n; k++) i.active.push(await newKey(opts.clock.now()));
    return i;
  }

  /** `https://<host>[:port]/id/<ID>`; set when the issuer is hosted (`startIssuer`, `bind`). */
  get issuer(): string {
    if (this.issuerUrl === '') throw new Error(`issuer ${this.id} is not hosted yet`);
    return this.issuerUrl;
  }

  get jwksUri(): string {
    if (this.jwksUrl === '') throw new Error(`issuer ${this.id} is not hosted yet`);
    return this.jwksUrl;
  }

  /** The path every document of this issuer lives under: `/id/<ID>`. */
  get path(): string {
    return `/id/${this.id}`;
  }

  /** Sets where the issuer lives: its base URL (`https://host[:port]`) and where its JWKS is served. */
  bind(base: string, jwksBase: string = base): void {
    this.issuerUrl = `${base.replace(/\/$/, '')}${this.path}`;
    this.jwksUrl = `${jwksBase.replace(/\/$/, '')}${this.path}/keys`;
  }

  /** Key ids in the JWKS, oldest first; tokens are signed with the last. */
  kids(): string[] {
    return this.active.map((k) => k.kid);
  }

  /** Adds a new signing key (newest: it signs from now on); the old ones stay published. */
  async rotate(): Promise<string> {
    const k = await newKey(this.clock.now());
    this.active.push(k);
    return k.kid;
  }

  /** Removes a key from the JWKS (tokens it signed stop verifying). False if it is not published. */
  removeKey(kid: string): boolean {
    const i = this.active.findIndex((k) => k.kid === kid);
    if (i < 0) return false;
    if (this.active.length === 1) throw new Error('an issuer keeps at least one key');
    const [k] = this.active.splice(i, 1);
    if (k) this.retired.set(k.kid, k);
    return true;
  }

  jwks(): { keys: PublishedJwk[] } {
    return { keys: this.active.map((k) => ({ ...k.jwk })) };
  }

  discovery(): DiscoveryDocument {
    return {
      issuer: this.issuer,
      jwks_uri: this.jwksUri,
      authorization_endpoint: 'urn:kubernetes:programmatic_authorization',
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      claims_supported: ['sub', 'iss'],
      id_token_signing_alg_values_supported: ['RS256'],
    };
  }

  /** A Kubernetes service-account token (TokenRequest / projected volume). */
  async sign(spec: TokenRequestSpec): Promise<SignedToken> {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const exp = now + spec.expirationSeconds;
    const k8s: Record<string, unknown> = { namespace: spec.namespace };
    if (spec.node) k8s['node'] = { name: spec.node.name, uid: spec.node.uid };
    if (spec.pod) k8s['pod'] = { name: spec.pod.name, uid: spec.pod.uid };
    k8s['serviceaccount'] = { name: spec.serviceAccount, uid: spec.serviceAccountUid };
    // Key order as the API server marshals its claims struct.
    const claims: JWTPayload = {
      aud: [...spec.audiences],
      exp,
      iat: now,
      iss: this.issuer,
      jti: randomUUID(),
      'kubernetes.io': k8s,
      nbf: now,
      sub: `system:serviceaccount:${spec.namespace}:${spec.serviceAccount}`,
    };
    return { token: await this.signClaims(claims), expiresAt: new Date(exp * 1000) };
  }

  /** Signs any claims as given (no defaults added): for tokens a real issuer would not make. */
  async signClaims(claims: JWTPayload, opts: SignClaimsOptions = {}): Promise<string> {
    let key: IssuerKey | undefined;
    if (opts.unpublishedKey) {
      this.stray ??= await newKey(this.clock.now());
      key = this.stray;
    } else if (opts.kid !== undefined) {
      key = this.active.find((k) => k.kid === opts.kid) ?? this.retired.get(opts.kid);
      if (!key) throw new Error(`issuer ${this.id} has no key ${opts.kid}`);
    } else {
      key = this.active[this.active.length - 1];
    }
    if (!key) throw new Error(`issuer ${this.id} has no key`);
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.kid }).sign(key.privateKey);
  }
}

// ---------------------------------------------------------------------------------------------
// HTTPS

const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * The issuer's HTTP side. One service can host several issuers (EKS hosts every cluster of a
 * region under one host name, each under its own `/id/<ID>`). `role` picks what it serves: the
 * discovery document and the JWKS (`issuer`), or only the JWKS (`jwks`, the separate JWKS host).
 */
export class IssuerService implements Service {
  readonly name = 'issuer' as const;
  private readonly issuers = new Map<string, LabIssuer>();

  constructor(readonly role: 'issuer' | 'jwks' = 'issuer') {}

  add(issuer: LabIssuer): void {
    this.issuers.set(issuer.id, issuer);
  }

  remove(id: string): void {
    this.issuers.delete(id);
  }

  private route(req: LabRequest): { issuer: LabIssuer; doc: 'discovery' | 'jwks' } | undefined {
    const m = /^\/id\/([0-9A-F]{32})\/(\.well-known\/openid-configuration|keys)$/.exec(req.url.pathname);
    if (!m) return undefined;
    const issuer = this.issuers.get(m[1] as string);
    if (!issuer) return undefined;
    const doc = m[2] === 'keys' ? 'jwks' : 'discovery';
    if (doc === 'discovery' && this.role === 'jwks') return undefined;
    if (doc === 'jwks' && this.role === 'issuer' && issuer.jwksUri !== `${issuer.issuer}/keys`) return undefined;
    return { issuer, doc };
  }

  operationOf(req: LabRequest): string {
    return this.route(req)?.doc ?? 'unknown';
  }

  handle(req: LabRequest): LabResponse {
    if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 405, headers: { allow: 'GET, HEAD', ...JSON_HEADERS }, body: '{"message":"Method Not Allowed"}' };
    const r = this.route(req);
    if (!r) return { status: 404, headers: JSON_HEADERS, body: '{"message":"Not Found"}' };
    const body = JSON.stringify(r.doc === 'discovery' ? r.issuer.discovery() : r.issuer.jwks());
    return { status: 200, headers: JSON_HEADERS, body: req.method === 'HEAD' ? '' : body };
  }

  throttled(): LabResponse {
    return { status: 429, headers: JSON_HEADERS, body: '{"message":"Too Many Requests"}' };
  }

  serverError(): LabResponse {
    return { status: 503, headers: JSON_HEADERS, body: '{"message":"Service Unavailable"}' };
  }
}

// ---------------------------------------------------------------------------------------------
// A second intermediate (for a JWKS host whose chain ends elsewhere: a second thumbprint)

const ECDSA = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const RSA_SIGN = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

function toPem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

function serial(): string {
  return `01${randomBytes(15).toString('hex')}`;
}

const signerAlg = (k: CryptoKey) => (k.algorithm.name === 'ECDSA' ? ECDSA : RSA_SIGN);

/** A second issuing CA under the lab root, and a leaf from it for `hosts`: its chain's last
 * certificate (and so its thumbprint) differs from the lab intermediate's. */
export async function issueLeafUnderOwnIntermediate(pki: LabPki, hosts: string[], name = 'irsa-doctor lab JWKS Issuing CA'): Promise<Leaf & { thumbprint: string }> {
  const day = 24 * 3600 * 1000;
  const caKeys = (await webcrypto.subtle.generateKey(ECDSA, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${name}, O=irsa-doctor lab`,
    issuer: pki.root.cert.subject,
    notBefore: new Date(Date.now() - day),
    notAfter: new Date(Date.now() + 3650 * day),
    signingAlgorithm: signerAlg(pki.root.keys.privateKey),
    publicKey: caKeys.publicKey,
    signingKey: pki.root.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(pki.root.keys.publicKey),
    ],
  });
  const leafKeys = (await webcrypto.subtle.generateKey(ECDSA, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${hosts[0] ?? 'localhost'}`,
    issuer: ca.subject,
    notBefore: new Date(Date.now() - day),
    notAfter: new Date(Date.now() + 730 * day),
    signingAlgorithm: ECDSA,
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension(hosts.map((h) => (isIP(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h })), false),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const caPem = ca.toString('pem') + '\n';
  return {
    chainPem: leaf.toString('pem') + '\n' + caPem,
    keyPem: toPem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', leafKeys.privateKey)),
    hosts,
    thumbprint: thumbprintOf(caPem),
  };
}

// ---------------------------------------------------------------------------------------------
// Starting an issuer

export type IssuerBind =
  /** Own 127.42.x.y:443 when the process may bind port 443, else 127.0.0.1:<random port>. */
  | 'auto'
  /** 127.0.0.1:<random port> (a URL with a port). */
  | 'loopback-port'
  | { readonly host: string; readonly port: number };

export interface StartIssuerOptions {
  readonly pki: LabPki;
  readonly clock: Clock;
  readonly faults?: Faults;
  readonly bind?: IssuerBind;
  readonly id?: string;
  readonly keys?: number;
  readonly publiclyTrusted?: boolean;
  /**
   * Serve the JWKS from another host/port (the discovery document's jwks_uri points there).
   * `ownIntermediate` (default true) gives that host a chain under a second intermediate, so the
   * provider needs both thumbprints; false keeps the lab intermediate (one thumbprint, two hosts).
   */
  readonly separateJwks?: boolean | { readonly ownIntermediate?: boolean; readonly bind?: IssuerBind };
}

export interface HostedEndpoint {
  readonly host: string;
  readonly port: number;
  /** `https://host[:port]` */
  readonly base: string;
  /** SHA-1 of the last certificate this host sends (AWS's thumbprint rule). */
  readonly thumbprint: string;
  readonly server: RunningServer;
}

export interface RunningIssuer {
  readonly issuer: LabIssuer;
  /** The issuer URL (`iss`). */
  readonly url: string;
  readonly jwksUri: string;
  /** True when the issuer URL carries a port (the process could not bind 443): IAM would refuse it. */
  readonly hasPort: boolean;
  readonly endpoint: HostedEndpoint;
  readonly jwksEndpoint?: HostedEndpoint;
  /** The thumbprints an IAM provider for this issuer needs (one per distinct chain). */
  readonly thumbprints: string[];
  /** The services, to host more issuers on the same hosts (`service.add(issuer)`). */
  readonly service: IssuerService;
  readonly jwksService?: IssuerService;
  close(): Promise<void>;
}

/** A random address in 127.42.0.0/16 (never .0 or .255 in the last byte). */
export function randomIssuerAddress(): string {
  const b = randomBytes(2);
  return `127.42.${b[0]}.${1 + ((b[1] as number) % 254)}`;
}

interface BoundServer {
  server: RunningServer;
  leaf: Leaf & { thumbprint?: string };
}

async function bindService(service: Service, bind: IssuerBind, faults: Faults, makeLeaf: (host: string) => Promise<Leaf & { thumbprint?: string }>): Promise<BoundServer> {
  if (typeof bind === 'object') {
    const leaf = await makeLeaf(bind.host);
    return { server: await serve(service, { host: bind.host, port: bind.port, cert: leaf.chainPem, key: leaf.keyPem, faults }), leaf };
  }
  if (bind === 'auto') {
    for (let attempt = 0; attempt < 8; attempt++) {
      const host = randomIssuerAddress();
      const leaf = await makeLeaf(host);
      try {
        return { server: await serve(service, { host, port: 443, cert: leaf.chainPem, key: leaf.keyPem, faults }), leaf };
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') continue; // another lab took this address: draw again
        if (code === 'EACCES' || code === 'EPERM' || code === 'EADDRNOTAVAIL') break; // not root: fall back
        throw e;
      }
    }
  }
  const leaf = await makeLeaf('127.0.0.1');
  return { server: await serve(service, { host: '127.0.0.1', port: 0, cert: leaf.chainPem, key: leaf.keyPem, faults }), leaf };
}

function endpointOf(b: BoundServer, fallbackThumbprint: string): HostedEndpoint {
  const base = b.server.port === 443 ? `https://${b.server.host}` : `https://${b.server.host}:${b.server.port}`;
  return { host: b.server.host, port: b.server.port, base, thumbprint: b.leaf.thumbprint ?? fallbackThumbprint, server: b.server };
}

/** Creates an issuer and serves it (and, optionally, its separate JWKS host) over HTTPS. */
export async function startIssuer(opts: StartIssuerOptions): Promise<RunningIssuer> {
  const faults = opts.faults ?? new Faults();
  const issuer = await LabIssuer.create({
    clock: opts.clock,
    ...(opts.id !== undefined ? { id: opts.id } : {}),
    ...(opts.keys !== undefined ? { keys: opts.keys } : {}),
    ...(opts.publiclyTrusted !== undefined ? { publiclyTrusted: opts.publiclyTrusted } : {}),
  });
  const service = new IssuerService('issuer');
  service.add(issuer);
  const main = await bindService(service, opts.bind ?? 'auto', faults, (h) => opts.pki.issueLeaf([h]));
  const endpoint = endpointOf(main, opts.pki.thumbprint);
  let jwksEndpoint: HostedEndpoint | undefined;
  let jwksService: IssuerService | undefined;
  if (opts.separateJwks) {
    const sep = typeof opts.separateJwks === 'object' ? opts.separateJwks : {};
    const own = sep.ownIntermediate ?? true;
    jwksService = new IssuerService('jwks');
    jwksService.add(issuer);
    const jwksBind: IssuerBind = sep.bind ?? (endpoint.port === 443 ? 'auto' : 'loopback-port');
    try {
      const b = await bindService(jwksService, jwksBind, faults, (h) => (own ? issueLeafUnderOwnIntermediate(opts.pki, [h]) : opts.pki.issueLeaf([h])));
      jwksEndpoint = endpointOf(b, opts.pki.thumbprint);
    } catch (e) {
      await main.server.close();
      throw e;
    }
  }
  issuer.bind(endpoint.base, jwksEndpoint?.base ?? endpoint.base);
  const thumbprints = [...new Set([endpoint.thumbprint, ...(jwksEndpoint ? [jwksEndpoint.thumbprint] : [])])];
  return {
    issuer,
    url: issuer.issuer,
    jwksUri: issuer.jwksUri,
    hasPort: endpoint.port !== 443,
    endpoint,
    ...(jwksEndpoint ? { jwksEndpoint } : {}),
    thumbprints,
    service,
    ...(jwksService ? { jwksService } : {}),
    async close() {
      await Promise.all([endpoint.server.close(), jwksEndpoint?.server.close()]);
    },
  };
}

/** Hosts one more issuer on a running issuer's hosts (like EKS: one host, many `/id/<ID>`). */
export async function addIssuer(running: RunningIssuer, opts: LabIssuerOptions): Promise<LabIssuer> {
  const issuer = await LabIssuer.create(opts);
  issuer.bind(running.endpoint.base, running.jwksEndpoint?.base ?? running.endpoint.base);
  running.service.add(issuer);
  running.jwksService?.add(issuer);
  return issuer;
}
