// The request context, indexed once per evaluation. Condition keys are case-insensitive
// (IAM User Guide, "Key names are case-insensitive": aws:CurrentTime == AWS:currenttime), so the
// index is keyed by the lower-cased key. Values are normalised to string lists; an undefined value
// or an empty list means the key is absent (so ForAllValues on it is true, ForAnyValue false).

export type ContextValue = string | readonly string[] | boolean | number | undefined;

export interface ContextEntry {
  /** The key as the request spelled it. */
  readonly key: string;
  /** One or more values, as strings. Never empty. */
  readonly values: readonly string[];
}

export type ContextIndex = ReadonlyMap<string, ContextEntry>;

function toValues(v: ContextValue): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return [v];
  if (typeof v === 'boolean') return [v ? 'true' : 'false'];
  if (typeof v === 'number') return Number.isFinite(v) ? [String(v)] : undefined;
  if (Array.isArray(v)) {
    const out: string[] = [];
    for (const x of v as readonly unknown[]) {
      if (typeof x === 'string') out.push(x);
      else if (typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x))) out.push(String(x));
    }
    return out.length > 0 ? out : undefined;
  }
  return undefined;
}

/** Index a request context. Later spellings of the same key (different case) win. */
export function indexContext(context: Readonly<Record<string, ContextValue>> | undefined): ContextIndex {
  const m = new Map<string, ContextEntry>();
  if (!context || typeof context !== 'object') return m;
  for (const key of Object.keys(context)) {
    const values = toValues(context[key]);
    if (values !== undefined) m.set(key.toLowerCase(), { key, values });
  }
  return m;
}

export function lookup(index: ContextIndex, key: string): ContextEntry | undefined {
  return index.get(key.toLowerCase());
}
