// Equality of JSON values as their serialisations compare (`JSON.stringify(a) ===
// JSON.stringify(b)`: key order counts, undefined members are absent), without serialising:
// the store's objects share frozen subtrees between versions, so most comparisons of a new
// version with the stored one end at a shared reference.

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return jsonPrimitive(a) === jsonPrimitive(b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i] ?? null, bb[i] ?? null)) return false;
    return true;
  }
  const ka = presentKeys(a as Record<string, unknown>);
  const kb = presentKeys(b as Record<string, unknown>);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i]) return false;
    if (!jsonEqual((a as Record<string, unknown>)[ka[i]!], (b as Record<string, unknown>)[kb[i]!])) return false;
  }
  return true;
}

/** Keys JSON.stringify writes, in its order. */
function presentKeys(o: Record<string, unknown>): string[] {
  return Object.keys(o).filter((k) => o[k] !== undefined && typeof o[k] !== 'function');
}

/** How a primitive serialises (NaN and Infinity as null). */
function jsonPrimitive(v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  if (v === undefined || typeof v === 'function') return undefined;
  return v;
}
