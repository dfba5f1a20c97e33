// The lab's HTTPS plumbing: one server per service on 127.0.0.1, a request/response shape the
// services implement, deterministic fault injection (latency, throttling, 5xx, connection
// resets, hung responses) and a call log that tests and benchmarks read.

import { createServer as createHttpsServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type ServiceName = 'iam' | 'sts' | 'eks' | 'kube' | 'issuer';

export interface LabRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** Remote address, for logs. */
  remote: string;
}

export interface LabResponse {
  status: number;
  headers?: Record<string, string>;
  /** The body; a list of buffers is sent as their concatenation (list pages from cached items). */
  body?: string | Buffer | readonly Buffer[];
}

export interface Service {
  readonly name: ServiceName;
  /** The API operation a request is for (`GetRole`, `list pods`), read cheaply before faults apply. */
  operationOf(req: LabRequest): string;
  handle(req: LabRequest, operation: string): Promise<LabResponse> | LabResponse;
  /** The service's own throttling error (IAM `Throttling`, EKS `TooManyRequestsException`...). */
  throttled(req: LabRequest, operation: string): LabResponse;
  /** The service's own 5xx error. */
  serverError(req: LabRequest, operation: string): LabResponse;
}

export interface FaultRule {
  /** Added to every call, milliseconds. */
  latencyMs?: number;
  /** Token bucket: sustained requests per second; calls over it get the throttling error. */
  throttleRps?: number;
  /** Bucket size (default: throttleRps, at least 1). */
  throttleBurst?: number;
  /** Fractions of calls, 0..1, decided by the seeded generator. */
  errorRate?: number;
  resetRate?: number;
  hangRate?: number;
}

export interface FaultConfig {
  seed?: number;
  /** Applies to every service unless overridden. */
  all?: FaultRule;
  services?: Partial<Record<ServiceName, FaultRule & { operations?: Record<string, FaultRule> }>>;
}

export interface CallLogEntry {
  service: ServiceName;
  operation: string;
  status: number;
  /** Milliseconds from the request's arrival to the response's end. */
  ms: number;
  at: string;
  fault?: 'throttle' | '5xx' | 'reset' | 'hang';
}

/** mulberry32: small, fast, deterministic. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Bucket {
  private tokens: number;
  private last = Date.now();
  constructor(
    private readonly rps: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }
  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rps);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }
}

/** Faults and the call log, shared by every service of one lab. */
export class Faults {
  private config: FaultConfig = {};
  private random: () => number = seededRandom(1);
  private readonly buckets = new Map<string, Bucket>();
  readonly log: CallLogEntry[] = [];

  constructor(config: FaultConfig = {}) {
    this.configure(config);
  }

  configure(config: FaultConfig): void {
    this.config = config;
    this.random = seededRandom(config.seed ?? 1);
    this.buckets.clear();
  }

  rule(service: ServiceName, operation: string): FaultRule {
    const s = this.config.services?.[service];
    return { ...this.config.all, ...s, ...s?.operations?.[operation] };
  }

  /** Takes a throttling token; false when the call must be throttled. */
  admit(service: ServiceName, operation: string, rule: FaultRule): boolean {
    if (!rule.throttleRps) return true;
    const opRule = this.config.services?.[service]?.operations?.[operation];
    const key = opRule?.throttleRps ? `${service}:${operation}` : service;
    let b = this.buckets.get(key);
    if (!b) {
      b = new Bucket(rule.throttleRps, Math.max(1, rule.throttleBurst ?? rule.throttleRps));
      this.buckets.set(key, b);
    }
    return b.take();
  }

  roll(rate: number | undefined): boolean {
    if (!rate) return false;
    return this.random() < rate;
  }

  /** Calls by operation, from the log: `{ 'iam:GetRole': 12 }`. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.log) out[`${e.service}:${e.operation}`] = (out[`${e.service}:${e.operation}`] ?? 0) + 1;
    return out;
  }
}

export interface RunningServer {
  readonly service: ServiceName;
  readonly url: string;
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage, limit = 10 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new Error('request body too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

export interface ServeOptions {
  host?: string;
  port?: number;
  cert: string;
  key: string;
  faults: Faults;
}

/**
 * Writes a body in slices of about 64 KiB, waiting for the socket to drain: one multi-megabyte
 * write keeps the lab's thread busy encrypting it (about twice as long for a 3 MB list page),
 * while slices let TLS records go out as they are made and other requests be served in between.
 * A body given as many small buffers (a list page's items) is written a slice's worth at a time,
 * corked, so they leave in one gathered write without being copied together first.
 */
async function writeBody(res: ServerResponse, chunks: readonly Buffer[]): Promise<void> {
  const SLICE = 64 * 1024;
  const drained = () =>
    new Promise<void>((r) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        r();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  let size = 0;
  let room = true;
  res.cork();
  for (const chunk of chunks) {
    for (let at = 0; at < chunk.length; ) {
      if (res.destroyed) return;
      const part = at === 0 && chunk.length <= SLICE - size ? chunk : chunk.subarray(at, at + SLICE - size);
      at += part.length;
      size += part.length;
      room = res.write(part);
      if (size >= SLICE) {
        res.uncork();
        if (!room) await drained();
        size = 0;
        res.cork();
      }
    }
  }
  res.uncork();
  if (!res.destroyed) res.end();
}

/** Serves one service over HTTPS with faults and the call log applied around it. */
export async function serve(service: Service, opts: ServeOptions): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = Date.now();
    const host = opts.host ?? '127.0.0.1';
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      res.writeHead(413).end();
      return;
    }
    const lr: LabRequest = { method: req.method ?? 'GET', url: new URL(req.url ?? '/', `https://${req.headers.host ?? host}`), headers: req.headers, body, remote: req.socket.remoteAddress ?? '' };
    let operation = 'unknown';
    try {
      operation = service.operationOf(lr);
    } catch {
      /* handle() reports the bad request */
    }
    const rule = opts.faults.rule(service.name, operation);
    const logEntry = (status: number, fault?: CallLogEntry['fault']) => {
      const e: CallLogEntry = { service: service.name, operation, status, ms: Date.now() - started, at: new Date(started).toISOString() };
      if (fault) e.fault = fault;
      opts.faults.log.push(e);
    };
    if (rule.latencyMs) await new Promise((r) => setTimeout(r, rule.latencyMs));
    if (opts.faults.roll(rule.resetRate)) {
      logEntry(0, 'reset');
      req.socket.destroy();
      return;
    }
    if (opts.faults.roll(rule.hangRate)) {
      logEntry(0, 'hang');
      return; // never answered; closed when the client gives up or the lab stops
    }
    let out: LabResponse;
    let fault: CallLogEntry['fault'];
    if (!opts.faults.admit(service.name, operation, rule)) {
      out = service.throttled(lr, operation);
      fault = 'throttle';
    } else if (opts.faults.roll(rule.errorRate)) {
      out = service.serverError(lr, operation);
      fault = '5xx';
    } else {
      try {
        out = await service.handle(lr, operation);
      } catch (e) {
        out = service.serverError(lr, operation);
        out.headers = { ...out.headers, 'x-lab-error': String((e as Error)?.message ?? e).slice(0, 200).replace(/[^\x20-\x7e]/g, '?') };
      }
    }
    const payload: readonly Buffer[] = out.body === undefined ? [] : typeof out.body === 'string' ? [Buffer.from(out.body)] : Buffer.isBuffer(out.body) ? [out.body] : out.body;
    let length = 0;
    for (const b of payload) length += b.length;
    res.writeHead(out.status, { 'content-length': String(length), ...out.headers });
    logEntry(out.status, fault);
    await writeBody(res, payload);
  };
  const server: Server = createHttpsServer({ cert: opts.cert, key: opts.key }, (req, res) => {
    handler(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const portPart = port === 443 ? '' : `:${port}`;
  return {
    service: service.name,
    host,
    port,
    url: `https://${host}${portPart}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
