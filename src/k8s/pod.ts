// Reading pods and workloads as Kubernetes defines them: containers, env, security context,
// pod templates and owner chains. Pure helpers over loose K8sObject values.

import type { K8sObject } from '../evidence/facts.js';

export interface EnvEntry {
  name: string;
  value?: string;
  /** `secretKeyRef secret/key`, `configMapKeyRef cm/key`, `fieldRef ...` */
  from?: string;
}

export interface ContainerView {
  name: string;
  init: boolean;
  image?: string;
  env: EnvEntry[];
  /** `secretRef:NAME` / `configMapRef:NAME` from envFrom: keys unknown offline. */
  envFrom: string[];
  mounts: Array<{ name: string; mountPath: string; readOnly?: boolean; subPath?: string }>;
  runAsUser?: number;
  runAsNonRoot?: boolean;
}

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);
const asArr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const asStr = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const asNum = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function podSpec(pod: K8sObject): Obj {
  return asObj(pod.spec) ?? {};
}

export function serviceAccountName(pod: K8sObject): { name: string; explicit: boolean } {
  const spec = podSpec(pod);
  const n = asStr(spec['serviceAccountName']) ?? asStr(spec['serviceAccount']);
  return n ? { name: n, explicit: true } : { name: 'default', explicit: false };
}

function envFromRef(from: Obj | undefined): string | undefined {
  if (!from) return undefined;
  const s = asObj(from['secretKeyRef']);
  if (s) return `secretKeyRef ${asStr(s['name'])}/${asStr(s['key'])}`;
  const c = asObj(from['configMapKeyRef']);
  if (c) return `configMapKeyRef ${asStr(c['name'])}/${asStr(c['key'])}`;
  const f = asObj(from['fieldRef']);
  if (f) return `fieldRef ${asStr(f['fieldPath'])}`;
  return 'valueFrom';
}

export function containers(pod: K8sObject): ContainerView[] {
  const spec = podSpec(pod);
  const podSc = asObj(spec['securityContext']) ?? {};
  const out: ContainerView[] = [];
  for (const [key, init] of [['initContainers', true], ['containers', false]] as const) {
    for (const raw of asArr(spec[key])) {
      const c = asObj(raw);
      if (!c) continue;
      const sc = asObj(c['securityContext']) ?? {};
      const view: ContainerView = {
        name: asStr(c['name']) ?? '(unnamed)',
        init,
        env: asArr(c['env']).flatMap((e) => {
          const o = asObj(e);
          const name = o && asStr(o['name']);
          if (!o || !name) return [];
          const entry: EnvEntry = { name };
          const value = asStr(o['value']);
          if (value !== undefined) entry.value = value;
          const from = envFromRef(asObj(o['valueFrom']));
          if (o['valueFrom'] !== undefined && from) entry.from = from;
          return [entry];
        }),
        envFrom: asArr(c['envFrom']).flatMap((e) => {
          const o = asObj(e) ?? {};
          const s = asObj(o['secretRef']);
          const m = asObj(o['configMapRef']);
          if (s) return [`secretRef:${asStr(s['name'])}`];
          if (m) return [`configMapRef:${asStr(m['name'])}`];
          return [];
        }),
        mounts: asArr(c['volumeMounts']).flatMap((m) => {
          const o = asObj(m);
          const name = o && asStr(o['name']);
          const mountPath = o && asStr(o['mountPath']);
          if (!o || !name || !mountPath) return [];
          const r: ContainerView['mounts'][number] = { name, mountPath };
          if (typeof o['readOnly'] === 'boolean') r.readOnly = o['readOnly'];
          const sp = asStr(o['subPath']);
          if (sp) r.subPath = sp;
          return [r];
        }),
      };
      const image = asStr(c['image']);
      if (image) view.image = image;
      const uid = asNum(sc['runAsUser']) ?? asNum(podSc['runAsUser']);
      if (uid !== undefined) view.runAsUser = uid;
      const nonRoot = sc['runAsNonRoot'] ?? podSc['runAsNonRoot'];
      if (typeof nonRoot === 'boolean') view.runAsNonRoot = nonRoot;
      out.push(view);
    }
  }
  return out;
}

export function envValue(c: ContainerView, name: string): EnvEntry | undefined {
  // Kubernetes: the last definition of a name wins.
  let found: EnvEntry | undefined;
  for (const e of c.env) if (e.name === name) found = e;
  return found;
}

export function podFsGroup(pod: K8sObject): number | undefined {
  return asNum(asObj(podSpec(pod)['securityContext'])?.['fsGroup']);
}

export function podVolumes(pod: K8sObject): Obj[] {
  return asArr(podSpec(pod)['volumes']).flatMap((v) => (asObj(v) ? [v as Obj] : []));
}

/** The audience and expiry of the projected token volume named `name`, when present. */
export function projectedToken(pod: K8sObject, name: string): { audience?: string; expirationSeconds?: number; path?: string } | undefined {
  const vol = podVolumes(pod).find((v) => v['name'] === name);
  if (!vol) return undefined;
  for (const src of asArr(asObj(vol['projected'])?.['sources'])) {
    const t = asObj(asObj(src)?.['serviceAccountToken']);
    if (t) {
      const r: { audience?: string; expirationSeconds?: number; path?: string } = {};
      const a = asStr(t['audience']);
      if (a !== undefined) r.audience = a;
      const e = asNum(t['expirationSeconds']);
      if (e !== undefined) r.expirationSeconds = e;
      const p = asStr(t['path']);
      if (p !== undefined) r.path = p;
      return r;
    }
  }
  return {};
}

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'ReplicationController'] as const;

/** The pod template of a workload (CronJob: spec.jobTemplate.spec.template), or undefined. */
export function podTemplate(workload: K8sObject): { metadata: Obj; spec: Obj } | undefined {
  const spec = asObj(workload.spec);
  if (!spec) return undefined;
  const tmplParent = workload.kind === 'CronJob' ? asObj(asObj(spec['jobTemplate'])?.['spec']) : spec;
  const tmpl = asObj(tmplParent?.['template']);
  const tspec = asObj(tmpl?.['spec']);
  if (!tmpl || !tspec) return undefined;
  return { metadata: asObj(tmpl['metadata']) ?? {}, spec: tspec };
}

/** kubectl's short resource name for `rollout restart` and friends. */
export function resourceName(kind: string): string {
  switch (kind) {
    case 'Deployment':
      return 'deployment';
    case 'StatefulSet':
      return 'statefulset';
    case 'DaemonSet':
      return 'daemonset';
    case 'ReplicaSet':
      return 'replicaset';
    case 'Job':
      return 'job';
    case 'CronJob':
      return 'cronjob';
    default:
      return kind.toLowerCase();
  }
}
