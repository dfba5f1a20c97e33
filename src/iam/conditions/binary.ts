// BinaryEquals (IAM User Guide, "Binary condition operators"): compares the key's value byte for
// byte with the base64-encoded value in the policy. The request value is given base64-encoded too
// (that is how binary values travel in a JSON request context).

import { Buffer } from 'node:buffer';
import { boundedMemo, defineOperator, type OperatorDefinition } from './types.js';

const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const decodeBase64 = boundedMemo((s: string): Buffer | undefined => {
  const t = s.trim();
  return B64_RE.test(t) ? Buffer.from(t, 'base64') : undefined;
});

export const BinaryEquals = defineOperator({
  name: 'BinaryEquals',
  family: 'Binary',
  negated: false,
  variables: false,
  wildcards: false,
  validate: (s) => (decodeBase64(s) === undefined ? `"${s}" is not base64` : undefined),
  compare: (v, p) => {
    const a = decodeBase64(v);
    if (a === undefined) return { error: `request value "${v}" is not base64` };
    const b = decodeBase64(p.text);
    if (b === undefined) return { error: `policy value "${p.text}" is not base64` };
    return a.equals(b);
  },
});

export const BINARY_OPERATORS: readonly OperatorDefinition[] = [BinaryEquals];
