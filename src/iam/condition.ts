// One Condition clause (`operator -> key -> values`) against the request context, with IAM's
// documented semantics (IAM User Guide: condition operators; conditions with multiple keys or
// values; single-valued vs multivalued context keys):
//
// - several policy values for one key: OR (NOR for negated operators);
// - key missing from the request: false, except negated operators (true), `...IfExists` (true),
//   `ForAllValues:` (true: "It also returns true if there are no context keys in the request"),
//   `ForAnyValue:` (false: "if the key does not exist, the condition returns false"), `Null`;
// - `ForAnyValue:` true when at least one request value satisfies the operator, `ForAllValues:`
//   when every one does;
// - a plain operator on a key that holds several values: AWS documents that multivalued keys
//   "require a condition set operator" but not what happens without one. `multiValue` chooses:
//   `anyValue` (default: true when any value satisfies the operator) or `noMatch` (the behaviour
//   iam-simulate models). A single-element list is always treated as a single value.
// - an unknown operator never matches (and is reported).
//
// Explanations are data: expected/actual values, a reason code, one sentence, and hints that name
// the usual mistakes (`https://` left in the key, aud/sub swapped, `*` under StringEquals).

import type { ContextEntry, ContextIndex } from './context.js';
import { parseOperator, type ParsedOperator } from './conditions/index.js';
import type { ConditionClause, PolicyProblem } from './policy.js';
import { substituteVariables } from './variables.js';
import { hasWildcard, wildcardMatch, type Pattern } from './wildcard.js';
import { editDistance } from './distance.js';

export type MultiValueMode = 'anyValue' | 'noMatch';

export type ConditionReason =
  | 'matched'
  | 'notMatched'
  | 'missingKey'
  | 'missingKeyNegated'
  | 'missingKeyIfExists'
  | 'missingKeyForAllValues'
  | 'missingKeyForAnyValue'
  | 'nullCheck'
  | 'multiValueWithoutSetOperator'
  | 'unknownOperator'
  | 'unresolvedVariable'
  | 'invalidValue';

export type ConditionHint =
  /** The policy key keeps `https://`; the request has the key without it. */
  | { readonly kind: 'schemeInKey'; readonly requestKey: string }
  /** No such key, but a request key with the same claim and a similar prefix exists (a host typo). */
  | { readonly kind: 'similarKey'; readonly requestKey: string }
  /** An expected value is the request's value of another key (e.g. `:aud` and `:sub` swapped). */
  | { readonly kind: 'valueOfOtherKey'; readonly otherKey: string; readonly value: string }
  /** A `*`/`?` under an exact-match operator: the same value with StringLike would match. */
  | { readonly kind: 'wildcardNeedsLike'; readonly suggestedOperator: string };

export interface ConditionEvaluation {
  /** The operator as written. */
  readonly operator: string;
  /** The condition key as written. */
  readonly key: string;
  /** Policy values after policy-variable substitution. */
  readonly expected: readonly string[];
  /** Request values, undefined when the request has no such key. */
  readonly actual?: readonly string[];
  readonly matched: boolean;
  readonly reason: ConditionReason;
  readonly explain: string;
  readonly hints: readonly ConditionHint[];
  /** Where the clause sits in the policy. */
  readonly path: string;
}

export interface ConditionOptions {
  readonly variablesEnabled: boolean;
  readonly multiValue: MultiValueMode;
}

function show(values: readonly string[]): string {
  if (values.length === 1) return JSON.stringify(values[0]);
  return `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;
}

function expectation(op: ParsedOperator, expected: readonly string[]): string {
  const negated = op.definition?.negated ?? false;
  if (expected.length === 1) return negated ? `not ${show(expected)}` : show(expected);
  return negated ? `none of ${show(expected)}` : `one of ${show(expected)}`;
}

const STRING_EXACT = new Set(['stringequals', 'stringequalsignorecase']);

function computeHints(
  clause: ConditionClause,
  op: ParsedOperator,
  entry: ContextEntry | undefined,
  expected: readonly string[],
  context: ContextIndex,
): ConditionHint[] {
  const hints: ConditionHint[] = [];
  const lowerKey = clause.key.toLowerCase();
  if (entry === undefined) {
    const withoutScheme = lowerKey.replace(/^https?:\/\//, '');
    if (withoutScheme !== lowerKey) {
      const e = context.get(withoutScheme);
      if (e) hints.push({ kind: 'schemeInKey', requestKey: e.key });
    }
    if (hints.length === 0) {
      const colon = lowerKey.lastIndexOf(':');
      if (colon > 0) {
        const claim = lowerKey.slice(colon);
        const prefix = withoutScheme.slice(0, withoutScheme.lastIndexOf(':'));
        for (const [k, e] of context) {
          if (!k.endsWith(claim) || k === lowerKey) continue;
          const otherPrefix = k.slice(0, k.length - claim.length);
          const sorted = (s: string): string => s.split(/[./]/).sort().join('.');
          if (sorted(otherPrefix) === sorted(prefix) || editDistance(otherPrefix, prefix, 4) <= 4) {
            hints.push({ kind: 'similarKey', requestKey: e.key });
            break;
          }
        }
      }
    }
    return hints;
  }
  const base = op.definition;
  if (!base || base.family !== 'String') return hints;
  for (const v of expected) {
    for (const [k, e] of context) {
      if (k === lowerKey) continue;
      if (e.values.some((x) => x === v || (hasWildcard(v) && wildcardMatch(v, x)))) {
        hints.push({ kind: 'valueOfOtherKey', otherKey: e.key, value: v });
        break;
      }
    }
  }
  if (!base.negated && STRING_EXACT.has(base.name.toLowerCase()) && expected.some(hasWildcard)) {
    const ignoreCase = base.name === 'StringEqualsIgnoreCase';
    if (entry.values.some((x) => expected.some((v) => hasWildcard(v) && wildcardMatch(v, x, ignoreCase)))) {
      const q = op.qualifier ? `${op.qualifier}:` : '';
      hints.push({ kind: 'wildcardNeedsLike', suggestedOperator: `${q}StringLike${op.ifExists ? 'IfExists' : ''}` });
    }
  }
  return hints;
}

/** The evaluation of one clause, with hints when it does not match. */
function finish(
  clause: ConditionClause,
  op: ParsedOperator,
  entry: ContextEntry | undefined,
  context: ContextIndex,
  matched: boolean,
  reason: ConditionReason,
  explain: string,
  expected: readonly string[] = clause.values,
): ConditionEvaluation {
  const out: { -readonly [K in keyof ConditionEvaluation]: ConditionEvaluation[K] } = {
    operator: clause.operator,
    key: clause.key,
    expected,
    matched,
    reason,
    explain,
    hints: matched ? [] : computeHints(clause, op, entry, expected, context),
    path: clause.path,
  };
  if (entry?.values !== undefined) out.actual = entry.values;
  return out;
}

/**
 * Evaluate one clause. `problems` receives evaluation problems (unknown operator, unresolved
 * variable, a value the operator cannot read) tagged with `statement`.
 */
export function evaluateCondition(
  clause: ConditionClause,
  context: ContextIndex,
  options: ConditionOptions,
  problems: PolicyProblem[],
  statement: number,
): ConditionEvaluation {
  const op = parseOperator(clause.operator);
  const entry = context.get(clause.key.toLowerCase());
  const label = `${clause.operator} ${clause.key}`;

  const def = op.definition;
  if (!def) {
    const problem = op.problem ?? { code: 'unknownOperator' as const, detail: `"${clause.operator}" is not a condition operator` };
    problems.push({ code: problem.code, severity: 'error', path: clause.path, detail: `${problem.detail}; the condition never matches`, statement });
    return finish(clause, op, entry, context, false, 'unknownOperator', `${label}: ${problem.detail}, so this condition never matches`);
  }

  // Policy variables, then the values the operator can read.
  const patterns: Pattern[] = [];
  const expected: string[] = [];
  for (const v of clause.values) {
    if (def.variables && options.variablesEnabled) {
      const s = substituteVariables(v, context, true);
      if (!s.ok) {
        const why = s.reason === 'multivalued' ? 'a multivalued key cannot be a policy variable' : 'the request has no such key and no default';
        problems.push({ code: 'unresolvedVariable', severity: 'error', path: clause.path, detail: `${s.variable} cannot be resolved: ${why}`, statement });
        return finish(clause, op, entry, context, false, 'unresolvedVariable', `${label}: policy variable ${s.variable} cannot be resolved (${why}), so the condition does not match`);
      }
      patterns.push(s.pattern);
      expected.push(s.pattern.text);
    } else {
      patterns.push({ text: v, wild: null });
      expected.push(v);
    }
  }
  for (const v of expected) {
    const err = def.validate(v);
    if (err !== undefined) {
      problems.push({ code: 'invalidConditionValue', severity: 'error', path: clause.path, detail: `${err} (${def.name})`, statement });
      return finish(clause, op, entry, context, false, 'invalidValue', `${label}: ${err}, so the condition never matches`, expected);
    }
  }

  if (def.family === 'Null') {
    const wantMissing = expected.map((v) => v.trim().toLowerCase() === 'true');
    const missing = entry === undefined;
    const matched = wantMissing.some((w) => w === missing);
    return finish(clause, op, entry, context, 
      matched,
      'nullCheck',
      `${label}: the key is ${missing ? 'absent' : 'present'}, the condition ${matched ? 'holds' : 'requires it ' + (missing ? 'present' : 'absent')}`,
      expected,
    );
  }

  if (entry === undefined) {
    if (op.qualifier === 'ForAllValues') {
      return finish(clause, op, entry, context, true, 'missingKeyForAllValues', `${label}: the request has no ${clause.key}; ForAllValues is true for an empty set`, expected);
    }
    if (op.ifExists) return finish(clause, op, entry, context, true, 'missingKeyIfExists', `${label}: the request has no ${clause.key}, and IfExists makes that a match`, expected);
    if (op.qualifier === 'ForAnyValue') {
      return finish(clause, op, entry, context, false, 'missingKeyForAnyValue', `${label} expected ${expectation(op, expected)}, but the request has no ${clause.key} (ForAnyValue is false for an empty set)`, expected);
    }
    if (def.negated) return finish(clause, op, entry, context, true, 'missingKeyNegated', `${label}: the request has no ${clause.key}; a negated operator matches a missing key`, expected);
    return finish(clause, op, entry, context, false, 'missingKey', `${label} expected ${expectation(op, expected)}, but the request has no ${clause.key}`, expected);
  }

  let firstError: string | undefined;
  const test = (v: string): boolean => {
    let positive = false;
    let error: string | undefined;
    for (const p of patterns) {
      const r = def.compare(v, p);
      if (r === true) {
        positive = true;
        break;
      }
      if (r !== false) error ??= r.error;
    }
    if (error !== undefined && !positive) {
      firstError ??= error;
      return false;
    }
    return def.negated ? !positive : positive;
  };

  const got = `got ${show(entry.values)}`;
  let matched: boolean;
  if (op.qualifier === 'ForAnyValue') {
    matched = entry.values.some(test);
  } else if (op.qualifier === 'ForAllValues') {
    matched = entry.values.every(test);
  } else if (entry.values.length > 1) {
    if (options.multiValue === 'noMatch') {
      return finish(clause, op, entry, context, 
        false,
        'multiValueWithoutSetOperator',
        `${label}: the request has ${entry.values.length} values ${show(entry.values)} and the operator has no ForAnyValue/ForAllValues qualifier, so it does not match`,
        expected,
      );
    }
    matched = entry.values.some(test);
  } else {
    matched = test(entry.values[0] as string);
  }
  if (firstError !== undefined && !matched) {
    problems.push({ code: 'invalidConditionValue', severity: 'warning', path: clause.path, detail: `${firstError} (${def.name})`, statement });
    return finish(clause, op, entry, context, false, 'invalidValue', `${label}: ${firstError}, so the values cannot be compared`, expected);
  }
  const q = op.qualifier === 'ForAllValues' ? 'every value of ' : op.qualifier === 'ForAnyValue' ? 'some value of ' : '';
  return finish(clause, op, entry, context, 
    matched,
    matched ? 'matched' : 'notMatched',
    matched
      ? `${label}: ${q}${show(entry.values)} satisfies ${expectation(op, expected)}`
      : `${label} expected ${q ? `${q}the key to be ` : ''}${expectation(op, expected)}, ${got}`,
    expected,
  );
}
