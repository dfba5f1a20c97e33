// The contract every condition operator implements. One file per operator family (string,
// numeric, date, bool, binary, ip, arn, null), each defining its operators with `defineOperator`;
// index.ts is the sorted registry. The set qualifiers (ForAnyValue:/ForAllValues:), the IfExists
// suffix, missing keys and negation are handled once, in ../condition.ts, for every operator.

import type { Pattern } from '../wildcard.js';

export type OperatorFamily = 'String' | 'Numeric' | 'Date' | 'Bool' | 'Binary' | 'IpAddress' | 'Arn' | 'Null';

/** `true`/`false`, or why the two values cannot be compared (not a number, bad CIDR...). */
export type Comparison = boolean | { readonly error: string };

export interface OperatorDefinition {
  /** Canonical spelling, e.g. `StringEquals`. */
  readonly name: string;
  readonly family: OperatorFamily;
  /**
   * Negated operators (`StringNotEquals`, `NotIpAddress`, `ArnNotLike`...): several policy values
   * combine with NOR, and a key missing from the request matches (IAM User Guide, condition
   * operators: "If the policy condition requires that the key is not matched ... and the right key
   * is not present, the condition is true").
   */
  readonly negated: boolean;
  /** Policy variables are substituted in this operator's values (String, ARN and Bool operators). */
  readonly variables: boolean;
  /** `*` and `?` in policy values are wildcards. */
  readonly wildcards: boolean;
  /** Why a policy value is unusable for this operator, or undefined when it is fine. */
  validate(policyValue: string): string | undefined;
  /**
   * The positive comparison of one request value with one (substituted) policy value; negation is
   * applied by the caller. Must not throw.
   */
  compare(requestValue: string, policyValue: Pattern): Comparison;
}

export function defineOperator(def: OperatorDefinition): OperatorDefinition {
  return Object.freeze(def);
}

/** A small bounded memo for parsed policy values (CIDRs, dates, base64). */
export function boundedMemo<T>(parse: (s: string) => T, max = 2000): (s: string) => T {
  const cache = new Map<string, T>();
  return (s: string): T => {
    let v = cache.get(s);
    if (v === undefined && !cache.has(s)) {
      v = parse(s);
      if (cache.size >= max) cache.clear();
      cache.set(s, v);
    }
    return v as T;
  };
}
