// Null (IAM User Guide, "Condition operator to check existence of condition keys"): `true` means
// the key is absent from the request, `false` that it is present. It takes no IfExists suffix and
// no policy variables. ../condition.ts tests existence itself; `compare` is only the value check.

import { defineOperator, type OperatorDefinition } from './types.js';

export const Null = defineOperator({
  name: 'Null',
  family: 'Null',
  negated: false,
  variables: false,
  wildcards: false,
  validate: (s) => (/^(true|false)$/i.test(s.trim()) ? undefined : `"${s}" is not true or false`),
  compare: (v, p) => v.trim().toLowerCase() === p.text.trim().toLowerCase(),
});

export const NULL_OPERATORS: readonly OperatorDefinition[] = [Null];
