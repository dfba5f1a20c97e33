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

export function execContainerName(pod: Pod): string | undefined {
  const dflt = pod.object.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  if (dflt) return dflt;
  return containers(pod.object).find((c) => !c.init)?.name;
}

export function execEnvFor(pod: Pod, container: string): EnvFact[] {
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

/** Containers the webhook mutates (all but skip-containers), with their env. */
export function mutableContainers(pod: Pod): Array<{ c: ContainerView; env: Map<string, EnvValue> }> {
  const skip = skippedContainers(pod);
  return containers(pod.object)
    .filter((c) => !skip.has(c.name))
    .map((c) => ({ c, env: containerEnv(pod, c) }));
}

/** Names of exec outputs that show the container's real env (so absence is meaningful). */
export function hasExecEnv(pod: Pod, container: string): boolean {
  return execEnvFor(pod, container).length > 0;
}
