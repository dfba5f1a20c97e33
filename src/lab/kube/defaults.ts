// API defaulting as a v1.32 API server applies it on decode (k8s.io/kubernetes/pkg/apis/*/v1/
// defaults.go: SetDefaults_PodSpec, SetDefaults_Container, SetDefaults_Deployment, ...), so that
// `kubectl get -o yaml` shows the fields a real cluster shows.

import { isObject, type Json, type JsonObject } from './patch.js';

function obj(o: JsonObject, key: string): JsonObject {
  const v = o[key];
  if (isObject(v)) return v;
  const fresh: JsonObject = {};
  o[key] = fresh;
  return fresh;
}
function list(o: JsonObject, key: string): JsonObject[] {
  const v = o[key];
  return Array.isArray(v) ? (v.filter(isObject) as JsonObject[]) : [];
}
function setIfAbsent(o: JsonObject, key: string, v: Json): void {
  if (o[key] === undefined || o[key] === null) o[key] = v;
}

/** `nginx` and `nginx:latest` pull Always; anything with another tag or a digest IfNotPresent. */
function pullPolicy(image: string): string {
  if (image.includes('@')) return 'IfNotPresent';
  const last = image.split('/').pop() ?? image;
  const tag = last.includes(':') ? last.split(':').pop() : undefined;
  return tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(p: Json | undefined): void {
  if (!isObject(p)) return;
  setIfAbsent(p, 'timeoutSeconds', 1);
  setIfAbsent(p, 'periodSeconds', 10);
  setIfAbsent(p, 'successThreshold', 1);
  setIfAbsent(p, 'failureThreshold', 3);
  const hg = p['httpGet'];
  if (isObject(hg)) {
    setIfAbsent(hg, 'path', '/');
    setIfAbsent(hg, 'scheme', 'HTTP');
  }
}

export function defaultContainer(c: JsonObject): void {
  if (typeof c['image'] === 'string') setIfAbsent(c, 'imagePullPolicy', pullPolicy(c['image']));
  setIfAbsent(c, 'terminationMessagePath', '/dev/termination-log');
  setIfAbsent(c, 'terminationMessagePolicy', 'File');
  setIfAbsent(c, 'resources', {});
  const res = c['resources'];
  if (isObject(res) && isObject(res['limits'])) {
    const req = obj(res, 'requests');
    for (const [k, v] of Object.entries(res['limits'])) setIfAbsent(req, k, v);
  }
  for (const p of list(c, 'ports')) setIfAbsent(p, 'protocol', 'TCP');
  for (const e of list(c, 'env')) {
    const vf = e['valueFrom'];
    if (isObject(vf) && isObject(vf['fieldRef'])) setIfAbsent(vf['fieldRef'], 'apiVersion', 'v1');
  }
  defaultProbe(c['livenessProbe']);
  defaultProbe(c['readinessProbe']);
  defaultProbe(c['startupProbe']);
}

function defaultVolume(v: JsonObject): void {
  for (const key of ['secret', 'configMap', 'projected', 'downwardAPI']) {
    const src = v[key];
    if (isObject(src)) setIfAbsent(src, 'defaultMode', 420);
  }
  const projected = v['projected'];
  if (isObject(projected)) {
    for (const s of list(projected, 'sources')) {
      const t = s['serviceAccountToken'];
      if (isObject(t)) setIfAbsent(t, 'expirationSeconds', 3600);
      const d = s['downwardAPI'];
      if (isObject(d)) for (const it of list(d, 'items')) if (isObject(it['fieldRef'])) setIfAbsent(it['fieldRef'], 'apiVersion', 'v1');
    }
  }
  const hp = v['hostPath'];
  if (isObject(hp)) setIfAbsent(hp, 'type', '');
  const ed = v['emptyDir'];
  if (ed === null) v['emptyDir'] = {};
}

export function defaultPodSpec(spec: JsonObject): void {
  setIfAbsent(spec, 'dnsPolicy', 'ClusterFirst');
  setIfAbsent(spec, 'restartPolicy', 'Always');
  setIfAbsent(spec, 'securityContext', {});
  setIfAbsent(spec, 'terminationGracePeriodSeconds', 30);
  setIfAbsent(spec, 'schedulerName', 'default-scheduler');
  for (const c of [...list(spec, 'initContainers'), ...list(spec, 'containers')]) defaultContainer(c);
  for (const v of list(spec, 'volumes')) defaultVolume(v);
  // The deprecated spec.serviceAccount mirrors serviceAccountName (pkg/apis/core/v1/conversion.go).
  if (typeof spec['serviceAccountName'] === 'string' && spec['serviceAccountName']) spec['serviceAccount'] = spec['serviceAccountName'];
  else if (typeof spec['serviceAccount'] === 'string' && spec['serviceAccount']) spec['serviceAccountName'] = spec['serviceAccount'];
}

function defaultTemplate(o: JsonObject): void {
  const t = obj(o, 'template');
  obj(t, 'metadata');
  defaultPodSpec(obj(t, 'spec'));
}

/** Defaults for a whole object of `kind`. Mutates and returns `o`. */
export function applyDefaults(kind: string, o: JsonObject): JsonObject {
  const spec = (): JsonObject => obj(o, 'spec');
  switch (kind) {
    case 'Pod': {
      const s = spec();
      defaultPodSpec(s);
      setIfAbsent(s, 'enableServiceLinks', true);
      break;
    }
    case 'Deployment': {
      const s = spec();
      setIfAbsent(s, 'replicas', 1);
      const strategy = obj(s, 'strategy');
      setIfAbsent(strategy, 'type', 'RollingUpdate');
      if (strategy['type'] === 'RollingUpdate') {
        const ru = obj(strategy, 'rollingUpdate');
        setIfAbsent(ru, 'maxUnavailable', '25%');
        setIfAbsent(ru, 'maxSurge', '25%');
      }
      setIfAbsent(s, 'revisionHistoryLimit', 10);
      setIfAbsent(s, 'progressDeadlineSeconds', 600);
      defaultTemplate(s);
      break;
    }
    case 'ReplicaSet': {
      const s = spec();
      setIfAbsent(s, 'replicas', 1);
      defaultTemplate(s);
      break;
    }
    case 'StatefulSet': {
      const s = spec();
      setIfAbsent(s, 'replicas', 1);
      setIfAbsent(s, 'podManagementPolicy', 'OrderedReady');
      const us = obj(s, 'updateStrategy');
      setIfAbsent(us, 'type', 'RollingUpdate');
      if (us['type'] === 'RollingUpdate') setIfAbsent(obj(us, 'rollingUpdate'), 'partition', 0);
      setIfAbsent(s, 'revisionHistoryLimit', 10);
      const pvc = obj(s, 'persistentVolumeClaimRetentionPolicy');
      setIfAbsent(pvc, 'whenDeleted', 'Retain');
      setIfAbsent(pvc, 'whenScaled', 'Retain');
      defaultTemplate(s);
      break;
    }
    case 'DaemonSet': {
      const s = spec();
      const us = obj(s, 'updateStrategy');
      setIfAbsent(us, 'type', 'RollingUpdate');
      if (us['type'] === 'RollingUpdate') {
        const ru = obj(us, 'rollingUpdate');
        setIfAbsent(ru, 'maxUnavailable', 1);
        setIfAbsent(ru, 'maxSurge', 0);
      }
      setIfAbsent(s, 'revisionHistoryLimit', 10);
      defaultTemplate(s);
      break;
    }
    case 'Job': {
      const s = spec();
      defaultJobSpec(s);
      break;
    }
    case 'CronJob': {
      const s = spec();
      setIfAbsent(s, 'concurrencyPolicy', 'Allow');
      setIfAbsent(s, 'suspend', false);
      setIfAbsent(s, 'successfulJobsHistoryLimit', 3);
      setIfAbsent(s, 'failedJobsHistoryLimit', 1);
      const jt = obj(s, 'jobTemplate');
      obj(jt, 'metadata');
      defaultJobSpec(obj(jt, 'spec'), true);
      break;
    }
    case 'Namespace': {
      const s = spec();
      setIfAbsent(s, 'finalizers', ['kubernetes']);
      break;
    }
    case 'Secret':
      setIfAbsent(o, 'type', 'Opaque');
      break;
  }
  return o;
}

function defaultJobSpec(s: JsonObject, inTemplate = false): void {
  const completionMode = s['completionMode'] ?? 'NonIndexed';
  if (s['completions'] === undefined && s['parallelism'] === undefined) {
    s['completions'] = 1;
    s['parallelism'] = 1;
  }
  setIfAbsent(s, 'parallelism', 1);
  setIfAbsent(s, 'backoffLimit', 6);
  setIfAbsent(s, 'completionMode', completionMode);
  setIfAbsent(s, 'suspend', false);
  setIfAbsent(s, 'podReplacementPolicy', 'TerminatingOrFailed');
  if (!inTemplate) setIfAbsent(s, 'manualSelector', false);
  const t = obj(s, 'template');
  obj(t, 'metadata');
  defaultPodSpec(obj(t, 'spec'));
  if (inTemplate) delete s['manualSelector'];
}
