// A small position-aware JSON scanner. JSON.parse does the parsing; this file only says
// *where* a syntax error is and what was expected there (Node 20's messages do not always
// carry a position: `Unexpected token '}', "{"a":}" is not valid JSON`), finds where each
// of several concatenated values starts (`aws iam get-role ...; aws iam list-...` > one file),
// and finds the line of each element of an array inside a value (the items of a List).
// Iterative, linear time, no recursion: deep nesting cannot overflow the stack.

export interface JsonProblem {
  /** UTF-16 offset of the problem. */
  readonly offset: number;
  readonly message: string;
}

const enum Ctx {
  Object,
  Array,
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

export function skipWs(text: string, i: number): number {
  while (i < text.length && isWs(text.charCodeAt(i))) i++;
  return i;
}

/** What the reader sees at `i`, for "found X" in messages. */
export function describeAt(text: string, i: number): string {
  if (i >= text.length) return 'the end of the file';
  const c = text[i]!;
  if (c === '\n' || c === '\r') return 'the end of the line';
  const word = /[A-Za-z_][A-Za-z0-9_]*/y;
  word.lastIndex = i;
  const m = word.exec(text);
  if (m) return `'${m[0].slice(0, 20)}'`;
  return `'${c}'`;
}

function foundHint(text: string, i: number): string {
  const c = text[i];
  if (c === "'") return ' (JSON strings take double quotes)';
  const word = /(None|True|False|undefined|NaN|Infinity)\b/y;
  word.lastIndex = i;
  if (word.test(text)) return ' (not a JSON literal: use null, true or false)';
  return '';
}

type Step = { end: number } | { problem: JsonProblem };

/** Scans one string starting at the opening quote. */
function scanString(text: string, start: number): Step {
  let i = start + 1;
  for (;;) {
    if (i >= text.length) return { problem: { offset: start, message: 'unterminated string: the file ends before its closing quote' } };
    const c = text.charCodeAt(i);
    if (c === 0x22) return { end: i + 1 };
    if (c === 0x5c) {
      const e = text[i + 1];
      if (e === undefined) return { problem: { offset: start, message: 'unterminated string: the file ends before its closing quote' } };
      if (e === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          return { problem: { offset: i, message: 'invalid \\u escape in a string: expected 4 hex digits' } };
        }
        i += 6;
        continue;
      }
      if (!'"\\/bfnrt'.includes(e)) return { problem: { offset: i, message: `invalid escape '\\${e}' in a string` } };
      i += 2;
      continue;
    }
    if (c === 0x0a || c === 0x0d) {
      return { problem: { offset: start, message: 'unterminated string: the line ends before its closing quote' } };
    }
    if (c < 0x20) return { problem: { offset: i, message: 'control character in a string: it must be escaped' } };
    i++;
  }
}

/** Scans a scalar (string, number, literal) at `i`. */
function scanScalar(text: string, i: number): Step | null {
  const c = text[i];
  if (c === '"') return scanString(text, i);
  if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) {
      const at = c === '-' ? i + 1 : i;
      return { problem: { offset: at, message: `expected a number, found ${describeAt(text, at)}` } };
    }
    return { end: i + m[0].length };
  }
  for (const lit of ['true', 'false', 'null']) {
    if (text.startsWith(lit, i)) return { end: i + lit.length };
  }
  return null;
}

function expectedValue(text: string, i: number, after: string): JsonProblem {
  return { offset: i, message: `expected a value${after}, found ${describeAt(text, i)}${foundHint(text, i)}` };
}

/**
 * Scans one complete JSON value starting at `start` (whitespace allowed before it).
 * Returns the offset just after it, or the first syntax problem.
 */
export function scanValue(text: string, start: number): Step {
  const stack: Ctx[] = [];
  let i = skipWs(text, start);
  // `expect` is either a value or, inside an object, a property name followed by ':'.
  let expectKey = false;
  let afterComma = false;
  for (;;) {
    if (expectKey) {
      i = skipWs(text, i);
      if (text[i] !== '"') {
        const trailing = afterComma && text[i] === '}' ? ' (a trailing comma before it?)' : '';
        return { problem: { offset: i, message: `expected a property name in double quotes, found ${describeAt(text, i)}${trailing}${foundHint(text, i)}` } };
      }
      const s = scanString(text, i);
      if ('problem' in s) return s;
      i = skipWs(text, s.end);
      if (text[i] !== ':') return { problem: { offset: i, message: `expected ':' after the property name, found ${describeAt(text, i)}` } };
      i++;
      expectKey = false;
      afterComma = false;
    }
    // A value.
    i = skipWs(text, i);
    const c = text[i];
    if (c === '{') {
      i = skipWs(text, i + 1);
      if (text[i] === '}') {
        i++;
      } else {
        stack.push(Ctx.Object);
        expectKey = true;
        continue;
      }
    } else if (c === '[') {
      i = skipWs(text, i + 1);
      if (text[i] === ']') {
        i++;
      } else {
        stack.push(Ctx.Array);
        afterComma = false;
        continue;
      }
    } else {
      const s = scanScalar(text, i);
      if (s === null) {
        const trailing = afterComma && text[i] === ']' ? ' (a trailing comma before it?)' : '';
        return { problem: expectedValue(text, i, trailing) };
      }
      if ('problem' in s) return s;
      i = s.end;
    }
    // After a value: close containers or move to the next member.
    for (;;) {
      const top = stack[stack.length - 1];
      if (top === undefined) return { end: i };
      i = skipWs(text, i);
      const d = text[i];
      if (top === Ctx.Object) {
        if (d === ',') {
          i++;
          expectKey = true;
          afterComma = true;
          break;
        }
        if (d === '}') {
          stack.pop();
          i++;
          continue;
        }
        return { problem: { offset: i, message: `expected ',' or '}' after a property value, found ${describeAt(text, i)}` } };
      }
      if (d === ',') {
        i++;
        afterComma = true;
        break;
      }
      if (d === ']') {
        stack.pop();
        i++;
        continue;
      }
      return { problem: { offset: i, message: `expected ',' or ']' after an array element, found ${describeAt(text, i)}` } };
    }
  }
}

/**
 * Splits a text into one or more JSON values (objects or arrays after the first) and checks
 * the syntax. Returns each value's span, or the first problem.
 */
export function scanJsonValues(text: string): { spans: Array<{ start: number; end: number }> } | { problem: JsonProblem } {
  const spans: Array<{ start: number; end: number }> = [];
  let i = skipWs(text, 0);
  if (i >= text.length) return { problem: { offset: i, message: 'expected a JSON value, found the end of the file' } };
  while (i < text.length) {
    if (spans.length > 0 && text[i] !== '{' && text[i] !== '[') {
      return { problem: { offset: i, message: `unexpected ${describeAt(text, i)} after the end of the JSON value` } };
    }
    const r = scanValue(text, i);
    if ('problem' in r) return r;
    spans.push({ start: i, end: r.end });
    i = skipWs(text, r.end);
  }
  return { spans };
}

/** Offsets -> 1-based line and column. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0x0a) this.starts.push(i + 1);
  }
  pos(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.starts[lo]! + 1 };
  }
}

/** Offset of the value at `path` inside the (already valid) value starting at `start`. */
export function locate(text: string, start: number, path: ReadonlyArray<string | number>): number | undefined {
  let i = skipWs(text, start);
  for (const seg of path) {
    if (typeof seg === 'string') {
      if (text[i] !== '{') return undefined;
      let found: number | undefined;
      i = skipWs(text, i + 1);
      while (text[i] === '"') {
        const k = scanString(text, i);
        if ('problem' in k) return undefined;
        let key: unknown;
        try {
          key = JSON.parse(text.slice(i, k.end));
        } catch {
          return undefined;
        }
        i = skipWs(text, k.end);
        if (text[i] !== ':') return undefined;
        i = skipWs(text, i + 1);
        if (key === seg) found = i; // the last duplicate wins, as in JSON.parse
        const v = scanValue(text, i);
        if ('problem' in v) return undefined;
        i = skipWs(text, v.end);
        if (text[i] !== ',') break;
        i = skipWs(text, i + 1);
      }
      if (found === undefined) return undefined;
      i = found;
    } else {
      const items = elementOffsets(text, i);
      const at = items[seg];
      if (at === undefined) return undefined;
      i = at;
    }
  }
  return i;
}

/** Offsets of the elements of the array starting at `i` (empty when it is not an array). */
export function elementOffsets(text: string, i: number): number[] {
  const out: number[] = [];
  if (text[i] !== '[') return out;
  i = skipWs(text, i + 1);
  if (text[i] === ']') return out;
  for (;;) {
    out.push(i);
    const v = scanValue(text, i);
    if ('problem' in v) return out;
    i = skipWs(text, v.end);
    if (text[i] !== ',') return out;
    i = skipWs(text, i + 1);
  }
}
