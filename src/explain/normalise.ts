// Undo the escaping that errors pick up on their way to the user's clipboard, keeping a map back
// to the original offsets.
//
// Errors arrive as Go prints them (`...credentials\ncaused by: ...\n\tstatus code: 400`), inside
// JSON log lines (`\"`, `\/`, `\u003c`, doubly escaped `\\n` when JSON sits inside JSON), or as
// plain multi-line text. Windows paths (`C:\var\run\secrets\...\token`) must survive, so `\t` only
// becomes whitespace after a newline or a space (where Go puts it), `\r` only before `\n`, and any
// other backslash is kept as a single backslash.

export interface Normalised {
  /** The text with escapes undone and carriage returns removed. Same length or shorter than the source. */
  readonly text: string;
  /** Maps an offset of `text` (0..text.length) to the offset of the original text. */
  toOriginal(offset: number): number;
}

const HEX4 = /^[0-9a-fA-F]{4}$/;

export function normalise(src: string): Normalised {
  if (!src.includes('\\') && !src.includes('\r')) {
    return { text: src, toOriginal: (i) => i };
  }
  const out: string[] = [];
  // map[k] = original offset of the k-th character of the result; one extra slot for the end.
  const map = new Int32Array(src.length + 1);
  let n = 0;
  let last = '\n';
  const emit = (s: string, at: number): void => {
    out.push(s);
    map[n++] = at;
    last = s;
  };
  const special = /[\\\r]/g;
  let i = 0;
  while (i < src.length) {
    // Copy the plain run up to the next backslash or carriage return in one slice.
    special.lastIndex = i;
    const found = special.exec(src);
    const stop = found ? found.index : src.length;
    if (stop > i) {
      out.push(src.slice(i, stop));
      for (let j = i; j < stop; j++) map[n++] = j;
      last = src[stop - 1] as string;
      i = stop;
      continue;
    }
    if (src.charCodeAt(i) === 13 /* \r */) {
      i++;
      continue;
    }
    // A run of backslashes (JSON inside JSON doubles them), then the escaped character.
    let k = i;
    while (k < src.length && src.charCodeAt(k) === 92) k++;
    const next = src[k];
    if (next === 'n') {
      emit('\n', i);
      i = k + 1;
    } else if (next === 't' && (last === '\n' || last === ' ')) {
      emit(' ', i);
      i = k + 1;
    } else if (next === 'r' && src[k + 1] === '\\') {
      // `\r\n`: drop the `\r`, the `\n` is handled next round.
      i = k + 1;
    } else if (next === '"' || next === "'" || next === '/') {
      emit(next, i);
      i = k + 1;
    } else if (next === 'u' && HEX4.test(src.slice(k + 1, k + 5))) {
      emit(String.fromCharCode(parseInt(src.slice(k + 1, k + 5), 16)), i);
      i = k + 5;
    } else {
      emit('\\', i);
      i = k;
    }
  }
  map[n] = src.length;
  const text = out.join('');
  return {
    text,
    toOriginal: (offset) => map[Math.max(0, Math.min(offset, n))] as number,
  };
}

/** Lower-cases ASCII letters only, so offsets stay aligned with the input (toLowerCase can change lengths). */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}
