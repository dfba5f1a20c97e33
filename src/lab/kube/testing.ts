// Test support for the lab's Kubernetes API: a small RS256 TokenSigner with the Kubernetes
// claims (aws-behavior.md section 9), a kubectl runner (asynchronous subprocess, isolated
// HOME/KUBECONFIG) and an HTTPS JSON client that trusts the lab CA.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:https';
import { generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import type { Clock, SignedToken, TokenRequestSpec, TokenSigner } from '../types.js';

export class JoseTestSigner implements TokenSigner {
  readonly requests: TokenRequestSpec[] = [];
  private key: CryptoKey | undefined;
  constructor(
    readonly issuer: string,
    private readonly clock: Clock,
  ) {}

  async sign(spec: TokenRequestSpec): Promise<SignedToken> {
    this.requests.push(spec);
    this.key ??= (await generateKeyPair('RS256')).privateKey;
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const k8s: Record<string, unknown> = { namespace: spec.namespace, serviceaccount: { name: spec.serviceAccount, uid: spec.serviceAccountUid } };
    if (spec.pod) k8s['pod'] = spec.pod;
    if (spec.node) k8s['node'] = spec.node;
    const exp = now + spec.expirationSeconds;
    const token = await new SignJWT({ 'kubernetes.io': k8s })
      .setProtectedHeader({ alg: 'RS256', kid: 'lab-test' })
      .setIssuer(this.issuer)
      .setSubject(`system:serviceaccount:${spec.namespace}:${spec.serviceAccount}`)
      .setAudience(spec.audiences)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(exp)
      .setJti(crypto.randomUUID())
      .sign(this.key);
    return { token, expiresAt: new Date(exp * 1000) };
  }
}

/** A clock that moves only when told to: exact timestamps in assertions. */
export class ManualClock implements Clock {
  private t: number;
  constructor(start: Date) {
    this.t = start.getTime();
  }
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** kubectl 1.32: the google-cloud-sdk's versioned binary when present, else `kubectl` on PATH. */
export function kubectlPath(): string {
  const pinned = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';
  return existsSync(pinned) ? pinned : 'kubectl';
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], env: Record<string, string>, input?: string, timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} timed out`));
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): unknown;
}

export function httpsRequest(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer; ca: string }): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers, ca: opts.ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) as unknown });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The claims of a JWT (no verification: the signer is the test's own). */
export function jwtClaims(token: string): Record<string, unknown> {
  const part = token.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}
