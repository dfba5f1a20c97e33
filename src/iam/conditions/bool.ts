// Bool (IAM User Guide, "Boolean condition operators"): compares to "true" or "false"; policy
// variables are allowed. Both sides are compared case-insensitively (JSON `true` and "True" both
// read as true).

import { defineOperator, type OperatorDefinition } from './types.js';

export const Bool = defineOperator({
  name: 'Bool',
  family: 'Bool',
  negated: false,
  variables: true,
  wildcards: false,
  validate: (s) => (/^(true|false)$/i.test(s.trim()) ? undefined : `"${s}" is not true or false`),
  compare: (v, p) => {
    const a = v.trim().toLowerCase();
    if (a !== 'true' && a !== 'false') return { error: `request value "${v}" is not true or false` };
    const b = p.text.trim().toLowerCase();
    if (b !== 'true' && b !== 'false') return { error: `policy value "${p.text}" is not true or false` };
    return a === b;
  },
});

export const BOOL_OPERATORS: readonly OperatorDefinition[] = [Bool];
