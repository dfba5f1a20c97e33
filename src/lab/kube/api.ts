// The lab's Kubernetes API server as a `Service` for src/lab/http.ts: authentication (bearer
// tokens of lab users; anonymous requests get the public-info endpoints only, like EKS),
// RBAC-like authorization with the API server's Forbidden messages, discovery (aggregated and
// legacy), OpenAPI v3 stubs for `kubectl apply`, REST verbs on the resources of resources.ts
// with JSON/YAML/protobuf bodies and the four patch types, server-side Tables for `kubectl get`,
// paginated lists, long-poll watches, the TokenRequest and review subresources. Objects live in
// a KubeEngine; the controllers run after each write (controller.ts).

import { parseAllDocuments } from 'yaml';
import type { LabRequest, LabResponse, Service } from '../http.js';
import type { Clock, TokenSigner } from '../types.js';
import { reconcileAll } from './controller.js';
import {
  AGGREGATED_V2,
  AGGREGATED_V2BETA1,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  hashOf,
  openApiDocument,
  openApiGroupVersions,
  openApiIndex,
  versionInfo,
} from './discovery.js';
import { KubeEngine, meta, type DeleteOptions, type EngineOptions, type WriteContext } from './engine.js';
import {
  CONTINUE_EXPIRED,
  KubeError,
  badRequest,
  expired,
  forbidden,
  forbiddenPath,
  internalError,
  invalid,
  methodNotAllowed,
  notAcceptable,
  notFoundPath,
  tooManyRequests,
  unauthorized,
  unsupportedMediaType,
} from './errors.js';
import { managerFromUserAgent, rfc3339 } from './managed-fields.js';
import { applyJsonPatch, isObject, mergePatch, PatchError, type Json, type JsonObject } from './patch.js';
import { decodeKubernetesProtobuf, ProtobufError } from './protobuf.js';
import { authorizeNonResource, authorizeResource, makeUser, rulesIn, type KubeUser, type KubeUserSpec, type ResourceAttributes } from './rbac.js';
import { GROUPS, RESOURCES, apiVersionOf, findResource, resourceByPlural, resourceForKind, type ResourceType } from './resources.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { toTable } from './tables.js';

export interface KubeApiOptions extends Omit<EngineOptions, 'clock' | 'signer'> {
  clock: Clock;
  /** Signs TokenRequest tokens (the cluster's issuer). */
  signer?: TokenSigner;
  /** The admin user (default `kubernetes-admin`, group system:masters). */
  admin?: Omit<KubeUserSpec, 'admin'>;
  /** Serve aggregated discovery when asked (a 1.32 server does). Default true. */
  aggregatedDiscovery?: boolean;
  /** Serve meta.k8s.io Tables to `kubectl get`. Default true. */
  tables?: boolean;
  /**
   * How long a watch with nothing to report is held open, ms (real time). Default 1100: just over
   * client-go's "very short watch" threshold (1 s), since http.ts answers with whole bodies (no
   * streaming), and clients such as `kubectl rollout status` wait for their watch to return.
   */
  watchHoldMs?: number;
  /** Anonymous requests (no token) may read /version, /healthz...: EKS's default. Default true. */
  anonymousAuth?: boolean;
  /** Other bearer tokens (e.g. `k8s-aws-v1.` tokens from `aws eks get-token`): resolve to a user or undefined. */
  authenticate?: (token: string) => Promise<KubeUser | undefined> | KubeUser | undefined;
  /** Compacts the store every N ms of real time (etcd's default is 5 minutes); 0 or absent: only compact() does. */
  compactionIntervalMs?: number;
}

interface ParsedPath {
  kind: 'version' | 'api' | 'apis' | 'group' | 'resourceList' | 'openapiV2' | 'openapiV3' | 'openapiV3Doc' | 'health' | 'resource' | 'unknown';
  group?: string;
  version?: string;
  rt?: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

const JSON_CT = 'application/json';
const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];
const BODY_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

/** Message names for protobuf bodies whose kind is not a stored resource. */
const PROTO_EXTRA: Record<string, string> = {
  'authentication.k8s.io/v1/TokenRequest': 'authentication.v1.TokenRequest',
  'authentication.k8s.io/v1/TokenReview': 'authentication.v1.TokenReview',
  'authentication.k8s.io/v1/SelfSubjectReview': 'authentication.v1.SelfSubjectReview',
  'authorization.k8s.io/v1/SelfSubjectAccessReview': 'authorization.v1.SelfSubjectAccessReview',
  'authorization.k8s.io/v1/SelfSubjectRulesReview': 'authorization.v1.SelfSubjectRulesReview',
  'autoscaling/v1/Scale': 'autoscaling.v1.Scale',
  'meta.k8s.io/v1/DeleteOptions': 'meta.v1.DeleteOptions',
  'v1/DeleteOptions': 'meta.v1.DeleteOptions',
};

function protoMessageFor(apiVersion: string, kind: string): string | undefined {
  return PROTO_EXTRA[`${apiVersion}/${kind}`] ?? resourceForKind(apiVersion, kind)?.proto;
}

/** `Kind.group`-style resource identity for virtual review kinds. */
function reviewKind(rt: ResourceType): { group: string; kind: string } {
  return { group: rt.group, kind: rt.kind };
}

export class KubeApi implements Service {
  readonly name = 'kube' as const;
  readonly engine: KubeEngine;
  readonly admin: KubeUser;
  private readonly users = new Map<string, KubeUser>();
  private readonly opts: KubeApiOptions;
  private readonly docHashes = new Map<string, string>();
  private compactionTimer: NodeJS.Timeout | undefined;
  /** Server address shown in /api serverAddressByClientCIDRs (set by whoever serves it). */
  serverAddress = '127.0.0.1:443';

  constructor(opts: KubeApiOptions) {
    this.opts = opts;
    const engineOpts: EngineOptions = { ...opts };
    this.engine = new KubeEngine(engineOpts);
    this.engine.reconciler = reconcileAll;
    this.engine.reconcile();
    this.admin = this.addUser({ name: 'kubernetes-admin', groups: ['system:masters'], ...opts.admin, admin: true });
    if (opts.compactionIntervalMs) {
      this.compactionTimer = setInterval(() => this.compact(), opts.compactionIntervalMs);
      this.compactionTimer.unref();
    }
  }

  // --- users -----------------------------------------------------------------------------------

  addUser(spec: KubeUserSpec): KubeUser {
    const u = makeUser(spec);
    this.users.set(u.token, u);
    return u;
  }

  removeUser(name: string): void {
    for (const [t, u] of this.users) if (u.name === name) this.users.delete(t);
  }

  userByToken(token: string): KubeUser | undefined {
    return this.users.get(token);
  }

  // --- in-process API for seeding and tests ----------------------------------------------------

  private rtOf(obj: JsonObject): ResourceType {
    const rt = resourceForKind(String(obj['apiVersion'] ?? ''), String(obj['kind'] ?? ''));
    if (!rt || rt.virtual) throw new Error(`the lab does not serve ${String(obj['apiVersion'])} ${String(obj['kind'])}`);
    return rt;
  }

  /**
   * Creates an object at the current lab time as `manager` (default `kubectl-client-side-apply`,
   * with the last-applied-configuration annotation `kubectl apply` writes, unless
   * `lastApplied: false`), then runs the controllers.
   */
  create(obj: JsonObject, opts: { manager?: string; lastApplied?: boolean; namespace?: string } = {}): JsonObject {
    const rt = this.rtOf(obj);
    const manager = opts.manager ?? 'kubectl-client-side-apply';
    const body = structuredClone(obj);
    const m = meta(body);
    const ns = rt.namespaced ? String(m['namespace'] ?? opts.namespace ?? 'default') : undefined;
    if ((opts.lastApplied ?? manager === 'kubectl-client-side-apply') && !(isObject(m['annotations']) && m['annotations']['kubectl.kubernetes.io/last-applied-configuration'])) {
      const last = structuredClone(obj);
      if (rt.namespaced) meta(last)['namespace'] = ns!;
      m['annotations'] = { ...(isObject(m['annotations']) ? m['annotations'] : {}), 'kubectl.kubernetes.io/last-applied-configuration': `${sortedJson(last)}\n` };
    }
    return structuredClone(this.engine.create(rt, ns, body, { manager }));
  }

  /** Patches an object (merge patch by default) as `manager` at the current lab time. */
  patch(
    ref: { apiVersion: string; kind: string; name: string; namespace?: string },
    patch: Json,
    opts: { manager?: string; type?: 'merge' | 'strategic' | 'json'; subresource?: string } = {},
  ): JsonObject {
    const rt = this.rtOf(ref as unknown as JsonObject);
    const type = { merge: 'application/merge-patch+json', strategic: 'application/strategic-merge-patch+json', json: 'application/json-patch+json' }[opts.type ?? 'merge'];
    const ctx: WriteContext = { manager: opts.manager ?? 'kubectl-patch' };
    if (opts.subresource) ctx.subresource = opts.subresource;
    return structuredClone(this.engine.patch(rt, rt.namespaced ? (ref.namespace ?? 'default') : undefined, ref.name, type, patch, ctx));
  }

  /** `kubectl annotate` as the API sees it: a merge patch of metadata.annotations by `kubectl-annotate`. */
  annotate(ref: { apiVersion: string; kind: string; name: string; namespace?: string }, annotations: Record<string, string | null>, manager = 'kubectl-annotate'): JsonObject {
    return this.patch(ref, { metadata: { annotations: annotations as Json } }, { manager });
  }

  /** `kubectl rollout restart`: the restartedAt annotation on the pod template, by `kubectl-rollout`. */
  rolloutRestart(ref: { apiVersion: string; kind: string; name: string; namespace?: string }): JsonObject {
    return this.patch(ref, { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': this.engine.now().toISOString().replace(/\.\d{3}Z$/, 'Z') } } } } }, { manager: 'kubectl-rollout', type: 'strategic' });
  }

  delete(ref: { apiVersion: string; kind: string; name: string; namespace?: string }, opts: DeleteOptions = {}): void {
    const rt = this.rtOf(ref as unknown as JsonObject);
    this.engine.delete(rt, rt.namespaced ? (ref.namespace ?? 'default') : undefined, ref.name, opts, { manager: 'kubectl' });
  }

  // The in-process API hands out copies its callers may modify; the engine's own reads are the
  // store's frozen objects.

  /** One object by resource plural (`pods`), namespace and name. */
  get(plural: string, namespace: string | undefined, name: string): JsonObject | undefined {
    const o = this.engine.get(resourceByPlural(plural), namespace, name);
    return o && structuredClone(o);
  }

  list(plural: string, namespace?: string): JsonObject[] {
    return this.engine.list(resourceByPlural(plural), namespace).map((o) => structuredClone(o));
  }

  /**
   * Serialises every stored object's list-item bytes now, as an API server's watch cache keeps
   * its objects ready to send: the first list of a freshly seeded lab then costs what later ones
   * do, instead of JSON-encoding thousands of objects inside a timed call. Objects written later
   * are serialised on their first list.
   */
  warmListCache(): void {
    for (const rt of RESOURCES) for (const o of this.engine.list(rt)) itemJson(o);
  }

  /** Runs the controllers until nothing moves (every write already does; seeding may want it). */
  flush(): void {
    this.engine.reconcile();
  }

  /** Compacts history up to now: continue tokens and watches from before now become 410 Expired. */
  compact(): void {
    this.engine.store.compact();
  }

  close(): void {
    if (this.compactionTimer) clearInterval(this.compactionTimer);
  }

  // --- Service ---------------------------------------------------------------------------------

  operationOf(req: LabRequest): string {
    const p = this.parsePath(req.url.pathname);
    if (p.kind !== 'resource') return p.kind === 'unknown' ? 'unknown' : `discovery ${p.kind}`;
    const verb = this.verbOf(req, p);
    return `${verb} ${p.rt!.plural}${p.subresource ? `/${p.subresource}` : ''}`;
  }

  throttled(): LabResponse {
    const e = tooManyRequests();
    return { status: 429, headers: { 'content-type': JSON_CT, 'retry-after': '1' }, body: JSON.stringify(e.toStatus()) };
  }

  serverError(_req: LabRequest, operation: string): LabResponse {
    const e = internalError(`the lab injected a server error into ${operation}`);
    return { status: 500, headers: { 'content-type': JSON_CT }, body: JSON.stringify(e.toStatus()) };
  }

  async handle(req: LabRequest): Promise<LabResponse> {
    try {
      return await this.route(req);
    } catch (e) {
      if (e instanceof KubeError) return this.status(e);
      if (e instanceof ProtobufError) return this.status(badRequest(e.message));
      throw e;
    }
  }

  private status(e: KubeError, headers: Record<string, string> = {}): LabResponse {
    return { status: e.code, headers: { 'content-type': JSON_CT, 'cache-control': 'no-cache, private', ...headers }, body: JSON.stringify(e.toStatus()) };
  }

  private json(status: number, body: unknown, contentType = JSON_CT, headers: Record<string, string> = {}): LabResponse {
    return { status, headers: { 'content-type': contentType, 'cache-control': 'no-cache, private', ...headers }, body: JSON.stringify(body) };
  }

  private parsePath(path: string): ParsedPath {
    const segs = path.split('/').filter(Boolean);
    if (path === '/version' || path === '/version/') return { kind: 'version' };
    if (['/healthz', '/livez', '/readyz'].includes(path)) return { kind: 'health' };
    if (path === '/openapi/v2') return { kind: 'openapiV2' };
    if (path === '/openapi/v3' || path === '/openapi/v3/') return { kind: 'openapiV3' };
    if (segs[0] === 'openapi' && segs[1] === 'v3') {
      const gvPath = segs.slice(2).join('/');
      const gv = openApiGroupVersions().find((x) => x.path === gvPath);
      return gv ? { kind: 'openapiV3Doc', group: gv.group, version: gv.version } : { kind: 'unknown' };
    }
    let group: string;
    let version: string;
    let rest: string[];
    if (segs[0] === 'api') {
      if (segs.length === 1) return { kind: 'api' };
      group = '';
      version = segs[1]!;
      rest = segs.slice(2);
      if (version !== 'v1') return { kind: 'unknown' };
    } else if (segs[0] === 'apis') {
      if (segs.length === 1) return { kind: 'apis' };
      group = segs[1]!;
      if (!GROUPS.some((g) => g.name === group)) return { kind: 'unknown' };
      if (segs.length === 2) return { kind: 'group', group };
      version = segs[2]!;
      if (!GROUPS.some((g) => g.name === group && g.version === version)) return { kind: 'unknown' };
      rest = segs.slice(3);
    } else return { kind: 'unknown' };
    if (rest.length === 0) return { kind: 'resourceList', group, version };
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      const nsRt = findResource(group, version, rest[2]!);
      if (nsRt && nsRt.namespaced) {
        namespace = rest[1];
        rest = rest.slice(2);
      }
    }
    const rt = findResource(group, version, rest[0]!);
    if (!rt || rest.length > 3) return { kind: 'unknown' };
    if (namespace === undefined && rt.namespaced && rest.length > 1) return { kind: 'unknown' };
    const out: ParsedPath = { kind: 'resource', group, version, rt };
    if (namespace !== undefined) out.namespace = namespace;
    if (rest[1] !== undefined) out.name = rest[1];
    if (rest[2] !== undefined) out.subresource = rest[2];
    if (out.subresource && !rt.subresources.some((s) => s.name === out.subresource)) return { kind: 'unknown' };
    return out;
  }

  private verbOf(req: LabRequest, p: ParsedPath): string {
    const watch = ['true', '1'].includes(req.url.searchParams.get('watch') ?? '');
    switch (req.method) {
      case 'GET':
      case 'HEAD':
        return watch ? 'watch' : p.name ? 'get' : 'list';
      case 'POST':
        return 'create';
      case 'PUT':
        return 'update';
      case 'PATCH':
        return 'patch';
      case 'DELETE':
        return p.name ? 'delete' : 'deletecollection';
      default:
        return req.method.toLowerCase();
    }
  }

  private async authenticate(req: LabRequest): Promise<KubeUser | undefined> {
    const h = req.headers['authorization'];
    if (h === undefined) {
      if (this.opts.anonymousAuth === false) throw unauthorized();
      return undefined;
    }
    const m = /^Bearer\s+(.+)$/i.exec(String(h).trim());
    if (!m) throw unauthorized();
    const token = m[1]!.trim();
    const u = this.users.get(token) ?? (this.opts.authenticate ? await this.opts.authenticate(token) : undefined);
    if (!u) throw unauthorized();
    return u;
  }

  private async route(req: LabRequest): Promise<LabResponse> {
    const user = await this.authenticate(req);
    const p = this.parsePath(req.url.pathname);
    const username = user?.name ?? 'system:anonymous';
    if (p.kind !== 'resource') {
      const publicInfo = p.kind === 'version' || p.kind === 'health';
      const allowed = user ? authorizeNonResource(user, 'get', req.url.pathname) : publicInfo;
      if (!allowed) throw forbiddenPath(username, req.method === 'GET' ? 'get' : req.method.toLowerCase(), req.url.pathname);
      if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed();
      return this.nonResource(req, p);
    }
    const rt = p.rt!;
    const verb = this.verbOf(req, p);
    const attrs: ResourceAttributes = { verb, group: rt.group, resource: rt.plural };
    if (p.subresource) attrs.subresource = p.subresource;
    const ns = rt.plural === 'namespaces' ? p.name : p.namespace;
    if (ns) attrs.namespace = ns;
    if (p.name) attrs.name = p.name;
    if (!user || !authorizeResource(user, attrs)) {
      const f: Parameters<typeof forbidden>[2] = { group: rt.group, resource: rt.plural };
      if (p.subresource) f.subresource = p.subresource;
      if (ns) f.namespace = ns;
      if (p.name) f.name = p.name;
      throw forbidden(username, verb, f);
    }
    if (rt.virtual) {
      if (verb !== 'create') throw methodNotAllowed();
      return this.review(req, rt, user);
    }
    if (p.subresource === 'token') return this.tokenRequest(req, p);
    if (p.subresource === 'scale') return this.scaleSub(req, p, verb);
    if (p.subresource === 'log') {
      if (verb !== 'get') throw methodNotAllowed();
      this.engine.mustGet(rt, p.namespace, p.name!);
      return { status: 200, headers: { 'content-type': 'text/plain' }, body: '' };
    }
    if (p.subresource === 'eviction') {
      if (verb !== 'create') throw methodNotAllowed();
      this.engine.delete(rt, p.namespace, p.name!, {}, { manager: this.manager(req) });
      return this.json(201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    }
    if (p.subresource === 'finalize') throw methodNotAllowed();
    switch (verb) {
      case 'get':
        return this.getOne(req, p);
      case 'list':
        return this.listAll(req, p);
      case 'watch':
        return this.watch(req, p);
      case 'create':
        if (p.name) throw methodNotAllowed();
        return this.createOne(req, p);
      case 'update':
        return this.updateOne(req, p);
      case 'patch':
        return this.patchOne(req, p);
      case 'delete':
        return this.deleteOne(req, p);
      case 'deletecollection':
        return this.deleteCollection(req, p);
      default:
        throw methodNotAllowed();
    }
  }

  // --- non-resource endpoints ------------------------------------------------------------------

  private nonResource(req: LabRequest, p: ParsedPath): LabResponse {
    const accept = String(req.headers['accept'] ?? '');
    switch (p.kind) {
      case 'version':
        return this.json(200, versionInfo(this.engine.kubernetesVersion));
      case 'health':
        return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }, body: 'ok' };
      case 'api':
      case 'apis': {
        const legacy = p.kind === 'api';
        if (this.opts.aggregatedDiscovery !== false) {
          const want = this.aggregatedWanted(accept);
          if (want) return this.json(200, aggregatedDiscovery(legacy, want === AGGREGATED_V2 ? 'apidiscovery.k8s.io/v2' : 'apidiscovery.k8s.io/v2beta1'), want, { vary: 'Accept' });
        }
        return this.json(200, legacy ? apiVersions(this.serverAddress) : apiGroupList(), JSON_CT, { vary: 'Accept' });
      }
      case 'group': {
        const g = apiGroup(p.group!);
        if (!g) throw notFoundPath();
        return this.json(200, g);
      }
      case 'resourceList': {
        const l = apiResourceList(p.group!, p.version!);
        if (!l) throw notFoundPath();
        return this.json(200, l);
      }
      case 'openapiV2':
        // Not served: kubectl uses /openapi/v3 (see discovery.ts).
        throw notFoundPath();
      case 'openapiV3':
        return this.json(200, openApiIndex((path) => this.docHash(path)));
      case 'openapiV3Doc': {
        const doc = openApiDocument(p.group!, p.version!, versionInfo(this.engine.kubernetesVersion).gitVersion);
        if (!doc) throw notFoundPath();
        return this.json(200, doc, JSON_CT, { etag: `"${this.docHash(p.group ? `apis/${p.group}/${p.version}` : `api/${p.version}`)}"` });
      }
      default:
        throw notFoundPath();
    }
  }

  private docHash(path: string): string {
    let h = this.docHashes.get(path);
    if (!h) {
      const gv = openApiGroupVersions().find((x) => x.path === path)!;
      h = hashOf(JSON.stringify(openApiDocument(gv.group, gv.version, versionInfo(this.engine.kubernetesVersion).gitVersion)));
      this.docHashes.set(path, h);
    }
    return h;
  }

  private aggregatedWanted(accept: string): string | undefined {
    for (const part of accept.split(',').map((s) => s.trim().replace(/\s/g, ''))) {
      if (part.includes('as=APIGroupDiscoveryList') && part.includes('g=apidiscovery.k8s.io')) {
        if (part.includes('v=v2beta1')) return AGGREGATED_V2BETA1;
        if (part.includes('v=v2')) return AGGREGATED_V2;
      }
      if (part.startsWith('application/json') && !part.includes('as=')) return undefined;
      if (part === '*/*') return undefined;
    }
    return undefined;
  }

  // --- helpers ---------------------------------------------------------------------------------

  private manager(req: LabRequest): string {
    const fm = req.url.searchParams.get('fieldManager');
    if (fm !== null) {
      if (fm.length > 128) throw badRequest(`fieldManager: Too long: may not be more than 128 bytes`);
      return fm;
    }
    return managerFromUserAgent(String(req.headers['user-agent'] ?? ''));
  }

  private ctx(req: LabRequest, extra: Partial<WriteContext> = {}): WriteContext {
    const c: WriteContext = { manager: this.manager(req), ...extra };
    const dry = req.url.searchParams.getAll('dryRun');
    if (dry.length) {
      if (dry.some((d) => d !== 'All')) throw badRequest(`dryRun: Unsupported value: "${dry.find((d) => d !== 'All')}": supported values: "All"`);
      c.dryRun = true;
    }
    return c;
  }

  private acceptCheck(req: LabRequest): void {
    const accept = String(req.headers['accept'] ?? '');
    if (!accept) return;
    const ok = accept.split(',').some((p) => {
      const t = p.trim().split(';')[0]!.trim();
      return t === 'application/json' || t === '*/*' || t === 'application/*' || t === 'application/yaml';
    });
    if (!ok) throw notAcceptable(['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']);
  }

  /** `as=Table` wanted, and which meta.k8s.io version. */
  private tableWanted(req: LabRequest): string | undefined {
    if (this.opts.tables === false) return undefined;
    const accept = String(req.headers['accept'] ?? '');
    for (const part of accept.split(',').map((s) => s.trim().replace(/\s/g, ''))) {
      if (part.includes('as=Table') && part.includes('g=meta.k8s.io')) return part.includes('v=v1beta1') ? 'v1beta1' : 'v1';
      if (part === 'application/json' || part === '*/*') return undefined;
    }
    return undefined;
  }

  private decodeBody(req: LabRequest, expectKind?: ResourceType): JsonObject {
    const ct = String(req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
    if (req.body.length === 0) throw badRequest('the request body is empty');
    let obj: unknown;
    if (ct === 'application/vnd.kubernetes.protobuf') {
      obj = decodeKubernetesProtobuf(req.body, protoMessageFor).object;
    } else if (ct === 'application/json' || ct === '') {
      try {
        obj = JSON.parse(req.body.toString('utf8'));
      } catch (e) {
        throw badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
      }
    } else if (ct === 'application/yaml') {
      obj = parseYaml(req.body.toString('utf8'));
    } else throw unsupportedMediaType([...BODY_TYPES, 'application/cbor']);
    if (!isObject(obj)) throw badRequest('the body of the request is not a JSON object');
    if (expectKind && obj['kind'] !== undefined && obj['apiVersion'] !== undefined) {
      const av = apiVersionOf(expectKind);
      if (obj['apiVersion'] !== av) throw badRequest(`the API version in the data (${String(obj['apiVersion'])}) does not match the expected API version (${av})`);
      if (obj['kind'] !== expectKind.kind) throw badRequest(`the kind in the data (${String(obj['kind'])}) does not match the expected kind (${expectKind.kind})`);
    }
    return obj;
  }

  private render(req: LabRequest, rt: ResourceType, obj: JsonObject, status = 200): LabResponse {
    const table = this.tableWanted(req);
    if (table) {
      const t = toTable([obj], rt.kind, apiVersionOf(rt), this.engine.now().getTime(), req.url.searchParams.get('includeObject') ?? 'Metadata', { resourceVersion: String(meta(obj)['resourceVersion'] ?? '') });
      return this.json(status, { ...t, apiVersion: `meta.k8s.io/${table}` }, `application/json;as=Table;v=${table};g=meta.k8s.io`);
    }
    return this.json(status, obj);
  }

  // --- resource verbs --------------------------------------------------------------------------

  private getOne(req: LabRequest, p: ParsedPath): LabResponse {
    this.acceptCheck(req);
    const rt = p.rt!;
    const ns = rt.namespaced ? p.namespace : undefined;
    return this.render(req, rt, this.engine.mustGet(rt, ns, p.name!));
  }

  private selectors(req: LabRequest, rt: ResourceType): (o: JsonObject) => boolean {
    const ls = req.url.searchParams.get('labelSelector');
    const fs = req.url.searchParams.get('fieldSelector');
    const lp = ls ? parseLabelSelector(ls) : undefined;
    const fp = fs ? parseFieldSelector(rt.plural, fs) : undefined;
    return (o) => (!lp || lp(isObject(meta(o)['labels']) ? (meta(o)['labels'] as Record<string, string>) : {})) && (!fp || fp(o));
  }

  private listAll(req: LabRequest, p: ParsedPath): LabResponse {
    this.acceptCheck(req);
    const rt = p.rt!;
    const q = req.url.searchParams;
    const match = this.selectors(req, rt);
    const hasSelector = Boolean(q.get('labelSelector') || q.get('fieldSelector'));
    const rvParam = q.get('resourceVersion') ?? '';
    const limit = rvParam === '0' ? 0 : Number.parseInt(q.get('limit') ?? '0', 10) || 0;
    const cont = q.get('continue') ?? '';
    const store = this.engine.store;
    let at = store.currentRevision;
    let start = '';
    if (cont) {
      if (rvParam !== '' && rvParam !== undefined && q.get('resourceVersion') !== null) throw badRequest('specifying resource version is not allowed when using continue');
      const tok = decodeContinue(cont);
      start = tok.start;
      if (tok.rv === -1) at = store.currentRevision;
      else {
        if (tok.rv < store.compactedRevision) throw expired(CONTINUE_EXPIRED, encodeContinue(-1, tok.start));
        at = tok.rv;
      }
    } else if (rvParam && rvParam !== '0') {
      const rv = Number(rvParam);
      if (!Number.isInteger(rv)) throw badRequest(`resourceVersion: Invalid value: "${rvParam}": must be a valid resource version`);
      if (q.get('resourceVersionMatch') === 'Exact') {
        if (rv < store.compactedRevision) throw expired(`The resourceVersion for the provided list is too old.`);
        at = rv;
      } else if (rv > store.currentRevision) {
        throw new KubeError(504, 'Timeout', `Too large resource version: ${rv}, current: ${store.currentRevision}`, { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 });
      }
    }
    // A range read from the continue key: O(page) when nothing of this resource changed since `at`.
    const range: Parameters<KubeEngine['listPage']>[2] = { at, limit };
    if (start) range.start = start;
    if (hasSelector) range.match = match;
    const { items: page, more, remaining } = this.engine.listPage(rt, rt.namespaced ? p.namespace : undefined, range);
    const listMeta: JsonObject = { resourceVersion: String(at) };
    if (limit > 0 && more) {
      listMeta['continue'] = encodeContinue(at, `${page[page.length - 1]!.key}\u0000`);
      if (!hasSelector && remaining !== undefined) listMeta['remainingItemCount'] = remaining;
    }
    const table = this.tableWanted(req);
    if (table) {
      const t = toTable(
        page.map((x) => x.obj),
        rt.kind,
        apiVersionOf(rt),
        this.engine.now().getTime(),
        q.get('includeObject') ?? 'Metadata',
        listMeta,
      );
      return this.json(200, { ...t, apiVersion: `meta.k8s.io/${table}` }, `application/json;as=Table;v=${table};g=meta.k8s.io`);
    }
    // Like the API server, list items carry no apiVersion/kind. The bytes are what JSON.stringify
    // of the whole list gives, from each item's bytes encoded once (stored objects are frozen), and
    // sent without being joined into one string.
    const body: Buffer[] = [Buffer.from(`{"kind":${JSON.stringify(rt.listKind)},"apiVersion":${JSON.stringify(apiVersionOf(rt))},"metadata":${JSON.stringify(listMeta)},"items":[`)];
    page.forEach((x, i) => {
      if (i > 0) body.push(COMMA);
      body.push(itemJson(x.obj));
    });
    body.push(LIST_END);
    return { status: 200, headers: { 'content-type': JSON_CT, 'cache-control': 'no-cache, private' }, body };
  }

  private async watch(req: LabRequest, p: ParsedPath): Promise<LabResponse> {
    const rt = p.rt!;
    const q = req.url.searchParams;
    const match = this.selectors(req, rt);
    const store = this.engine.store;
    const rvParam = q.get('resourceVersion') ?? '';
    const table = this.tableWanted(req);
    const encode = (type: string, o: JsonObject): string => {
      const object = table ? { ...(toTable([o], rt.kind, apiVersionOf(rt), this.engine.now().getTime(), q.get('includeObject') ?? 'Metadata', { resourceVersion: String(meta(o)['resourceVersion']) }) as object), apiVersion: `meta.k8s.io/${table}` } : o;
      return `${JSON.stringify({ type, object })}\n`;
    };
    const inScope = (o: JsonObject) => (!rt.namespaced || !p.namespace || meta(o)['namespace'] === p.namespace) && (!p.name || meta(o)['name'] === p.name) && match(o);
    const ct = table ? `application/json;as=Table;v=${table};g=meta.k8s.io` : JSON_CT;
    let from: number;
    let lines = '';
    if (rvParam === '' || rvParam === '0') {
      from = store.currentRevision;
      for (const o of this.engine.list(rt, rt.namespaced ? p.namespace : undefined)) if (inScope(o)) lines += encode('ADDED', o);
    } else {
      from = Number(rvParam);
      if (!Number.isInteger(from)) throw badRequest(`resourceVersion: Invalid value: "${rvParam}": must be a valid resource version`);
      if (from < store.compactedRevision) {
        const e = expired(`too old resource version: ${from} (${store.compactedRevision})`);
        return { status: 200, headers: { 'content-type': ct }, body: `${JSON.stringify({ type: 'ERROR', object: e.toStatus() })}\n` };
      }
    }
    const collect = (): string => {
      let out = '';
      for (const ev of store.events(rt.plural, from)) if (inScope(ev.object)) out += encode(ev.type, ev.object);
      return out;
    };
    lines += collect();
    if (!lines) {
      const timeoutMs = Math.min((Number(q.get('timeoutSeconds')) || 1800) * 1000, this.opts.watchHoldMs ?? 1100);
      lines = await new Promise<string>((resolve) => {
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          off();
          clearTimeout(timer);
          resolve(collect());
        };
        const off = store.onChange(() => setImmediate(() => (collect() ? finish() : undefined)));
        const timer = setTimeout(finish, timeoutMs);
      });
    }
    return { status: 200, headers: { 'content-type': ct, 'cache-control': 'no-cache, private' }, body: lines };
  }

  private createOne(req: LabRequest, p: ParsedPath): LabResponse {
    this.acceptCheck(req);
    const rt = p.rt!;
    const body = this.decodeBody(req, rt);
    const ns = rt.namespaced ? p.namespace : undefined;
    if (rt.namespaced && !ns) throw notFoundPath();
    const obj = this.engine.create(rt, ns, body, this.ctx(req));
    return this.render(req, rt, obj, 201);
  }

  private updateOne(req: LabRequest, p: ParsedPath): LabResponse {
    this.acceptCheck(req);
    const rt = p.rt!;
    const body = this.decodeBody(req, rt);
    const extra: Partial<WriteContext> = {};
    if (p.subresource) extra.subresource = p.subresource;
    const obj = this.engine.update(rt, rt.namespaced ? p.namespace : undefined, p.name!, body, this.ctx(req, extra));
    return this.render(req, rt, obj);
  }

  private patchOne(req: LabRequest, p: ParsedPath): LabResponse {
    this.acceptCheck(req);
    const rt = p.rt!;
    const ct = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (!PATCH_TYPES.includes(ct)) throw unsupportedMediaType(PATCH_TYPES);
    const ns = rt.namespaced ? p.namespace : undefined;
    const text = req.body.toString('utf8');
    if (ct === 'application/apply-patch+yaml') {
      const fm = req.url.searchParams.get('fieldManager');
      if (!fm) throw invalid({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', [{ type: 'FieldValueRequired', field: 'fieldManager', detail: 'is required for apply patch' }]);
      if (p.subresource) throw badRequest('server-side apply to a subresource is not supported by the lab');
      const config = parseYaml(text);
      if (!isObject(config)) throw badRequest('the apply patch is not an object');
      if (config['apiVersion'] !== apiVersionOf(rt) || config['kind'] !== rt.kind) {
        throw badRequest(`the API version in the data (${String(config['apiVersion'])}) does not match the expected API version (${apiVersionOf(rt)})`);
      }
      const force = ['true', '1'].includes(req.url.searchParams.get('force') ?? '');
      const { object, created } = this.engine.apply(rt, ns, p.name!, config, { ...this.ctx(req), force });
      return this.render(req, rt, object, created ? 201 : 200);
    }
    let patch: Json;
    try {
      patch = JSON.parse(text) as Json;
    } catch (e) {
      throw badRequest(`error decoding patch: ${(e as Error).message}`);
    }
    const extra: Partial<WriteContext> = {};
    if (p.subresource) extra.subresource = p.subresource;
    const obj = this.engine.patch(rt, ns, p.name!, ct, patch, this.ctx(req, extra));
    return this.render(req, rt, obj);
  }

  private deleteOptions(req: LabRequest): DeleteOptions {
    const o: DeleteOptions = {};
    let body: JsonObject = {};
    if (req.body.length) body = this.decodeBody(req);
    const q = req.url.searchParams;
    const pp = (body['propagationPolicy'] as string | undefined) ?? q.get('propagationPolicy') ?? undefined;
    if (pp !== undefined) {
      if (!['Background', 'Foreground', 'Orphan'].includes(pp)) throw badRequest(`propagationPolicy: Unsupported value: "${pp}": supported values: "Foreground", "Background", "Orphan"`);
      o.propagationPolicy = pp as DeleteOptions['propagationPolicy'] & string;
    }
    const orphan = body['orphanDependents'] ?? (q.get('orphanDependents') !== null ? q.get('orphanDependents') === 'true' : undefined);
    if (typeof orphan === 'boolean') o.orphanDependents = orphan;
    const grace = body['gracePeriodSeconds'] ?? (q.get('gracePeriodSeconds') !== null ? Number(q.get('gracePeriodSeconds')) : undefined);
    if (typeof grace === 'number') o.gracePeriodSeconds = grace;
    if (isObject(body['preconditions'])) {
      const pc = body['preconditions'];
      o.preconditions = {};
      if (typeof pc['uid'] === 'string') o.preconditions.uid = pc['uid'];
      if (typeof pc['resourceVersion'] === 'string') o.preconditions.resourceVersion = pc['resourceVersion'];
    }
    const dry = Array.isArray(body['dryRun']) ? (body['dryRun'] as string[]) : q.getAll('dryRun');
    if (dry.includes('All')) o.dryRun = true;
    return o;
  }

  private deleteOne(req: LabRequest, p: ParsedPath): LabResponse {
    this.acceptCheck(req);
    const rt = p.rt!;
    const opts = this.deleteOptions(req);
    const gone = this.engine.delete(rt, rt.namespaced ? p.namespace : undefined, p.name!, opts, this.ctx(req));
    // Pods (graceful deletion) and namespaces (finalizers) come back as the object; others as a Status.
    if (rt.kind === 'Pod' || rt.kind === 'Namespace') return this.json(200, gone);
    const details: JsonObject = { name: p.name! };
    if (rt.group) details['group'] = rt.group;
    details['kind'] = rt.plural;
    details['uid'] = meta(gone)['uid']!;
    return this.json(200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details });
  }

  private deleteCollection(req: LabRequest, p: ParsedPath): LabResponse {
    const rt = p.rt!;
    if (!rt.verbs.includes('deletecollection')) throw methodNotAllowed();
    const match = this.selectors(req, rt);
    const opts = this.deleteOptions(req);
    const ctx = this.ctx(req);
    const items: JsonObject[] = [];
    for (const o of this.engine.list(rt, rt.namespaced ? p.namespace : undefined)) {
      if (!match(o)) continue;
      const gone = this.engine.delete(rt, rt.namespaced ? String(meta(o)['namespace']) : undefined, String(meta(o)['name']), opts, ctx);
      const { apiVersion: _a, kind: _k, ...rest } = gone;
      items.push(rest);
    }
    return this.json(200, { kind: rt.listKind, apiVersion: apiVersionOf(rt), metadata: { resourceVersion: String(this.engine.store.currentRevision) }, items });
  }

  private scaleSub(req: LabRequest, p: ParsedPath, verb: string): LabResponse {
    const rt = p.rt!;
    const ns = p.namespace!;
    if (verb === 'get') return this.json(200, this.engine.scale(rt, ns, p.name!));
    if (verb === 'update') return this.json(200, this.engine.setScale(rt, ns, p.name!, this.decodeBody(req), this.ctx(req)));
    if (verb === 'patch') {
      const ct = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (!PATCH_TYPES.slice(0, 3).includes(ct)) throw unsupportedMediaType(PATCH_TYPES.slice(0, 3));
      const cur = this.engine.scale(rt, ns, p.name!);
      let patch: Json;
      try {
        patch = JSON.parse(req.body.toString('utf8')) as Json;
      } catch (e) {
        throw badRequest(`error decoding patch: ${(e as Error).message}`);
      }
      let next: Json;
      try {
        next = ct === 'application/json-patch+json' ? applyJsonPatch(cur, patch) : mergePatch(cur, patch);
      } catch (e) {
        if (e instanceof PatchError) throw e.status === 400 ? badRequest(e.message) : new KubeError(422, 'Invalid', e.message, {});
        throw e;
      }
      if (!isObject(next)) throw badRequest('the patch did not produce an object');
      return this.json(200, this.engine.setScale(rt, ns, p.name!, next, this.ctx(req)));
    }
    throw methodNotAllowed();
  }

  // --- subresources with their own kinds -------------------------------------------------------

  private async tokenRequest(req: LabRequest, p: ParsedPath): Promise<LabResponse> {
    this.acceptCheck(req);
    const body = this.decodeBody(req);
    if (body['kind'] !== undefined && body['kind'] !== 'TokenRequest') throw badRequest(`the kind in the data (${String(body['kind'])}) does not match the expected kind (TokenRequest)`);
    const warnings: string[] = [];
    const out = await this.engine.requestToken(p.namespace!, p.name!, body, warnings);
    const headers: Record<string, string> = {};
    if (warnings.length) headers['warning'] = warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ');
    return this.json(201, out, JSON_CT, headers);
  }

  private review(req: LabRequest, rt: ResourceType, user: KubeUser): LabResponse {
    const body = this.decodeBody(req);
    const spec = isObject(body['spec']) ? body['spec'] : {};
    const base = { kind: rt.kind, apiVersion: apiVersionOf(rt), metadata: { creationTimestamp: null } };
    switch (rt.kind) {
      case 'SelfSubjectAccessReview': {
        const ra = isObject(spec['resourceAttributes']) ? spec['resourceAttributes'] : undefined;
        const nra = isObject(spec['nonResourceAttributes']) ? spec['nonResourceAttributes'] : undefined;
        let allowed: boolean;
        if (ra) {
          const a: ResourceAttributes = { verb: String(ra['verb'] ?? ''), group: String(ra['group'] ?? ''), resource: String(ra['resource'] ?? '') };
          if (ra['subresource']) a.subresource = String(ra['subresource']);
          if (ra['namespace']) a.namespace = String(ra['namespace']);
          if (ra['name']) a.name = String(ra['name']);
          allowed = authorizeResource(user, a);
        } else if (nra) allowed = authorizeNonResource(user, String(nra['verb'] ?? ''), String(nra['path'] ?? ''));
        else throw invalid(reviewKind(rt), '', [{ type: 'FieldValueRequired', field: 'spec.resourceAttributes', detail: 'exactly one of nonResourceAttributes or resourceAttributes must be specified' }]);
        return this.json(201, { ...base, spec, status: allowed ? { allowed: true } : { allowed: false } });
      }
      case 'SelfSubjectRulesReview': {
        const ns = String(spec['namespace'] ?? '');
        if (!ns) throw invalid(reviewKind(rt), '', [{ type: 'FieldValueRequired', field: 'spec.namespace' }]);
        const r = rulesIn(user, ns);
        return this.json(201, { ...base, spec, status: { resourceRules: r.resourceRules.map(({ namespaces: _n, ...x }) => x), nonResourceRules: r.nonResourceRules, incomplete: false } });
      }
      case 'SelfSubjectReview':
        return this.json(201, { ...base, status: { userInfo: { username: user.name, uid: user.uid, groups: user.groups } } });
      case 'TokenReview': {
        const token = String(spec['token'] ?? '');
        const u = this.users.get(token);
        const status = u ? { authenticated: true, user: { username: u.name, uid: u.uid, groups: u.groups }, audiences: this.engine.apiAudiences } : { user: {}, error: '[invalid bearer token, token lookup failed]' };
        return this.json(201, { ...base, spec, status });
      }
      default:
        throw methodNotAllowed();
    }
  }

  /** `rfc3339` of the lab clock, for callers composing objects. */
  timestamp(): string {
    return rfc3339(this.engine.now());
  }
}

const COMMA = Buffer.from(',');
const LIST_END = Buffer.from(']}');
/** A stored (deep-frozen, never modified) object's UTF-8 JSON as a list item: without apiVersion and kind. */
const itemTexts = new WeakMap<JsonObject, Buffer>();
function itemJson(o: JsonObject): Buffer {
  let t = itemTexts.get(o);
  if (t === undefined) {
    const { apiVersion: _a, kind: _k, ...rest } = o;
    t = Buffer.from(JSON.stringify(rest));
    if (Object.isFrozen(o)) itemTexts.set(o, t);
  }
  return t;
}

/** JSON with sorted keys, as Go marshals the maps kubectl writes into last-applied-configuration. */
function sortedJson(v: Json): string {
  const sort = (x: Json): Json => (Array.isArray(x) ? x.map(sort) : isObject(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, sort(x[k]!)])) : x);
  return JSON.stringify(sort(v));
}

function parseYaml(text: string): unknown {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  const first = list[0];
  if (!first) throw badRequest('the request body is empty');
  if (first.errors.length) throw badRequest(`error converting YAML to JSON: ${first.errors[0]!.message}`);
  return first.toJS();
}

/** The API server's continue token: base64 of {"v":"meta.k8s.io/v1","rv":N,"start":"key"}. */
export function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64');
}

function decodeContinue(token: string): { rv: number; start: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch (e) {
    throw badRequest(`continue key is not valid: ${(e as Error).message}`);
  }
  if (!isObject(parsed) || parsed['v'] !== 'meta.k8s.io/v1') throw badRequest('continue key is not valid: server does not recognize this encoded key');
  const rv = parsed['rv'];
  const start = parsed['start'];
  if (typeof rv !== 'number' || rv === 0 || typeof start !== 'string' || start === '') throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  return { rv, start };
}

