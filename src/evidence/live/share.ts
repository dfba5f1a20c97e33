// The pods of one ReplicaSet, Job or StatefulSet are copies of one template: the same
// containers, env, volumes, labels and owner, but for their names and the random suffix of the
// API access volume (`kube-api-access-xxxxx`). A scan of 10,000 pods holds 10,000 copies of a
// few hundred distinct subtrees. PodSharer makes equal subtrees one frozen object, so a large
// scan holds each once, and comparing two replicas (checks/runner.ts, samePod) stops at the first
// shared subtree instead of walking both.
//
// Equal means equal as JSON (same keys in the same order, same values), which is all any reader
// of a fact can observe. A subtree that holds the pod's own name or an API access volume name is
// never shared whole (it differs between replicas); its children are, one by one.

import type { K8sObject } from '../facts.js';
import { deepFreeze } from '../../k8s/freeze.js';

type Raw = Record<string, unknown>;
const isRaw = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);

const API_ACCESS_VOLUME = /kube-api-access-[a-z0-9]{5}/;
const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'];

export class PodSharer {
  private readonly seen = new Map<string, unknown>();

  /** Number of distinct subtrees held. */
  get size(): number {
    return this.seen.size;
  }

  /** Replaces the pod's subtrees by equal ones seen in pods before (in place; the pod object itself stays its own). */
  pod(o: K8sObject): void {
    const name = typeof o.metadata.name === 'string' && o.metadata.name !== '' ? o.metadata.name : undefined;
    const own = (text: string) => (name !== undefined && text.includes(name)) || API_ACCESS_VOLUME.test(text);
    const m = o.metadata as Raw;
    for (const k of ['labels', 'annotations', 'ownerReferences']) if (m[k] !== undefined) m[k] = this.share(m[k], own);
    const spec = o.spec;
    if (!isRaw(spec)) return;
    for (const k of Object.keys(spec)) {
      const v = spec[k];
      if (CONTAINER_LISTS.includes(k) && Array.isArray(v)) {
        // A container's volume mounts name the API access volume: share field by field.
        for (const c of v) if (isRaw(c)) for (const f of Object.keys(c)) c[f] = this.share(c[f], own);
      } else spec[k] = this.share(v, own);
    }
  }

  private share(v: unknown, own: (text: string) => boolean): unknown {
    if (typeof v !== 'object' || v === null) return v;
    const text = JSON.stringify(v);
    if (own(text)) {
      if (Array.isArray(v)) for (let i = 0; i < v.length; i++) v[i] = this.share(v[i], own);
      else for (const k of Object.keys(v)) (v as Raw)[k] = this.share((v as Raw)[k], own);
      return v;
    }
    const hit = this.seen.get(text);
    if (hit !== undefined) return hit;
    this.seen.set(text, deepFreeze(v));
    return v;
  }
}
