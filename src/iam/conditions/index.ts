// The condition operator registry and the parser for operator names as written in policies:
// `[ForAnyValue:|ForAllValues:]<Operator>[IfExists]`. Operator names are matched
// case-insensitively (the policy keeps its spelling for messages).

import { editDistance } from '../distance.js';
import { ARN_OPERATORS } from './arn.js';
import { BINARY_OPERATORS } from './binary.js';
import { BOOL_OPERATORS } from './bool.js';
import { DATE_OPERATORS } from './date.js';
import { IP_OPERATORS } from './ip.js';
import { NULL_OPERATORS } from './null.js';
import { NUMERIC_OPERATORS } from './numeric.js';
import { STRING_OPERATORS } from './string.js';
import type { OperatorDefinition } from './types.js';

export type { Comparison, OperatorDefinition, OperatorFamily } from './types.js';

/** Every operator, sorted by name. */
export const OPERATORS: readonly OperatorDefinition[] = [
  ...ARN_OPERATORS,
  ...BINARY_OPERATORS,
  ...BOOL_OPERATORS,
  ...DATE_OPERATORS,
  ...IP_OPERATORS,
  ...NULL_OPERATORS,
  ...NUMERIC_OPERATORS,
  ...STRING_OPERATORS,
].sort((a, b) => a.name.localeCompare(b.name));

const byLowerName = new Map(OPERATORS.map((o) => [o.name.toLowerCase(), o]));

export function operatorByName(name: string): OperatorDefinition | undefined {
  return byLowerName.get(name.toLowerCase());
}

export type SetQualifier = 'ForAnyValue' | 'ForAllValues';

export interface ParsedOperator {
  /** As written in the policy. */
  readonly raw: string;
  readonly qualifier?: SetQualifier;
  readonly ifExists: boolean;
  /** Undefined when the operator is unknown or malformed; then `problem` says why. */
  readonly definition?: OperatorDefinition;
  readonly problem?: { readonly code: 'unknownOperator' | 'nullWithIfExists'; readonly detail: string };
}

function closest(name: string): string | undefined {
  let best: string | undefined;
  let bestD = 4;
  for (const o of OPERATORS) {
    const d = editDistance(name.toLowerCase(), o.name.toLowerCase(), 3);
    if (d < bestD) {
      bestD = d;
      best = o.name;
    }
  }
  return best;
}

function parse(raw: string): ParsedOperator {
  let rest = raw.trim();
  let qualifier: SetQualifier | undefined;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const q = rest.slice(0, colon).toLowerCase();
    if (q === 'foranyvalue') qualifier = 'ForAnyValue';
    else if (q === 'forallvalues') qualifier = 'ForAllValues';
    else {
      const hint = q === 'foranyvalues' ? 'ForAnyValue' : q === 'forallvalue' ? 'ForAllValues' : undefined;
      return {
        raw,
        ifExists: false,
        problem: {
          code: 'unknownOperator',
          detail: `"${rest.slice(0, colon)}" is not a set qualifier (ForAnyValue or ForAllValues)${hint ? `: did you mean ${hint}?` : ''}`,
        },
      };
    }
    rest = rest.slice(colon + 1);
  }
  let ifExists = false;
  let definition = operatorByName(rest);
  if (!definition && rest.toLowerCase().endsWith('ifexists')) {
    const base = rest.slice(0, -'ifexists'.length);
    definition = operatorByName(base);
    if (definition) ifExists = true;
  }
  const q = qualifier ? { qualifier } : {};
  if (!definition) {
    const guess = closest(rest.replace(/ifexists$/i, ''));
    return {
      raw,
      ...q,
      ifExists,
      problem: { code: 'unknownOperator', detail: `"${raw}" is not an IAM condition operator${guess ? `: did you mean ${guess}?` : ''}` },
    };
  }
  if (definition.family === 'Null' && ifExists) {
    return { raw, ...q, ifExists, problem: { code: 'nullWithIfExists', detail: 'Null cannot take the IfExists suffix' } };
  }
  return { raw, ...q, ifExists, definition };
}

const cache = new Map<string, ParsedOperator>();

/** Parse an operator name as written in a Condition block (memoised). */
export function parseOperator(raw: string): ParsedOperator {
  let p = cache.get(raw);
  if (p === undefined) {
    p = parse(raw);
    if (cache.size >= 1000) cache.clear();
    cache.set(raw, p);
  }
  return p;
}
