// A minimal TOML reader for lockfiles made of `[[package]]` tables (poetry.lock, uv.lock,
// pdm.lock): it returns the top-level string/number keys of each table, and skips values it does
// not need (arrays, inline tables, multi-line strings) while tracking where they end. Not a
// general TOML parser: enough to read `name` and `version` reliably, and to notice a broken file.

export interface TomlTable {
  /** Header as written, e.g. `package` for `[[package]]`, `package.dependencies`, `metadata`; '' for the root. */
  readonly name: string;
  readonly array: boolean;
  /** 1-based line of the header (1 for the root). */
  readonly line: number;
  /** Simple values of this table: strings, and numbers/booleans as written. */
  readonly values: Map<string, string>;
}

export class TomlError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

function unquoteKey(k: string): string {
  const t = k.trim();
  if (t.length >= 2 && ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'")))) return t.slice(1, -1);
  return t;
}

/** Decode a basic string body (between the quotes). */
function unescape(s: string): string {
  return s.replace(/\\(["\\bfnrt]|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})/g, (_, e: string) => {
    switch (e[0]) {
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u':
      case 'U': {
        const cp = Number.parseInt(e.slice(1), 16);
        return cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
      }
      default:
        return e;
    }
  });
}

interface ScanState {
  /** Open brackets/braces of a value that spans lines. */
  depth: number;
  /** Inside a multi-line string, with its delimiter. */
  multi: '"""' | "'''" | null;
  /** Line where the open value started. */
  from: number;
}

/**
 * Scan `s` from `i` as part of a value, updating depth and multi-line string state; stops at a
 * comment. Throws TomlError on an unterminated single-line string.
 */
function scan(s: string, i: number, st: ScanState, line: number): void {
  while (i < s.length) {
    if (st.multi !== null) {
      const end = s.indexOf(st.multi, i);
      if (end < 0) return;
      i = end + 3;
      // a closing delimiter may be followed by up to two more quotes that belong to the string
      while (i < s.length && s[i] === st.multi[0]) i++;
      st.multi = null;
      continue;
    }
    const c = s[i];
    if (c === '#') return;
    if (c === '"' || c === "'") {
      if (s.startsWith(c.repeat(3), i)) {
        st.multi = c === '"' ? '"""' : "'''";
        i += 3;
        continue;
      }
      let j = i + 1;
      while (j < s.length && s[j] !== c) j += c === '"' && s[j] === '\\' ? 2 : 1;
      if (j >= s.length) throw new TomlError('unterminated string', line);
      i = j + 1;
      continue;
    }
    if (c === '[' || c === '{') st.depth++;
    else if (c === ']' || c === '}') st.depth = Math.max(0, st.depth - 1);
    i++;
  }
}

/** The simple value at the start of `v`: a string's content, or a bare scalar (number, bool, date). */
function simpleValue(v: string): string | undefined {
  const t = v.trim();
  if (t.startsWith('"') && !t.startsWith('"""')) {
    let j = 1;
    while (j < t.length && t[j] !== '"') j += t[j] === '\\' ? 2 : 1;
    return j < t.length ? unescape(t.slice(1, j)) : undefined;
  }
  if (t.startsWith("'") && !t.startsWith("'''")) {
    const j = t.indexOf("'", 1);
    return j > 0 ? t.slice(1, j) : undefined;
  }
  const m = /^([A-Za-z0-9_.:+-]+)\s*(?:#.*)?$/.exec(t);
  return m ? m[1] : undefined;
}

export function readTomlTables(text: string): TomlTable[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const tables: TomlTable[] = [];
  let current: TomlTable = { name: '', array: false, line: 1, values: new Map() };
  tables.push(current);
  const st: ScanState = { depth: 0, multi: null, from: 0 };
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n] ?? '';
    const lineNo = n + 1;
    if (st.multi !== null || st.depth > 0) {
      scan(line, 0, st, lineNo);
      continue;
    }
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    if (t.startsWith('[')) {
      const array = t.startsWith('[[');
      const close = array ? t.indexOf(']]') : t.indexOf(']');
      if (close < 0) throw new TomlError('unterminated table header', lineNo);
      const rest = t.slice(close + (array ? 2 : 1)).trim();
      if (rest !== '' && !rest.startsWith('#')) throw new TomlError('text after a table header', lineNo);
      const name = t
        .slice(array ? 2 : 1, close)
        .split('.')
        .map(unquoteKey)
        .join('.');
      current = { name, array, line: lineNo, values: new Map() };
      tables.push(current);
      continue;
    }
    const eq = findEquals(t);
    if (eq < 0) throw new TomlError('expected "key = value"', lineNo);
    const key = unquoteKey(t.slice(0, eq));
    const keyOk = BARE_KEY.test(key) || /^["']/.test(t.slice(0, eq).trim()) || key.includes('.');
    if (!keyOk || key === '') throw new TomlError(`bad key "${t.slice(0, eq).trim()}"`, lineNo);
    const value = t.slice(eq + 1);
    if (value.trim() === '') throw new TomlError(`key "${key}" has no value`, lineNo);
    st.from = lineNo;
    scan(value, 0, st, lineNo);
    if (st.multi === null && st.depth === 0) {
      const v = simpleValue(value);
      if (v !== undefined) current.values.set(key, v);
    }
  }
  if (st.multi !== null) throw new TomlError('unterminated multi-line string', st.from);
  if (st.depth > 0) throw new TomlError('unterminated array or inline table', st.from);
  return tables;
}

/** Index of the `=` that ends a key (outside quoted key parts), or -1. */
function findEquals(s: string): number {
  let quote: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '=') return i;
  }
  return -1;
}
