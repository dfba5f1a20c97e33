// ARN condition operators (IAM User Guide, "Amazon Resource Name (ARN) condition operators"):
// case-sensitive; "each of the six colon-delimited components of the ARN is checked separately and
// each can include multi-character match wildcards (*) or single-character match wildcards (?)";
// ArnEquals and ArnLike behave identically, as do ArnNotEquals and ArnNotLike. So `*` never spans
// a colon in the first five components (the documented example: `arn:aws:someservice:*:111122223333:finance/*`
// does not match `arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt`).
// The sixth component (the resource) keeps any further colons. Policy variables are allowed.

import { splitArnComponents } from '../arn.js';
import { patternMatch, slicePattern, type Pattern } from '../wildcard.js';
import { defineOperator, type OperatorDefinition } from './types.js';

function splitPattern(p: Pattern): Pattern[] | undefined {
  const out: Pattern[] = [];
  let start = 0;
  for (let i = 0; i < 5; i++) {
    const j = p.text.indexOf(':', start);
    if (j < 0) return undefined;
    out.push(slicePattern(p, start, j));
    start = j + 1;
  }
  out.push(slicePattern(p, start));
  return out;
}

/** Component-wise ARN match with wildcards, as ArnLike/ArnEquals do it. */
export function arnLike(pattern: Pattern, value: string): boolean | undefined {
  const pp = splitPattern(pattern);
  if (!pp || !pattern.text.startsWith('arn')) return undefined;
  const vv = splitArnComponents(value);
  if (!vv) return false;
  for (let i = 0; i < 6; i++) if (!patternMatch(pp[i] as Pattern, vv[i] as string)) return false;
  return true;
}

export const ArnLike = defineOperator({
  name: 'ArnLike',
  family: 'Arn',
  negated: false,
  variables: true,
  wildcards: true,
  validate: (s) => (splitArnComponents(s) === undefined || !s.startsWith('arn') ? `"${s}" is not an ARN (arn:partition:service:region:account:resource)` : undefined),
  compare: (v, p) => {
    const r = arnLike(p, v);
    return r === undefined ? { error: `policy value "${p.text}" is not an ARN` } : r;
  },
});

export const ArnEquals = defineOperator({ ...ArnLike, name: 'ArnEquals' });
export const ArnNotLike = defineOperator({ ...ArnLike, name: 'ArnNotLike', negated: true });
export const ArnNotEquals = defineOperator({ ...ArnLike, name: 'ArnNotEquals', negated: true });

export const ARN_OPERATORS: readonly OperatorDefinition[] = [ArnEquals, ArnLike, ArnNotEquals, ArnNotLike];
