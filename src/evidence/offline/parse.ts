// Turns the text of one input file into a FileInput: JSON when it looks like JSON, else YAML
// when it is YAML-shaped (a mapping or a sequence), else plain text for the text recognisers.
// Syntax errors carry 1-based line:col. Never throws: problems are returned as values.

import { LineCounter, parseAllDocuments, isCollection, isNode, isSeq, visit } from 'yaml';
import type { Document } from 'yaml';
import { InputError } from '../facts.js';
import { LineIndex, elementOffsets, locate, scanJsonValues } from './json.js';
import type { Doc } from './util.js';

export type Syntax = 'json' | 'yaml' | 'text';

export interface ParsedFile {
  readonly path: string;
  readonly text: string;
  /** Set for JSON and YAML-shaped text: one entry per document, each with its start line. */
  readonly docs?: Doc[];
  readonly syntax: Syntax;
  /**
   * A syntax error in a file that is clearly JSON, or YAML that looks like a Kubernetes
   * manifest. Reported unless a text recogniser claims the file anyway.
   */
  readonly error?: InputError;
  /** Why YAML-looking text was not read as YAML (shown when nothing recognises the file). */
  readonly yamlProblem?: string;
}

/**
 * Text "looks like JSON" when its first non-blank character opens an object or an array. An
 * INI or TOML section header (`[default]`, `[[package]]`) is not taken as JSON.
 */
export function looksLikeJson(text: string): boolean {
  if (/^\s*\{/.test(text)) return true;
  if (/^\s*\[\s*\[\s*[A-Za-z_]/.test(text)) return false; // `[[package]]`
  return /^\s*\[\s*(?:$|[[{"\]\-0-9]|(?:true|false|null)\b)/.test(text);
}

/** Kubernetes manifests: YAML errors there are reported, not passed to the text recognisers. */
export function looksLikeK8sManifest(text: string): boolean {
  return /^[ \t]*(?:-[ \t]+)?apiVersion:/m.test(text) && /^[ \t]*(?:-[ \t]+)?kind:/m.test(text);
}

export function parseFile(path: string, rawText: string): ParsedFile {
  const text = rawText.charCodeAt(0) === 0xfeff ? rawText.slice(1) : rawText;
  if (looksLikeJson(text)) return parseJson(path, text);
  return parseYaml(path, text);
}

function parseJson(path: string, text: string): ParsedFile {
  let index: LineIndex | undefined;
  const lineIndex = (): LineIndex => (index ??= new LineIndex(text));
  const jsonDoc = (value: unknown, start: number): Doc => ({
    value,
    line: lineIndex().pos(start).line,
    itemLines: (p) => {
      const at = locate(text, start, p);
      return at === undefined ? [] : elementOffsets(text, at).map((o) => lineIndex().pos(o).line);
    },
    lineOf: (p) => {
      const at = locate(text, start, p);
      return at === undefined ? undefined : lineIndex().pos(at).line;
    },
  });
  try {
    const value: unknown = JSON.parse(text);
    const start = /\S/.exec(text)?.index ?? 0;
    return { path, text, syntax: 'json', docs: [jsonDoc(value, start)] };
  } catch {
    // Either a syntax error (find where) or several values one after the other.
  }
  const scanned = scanJsonValues(text);
  if ('problem' in scanned) {
    const { line, col } = lineIndex().pos(scanned.problem.offset);
    return { path, text, syntax: 'json', error: new InputError(path, `invalid JSON: ${scanned.problem.message}`, line, col) };
  }
  const docs: Doc[] = [];
  for (const span of scanned.spans) {
    try {
      docs.push(jsonDoc(JSON.parse(text.slice(span.start, span.end)), span.start));
    } catch (e) {
      // The scanner accepted what JSON.parse refused: report at the value's start.
      const { line, col } = lineIndex().pos(span.start);
      const why = e instanceof Error ? e.message : String(e);
      return { path, text, syntax: 'json', error: new InputError(path, `invalid JSON: ${why}`, line, col) };
    }
  }
  return { path, text, syntax: 'json', docs };
}

function parseYaml(path: string, text: string): ParsedFile {
  const lineCounter = new LineCounter();
  let documents: Array<Document.Parsed>;
  try {
    // prettyErrors computes a context excerpt per error: quadratic on a long line full of
    // errors (100 KB of `"` took 18 s). Positions come from the LineCounter instead.
    // logLevel 'error': no process warnings (e.g. about collection keys) on the CLI's stderr.
    const all = parseAllDocuments(text, { lineCounter, prettyErrors: false, logLevel: 'error' });
    documents = Array.isArray(all) ? all : [];
  } catch (e) {
    return yamlFailure(path, text, `the YAML parser gave up: ${e instanceof Error ? e.message : String(e)}`, 1, 1);
  }
  const docs: Doc[] = [];
  for (const doc of documents) {
    const err = doc.errors[0];
    if (err) {
      const opening = err.code === 'MISSING_CHAR' ? openingQuote(text, err.pos[0], err.message) : undefined;
      if (opening !== undefined) {
        const pos = lineCounter.linePos(opening);
        return yamlFailure(path, text, 'missing closing quote: the string that starts here is never closed', pos.line, pos.col);
      }
      const pos = lineCounter.linePos(err.pos[0]);
      return yamlFailure(path, text, firstLine(err.message), pos.line, pos.col);
    }
    const contents = doc.contents;
    if (contents === null) continue; // an empty document (`---` at the end, only comments)
    const start = contents.range[0];
    // A collection used as a mapping key (`? [a]: b`, `{{a: b}: c}`) is never printed by kubectl
    // or the aws CLI, and converting it to JS is exponential in its depth.
    const complexKey = findCollectionKey(doc);
    if (complexKey !== undefined) {
      const pos = lineCounter.linePos(complexKey);
      return yamlFailure(path, text, 'a collection used as a mapping key is not supported', pos.line, pos.col);
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      const pos = lineCounter.linePos(start);
      return yamlFailure(path, text, firstLine(e instanceof Error ? e.message : String(e)), pos.line, pos.col);
    }
    if (value === null || value === undefined) continue; // `---` with nothing after it
    docs.push({
      value,
      line: lineCounter.linePos(start).line,
      itemLines: (p) => {
        const node: unknown = doc.getIn(p, true);
        if (!isSeq(node)) return [];
        return node.items.map((it) => (isNode(it) && it.range ? lineCounter.linePos(it.range[0]).line : undefined));
      },
      lineOf: (p) => {
        const node: unknown = p.length === 0 ? contents : doc.getIn(p, true);
        return isNode(node) && node.range ? lineCounter.linePos(node.range[0]).line : undefined;
      },
    });
  }
  const structured = docs.some((d) => typeof d.value === 'object' && d.value !== null);
  return structured ? { path, text, syntax: 'yaml', docs } : { path, text, syntax: 'text' };
}

function yamlFailure(path: string, text: string, message: string, line: number, col: number): ParsedFile {
  if (looksLikeK8sManifest(text)) {
    return { path, text, syntax: 'yaml', error: new InputError(path, `invalid YAML: ${message}`, line, col) };
  }
  return { path, text, syntax: 'text', yamlProblem: `line ${line}:${col}: ${message}` };
}

/** Offset of the first mapping key that is a map or a sequence, if any. */
function findCollectionKey(doc: Document.Parsed): number | undefined {
  let found: number | undefined;
  try {
    visit(doc, {
      Pair(_, pair) {
        if (isCollection(pair.key)) {
          found = pair.key.range?.[0] ?? 0;
          return visit.BREAK;
        }
        return undefined;
      },
    });
  } catch {
    // Nesting too deep to walk: refuse it the same way.
    return 0;
  }
  return found;
}

/**
 * yaml reports an unclosed quoted string where the file ends; the user needs where it starts:
 * the last quote before that point that opens a scalar (after a blank, `:`, `-`, `,`, `[`, `{`).
 */
function openingQuote(text: string, end: number, message: string): number | undefined {
  const q = /closing "quote/.test(message) ? '"' : /closing 'quote/.test(message) ? "'" : undefined;
  if (q === undefined) return undefined;
  let i = text.lastIndexOf(q, Math.min(end, text.length) - 1);
  while (i >= 0) {
    const before = i === 0 ? '\n' : text[i - 1]!;
    if (/[\s:,[{-]/.test(before)) return i;
    i = i === 0 ? -1 : text.lastIndexOf(q, i - 1);
  }
  return undefined;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
