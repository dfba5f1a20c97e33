// Kubernetes objects held as shared, immutable values (the lab's store, a scan's replicas).

/** Freezes a JSON value and everything in it (already-frozen subtrees are skipped). */
export function deepFreeze<T>(v: T): T {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return v;
  for (const x of Object.values(v as object)) deepFreeze(x);
  return Object.freeze(v);
}
