// Numeric condition operators (IAM User Guide, "Numeric condition operators"): integer or decimal
// comparison; no policy variables, no wildcards. A value that is not a number cannot be compared.

import { defineOperator, type OperatorDefinition } from './types.js';

const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export function parseNumber(s: string): number | undefined {
  const t = s.trim();
  if (!NUMBER_RE.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

function numeric(name: string, negated: boolean, test: (request: number, policy: number) => boolean): OperatorDefinition {
  return defineOperator({
    name,
    family: 'Numeric',
    negated,
    variables: false,
    wildcards: false,
    validate: (s) => (parseNumber(s) === undefined ? `"${s}" is not a number` : undefined),
    compare: (v, p) => {
      const a = parseNumber(v);
      if (a === undefined) return { error: `request value "${v}" is not a number` };
      const b = parseNumber(p.text);
      if (b === undefined) return { error: `policy value "${p.text}" is not a number` };
      return test(a, b);
    },
  });
}

export const NumericEquals = numeric('NumericEquals', false, (a, b) => a === b);
export const NumericNotEquals = numeric('NumericNotEquals', true, (a, b) => a === b);
export const NumericLessThan = numeric('NumericLessThan', false, (a, b) => a < b);
export const NumericLessThanEquals = numeric('NumericLessThanEquals', false, (a, b) => a <= b);
export const NumericGreaterThan = numeric('NumericGreaterThan', false, (a, b) => a > b);
export const NumericGreaterThanEquals = numeric('NumericGreaterThanEquals', false, (a, b) => a >= b);

export const NUMERIC_OPERATORS: readonly OperatorDefinition[] = [
  NumericEquals,
  NumericNotEquals,
  NumericLessThan,
  NumericLessThanEquals,
  NumericGreaterThan,
  NumericGreaterThanEquals,
];
