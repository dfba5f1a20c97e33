// Decoding `application/vnd.kubernetes.protobuf` request bodies into the JSON objects the API
// would have received in JSON. kubectl sends protobuf for everything its typed clients create
// (`kubectl create namespace|serviceaccount|deployment|job|token ...`).
//
// Wire format (k8s.io/apimachinery/pkg/runtime/serializer/protobuf): the 4-byte magic
// `k8s\x00`, then a runtime.Unknown {typeMeta{apiVersion, kind}, raw, contentEncoding,
// contentType} whose `raw` is the object's own message. Field numbers come from the
// generated.proto descriptors (proto-schema.ts); JSON names equal the proto names except
// BoundObjectReference's `uID` (JSON `uid`). Special messages map to their JSON forms: Time ->
// RFC 3339, Quantity -> string, IntOrString -> number|string, FieldsV1/RawExtension -> JSON.

import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { PROTO_MESSAGES } from './proto-schema.js';

export const PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

interface Field {
  no: number;
  name: string;
  type: string; // s b i u d f z y, m:T, M<k>><v>
  repeated: boolean;
}

const cache = new Map<string, Map<number, Field>>();

function fieldsOf(message: string): Map<number, Field> {
  let m = cache.get(message);
  if (m) return m;
  const spec = PROTO_MESSAGES[message];
  if (spec === undefined) throw new ProtobufError(`the lab has no protobuf schema for ${message}`);
  m = new Map();
  for (const part of spec.split(';')) {
    if (!part) continue;
    const [no, name, type] = part.split(' ') as [string, string, string];
    const repeated = type.endsWith('*');
    m.set(Number(no), { no: Number(no), name: name === 'uID' ? 'uid' : name, type: repeated ? type.slice(0, -1) : type, repeated });
  }
  cache.set(message, m);
  return m;
}

export class ProtobufError extends Error {}

/** Scalar fields that are Go pointers: a zero value on the wire means "explicitly set to zero". */
const POINTER_FIELDS = new Set([
  'apps.v1.DeploymentSpec.replicas',
  'apps.v1.DeploymentSpec.revisionHistoryLimit',
  'apps.v1.DeploymentSpec.progressDeadlineSeconds',
  'apps.v1.ReplicaSetSpec.replicas',
  'apps.v1.StatefulSetSpec.replicas',
  'apps.v1.StatefulSetSpec.revisionHistoryLimit',
  'apps.v1.RollingUpdateStatefulSetStrategy.partition',
  'apps.v1.DaemonSetSpec.revisionHistoryLimit',
  'batch.v1.JobSpec.parallelism',
  'batch.v1.JobSpec.completions',
  'batch.v1.JobSpec.activeDeadlineSeconds',
  'batch.v1.JobSpec.backoffLimit',
  'batch.v1.JobSpec.backoffLimitPerIndex',
  'batch.v1.JobSpec.maxFailedIndexes',
  'batch.v1.JobSpec.manualSelector',
  'batch.v1.JobSpec.ttlSecondsAfterFinished',
  'batch.v1.JobSpec.completionMode',
  'batch.v1.JobSpec.suspend',
  'batch.v1.JobSpec.podReplacementPolicy',
  'batch.v1.JobSpec.managedBy',
  'batch.v1.CronJobSpec.timeZone',
  'batch.v1.CronJobSpec.startingDeadlineSeconds',
  'batch.v1.CronJobSpec.suspend',
  'batch.v1.CronJobSpec.successfulJobsHistoryLimit',
  'batch.v1.CronJobSpec.failedJobsHistoryLimit',
  'core.v1.PodSpec.terminationGracePeriodSeconds',
  'core.v1.PodSpec.activeDeadlineSeconds',
  'core.v1.PodSpec.automountServiceAccountToken',
  'core.v1.PodSpec.shareProcessNamespace',
  'core.v1.PodSpec.priority',
  'core.v1.PodSpec.runtimeClassName',
  'core.v1.PodSpec.enableServiceLinks',
  'core.v1.PodSpec.preemptionPolicy',
  'core.v1.PodSpec.setHostnameAsFQDN',
  'core.v1.PodSpec.hostUsers',
  'core.v1.ServiceAccount.automountServiceAccountToken',
  'core.v1.SecurityContext.privileged',
  'core.v1.SecurityContext.runAsUser',
  'core.v1.SecurityContext.runAsGroup',
  'core.v1.SecurityContext.runAsNonRoot',
  'core.v1.SecurityContext.readOnlyRootFilesystem',
  'core.v1.SecurityContext.allowPrivilegeEscalation',
  'core.v1.SecurityContext.procMount',
  'core.v1.PodSecurityContext.runAsUser',
  'core.v1.PodSecurityContext.runAsGroup',
  'core.v1.PodSecurityContext.runAsNonRoot',
  'core.v1.PodSecurityContext.fsGroup',
  'core.v1.PodSecurityContext.fsGroupChangePolicy',
  'core.v1.PodSecurityContext.supplementalGroupsPolicy',
  'core.v1.Probe.terminationGracePeriodSeconds',
  'core.v1.Container.restartPolicy',
  'core.v1.ServiceAccountTokenProjection.expirationSeconds',
  'core.v1.SecretVolumeSource.defaultMode',
  'core.v1.SecretVolumeSource.optional',
  'core.v1.ConfigMapVolumeSource.defaultMode',
  'core.v1.ConfigMapVolumeSource.optional',
  'core.v1.ProjectedVolumeSource.defaultMode',
  'core.v1.DownwardAPIVolumeSource.defaultMode',
  'core.v1.DownwardAPIVolumeFile.mode',
  'core.v1.KeyToPath.mode',
  'core.v1.SecretKeySelector.optional',
  'core.v1.ConfigMapKeySelector.optional',
  'core.v1.SecretEnvSource.optional',
  'core.v1.ConfigMapEnvSource.optional',
  'core.v1.SecretProjection.optional',
  'core.v1.ConfigMapProjection.optional',
  'core.v1.HostPathVolumeSource.type',
  'core.v1.ConfigMap.immutable',
  'core.v1.Secret.immutable',
  'meta.v1.OwnerReference.controller',
  'meta.v1.OwnerReference.blockOwnerDeletion',
  'meta.v1.DeleteOptions.gracePeriodSeconds',
  'meta.v1.DeleteOptions.orphanDependents',
  'meta.v1.DeleteOptions.propagationPolicy',
  'meta.v1.ObjectMeta.deletionGracePeriodSeconds',
  'authentication.v1.TokenRequestSpec.expirationSeconds',
]);

/** Messages encoded inline in JSON (`json:",inline"`): their fields join the parent's. Every
 * `localObjectReference` field (ConfigMapVolumeSource, SecretKeySelector...) is inline too. */
const INLINE = new Set(['core.v1.Volume.volumeSource', 'core.v1.Probe.handler', 'core.v1.EphemeralContainer.ephemeralContainerCommon', 'core.v1.PersistentVolumeSpec.persistentVolumeSource']);

function toNumber(v: bigint | string | number): number {
  return typeof v === 'number' ? v : Number(v);
}

function readScalar(r: BinaryReader, type: string): unknown {
  switch (type) {
    case 's':
      return r.string();
    case 'b':
      return r.bool();
    case 'i':
      return toNumber(r.int64());
    case 'u':
      return toNumber(r.uint64());
    case 'z':
      return toNumber(r.sint64());
    case 'd':
      return r.double();
    case 'f':
      return r.float();
    case 'y':
      return Buffer.from(r.bytes()).toString('base64');
    default:
      throw new ProtobufError(`unsupported scalar type ${type}`);
  }
}

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false;
}

function rfc3339(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Decodes one message into its JSON form. */
export function decodeMessage(message: string, bytes: Uint8Array, depth = 0): unknown {
  if (depth > 64) throw new ProtobufError('protobuf message nested too deeply');
  const fields = fieldsOf(message);
  const r = new BinaryReader(bytes);
  const raw: Record<string, unknown> = {};
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    const f = fields.get(no);
    if (!f) {
      r.skip(wt, no);
      continue;
    }
    let value: unknown;
    if (f.type.startsWith('m:')) {
      if (wt !== WireType.LengthDelimited) throw new ProtobufError(`${message}.${f.name}: wrong wire type`);
      value = decodeMessage(f.type.slice(2), r.bytes(), depth + 1);
    } else if (f.type.startsWith('M')) {
      const [kt, vt] = f.type.slice(1).split('>') as [string, string];
      const entry = new BinaryReader(r.bytes());
      let k: unknown = '';
      let v: unknown = vt.startsWith('m:') ? {} : vt === 's' || vt === 'y' ? '' : 0;
      while (entry.pos < entry.len) {
        const [eno, ewt] = entry.tag();
        if (eno === 1) k = readScalar(entry, kt);
        else if (eno === 2) v = vt.startsWith('m:') ? decodeMessage(vt.slice(2), entry.bytes(), depth + 1) : readScalar(entry, vt);
        else entry.skip(ewt, eno);
      }
      const map = (raw[f.name] ??= {}) as Record<string, unknown>;
      map[String(k)] = v;
      continue;
    } else if (f.repeated && wt === WireType.LengthDelimited && f.type !== 's' && f.type !== 'y') {
      // packed repeated scalars
      const packed = new BinaryReader(r.bytes());
      const list = (raw[f.name] ??= []) as unknown[];
      while (packed.pos < packed.len) list.push(readScalar(packed, f.type));
      continue;
    } else {
      value = readScalar(r, f.type);
    }
    if (f.repeated) ((raw[f.name] ??= []) as unknown[]).push(value);
    else raw[f.name] = value;
  }
  return toJson(message, raw, fields);
}

function toJson(message: string, raw: Record<string, unknown>, fields: Map<number, Field>): unknown {
  switch (message) {
    case 'meta.v1.Time':
    case 'meta.v1.MicroTime': {
      if (raw['seconds'] === undefined && raw['nanos'] === undefined) return null;
      const s = Number(raw['seconds'] ?? 0);
      if (message === 'meta.v1.Time') return rfc3339(s);
      const nanos = Number(raw['nanos'] ?? 0);
      return `${rfc3339(s).slice(0, -1)}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
    }
    case 'resource.Quantity':
      return raw['string'] ?? '0';
    case 'intstr.IntOrString':
      return Number(raw['type'] ?? 0) === 1 ? (raw['strVal'] ?? '') : Number(raw['intVal'] ?? 0);
    case 'meta.v1.FieldsV1':
    case 'runtime.RawExtension': {
      const b = raw['Raw'] ?? raw['raw'];
      if (typeof b !== 'string' || b === '') return {};
      try {
        return JSON.parse(Buffer.from(b, 'base64').toString('utf8'));
      } catch {
        throw new ProtobufError(`${message}: raw bytes are not JSON`);
      }
    }
    case 'meta.v1.Duration':
      return raw['duration'] ?? '0s';
  }
  const out: Record<string, unknown> = {};
  for (const f of fields.values()) {
    if (!(f.name in raw)) continue;
    const v = raw[f.name];
    const key = `${message}.${f.name}`;
    if (f.repeated) {
      if (Array.isArray(v) && v.length) out[f.name] = v;
      continue;
    }
    if (f.type.startsWith('M')) {
      out[f.name] = v;
      continue;
    }
    if ((INLINE.has(key) || f.name === 'localObjectReference') && v && typeof v === 'object') {
      Object.assign(out, v);
      continue;
    }
    if (v === null) continue;
    if (!f.type.startsWith('m:') && isZero(v) && !POINTER_FIELDS.has(key)) continue;
    out[f.name] = v;
  }
  return out;
}

export interface DecodedEnvelope {
  apiVersion: string;
  kind: string;
  object: Record<string, unknown>;
}

/** Decodes a whole request body: magic, runtime.Unknown, then the object itself. */
export function decodeKubernetesProtobuf(body: Uint8Array, messageFor: (apiVersion: string, kind: string) => string | undefined): DecodedEnvelope {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (buf.length < 4 || !buf.subarray(0, 4).equals(PROTOBUF_MAGIC)) throw new ProtobufError('provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
  const r = new BinaryReader(buf.subarray(4));
  let apiVersion = '';
  let kind = '';
  let raw: Uint8Array | undefined;
  let contentEncoding = '';
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (no === 1) {
      const tm = new BinaryReader(r.bytes());
      while (tm.pos < tm.len) {
        const [tno, twt] = tm.tag();
        if (tno === 1) apiVersion = tm.string();
        else if (tno === 2) kind = tm.string();
        else tm.skip(twt, tno);
      }
    } else if (no === 2) raw = r.bytes();
    else if (no === 3) contentEncoding = r.string();
    else r.skip(wt, no);
  }
  if (contentEncoding) throw new ProtobufError(`unsupported protobuf content encoding ${contentEncoding}`);
  const message = messageFor(apiVersion, kind);
  if (!message) throw new ProtobufError(`no kind "${kind}" is registered for version "${apiVersion}"`);
  const object = decodeMessage(message, raw ?? new Uint8Array()) as Record<string, unknown>;
  return { apiVersion, kind, object: { apiVersion, kind, ...object } };
}
