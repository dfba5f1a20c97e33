// String condition operators (IAM User Guide, "String condition operators"):
// StringEquals / StringNotEquals: exact, case-sensitive, no wildcards (`*` is a literal star);
// StringEqualsIgnoreCase / StringNotEqualsIgnoreCase: exact ignoring case;
// StringLike / StringNotLike: case-sensitive with `*` and `?` wildcards anywhere.
// Policy variables are allowed in all of them.

import { patternMatch } from '../wildcard.js';
import { defineOperator, type OperatorDefinition } from './types.js';

const ok = (): undefined => undefined;

export const StringEquals = defineOperator({
  name: 'StringEquals',
  family: 'String',
  negated: false,
  variables: true,
  wildcards: false,
  validate: ok,
  compare: (v, p) => v === p.text,
});

export const StringNotEquals = defineOperator({ ...StringEquals, name: 'StringNotEquals', negated: true });

export const StringEqualsIgnoreCase = defineOperator({
  name: 'StringEqualsIgnoreCase',
  family: 'String',
  negated: false,
  variables: true,
  wildcards: false,
  validate: ok,
  compare: (v, p) => v === p.text || v.toLowerCase() === p.text.toLowerCase(),
});

export const StringNotEqualsIgnoreCase = defineOperator({ ...StringEqualsIgnoreCase, name: 'StringNotEqualsIgnoreCase', negated: true });

export const StringLike = defineOperator({
  name: 'StringLike',
  family: 'String',
  negated: false,
  variables: true,
  wildcards: true,
  validate: ok,
  compare: (v, p) => patternMatch(p, v),
});

export const StringNotLike = defineOperator({ ...StringLike, name: 'StringNotLike', negated: true });

export const STRING_OPERATORS: readonly OperatorDefinition[] = [
  StringEquals,
  StringNotEquals,
  StringEqualsIgnoreCase,
  StringNotEqualsIgnoreCase,
  StringLike,
  StringNotLike,
];
