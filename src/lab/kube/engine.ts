// The Kubernetes API's storage semantics, in process: create/update/patch/delete with
// defaulting, admission, validation, resourceVersion preconditions, generation, managedFields
// and owner-reference garbage collection; list with selectors and consistent pagination; the
// TokenRequest subresource. The HTTP layer (api.ts) and the controllers (controller.ts) both go
// through here, so a seeded object and one created by kubectl are indistinguishable.

import { createHash } from 'node:crypto';
import type { Clock, TokenSigner, TokenRequestSpec } from '../types.js';
import { seededRandom } from '../http.js';
import { serviceAccountAdmission, webhookAdmission, type CacheMissLedger, type WebhookDecision, type WebhookSwitches } from './admission.js';
import { applyDefaults, defaultPodSpec } from './defaults.js';
import {
  KubeError,
  MODIFIED,
  admissionForbidden,
  alreadyExists,
  badRequest,
  conflict,
  invalid,
  notFound,
  type FieldError,
} from './errors.js';
import { changedFields, fieldSetOf, intersect, rfc3339, subtract, union, updateManagedFields, type FieldSet, type ManagedFieldsEntry } from './managed-fields.js';
import { applyJsonPatch, isObject, mergePatch, schemaFor, strategicMergePatch, PatchError, type Json, type JsonObject } from './patch.js';
import { apiVersionOf, resourceByPlural, RESOURCES, type ResourceType } from './resources.js';
import { StoreIndex, type ObjectRef } from './indexes.js';
import { jsonEqual } from './json-equal.js';
import { ObjectStore, objectKey, type ListPage, type PageQuery } from './store.js';

export const CONTROLLER_MANAGER = 'kube-controller-manager';
export const KUBELET = 'kubelet';
export const SCHEDULER = 'kube-scheduler';

/** Kinds whose metadata.generation tracks spec changes. */
const GENERATION_KINDS = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob']);
/** Kinds with a status subresource: the main resource ignores status writes. */
const STATUS_KINDS = new Set(['Pod', 'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Namespace', 'Node']);

export interface WriteContext {
  manager: string;
  /** Controllers' own writes: no reconcile afterwards (the loop is already running). */
  internal?: boolean;
  dryRun?: boolean;
  subresource?: string;
  /** The object's apiVersion for managedFields (defaults to the resource's). */
  apiVersion?: string;
  /** Writes the field manager does not record (pods/binding). */
  untracked?: boolean;
}

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  orphanDependents?: boolean;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface NodeSpec {
  name: string;
  internalIP: string;
  labels?: Record<string, string>;
}

export interface EngineOptions {
  clock: Clock;
  signer?: TokenSigner;
  /** Seeds generated names and uids: the same seed and calls give the same names. */
  seed?: number;
  region?: string;
  /** Kubernetes minor version, `1.32`. */
  kubernetesVersion?: string;
  /** Lab worker nodes (default one). */
  nodes?: number | NodeSpec[];
  webhook?: Partial<WebhookSwitches>;
  /** The API server's --api-audiences (TokenRequest's default audience). */
  apiAudiences?: string[];
  /** --service-account-max-token-expiration, seconds (0: none). */
  maxTokenExpirationSeconds?: number;
  /** The cluster CA, published in every namespace as ConfigMap kube-root-ca.crt. */
  caPem?: string;
}

export interface PodAdmissionRecord {
  namespace: string;
  pod: string;
  serviceAccount: string;
  decision: WebhookDecision;
  at: string;
}

const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function meta(o: JsonObject): JsonObject {
  let m = o['metadata'];
  if (!isObject(m)) {
    m = {};
    o['metadata'] = m;
  }
  return m;
}

export function labelsOf(o: JsonObject): Record<string, string> {
  const l = meta(o)['labels'];
  return isObject(l) ? (l as Record<string, string>) : {};
}

export function annotationsOf(o: JsonObject): Record<string, string> {
  const a = meta(o)['annotations'];
  return isObject(a) ? (a as Record<string, string>) : {};
}

const equalJson = jsonEqual;

/** kubectl-style `Kind.group`: metav1 Status details for TokenRequest errors. */
const TOKEN_REQUEST = { group: 'authentication.k8s.io', kind: 'TokenRequest' };

/** Resources' positions in RESOURCES: the order the garbage collector and orphaning walk them. */
const RESOURCE_ORDER = new Map(RESOURCES.map((r, i) => [r.plural, i]));

/** Sorts object references like a walk of RESOURCES, each resource's keys in order. */
export function inResourceOrder(refs: ObjectRef[]): ObjectRef[] {
  return refs.sort((a, b) => (RESOURCE_ORDER.get(a.resource) ?? 99) - (RESOURCE_ORDER.get(b.resource) ?? 99) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export class KubeEngine {
  readonly store = new ObjectStore();
  /** Owner, uid, node and event indexes over the store (see indexes.ts). */
  readonly index = new StoreIndex(this.store);
  readonly clock: Clock;
  signer: TokenSigner | undefined;
  readonly region: string;
  readonly kubernetesVersion: string;
  webhook: WebhookSwitches;
  apiAudiences: string[];
  maxTokenExpirationSeconds: number;
  readonly caPem: string | undefined;
  /** The webhook's decision for every pod admitted, for tests and the lab's guide. */
  readonly admissions: PodAdmissionRecord[] = [];
  /** Counts writes to anything but events: the controller loop runs until it stops moving. */
  changes = 0;
  private readonly random: () => number;
  private readonly cacheMiss: CacheMissLedger = new Map();
  /** Service accounts' creation times with milliseconds (creationTimestamp has seconds). */
  private readonly saCreatedMs = new Map<string, number>();
  private podIpCounter = 0;
  private reconciling = false;
  reconciler: ((e: KubeEngine) => void) | undefined;

  constructor(opts: EngineOptions) {
    this.clock = opts.clock;
    this.signer = opts.signer;
    this.random = seededRandom(opts.seed ?? 20240601);
    this.region = opts.region ?? 'us-east-1';
    const v = /^v?(\d+)\.(\d+)/.exec(opts.kubernetesVersion ?? '1.32');
    this.kubernetesVersion = v ? `${v[1]}.${v[2]}` : '1.32';
    this.webhook = { enabled: true, defaultRegion: this.region, regionalStsDefault: true, ...opts.webhook };
    this.apiAudiences = opts.apiAudiences ?? ['https://kubernetes.default.svc'];
    this.maxTokenExpirationSeconds = opts.maxTokenExpirationSeconds ?? 0;
    this.caPem = opts.caPem;
    const system = { manager: 'kube-apiserver', internal: true };
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) this.create(resourceByPlural('namespaces'), undefined, { metadata: { name: ns } }, system);
    const nodes = typeof opts.nodes === 'number' || opts.nodes === undefined ? this.defaultNodes(opts.nodes ?? 1) : opts.nodes;
    for (const n of nodes) this.addNode(n);
  }

  // --- small utilities ----------------------------------------------------------------------

  now(): Date {
    return this.clock.now();
  }

  timestamp(): string {
    return rfc3339(this.now());
  }

  randomSuffix(n = 5): string {
    let s = '';
    for (let i = 0; i < n; i++) s += NAME_ALPHABET[Math.floor(this.random() * NAME_ALPHABET.length)];
    return s;
  }

  uid(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(this.random() * 16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[Math.floor(this.random() * 4)]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  hex(n: number): string {
    return Array.from({ length: n }, () => Math.floor(this.random() * 16).toString(16)).join('');
  }

  private defaultNodes(n: number): NodeSpec[] {
    return Array.from({ length: n }, (_, i) => {
      const ip = `192.168.${(i * 37 + 12) % 256}.${(i * 53 + 34) % 254 + 1}`;
      return { name: `ip-${ip.replace(/\./g, '-')}.${this.region === 'us-east-1' ? 'ec2' : `${this.region}.compute`}.internal`, internalIP: ip };
    });
  }

  addNode(n: NodeSpec): JsonObject {
    const zone = `${this.region}${'abc'[this.store.count('nodes') % 3]}`;
    const ts = this.timestamp();
    const node: JsonObject = {
      metadata: {
        name: n.name,
        labels: {
          'beta.kubernetes.io/arch': 'amd64',
          'beta.kubernetes.io/instance-type': 'm5.large',
          'beta.kubernetes.io/os': 'linux',
          'eks.amazonaws.com/capacityType': 'ON_DEMAND',
          'eks.amazonaws.com/nodegroup': 'lab-nodes',
          'failure-domain.beta.kubernetes.io/region': this.region,
          'failure-domain.beta.kubernetes.io/zone': zone,
          'kubernetes.io/arch': 'amd64',
          'kubernetes.io/hostname': n.name,
          'kubernetes.io/os': 'linux',
          'node.kubernetes.io/instance-type': 'm5.large',
          'topology.kubernetes.io/region': this.region,
          'topology.kubernetes.io/zone': zone,
          ...n.labels,
        },
        annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
      },
      spec: { providerID: `aws:///${zone}/i-0${this.hex(16)}` },
      status: {
        addresses: [
          { type: 'InternalIP', address: n.internalIP },
          { type: 'InternalDNS', address: n.name },
          { type: 'Hostname', address: n.name },
        ],
        allocatable: { cpu: '1930m', 'ephemeral-storage': '76224326324', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '7220152Ki', pods: '29' },
        capacity: { cpu: '2', 'ephemeral-storage': '83873772Ki', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '7910328Ki', pods: '29' },
        conditions: [
          { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: ts, lastTransitionTime: ts, reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
          { type: 'DiskPressure', status: 'False', lastHeartbeatTime: ts, lastTransitionTime: ts, reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
          { type: 'PIDPressure', status: 'False', lastHeartbeatTime: ts, lastTransitionTime: ts, reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
          { type: 'Ready', status: 'True', lastHeartbeatTime: ts, lastTransitionTime: ts, reason: 'KubeletReady', message: 'kubelet is posting ready status' },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          architecture: 'amd64',
          bootID: this.uid(),
          containerRuntimeVersion: 'containerd://1.7.25',
          kernelVersion: '6.1.128-136.201.amzn2023.x86_64',
          kubeProxyVersion: `v${this.kubernetesVersion}.0-eks-5598f0b`,
          kubeletVersion: `v${this.kubernetesVersion}.0-eks-5598f0b`,
          machineID: this.hex(32),
          operatingSystem: 'linux',
          osImage: 'Amazon Linux 2023.6.20250218',
          systemUUID: this.uid(),
        },
      },
    };
    return this.create(resourceByPlural('nodes'), undefined, node, { manager: KUBELET, internal: true });
  }

  // --- reads ----------------------------------------------------------------------------------
  // Reads return the store's frozen objects: read them freely, structuredClone them to modify.

  get(rt: ResourceType, namespace: string | undefined, name: string): JsonObject | undefined {
    return this.store.get(rt.plural, objectKey(rt.namespaced ? namespace : undefined, name));
  }

  /** The object an index reference points at (frozen). */
  deref(ref: ObjectRef): JsonObject | undefined {
    return this.store.get(ref.resource, ref.key);
  }

  mustGet(rt: ResourceType, namespace: string | undefined, name: string): JsonObject {
    const o = this.get(rt, namespace, name);
    if (!o) throw notFound(rt, name);
    return o;
  }

  /** Objects of a resource (frozen), in one namespace or all, at a revision (default latest), in key order. */
  list(rt: ResourceType, namespace?: string, at?: number): JsonObject[] {
    return this.store.list(rt.plural, at, namespace && rt.namespaced ? `${namespace}/` : undefined).map((x) => x.obj);
  }

  /** A page of a list (see ObjectStore.page), in one namespace or all. */
  listPage(rt: ResourceType, namespace: string | undefined, q: Omit<PageQuery, 'prefix'>): ListPage {
    return this.store.page(rt.plural, namespace && rt.namespaced ? { ...q, prefix: `${namespace}/` } : q);
  }

  private requireNamespace(ns: string): void {
    if (!this.get(resourceByPlural('namespaces'), undefined, ns)) throw notFound(resourceByPlural('namespaces'), ns);
  }

  // --- create ---------------------------------------------------------------------------------

  create(rt: ResourceType, namespace: string | undefined, body: JsonObject, ctx: WriteContext): JsonObject {
    const o = structuredClone(body);
    const av = apiVersionOf(rt);
    if (o['kind'] !== undefined && o['kind'] !== rt.kind) throw badRequest(`the API version in the data (${String(o['apiVersion'])}) does not match the expected API version (${av})`);
    o['apiVersion'] = av;
    o['kind'] = rt.kind;
    let m = meta(o);
    if (rt.namespaced) {
      if (!namespace) throw badRequest('the server could not find the requested resource');
      if (m['namespace'] !== undefined && m['namespace'] !== '' && m['namespace'] !== namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      m['namespace'] = namespace;
      if (rt.plural !== 'namespaces') this.requireNamespace(namespace);
    } else delete m['namespace'];
    for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink', 'generation']) delete m[k];
    const providedManaged = Array.isArray(m['managedFields']) ? m['managedFields'] : undefined;
    delete m['managedFields'];
    // Admission names an object without a name yet by its generateName (admission.NewForbidden).
    let admissionName = String(m['name'] ?? '');
    if (typeof m['name'] !== 'string' || m['name'] === '') {
      admissionName = String(m['generateName'] ?? '');
      if (typeof m['generateName'] === 'string' && m['generateName']) m['name'] = `${m['generateName']}${this.randomSuffix()}`;
      else throw invalid(rt, '', [{ type: 'FieldValueRequired', field: 'metadata.name', detail: 'name or generateName is required' }]);
    }
    const name = m['name'] as string;
    if (this.get(rt, namespace, name)) throw alreadyExists(rt, name);
    m['uid'] = this.uid();
    this.prepareForCreate(rt, o);
    applyDefaults(rt.kind, o);
    let decision: WebhookDecision | undefined;
    if (rt.kind === 'Pod') decision = this.admitPod(rt, o, admissionName);
    const errs = this.validate(rt, o, undefined);
    if (errs.length) throw invalid(rt, name, errs);
    m = meta(o); // admission may have replaced the object
    m['creationTimestamp'] = this.timestamp();
    if (GENERATION_KINDS.has(rt.kind)) m['generation'] = 1;
    const now = this.now();
    m['managedFields'] = updateManagedFields([], undefined, o, schemaFor(rt.kind), { manager: ctx.manager, operation: 'Update', apiVersion: ctx.apiVersion ?? av, time: now }) as unknown as Json;
    if (providedManaged && providedManaged.length === 0) delete m['managedFields'];
    if (!(m['managedFields'] as unknown[] | undefined)?.length) delete m['managedFields'];
    if (ctx.dryRun) return o;
    const stored = this.store.put(rt.plural, objectKey(rt.namespaced ? namespace : undefined, name), o);
    if (rt.plural !== 'events') this.changes++;
    if (rt.kind === 'ServiceAccount') this.saCreatedMs.set(String(m['uid']), now.getTime());
    if (decision) this.admissions.push({ namespace: namespace ?? '', pod: name, serviceAccount: String((o['spec'] as JsonObject)['serviceAccountName']), decision, at: rfc3339(now) });
    if (!ctx.internal) this.reconcile();
    return stored;
  }

  private prepareForCreate(rt: ResourceType, o: JsonObject): void {
    const m = meta(o);
    switch (rt.kind) {
      case 'Pod':
        o['status'] = { phase: 'Pending' };
        break;
      case 'Namespace':
        o['status'] = { phase: 'Active' };
        m['labels'] = { ...labelsOf(o), 'kubernetes.io/metadata.name': String(m['name']) };
        break;
      case 'Node':
        break;
      case 'Job': {
        o['status'] = {};
        const spec = isObject(o['spec']) ? o['spec'] : (o['spec'] = {});
        if (spec['manualSelector'] !== true) {
          const uid = String(m['uid']);
          const sel = { 'batch.kubernetes.io/controller-uid': uid };
          spec['selector'] = { matchLabels: sel };
          const t = isObject(spec['template']) ? spec['template'] : (spec['template'] = {});
          const tm = isObject(t['metadata']) ? t['metadata'] : (t['metadata'] = {});
          tm['labels'] = {
            ...(isObject(tm['labels']) ? tm['labels'] : {}),
            'batch.kubernetes.io/controller-uid': uid,
            'batch.kubernetes.io/job-name': String(m['name']),
            'controller-uid': uid,
            'job-name': String(m['name']),
          };
        }
        break;
      }
      default:
        if (STATUS_KINDS.has(rt.kind)) o['status'] = {};
    }
  }

  /** ServiceAccount admission, then the pod identity webhook, then defaults again. */
  private admitPod(rt: ResourceType, pod: JsonObject, admissionName: string): WebhookDecision {
    const m = meta(pod);
    const spec = pod['spec'] as JsonObject;
    const saName = typeof spec['serviceAccountName'] === 'string' && spec['serviceAccountName'] ? spec['serviceAccountName'] : 'default';
    const sa = this.get(resourceByPlural('serviceaccounts'), String(m['namespace']), saName);
    const err = serviceAccountAdmission(pod, sa, () => this.randomSuffix());
    if (err) throw admissionForbidden(rt, admissionName, err);
    const saUid = sa ? String(meta(sa)['uid']) : '';
    const { pod: mutated, decision } = webhookAdmission(pod, sa, this.saCreatedMs.get(saUid), this.now().getTime(), this.webhook, this.cacheMiss);
    if (mutated !== pod) {
      for (const k of Object.keys(pod)) delete pod[k];
      Object.assign(pod, mutated);
    }
    defaultPodSpec(pod['spec'] as JsonObject);
    // Priority and DefaultTolerationSeconds admission.
    const s = pod['spec'] as JsonObject;
    if (s['priority'] === undefined) s['priority'] = 0;
    if (s['preemptionPolicy'] === undefined) s['preemptionPolicy'] = 'PreemptLowerPriority';
    const tolerations = Array.isArray(s['tolerations']) ? (s['tolerations'] as JsonObject[]) : [];
    for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
      if (!tolerations.some((t) => t['key'] === key || (t['operator'] === 'Exists' && t['key'] === undefined))) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
    }
    s['tolerations'] = tolerations;
    (pod['status'] as JsonObject)['qosClass'] = qosClass(s);
    return decision;
  }

  // --- validation -----------------------------------------------------------------------------

  private validate(rt: ResourceType, o: JsonObject, old: JsonObject | undefined): FieldError[] {
    const errs: FieldError[] = [];
    const m = meta(o);
    const name = String(m['name']);
    const nameRe = rt.kind === 'Namespace' || rt.kind === 'ServiceAccount' ? (rt.kind === 'Namespace' ? DNS1123_LABEL : DNS1123_SUBDOMAIN) : DNS1123_SUBDOMAIN;
    if (!old && (!nameRe.test(name) || name.length > (rt.kind === 'Namespace' ? 63 : 253))) {
      errs.push({
        type: 'FieldValueInvalid',
        field: 'metadata.name',
        value: name,
        detail:
          nameRe === DNS1123_LABEL
            ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
            : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      });
    }
    const checkPodSpec = (spec: unknown, path: string, restartPolicies?: string[]): void => {
      if (!isObject(spec)) {
        errs.push({ type: 'FieldValueRequired', field: path });
        return;
      }
      const cs = spec['containers'];
      if (!Array.isArray(cs) || cs.length === 0) errs.push({ type: 'FieldValueRequired', field: `${path}.containers` });
      else
        cs.forEach((c, i) => {
          if (!isObject(c) || typeof c['name'] !== 'string' || !c['name']) errs.push({ type: 'FieldValueRequired', field: `${path}.containers[${i}].name` });
          if (!isObject(c) || typeof c['image'] !== 'string' || !c['image']) errs.push({ type: 'FieldValueRequired', field: `${path}.containers[${i}].image` });
        });
      if (restartPolicies && !restartPolicies.includes(String(spec['restartPolicy']))) {
        errs.push({ type: 'FieldValueNotSupported', field: `${path}.restartPolicy`, value: spec['restartPolicy'], detail: `supported values: ${restartPolicies.map((p) => JSON.stringify(p)).join(', ')}` });
      }
    };
    const checkSelector = (spec: JsonObject, path: string): void => {
      const sel = spec['selector'];
      const tl = isObject(spec['template']) && isObject((spec['template'] as JsonObject)['metadata']) ? ((spec['template'] as JsonObject)['metadata'] as JsonObject)['labels'] : undefined;
      if (!isObject(sel)) {
        errs.push({ type: 'FieldValueRequired', field: `${path}.selector` });
        return;
      }
      const ml = isObject(sel['matchLabels']) ? (sel['matchLabels'] as Record<string, string>) : {};
      const labels = isObject(tl) ? (tl as Record<string, string>) : {};
      if (Object.keys(ml).length === 0 && !(Array.isArray(sel['matchExpressions']) && sel['matchExpressions'].length)) {
        errs.push({ type: 'FieldValueInvalid', field: `${path}.selector`, value: sel, detail: 'empty selector is invalid for deployment' });
      } else if (Object.entries(ml).some(([k, v]) => labels[k] !== v)) {
        errs.push({ type: 'FieldValueInvalid', field: `${path}.template.metadata.labels`, value: labels, detail: '`selector` does not match template `labels`' });
      }
      if (old && isObject(old['spec']) && !equalJson((old['spec'] as JsonObject)['selector'], sel)) {
        errs.push({ type: 'FieldValueInvalid', field: `${path}.selector`, value: sel, detail: 'field is immutable' });
      }
    };
    const spec = isObject(o['spec']) ? o['spec'] : {};
    switch (rt.kind) {
      case 'Pod':
        checkPodSpec(o['spec'], 'spec');
        // A status write shares the stored spec: nothing to compare.
        if (old && old['spec'] !== o['spec']) {
          const a = structuredClone(old['spec']) as JsonObject;
          const b = structuredClone(o['spec']) as JsonObject;
          for (const x of [a, b]) {
            for (const c of [...((x['containers'] as JsonObject[]) ?? []), ...((x['initContainers'] as JsonObject[]) ?? [])]) delete c['image'];
            delete x['activeDeadlineSeconds'];
            delete x['tolerations'];
            delete x['terminationGracePeriodSeconds'];
          }
          if (!(old['spec'] as JsonObject)['nodeName']) {
            delete a['nodeName'];
            delete b['nodeName'];
          }
          if (!equalJson(a, b)) {
            errs.push({
              type: 'FieldValueForbidden',
              field: 'spec',
              detail:
                'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
            });
          }
        }
        break;
      case 'Deployment':
      case 'ReplicaSet':
      case 'StatefulSet':
      case 'DaemonSet':
        checkSelector(spec, 'spec');
        checkPodSpec(isObject(spec['template']) ? spec['template']['spec'] : undefined, 'spec.template.spec', rt.kind === 'DaemonSet' || rt.kind === 'StatefulSet' || rt.kind === 'Deployment' || rt.kind === 'ReplicaSet' ? ['Always'] : undefined);
        if (typeof spec['replicas'] === 'number' && spec['replicas'] < 0) errs.push({ type: 'FieldValueInvalid', field: 'spec.replicas', value: spec['replicas'], detail: 'must be greater than or equal to 0' });
        break;
      case 'Job':
        checkPodSpec(isObject(spec['template']) ? spec['template']['spec'] : undefined, 'spec.template.spec', ['OnFailure', 'Never']);
        if (old && isObject(old['spec']) && !equalJson((old['spec'] as JsonObject)['template'], spec['template'])) {
          errs.push({ type: 'FieldValueInvalid', field: 'spec.template', value: '', detail: 'field is immutable' });
        }
        break;
      case 'CronJob': {
        if (typeof spec['schedule'] !== 'string' || !spec['schedule']) errs.push({ type: 'FieldValueRequired', field: 'spec.schedule' });
        const jt = isObject(spec['jobTemplate']) ? spec['jobTemplate'] : {};
        const js = isObject(jt['spec']) ? jt['spec'] : {};
        checkPodSpec(isObject(js['template']) ? js['template']['spec'] : undefined, 'spec.jobTemplate.spec.template.spec', ['OnFailure', 'Never']);
        break;
      }
    }
    return errs;
  }

  // --- update / patch -------------------------------------------------------------------------

  /** PUT: replace the object (or its status). A stale metadata.resourceVersion is a 409. */
  update(rt: ResourceType, namespace: string | undefined, name: string, body: JsonObject, ctx: WriteContext): JsonObject {
    const cur = this.mustGet(rt, namespace, name);
    const bm = isObject(body['metadata']) ? body['metadata'] : {};
    if (bm['name'] !== undefined && bm['name'] !== name) throw badRequest(`the name of the object (${String(bm['name'])}) does not match the name on the URL (${name})`);
    if (bm['resourceVersion'] !== undefined && bm['resourceVersion'] !== '' && bm['resourceVersion'] !== meta(cur)['resourceVersion']) throw conflict(rt, name, MODIFIED);
    if (bm['uid'] !== undefined && bm['uid'] !== '' && bm['uid'] !== meta(cur)['uid']) {
      throw conflict(rt, name, `Precondition failed: UID in precondition: ${String(bm['uid'])}, UID in object meta: ${String(meta(cur)['uid'])}`);
    }
    return this.commit(rt, cur, this.mergeForUpdate(rt, cur, body, ctx.subresource), ctx);
  }

  patch(rt: ResourceType, namespace: string | undefined, name: string, patchType: string, patchBody: Json, ctx: WriteContext): JsonObject {
    const cur = this.mustGet(rt, namespace, name);
    let patched: Json;
    try {
      if (patchType === 'application/json-patch+json') patched = applyJsonPatch(cur, patchBody);
      else if (patchType === 'application/merge-patch+json') patched = mergePatch(cur, patchBody);
      else if (patchType === 'application/strategic-merge-patch+json') patched = strategicMergePatch(cur, patchBody, schemaFor(rt.kind));
      else throw badRequest(`unsupported patch type ${patchType}`);
    } catch (e) {
      if (e instanceof PatchError) throw e.status === 400 ? badRequest(e.message) : new KubeError(422, 'Invalid', e.message, {});
      throw e;
    }
    if (!isObject(patched)) throw badRequest('the patch did not produce an object');
    const pm = meta(patched);
    if (pm['resourceVersion'] !== undefined && pm['resourceVersion'] !== meta(cur)['resourceVersion']) throw conflict(rt, name, MODIFIED);
    if (pm['uid'] !== meta(cur)['uid']) throw conflict(rt, name, `Precondition failed: UID in precondition: ${String(pm['uid'])}, UID in object meta: ${String(meta(cur)['uid'])}`);
    if (pm['name'] !== name) throw invalid(rt, name, [{ type: 'FieldValueInvalid', field: 'metadata.name', value: pm['name'], detail: 'field is immutable' }]);
    return this.commit(rt, cur, this.mergeForUpdate(rt, cur, patched, ctx.subresource), ctx);
  }

  /** What an update would store: immutable metadata kept, status or spec kept per subresource. */
  private mergeForUpdate(rt: ResourceType, cur: JsonObject, body: JsonObject, subresource: string | undefined): JsonObject {
    if (subresource === 'status') {
      // Everything but status and metadata (which commit fills in) is shared with the frozen
      // current object: a status write copies no spec.
      return { ...cur, metadata: { ...meta(cur) }, status: structuredClone(body['status'] ?? {}) };
    }
    const next = structuredClone(body);
    next['apiVersion'] = apiVersionOf(rt);
    next['kind'] = rt.kind;
    const nm = meta(next);
    const cm = meta(cur);
    for (const k of ['name', 'namespace', 'uid', 'creationTimestamp', 'generation', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields']) {
      if (cm[k] === undefined) delete nm[k];
      else nm[k] = structuredClone(cm[k]!);
    }
    if (STATUS_KINDS.has(rt.kind)) {
      if (cur['status'] === undefined) delete next['status'];
      else next['status'] = structuredClone(cur['status']!);
    }
    applyDefaults(rt.kind, next);
    return next;
  }

  /** Validates, bumps generation, recomputes managedFields and stores (unless a no-op). */
  private commit(rt: ResourceType, cur: JsonObject, next: JsonObject, ctx: WriteContext, applied?: FieldSet): JsonObject {
    const name = String(meta(cur)['name']);
    const errs = this.validate(rt, next, cur);
    if (errs.length) throw invalid(rt, name, errs);
    const nm = meta(next);
    if (GENERATION_KINDS.has(rt.kind) && !equalJson(cur['spec'], next['spec'])) nm['generation'] = Number(meta(cur)['generation'] ?? 0) + 1;
    const entries = (Array.isArray(meta(cur)['managedFields']) ? meta(cur)['managedFields'] : []) as unknown as ManagedFieldsEntry[];
    const w: Parameters<typeof updateManagedFields>[4] = { manager: ctx.manager, operation: applied ? 'Apply' : 'Update', apiVersion: ctx.apiVersion ?? apiVersionOf(rt), time: this.now() };
    if (ctx.subresource) w.subresource = ctx.subresource;
    if (applied) w.applied = applied;
    nm['managedFields'] = (ctx.untracked ? entries : updateManagedFields(entries, cur, next, schemaFor(rt.kind), w)) as unknown as Json;
    if (!(nm['managedFields'] as unknown[]).length) delete nm['managedFields'];
    nm['resourceVersion'] = meta(cur)['resourceVersion']!;
    if (equalJson(cur, next)) return cur;
    if (ctx.dryRun) return next;
    const stored = this.store.put(rt.plural, objectKey(rt.namespaced ? String(nm['namespace']) : undefined, name), next);
    if (rt.plural !== 'events') this.changes++;
    if (!ctx.internal) this.reconcile();
    return stored;
  }

  /**
   * Server-side apply (`application/apply-patch+yaml`): the applied configuration is merged like a
   * strategic patch, fields this manager applied before and dropped now are removed, and fields
   * another manager owns with a different value are conflicts unless `force`.
   */
  apply(rt: ResourceType, namespace: string | undefined, name: string, config: JsonObject, ctx: WriteContext & { force?: boolean }): { object: JsonObject; created: boolean } {
    const s = schemaFor(rt.kind);
    const cm = meta(config);
    if (cm['name'] !== undefined && cm['name'] !== name) throw badRequest(`the name of the object (${String(cm['name'])}) does not match the name on the URL (${name})`);
    const appliedFields = fieldSetOf(trackableConfig(config), s);
    const cur = this.get(rt, namespace, name);
    if (!cur) {
      const body = structuredClone(config);
      meta(body)['name'] = name;
      const created = structuredClone(this.create(rt, namespace, body, { ...ctx, internal: true }));
      // Re-label the creator's entry as an Apply of exactly the applied fields.
      const m = meta(created);
      m['managedFields'] = updateManagedFields([], undefined, created, s, { manager: ctx.manager, operation: 'Apply', apiVersion: ctx.apiVersion ?? apiVersionOf(rt), time: this.now(), applied: appliedFields }) as unknown as Json;
      const stored = ctx.dryRun ? created : this.store.put(rt.plural, objectKey(rt.namespaced ? namespace : undefined, name), created);
      if (!ctx.internal) this.reconcile();
      return { object: stored, created: true };
    }
    const entries = (Array.isArray(meta(cur)['managedFields']) ? meta(cur)['managedFields'] : []) as unknown as ManagedFieldsEntry[];
    const mine = entries.find((e) => e.manager === ctx.manager && e.operation === 'Apply' && !e.subresource);
    // Conflicts: fields in the configuration that another manager owns with a different value.
    const curTrack = trackableConfig(cur);
    const differing = changedFields(curTrack, mergeForConflict(curTrack, trackableConfig(config), s), s) ?? {};
    const conflicts: Array<{ manager: string; paths: string[] }> = [];
    if (!ctx.force) {
      for (const e of entries) {
        if (e === mine || e.subresource) continue;
        const overlap = intersect(intersect(e.fieldsV1, appliedFields), differing);
        const paths = leafPaths(overlap);
        if (paths.length) conflicts.push({ manager: e.manager, paths });
      }
    }
    if (conflicts.length) {
      const total = conflicts.reduce((n, c) => n + c.paths.length, 0);
      const av = ctx.apiVersion ?? apiVersionOf(rt);
      let msg: string;
      if (total === 1) msg = `Apply failed with 1 conflict: conflict with "${conflicts[0]!.manager}" using ${av}: ${conflicts[0]!.paths[0]}`;
      else
        msg = `Apply failed with ${total} conflicts: ${conflicts
          .map((c) => (c.paths.length === 1 ? `conflict with "${c.manager}" using ${av}: ${c.paths[0]}` : `conflicts with "${c.manager}" using ${av}:\n${c.paths.map((p) => `- ${p}`).join('\n')}`))
          .join('\n')}`;
      const d = { name, kind: rt.plural, causes: conflicts.flatMap((c) => c.paths.map((p) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}" using ${av}`, field: p }))) } as const;
      throw new KubeError(409, 'Conflict', msg, rt.group ? { ...d, group: rt.group } : { ...d });
    }
    let merged = strategicMergePatch(cur, config, s);
    // Prune what this manager applied before and no longer applies, unless someone else owns it.
    if (mine) {
      const dropped = subtract(mine.fieldsV1, appliedFields);
      const others = entries.filter((e) => e !== mine).reduce<FieldSet>((acc, e) => union(acc, e.fieldsV1), {});
      merged = removeFields(merged, subtract(dropped, others), s) as JsonObject;
    }
    const next = this.mergeForUpdate(rt, cur, merged, undefined);
    const object = this.commit(rt, cur, next, ctx, appliedFields);
    return { object, created: false };
  }

  scale(rt: ResourceType, namespace: string, name: string): JsonObject {
    const o = this.mustGet(rt, namespace, name);
    const m = meta(o);
    const spec = (o['spec'] ?? {}) as JsonObject;
    const status = (o['status'] ?? {}) as JsonObject;
    const sel = isObject(spec['selector']) && isObject(spec['selector']['matchLabels']) ? (spec['selector']['matchLabels'] as Record<string, string>) : {};
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name, namespace, uid: m['uid']!, resourceVersion: m['resourceVersion']!, creationTimestamp: m['creationTimestamp']! },
      spec: { replicas: (spec['replicas'] as number) ?? 0 },
      status: {
        replicas: (status['replicas'] as number) ?? 0,
        selector: Object.entries(sel)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
      },
    };
  }

  /** Writes a Scale (PUT or patched) back to the workload's spec.replicas. */
  setScale(rt: ResourceType, namespace: string, name: string, scale: JsonObject, ctx: WriteContext): JsonObject {
    const cur = this.mustGet(rt, namespace, name);
    const sm = isObject(scale['metadata']) ? scale['metadata'] : {};
    if (sm['resourceVersion'] !== undefined && sm['resourceVersion'] !== '' && sm['resourceVersion'] !== meta(cur)['resourceVersion']) throw conflict(rt, name, MODIFIED);
    const replicas = isObject(scale['spec']) ? scale['spec']['replicas'] : undefined;
    if (typeof replicas !== 'number' || replicas < 0) throw invalid({ group: 'autoscaling', kind: 'Scale' }, name, [{ type: 'FieldValueInvalid', field: 'spec.replicas', value: replicas ?? null, detail: 'must be greater than or equal to 0' }]);
    const next = structuredClone(cur);
    (next['spec'] as JsonObject)['replicas'] = replicas;
    this.commit(rt, cur, next, { ...ctx, subresource: 'scale' });
    return this.scale(rt, namespace, name);
  }

  // --- delete ---------------------------------------------------------------------------------

  delete(rt: ResourceType, namespace: string | undefined, name: string, opts: DeleteOptions, ctx: WriteContext): JsonObject {
    const cur = this.mustGet(rt, namespace, name);
    const cm = meta(cur);
    if (opts.preconditions?.uid && opts.preconditions.uid !== cm['uid']) {
      throw conflict(rt, name, `Precondition failed: UID in precondition: ${opts.preconditions.uid}, UID in object meta: ${String(cm['uid'])}`);
    }
    if (opts.preconditions?.resourceVersion && opts.preconditions.resourceVersion !== cm['resourceVersion']) {
      throw conflict(rt, name, `Precondition failed: ResourceVersion in precondition: ${opts.preconditions.resourceVersion}, ResourceVersion in object meta: ${String(cm['resourceVersion'])}`);
    }
    const policy = opts.propagationPolicy ?? (opts.orphanDependents ? 'Orphan' : 'Background');
    const out = structuredClone(cur);
    meta(out)['deletionTimestamp'] = this.timestamp();
    if (rt.kind === 'Pod') meta(out)['deletionGracePeriodSeconds'] = opts.gracePeriodSeconds ?? Number((cur['spec'] as JsonObject)['terminationGracePeriodSeconds'] ?? 30);
    if (rt.kind === 'Namespace') out['status'] = { phase: 'Terminating' };
    if (opts.dryRun || ctx.dryRun) return out;
    const uid = String(cm['uid']);
    if (policy === 'Orphan') this.orphanDependents(uid);
    if (policy === 'Foreground') this.deleteDependents(uid);
    if (rt.kind === 'Namespace') {
      for (const r of RESOURCES) {
        if (!r.namespaced || r.virtual) continue;
        for (const o of this.list(r, name)) this.store.remove(r.plural, objectKey(name, String(meta(o)['name'])));
      }
    }
    this.store.remove(rt.plural, objectKey(rt.namespaced ? namespace : undefined, name));
    this.changes++;
    if (!ctx.internal) this.reconcile();
    return out;
  }

  /** Removes the ownerReferences pointing at `ownerUid` (the garbage collector's orphaning). */
  private orphanDependents(ownerUid: string): void {
    for (const ref of inResourceOrder(this.index.dependentsOf(ownerUid))) {
      const o = this.deref(ref);
      if (!o) continue;
      const next = structuredClone(o);
      const left = (meta(o)['ownerReferences'] as Json[]).filter((x) => !(isObject(x) && x['uid'] === ownerUid));
      if (left.length) meta(next)['ownerReferences'] = structuredClone(left);
      else delete meta(next)['ownerReferences'];
      this.commit(resourceByPlural(ref.resource), o, next, { manager: 'kube-controller-manager', internal: true });
    }
  }

  private deleteDependents(ownerUid: string): void {
    for (const ref of inResourceOrder(this.index.dependentsOf(ownerUid))) {
      const o = this.deref(ref);
      if (!o) continue;
      this.deleteDependents(String(meta(o)['uid']));
      this.store.remove(ref.resource, ref.key);
      this.changes++;
    }
  }

  /** Removes a stored object without the API's bookkeeping (the garbage collector's delete). */
  removeInternal(rt: ResourceType, o: JsonObject): void {
    this.store.remove(rt.plural, objectKey(rt.namespaced ? String(meta(o)['namespace']) : undefined, String(meta(o)['name'])));
    this.changes++;
  }

  /** Runs the controllers until nothing moves (see controller.ts). */
  reconcile(): void {
    if (this.reconciling || !this.reconciler) return;
    this.reconciling = true;
    try {
      this.reconciler(this);
    } finally {
      this.reconciling = false;
    }
  }

  nextPodIP(): string {
    const n = this.podIpCounter++;
    return `192.168.${100 + Math.floor(n / 250)}.${(n % 250) + 2}`;
  }

  /** Records an Event like client-go's recorder (same reason+message+object: count goes up). */
  event(involved: JsonObject, type: 'Normal' | 'Warning', reason: string, message: string, component: string): void {
    const im = meta(involved);
    const ns = String(im['namespace'] ?? 'default');
    const evRt = resourceByPlural('events');
    const same = this.index.eventsFor(ns, String(im['uid']), reason, message)[0];
    const existing = same === undefined ? undefined : this.store.get('events', same);
    const ts = this.timestamp();
    if (existing) {
      const next = structuredClone(existing);
      next['count'] = Number(existing['count'] ?? 1) + 1;
      next['lastTimestamp'] = ts;
      this.commit(evRt, existing, next, { manager: component, internal: true });
      return;
    }
    this.create(
      evRt,
      ns,
      {
        metadata: { name: `${String(im['name'])}.${this.hex(16)}`, namespace: ns },
        involvedObject: { kind: involved['kind']!, namespace: ns, name: im['name']!, uid: im['uid']!, apiVersion: involved['apiVersion']!, resourceVersion: im['resourceVersion']! },
        reason,
        message,
        source: { component },
        firstTimestamp: ts,
        lastTimestamp: ts,
        count: 1,
        type,
        eventTime: null,
        reportingComponent: component,
        reportingInstance: '',
      },
      { manager: component, internal: true },
    );
  }

  // --- TokenRequest ---------------------------------------------------------------------------

  /** POST .../serviceaccounts/NAME/token (pkg/registry/core/serviceaccount/storage/token.go). */
  async requestToken(namespace: string, saName: string, body: JsonObject, warnings: string[] = []): Promise<JsonObject> {
    if (!this.signer) throw new KubeError(500, 'InternalError', 'Internal error occurred: the lab API server has no token signer', {});
    const m = isObject(body['metadata']) ? body['metadata'] : {};
    const spec = isObject(body['spec']) ? structuredClone(body['spec']) : {};
    if (m['name'] && m['name'] !== saName) throw invalid(TOKEN_REQUEST, saName, [{ type: 'FieldValueInvalid', field: 'metadata.name', value: m['name'], detail: 'must match the service account name if specified' }]);
    if (m['namespace'] && m['namespace'] !== namespace) throw invalid(TOKEN_REQUEST, saName, [{ type: 'FieldValueInvalid', field: 'metadata.namespace', value: m['namespace'], detail: 'must match the service account namespace if specified' }]);
    const sa = this.mustGet(resourceByPlural('serviceaccounts'), namespace, saName);
    const audiences = Array.isArray(spec['audiences']) && spec['audiences'].length ? (spec['audiences'] as string[]) : this.apiAudiences;
    let expirationSeconds = typeof spec['expirationSeconds'] === 'number' ? spec['expirationSeconds'] : 3600;
    const now = this.now();
    if (expirationSeconds < 600) throw invalid(TOKEN_REQUEST, '', [{ type: 'FieldValueInvalid', field: 'spec.expirationSeconds', value: expirationSeconds, detail: 'may not specify a duration less than 10 minutes' }]);
    if (expirationSeconds > 2 ** 32) throw invalid(TOKEN_REQUEST, '', [{ type: 'FieldValueInvalid', field: 'spec.expirationSeconds', value: expirationSeconds, detail: 'may not specify a duration larger than 2^32 seconds' }]);
    const req: TokenRequestSpec = { namespace, serviceAccount: saName, serviceAccountUid: String(meta(sa)['uid']), audiences, expirationSeconds };
    const ref = isObject(spec['boundObjectRef']) ? spec['boundObjectRef'] : undefined;
    if (ref) {
      const kind = String(ref['kind'] ?? '');
      const apiVersion = String(ref['apiVersion'] ?? '');
      if (kind === 'Pod' && (apiVersion === 'v1' || apiVersion === '')) {
        const pod = this.mustGet(resourceByPlural('pods'), namespace, String(ref['name'] ?? ''));
        const ps = pod['spec'] as JsonObject;
        if (ps['serviceAccountName'] !== saName) throw badRequest(`cannot bind token for serviceaccount "${saName}" to pod running with different serviceaccount name.`);
        const uid = String(meta(pod)['uid']);
        if (ref['uid'] && ref['uid'] !== uid) {
          throw new KubeError(
            409,
            'Conflict',
            `Operation cannot be fulfilled on Pod "${String(ref['name'])}": the UID in the bound object reference (${String(ref['uid'])}) does not match the UID in record. The object might have been deleted and then recreated`,
            { name: String(ref['name']), kind: 'Pod' },
          );
        }
        req.pod = { name: String(meta(pod)['name']), uid };
        if (typeof ps['nodeName'] === 'string' && ps['nodeName']) {
          const node = this.get(resourceByPlural('nodes'), undefined, ps['nodeName']);
          if (node) req.node = { name: ps['nodeName'], uid: String(meta(node)['uid']) };
        }
      } else if (kind === 'Node' && (apiVersion === 'v1' || apiVersion === '')) {
        const node = this.mustGet(resourceByPlural('nodes'), undefined, String(ref['name'] ?? ''));
        req.node = { name: String(meta(node)['name']), uid: String(meta(node)['uid']) };
      } else {
        const [g, v] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
        throw badRequest(`cannot bind token to object of type ${g ? `${g}/` : ''}${v}, Kind=${kind}`);
      }
    }
    if (this.maxTokenExpirationSeconds > 0 && expirationSeconds > this.maxTokenExpirationSeconds) {
      warnings.push(`requested expiration of ${expirationSeconds} seconds shortened to ${this.maxTokenExpirationSeconds} seconds`);
      expirationSeconds = this.maxTokenExpirationSeconds;
      req.expirationSeconds = expirationSeconds;
    }
    const signed = await this.signer.sign(req);
    const outSpec: JsonObject = { audiences, expirationSeconds, boundObjectRef: ref ? structuredClone(ref) : null };
    return {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name: saName, namespace, creationTimestamp: rfc3339(now) },
      spec: outSpec,
      status: { token: signed.token, expirationTimestamp: rfc3339(signed.expiresAt) },
    };
  }
}

/** The QoS class a pod gets (pkg/apis/core/v1/helper/qos). */
function qosClass(spec: JsonObject): string {
  const cs = [...((spec['containers'] as JsonObject[]) ?? []), ...((spec['initContainers'] as JsonObject[]) ?? [])];
  let any = false;
  let guaranteed = cs.length > 0;
  for (const c of cs) {
    const r = isObject(c['resources']) ? c['resources'] : {};
    const lim = isObject(r['limits']) ? r['limits'] : {};
    const req = isObject(r['requests']) ? r['requests'] : {};
    if (Object.keys(lim).length || Object.keys(req).length) any = true;
    for (const k of ['cpu', 'memory']) if (lim[k] === undefined || (req[k] !== undefined && req[k] !== lim[k])) guaranteed = false;
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** An applied configuration without identity metadata (what apply owns). */
function trackableConfig(o: JsonObject): JsonObject {
  const out = structuredClone(o);
  delete out['apiVersion'];
  delete out['kind'];
  delete out['status'];
  const m = isObject(out['metadata']) ? out['metadata'] : {};
  for (const k of ['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink']) delete m[k];
  if (Object.keys(m).length) out['metadata'] = m;
  else delete out['metadata'];
  return out;
}

function mergeForConflict(cur: JsonObject, config: JsonObject, s: Parameters<typeof strategicMergePatch>[2]): JsonObject {
  return strategicMergePatch(cur, config, s);
}

/** `.spec.replicas`, `.spec.template.spec.containers[name="c"].image`: field paths as SSA prints them. */
function leafPaths(f: FieldSet, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(f)) {
    if (k === '.') {
      if (prefix) out.push(prefix);
      continue;
    }
    let seg: string;
    if (k.startsWith('f:')) seg = `.${k.slice(2)}`;
    else if (k.startsWith('k:')) {
      const key = JSON.parse(k.slice(2)) as Record<string, unknown>;
      seg = `[${Object.entries(key)
        .map(([a, b]) => `${a}=${JSON.stringify(b)}`)
        .join(',')}]`;
    } else if (k.startsWith('v:')) seg = `[=${k.slice(2)}]`;
    else seg = k;
    if (Object.keys(v).length === 0) out.push(prefix + seg);
    else out.push(...leafPaths(v, prefix + seg));
  }
  return out;
}

/** Removes the leaf fields named by `f` from `o`. */
function removeFields(o: Json, f: FieldSet, s: Parameters<typeof strategicMergePatch>[2]): Json {
  if (isObject(o)) {
    const out = structuredClone(o);
    for (const [k, sub] of Object.entries(f)) {
      if (!k.startsWith('f:')) continue;
      const key = k.slice(2);
      if (!(key in out)) continue;
      if (Object.keys(sub).length === 0) delete out[key];
      else out[key] = removeFields(out[key]!, sub, s.fields?.[key] ?? (s.map ? (s.items ?? {}) : {}));
    }
    return out;
  }
  if (Array.isArray(o) && s.mergeKey) {
    const mk = s.mergeKey;
    return o.flatMap((el) => {
      if (!isObject(el)) return [el];
      const entry = Object.entries(f).find(([k]) => k.startsWith('k:') && JSON.stringify((JSON.parse(k.slice(2)) as Record<string, unknown>)[mk]) === JSON.stringify(el[mk]));
      if (!entry) return [el];
      if (entry[1]['.'] !== undefined) return [];
      return [removeFields(el, entry[1], s.items ?? {})];
    });
  }
  if (Array.isArray(o)) return o.filter((x) => f[`v:${JSON.stringify(x)}`] === undefined);
  return o;
}

export function templateHash(template: Json, collisionCount = 0): string {
  // controller.ComputeHash: FNV-32a of the template (plus collisionCount), SafeEncodeString'd.
  const canonical = (v: Json): Json => (Array.isArray(v) ? v.map(canonical) : isObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k]!)])) : v);
  const data = Buffer.from(JSON.stringify(canonical(template)) + (collisionCount ? String(collisionCount) : ''));
  let h = 0x811c9dc5;
  for (const b of data) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return Array.from(String(h), (ch) => NAME_ALPHABET[ch.charCodeAt(0) % NAME_ALPHABET.length]).join('');
}

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
