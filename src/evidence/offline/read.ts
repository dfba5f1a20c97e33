// `irsa-doctor diagnose --from PATH...`: reads files and folders, recognises each file by its
// content (never its name) and returns the facts with a per-file account of what was read.
// Nothing is thrown for bad input: every problem is an InputError in the result, so the CLI
// can print them all at once.

import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../facts.js';
import type { Fact } from '../facts.js';
import { parseFile } from './parse.js';
import { defaultRecognisers, recogniseFile } from './dispatch.js';
import type { RecogniserSets } from './dispatch.js';

export const DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024;

export interface ReadOptions {
  /** Files larger than this are not read (default 5 MiB). */
  maxFileBytes?: number;
  /** The recognisers to try (default: every recogniser, see dispatch.ts). */
  recognisers?: RecogniserSets;
}

export interface FileReport {
  path: string;
  /** The recognised format(s), joined with " + "; null when nothing recognised the file. */
  format: string | null;
  facts: number;
  /** For an unrecognised file: what it looks like and what to give instead. */
  note?: string;
}

export interface ReadResult {
  facts: Fact[];
  /** Every file that was read and parsed (recognised or not), in reading order. */
  files: FileReport[];
  /** Paths of the files nothing recognised (their `note` says why). */
  unrecognised: string[];
  /** Unreadable, binary, oversized, malformed or missing inputs; NoInputError for empty input. */
  errors: InputError[];
  /** Parts of recognised files that were skipped (a document of a multi-document file). */
  warnings: InputError[];
}

/**
 * There was nothing to read: no paths, or a folder with no files. The CLI turns it into a
 * usage error (exit 2 with the usage line) rather than a per-file problem.
 */
export class NoInputError extends InputError {
  constructor(path: string, message: string) {
    super(path, message);
    this.name = 'NoInputError';
  }
  override toString(): string {
    return this.path === '' ? this.message : `${this.path}: ${this.message}`;
  }
}

const SKIPPED_DIRS = new Set(['node_modules']);

function isSkippedName(name: string): boolean {
  return name.startsWith('.') || SKIPPED_DIRS.has(name);
}

function errnoMessage(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'too many levels of symbolic links (a symlink loop?)';
    case 'ENOTDIR':
      return 'a path component is not a folder';
    case 'EISDIR':
      return 'is a folder';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}

interface Expanded {
  files: string[];
  errors: InputError[];
}

/**
 * Expands the paths into files: folders are walked recursively in sorted order, skipping
 * hidden entries (`.git`, dotfiles) and `node_modules`; symlinks are followed, loops are not.
 * A file named explicitly is read even when hidden. The same file (by real path) is read once.
 */
export async function expandPaths(paths: readonly string[]): Promise<Expanded> {
  const files: string[] = [];
  const errors: InputError[] = [];
  const seenFiles = new Set<string>();
  const addFile = async (p: string): Promise<void> => {
    let real: string;
    try {
      real = await realpath(p);
    } catch {
      real = p;
    }
    if (seenFiles.has(real)) return;
    seenFiles.add(real);
    files.push(p);
  };

  const walk = async (dir: string, ancestors: ReadonlySet<string>): Promise<number> => {
    let real: string;
    try {
      real = await realpath(dir);
    } catch (e) {
      errors.push(new InputError(dir, errnoMessage(e)));
      return 0;
    }
    if (ancestors.has(real)) return 0; // a symlink back up the tree
    const inside = new Set(ancestors).add(real);
    let names: string[];
    try {
      names = (await readdir(dir)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    } catch (e) {
      errors.push(new InputError(dir, `cannot list the folder: ${errnoMessage(e)}`));
      return 0;
    }
    let count = 0;
    for (const name of names) {
      if (isSkippedName(name)) continue;
      const p = join(dir, name);
      let st: Stats;
      try {
        st = await stat(p); // follows symlinks
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        errors.push(new InputError(p, code === 'ENOENT' ? 'broken symbolic link' : errnoMessage(e)));
        continue;
      }
      if (st.isDirectory()) count += await walk(p, inside);
      else if (st.isFile()) {
        await addFile(p);
        count++;
      } else errors.push(new InputError(p, 'not a regular file (a socket, FIFO or device): skipped'));
    }
    return count;
  };

  if (paths.length === 0) {
    errors.push(new NoInputError('', 'no input given: pass files or folders of saved command outputs with --from'));
    return { files, errors };
  }
  for (const p of paths) {
    let st: Stats;
    try {
      st = await stat(p);
    } catch (e) {
      errors.push(new InputError(p, errnoMessage(e)));
      continue;
    }
    if (st.isDirectory()) {
      const n = await walk(p, new Set());
      if (n === 0) errors.push(new NoInputError(p, 'the folder holds no files to read (hidden files, .git and node_modules are skipped)'));
    } else if (st.isFile()) await addFile(p);
    else errors.push(new InputError(p, 'not a regular file or folder (a socket, FIFO or device)'));
  }
  return { files, errors };
}

/** "12.3 MiB", "5 MiB", "800 KiB", "12 bytes". */
export function formatSize(bytes: number): string {
  const units: Array<[number, string]> = [
    [1024 * 1024 * 1024, 'GiB'],
    [1024 * 1024, 'MiB'],
    [1024, 'KiB'],
  ];
  for (const [size, unit] of units) {
    if (bytes >= size) {
      const v = bytes / size;
      return `${Number.isInteger(v) ? v : v.toFixed(1)} ${unit}`;
    }
  }
  return `${bytes} byte${bytes === 1 ? '' : 's'}`;
}

function sizeMessage(size: number, max: number): string {
  let shown = formatSize(size);
  // 5 MiB + 10 bytes would print as "5.0 MiB, over the 5 MiB limit": say the bytes then.
  if (Number.parseFloat(shown) === Number.parseFloat(formatSize(max)) && shown.split(' ')[1] === formatSize(max).split(' ')[1]) {
    shown = `${size} bytes`;
  }
  return `file is ${shown}, over the ${formatSize(max)} limit (pass a smaller extract, e.g. one \`--query\` or one object)`;
}

const BINARY = 'binary file, expected text output of aws/kubectl';

/** Decodes a file's bytes as text, or says why it is not text. */
export function decodeText(buf: Uint8Array): { text: string } | { problem: string } {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  // Windows PowerShell 5's `>` writes UTF-16LE with a byte-order mark.
  if (b.length >= 2 && ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff))) {
    const le = b[0] === 0xff;
    const body = Buffer.from(b.subarray(2));
    if (body.length % 2 !== 0) return { problem: `${BINARY} (a UTF-16 byte-order mark, then an odd number of bytes)` };
    if (!le) body.swap16();
    try {
      return { text: new TextDecoder('utf-16le', { fatal: true }).decode(body) };
    } catch {
      return { problem: `${BINARY} (a UTF-16 byte-order mark, then invalid UTF-16)` };
    }
  }
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return { problem: `${BINARY} (gzip-compressed: decompress it first)` };
  if (b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04) {
    return { problem: `${BINARY} (a zip archive: extract it first)` };
  }
  if (b.includes(0)) {
    return { problem: looksUtf16WithoutBom(b) ? `${BINARY} (UTF-16 text without a byte-order mark? save it as UTF-8)` : BINARY };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    return { problem: `${BINARY} (not valid UTF-8)` };
  }
  // Control characters other than tab, newlines, form feed and escape (terminal colours).
  let control = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c && c !== 0x1b) || c === 0x7f) control++;
  }
  if (text.length > 0 && control / text.length > 0.05) return { problem: `${BINARY} (${control} control characters)` };
  return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
}

function looksUtf16WithoutBom(b: Buffer): boolean {
  const n = Math.min(b.length, 2000) & ~1;
  if (n < 4) return false;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (b[i] === 0) evenZero++;
    if (b[i + 1] === 0) oddZero++;
  }
  const pairs = n / 2;
  return (oddZero / pairs > 0.6 && evenZero === 0) || (evenZero / pairs > 0.6 && oddZero === 0);
}

/** Reads one file's bytes into facts. Never throws. */
async function readOne(path: string, maxBytes: number, sets: RecogniserSets, out: ReadResult): Promise<void> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (e) {
    out.errors.push(new InputError(path, errnoMessage(e)));
    return;
  }
  if (size > maxBytes) {
    out.errors.push(new InputError(path, sizeMessage(size, maxBytes)));
    return;
  }
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    out.errors.push(new InputError(path, errnoMessage(e)));
    return;
  }
  // The file may have grown between stat and read.
  if (buf.length > maxBytes) {
    out.errors.push(new InputError(path, sizeMessage(buf.length, maxBytes)));
    return;
  }
  const decoded = decodeText(buf);
  if ('problem' in decoded) {
    out.errors.push(new InputError(path, decoded.problem));
    return;
  }
  const outcome = recogniseFile(parseFile(path, decoded.text), sets);
  out.warnings.push(...outcome.unclaimed);
  if (outcome.error) {
    out.errors.push(outcome.error);
    return;
  }
  out.facts.push(...outcome.facts);
  const report: FileReport = { path, format: outcome.formats.length ? outcome.formats.join(' + ') : null, facts: outcome.facts.length };
  if (outcome.note !== undefined) report.note = outcome.note;
  out.files.push(report);
  if (report.format === null) out.unrecognised.push(path);
}

export async function readInputs(paths: string[], opts: ReadOptions = {}): Promise<ReadResult> {
  const maxBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const sets = opts.recognisers ?? defaultRecognisers();
  const { files, errors } = await expandPaths(paths);
  const out: ReadResult = { facts: [], files: [], unrecognised: [], errors, warnings: [] };
  for (const f of files) await readOne(f, maxBytes, sets, out);
  return out;
}
