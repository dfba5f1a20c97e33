// The environment a container really has: its spec (with the webhook's mutation when the pod
// was mutated) plus what `kubectl exec POD -- env` printed for it. kubectl exec without -c runs
// in the `kubectl.kubernetes.io/default-container` container, else the first container.

import type { EnvFact } from '../../evidence/facts.js';
import type { Pod } from '../../evidence/model.js';
import { containers, type ContainerView } from '../../k8s/pod.js';
import { SKIP_CONTAINERS_ANNOTATION } from '../../k8s/webhook.js';

export interface EnvValue {
  value?: string;
  /** `spec` (pod spec env), `valueFrom` (secret/configmap ref), `exec` (env output). */
  origin: 'spec' | 'valueFrom' | 'exec';
  detail?: string;
  source: string;
}

/**
 * Derivations of one Pod, computed once: several checks read the same containers. A Pod is
 * built by the join and only read afterwards; the entry is still dropped if its object or exec
 * outputs were replaced or added to.
 */
const perPod = new WeakMap<Pod, { object: Pod['object']; env: EnvFact[]; envCount: number; containers: ContainerView[]; mutable?: Array<{ c: ContainerView; env: Map<string, EnvValue> }> }>();

function podEntry(pod: Pod) {
  let e = perPod.get(pod);
  if (!e || e.object !== pod.object || e.env !== pod.env || e.envCount !== pod.env.length) {
    e = { object: pod.object, env: pod.env, envCount: pod.env.length, containers: containers(pod.object) };
    perPod.set(pod, e);
  }
  return e;
}

/** `containers(pod.object)`, parsed once per pod. Read-only: shared by the checks. */
export function podContainers(pod: Pod): readonly ContainerView[] {
  return podEntry(pod).containers;
}

export function execContainerName(pod: Pod): string | undefined {
  const dflt = pod.object.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  if (dflt) return dflt;
  return podContainers(pod).find((c) => !c.init)?.name;
}

export function execEnvFor(pod: Pod, container: string): EnvFact[] {
  if (pod.env.length === 0) return [];
  const dflt = execContainerName(pod);
  return pod.env.filter((f) => (f.pod?.container ? f.pod.container === container : container === dflt));
}

/** Every variable a container has, later definitions winning, exec output winning over spec. */
export function containerEnv(pod: Pod, c: ContainerView): Map<string, EnvValue> {
  const out = new Map<string, EnvValue>();
  const src = pod.sources[0] ? pod.sources[0].path : 'pod';
  for (const e of c.env) {
    const v: EnvValue = e.from ? { origin: 'valueFrom', detail: e.from, source: src } : { origin: 'spec', source: src };
    if (e.value !== undefined) v.value = e.value;
    out.set(e.name, v);
  }
  for (const f of execEnvFor(pod, c.name)) {
    for (const [k, value] of Object.entries(f.vars)) out.set(k, { value, origin: 'exec', source: f.source.path });
  }
  return out;
}

export function skippedContainers(pod: Pod): Set<string> {
  return new Set(
    (pod.object.metadata.annotations?.[SKIP_CONTAINERS_ANNOTATION] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

/** Containers the webhook mutates (all but skip-containers), with their env. Read-only: shared by the checks. */
export function mutableContainers(pod: Pod): ReadonlyArray<{ c: ContainerView; env: ReadonlyMap<string, EnvValue> }> {
  const e = podEntry(pod);
  if (!e.mutable) {
    const skip = skippedContainers(pod);
    e.mutable = e.containers.filter((c) => !skip.has(c.name)).map((c) => ({ c, env: containerEnv(pod, c) }));
  }
  return e.mutable;
}

/** Names of exec outputs that show the container's real env (so absence is meaningful). */
export function hasExecEnv(pod: Pod, container: string): boolean {
  return execEnvFor(pod, container).length > 0;
}
