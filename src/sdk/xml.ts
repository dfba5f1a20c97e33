// A small, tolerant XML reader for build files (pom.xml, .csproj, packages.config): elements,
// attributes and text; comments, processing instructions, DOCTYPE and CDATA are handled; a
// mismatched end tag closes back to its start tag (or is ignored). It is linear in the input
// and iterative (no recursion), so deep or broken input cannot overflow the stack. Errors are
// only for what cannot be read at all (an unterminated comment, tag or CDATA section).

export interface XmlElement {
  /** Local name (prefix dropped). */
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  /** Concatenated text directly inside this element. */
  text: string;
  /** 1-based line of the start tag. */
  readonly line: number;
}

export class XmlError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9A-Fa-f]{1,6}|#\d{1,7}|[A-Za-z]{1,8});/g, (whole, e: string) => {
    if (e.startsWith('#x')) {
      const cp = Number.parseInt(e.slice(2), 16);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : whole;
    }
    if (e.startsWith('#')) {
      const cp = Number.parseInt(e.slice(1), 10);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : whole;
    }
    return ENTITIES[e] ?? whole;
  });
}

function localName(qname: string): string {
  const colon = qname.indexOf(':');
  return colon >= 0 ? qname.slice(colon + 1) : qname;
}

/** Line numbers by offset, computed once. */
class Lines {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  at(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
}

/** Build files nest a dozen levels; deeper input is refused rather than slowly walked. */
const MAX_DEPTH = 256;

const NAME_CHAR = /[A-Za-z0-9_.:\-\u00B7\u00C0-\uFFFF]/;

/** Parse attributes of a start tag body (after the name). Tolerant: bad pieces are skipped. */
function parseAttrs(body: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  let i = 0;
  while (i < body.length) {
    while (i < body.length && !NAME_CHAR.test(body[i] ?? '')) i++;
    const start = i;
    while (i < body.length && NAME_CHAR.test(body[i] ?? '')) i++;
    const name = body.slice(start, i);
    if (name === '') break;
    while (i < body.length && /\s/.test(body[i] ?? '')) i++;
    if (body[i] !== '=') continue;
    i++;
    while (i < body.length && /\s/.test(body[i] ?? '')) i++;
    const q = body[i];
    if (q === '"' || q === "'") {
      const end = body.indexOf(q, i + 1);
      if (end < 0) break;
      attrs[localName(name)] = decodeEntities(body.slice(i + 1, end));
      i = end + 1;
    } else {
      const vs = i;
      while (i < body.length && !/[\s>]/.test(body[i] ?? '')) i++;
      attrs[localName(name)] = decodeEntities(body.slice(vs, i));
    }
  }
  return attrs;
}

/** Find the `>` that ends a tag starting at `from`, skipping quoted attribute values. */
function tagEnd(text: string, from: number): number {
  let quote: string | null = null;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i;
  }
  return -1;
}

/** The root element of `text`. Throws XmlError when no element can be read. */
export function parseXml(text: string): XmlElement {
  const lines = new Lines(text);
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '', line: 1 };
  const stack: XmlElement[] = [root];
  let i = 0;
  const top = (): XmlElement => stack[stack.length - 1] ?? root;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const chunk = lt < 0 ? text.slice(i) : text.slice(i, lt);
    if (chunk.trim() !== '' && stack.length > 1) top().text += decodeEntities(chunk);
    if (lt < 0) break;
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      if (end < 0) throw new XmlError('unterminated comment', lines.at(lt));
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      if (end < 0) throw new XmlError('unterminated CDATA section', lines.at(lt));
      if (stack.length > 1) top().text += text.slice(lt + 9, end);
      i = end + 3;
    } else if (text.startsWith('<?', lt)) {
      const end = text.indexOf('?>', lt + 2);
      if (end < 0) throw new XmlError('unterminated processing instruction', lines.at(lt));
      i = end + 2;
    } else if (text.startsWith('<!', lt)) {
      // DOCTYPE, possibly with an internal subset in brackets
      const close = text.indexOf('>', lt);
      const bracket = close < 0 ? -1 : text.slice(lt, close).indexOf('[');
      let end = close;
      if (bracket >= 0) {
        const subsetEnd = text.indexOf(']', lt + bracket);
        end = subsetEnd < 0 ? -1 : text.indexOf('>', subsetEnd);
      }
      if (end < 0) throw new XmlError('unterminated declaration', lines.at(lt));
      i = end + 1;
    } else if (text[lt + 1] === '/') {
      const end = text.indexOf('>', lt + 2);
      if (end < 0) throw new XmlError('unterminated end tag', lines.at(lt));
      const name = localName(text.slice(lt + 2, end).trim());
      // close back to the matching start tag; an end tag with no start tag open is ignored
      let k = stack.length - 1;
      while (k > 0 && stack[k]?.name !== name) k--;
      if (k > 0) stack.length = k;
      i = end + 1;
    } else {
      const end = tagEnd(text, lt + 1);
      if (end < 0) throw new XmlError('unterminated start tag', lines.at(lt));
      let body = text.slice(lt + 1, end);
      const selfClosing = body.endsWith('/');
      if (selfClosing) body = body.slice(0, -1);
      let n = 0;
      while (n < body.length && NAME_CHAR.test(body[n] ?? '')) n++;
      const qname = body.slice(0, n);
      if (qname === '') {
        // a stray '<' in text: keep it as text
        if (stack.length > 1) top().text += '<';
        i = lt + 1;
        continue;
      }
      const el: XmlElement = { name: localName(qname), attrs: parseAttrs(body.slice(n)), children: [], text: '', line: lines.at(lt) };
      top().children.push(el);
      if (!selfClosing) {
        if (stack.length > MAX_DEPTH) throw new XmlError(`elements nested deeper than ${MAX_DEPTH} levels`, el.line);
        stack.push(el);
      }
      i = end + 1;
    }
  }
  const first = root.children[0];
  if (first === undefined) throw new XmlError('no XML element found', 1);
  return first;
}

/** The local name of the first element of `text`, found without parsing the whole file; null when none. */
export function rootElementName(text: string): string | null {
  let i = 0;
  const t = text.replace(/^\uFEFF/, '');
  for (let guard = 0; guard < 64; guard++) {
    while (i < t.length && /\s/.test(t[i] ?? '')) i++;
    if (t[i] !== '<') return null;
    if (t.startsWith('<?', i)) {
      const end = t.indexOf('?>', i);
      if (end < 0) return null;
      i = end + 2;
    } else if (t.startsWith('<!--', i)) {
      const end = t.indexOf('-->', i);
      if (end < 0) return null;
      i = end + 3;
    } else if (t.startsWith('<!', i)) {
      const end = t.indexOf('>', i);
      if (end < 0) return null;
      i = end + 1;
    } else {
      const m = /^<([A-Za-z_][A-Za-z0-9_.:-]*)[\s/>]/.exec(t.slice(i, i + 300));
      return m ? localName(m[1] ?? '') : null;
    }
  }
  return null;
}

/** Children of `el` with the local name `name`. */
export function kids(el: XmlElement | undefined, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

/** The first child `name` of `el`. */
export function kid(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

/** Trimmed text of the first child `name`, or undefined. */
export function kidText(el: XmlElement | undefined, name: string): string | undefined {
  const k = kid(el, name);
  return k ? k.text.trim() : undefined;
}

/** Elements at a path of local names under `el`: `path(project, 'dependencies', 'dependency')`. */
export function path(el: XmlElement | undefined, ...names: string[]): XmlElement[] {
  let level: XmlElement[] = el ? [el] : [];
  for (const n of names) level = level.flatMap((e) => kids(e, n));
  return level;
}
