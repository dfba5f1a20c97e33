// Cheap surgery on the text of a Kubernetes list answer, before it is parsed.
//
// A pod's `metadata.managedFields` (who last wrote which field) is nearly half of its JSON, and
// the scan reads it only on service accounts (IRSA303). Parsing it for every pod, workload and
// ReplicaSet of a large cluster makes thousands of one-off objects and interns their `f:` keys,
// only to delete them. Cutting the array out of the text first saves that work and memory; the
// parsed objects are the same as parsing everything and deleting the field.

const KEY = '"managedFields":[';
const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_SQUARE = 91;
const CLOSE_SQUARE = 93;
const OPEN_CURLY = 123;
const CLOSE_CURLY = 125;
const COMMA = 44;

/**
 * `text` without any `"managedFields":[...]` member (and the comma that separated it), wherever
 * it is: in the core kinds a scan lists, only ObjectMeta has a field of that name (annotation and
 * label values are strings). The key, with its quotes and a `[` value, cannot occur inside a JSON
 * string (quotes are escaped there). Text the API server did not write
 * compactly (a space after the colon) is returned unchanged: the caller deletes the field after
 * parsing anyway. Malformed text is returned unchanged for JSON.parse to report.
 */
export function withoutManagedFields(text: string): string {
  let at = text.indexOf(KEY);
  if (at < 0) return text;
  const parts: string[] = [];
  let from = 0;
  while (at >= 0) {
    if (escaped(text, at)) {
      // The end of a key such as `x\"managedFields`: not the field.
      at = text.indexOf(KEY, at + 1);
      continue;
    }
    const end = endOfArray(text, at + KEY.length);
    if (end < 0) return text;
    let cutFrom = at;
    let cutTo = end;
    if (text.charCodeAt(cutTo) === COMMA) cutTo++;
    else if (text.charCodeAt(cutFrom - 1) === COMMA) cutFrom--;
    parts.push(text.slice(from, cutFrom));
    from = cutTo;
    at = text.indexOf(KEY, from);
  }
  parts.push(text.slice(from));
  return parts.join('');
}

/** Whether the character at `i` follows an odd run of backslashes. */
function escaped(text: string, i: number): boolean {
  let b = i - 1;
  while (b >= 0 && text.charCodeAt(b) === BACKSLASH) b--;
  return (i - 1 - b) % 2 === 1;
}

/** Index just after the `]` closing the array whose `[` precedes `i`; -1 if the text ends first. */
function endOfArray(text: string, i: number): number {
  let depth = 1;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i++);
    if (c === QUOTE) {
      // Jump to the closing quote: one not preceded by an odd run of backslashes.
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) return -1;
        i = q + 1;
        if (!escaped(text, q)) break;
      }
    } else if (c === OPEN_SQUARE || c === OPEN_CURLY) depth++;
    else if (c === CLOSE_SQUARE || c === CLOSE_CURLY) {
      if (--depth === 0) return i;
    }
  }
  return -1;
}
