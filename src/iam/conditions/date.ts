// Date condition operators (IAM User Guide, "Date condition operators"): values are one of the
// W3C profiles of ISO 8601 (YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDThh:mm[:ss[.s]]TZD) or epoch
// (UNIX) seconds; no wildcards, no policy variables. A date-time without a zone designator is
// read as UTC (lenient: the W3C profile requires one).

import { boundedMemo, defineOperator, type OperatorDefinition } from './types.js';

const EPOCH_RE = /^-?\d+(?:\.\d+)?$/;
const W3C_RE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

function parse(s: string): number | undefined {
  const t = s.trim();
  if (EPOCH_RE.test(t)) return Number(t) * 1000;
  const m = W3C_RE.exec(t);
  if (!m) return undefined;
  const [, y, mo = '01', d = '01', h, mi, sec = '00', frac = '', tz] = m;
  const iso = h === undefined ? `${y}-${mo}-${d}T00:00:00Z` : `${y}-${mo}-${d}T${h}:${mi}:${sec}${frac}${tz ?? 'Z'}`;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return undefined;
  // Reject impossible dates that Date.parse would roll over (2023-02-31).
  const check = new Date(Date.parse(`${y}-${mo}-${d}T00:00:00Z`));
  if (check.getUTCMonth() + 1 !== Number(mo) || check.getUTCDate() !== Number(d)) return undefined;
  return ms;
}

/** Milliseconds since the epoch, or undefined when `s` is neither ISO 8601 (W3C) nor epoch seconds. */
export const parseDate = boundedMemo(parse);

function date(name: string, negated: boolean, test: (request: number, policy: number) => boolean): OperatorDefinition {
  return defineOperator({
    name,
    family: 'Date',
    negated,
    variables: false,
    wildcards: false,
    validate: (s) => (parseDate(s) === undefined ? `"${s}" is neither an ISO 8601 date nor epoch seconds` : undefined),
    compare: (v, p) => {
      const a = parseDate(v);
      if (a === undefined) return { error: `request value "${v}" is not a date` };
      const b = parseDate(p.text);
      if (b === undefined) return { error: `policy value "${p.text}" is not a date` };
      return test(a, b);
    },
  });
}

export const DateEquals = date('DateEquals', false, (a, b) => a === b);
export const DateNotEquals = date('DateNotEquals', true, (a, b) => a === b);
export const DateLessThan = date('DateLessThan', false, (a, b) => a < b);
export const DateLessThanEquals = date('DateLessThanEquals', false, (a, b) => a <= b);
export const DateGreaterThan = date('DateGreaterThan', false, (a, b) => a > b);
export const DateGreaterThanEquals = date('DateGreaterThanEquals', false, (a, b) => a >= b);

export const DATE_OPERATORS: readonly OperatorDefinition[] = [
  DateEquals,
  DateNotEquals,
  DateLessThan,
  DateLessThanEquals,
  DateGreaterThan,
  DateGreaterThanEquals,
];
