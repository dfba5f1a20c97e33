// go.mod: `require` (single lines and blocks, `// indirect` included: those modules are built in)
// and `replace` directives, which change the version that is built. A replacement by a local
// directory has no version: the dependency then says so, and is judged unknown.

import type { Recogniser } from '../../evidence/offline/types.js';
import { SDK_FORMAT } from '../formats.js';
import { goSdk } from '../packages.js';
import { DepList, inputError, sdkFact, textLines } from './common.js';

const DIRECTIVES = new Set(['module', 'go', 'toolchain', 'godebug', 'require', 'replace', 'exclude', 'retract', 'tool', 'ignore']);

/** Strip a `//` comment that is not inside a quoted path. */
function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === '`') quote = c;
    else if (c === '/' && line[i + 1] === '/') return line.slice(0, i);
  }
  return line;
}

function tokens(s: string): string[] {
  return s
    .trim()
    .split(/\s+/)
    .filter((t) => t !== '')
    .map((t) => t.replace(/^["`]|["`]$/g, ''));
}

interface Replacement {
  readonly fromVersion: string | null;
  readonly to: string;
  readonly toVersion: string | null;
}

export const goModRecogniser: Recogniser = {
  format: SDK_FORMAT.goMod,
  reads: 'text',
  recognise(input, source) {
    const lines = textLines(input.text).map(stripComment);
    const first = lines.find((l) => l.trim() !== '');
    if (first === undefined || !/^module\s+\S/.test(first.trim())) return null;
    if (!lines.some((l) => /^(?:go|require)(?:\s|\()/.test(l.trim()))) return null;
    const format = SDK_FORMAT.goMod;
    const requires: Array<{ path: string; version: string }> = [];
    const replaces = new Map<string, Replacement[]>();
    const take = (verb: string, args: string[], line: number): void => {
      if (verb === 'require') {
        const [path, version] = args;
        if (path === undefined || version === undefined || args.length !== 2) throw inputError(input, format, 'require needs a module path and a version', line);
        requires.push({ path, version });
      } else if (verb === 'replace') {
        const arrow = args.indexOf('=>');
        if (arrow < 1 || arrow > 2 || args.length < arrow + 2 || args.length > arrow + 3) {
          throw inputError(input, format, 'replace needs "old [version] => new [version]"', line);
        }
        const from = args[0] ?? '';
        const r: Replacement = { fromVersion: arrow === 2 ? (args[1] ?? null) : null, to: args[arrow + 1] ?? '', toVersion: args[arrow + 2] ?? null };
        const list = replaces.get(from);
        if (list) list.push(r);
        else replaces.set(from, [r]);
      }
    };
    let block: { verb: string; line: number } | null = null;
    lines.forEach((raw, i) => {
      const l = raw.trim();
      if (l === '') return;
      if (block !== null) {
        if (l === ')') {
          block = null;
          return;
        }
        take(block.verb, tokens(l), i + 1);
        return;
      }
      const verb = /^[a-z]+/.exec(l)?.[0] ?? '';
      // Directives newer than this reader are skipped, not refused.
      if (!DIRECTIVES.has(verb)) {
        if (l.endsWith('(')) block = { verb: '', line: i + 1 };
        return;
      }
      const rest = l.slice(verb.length).trim();
      if (rest === '(') {
        block = { verb, line: i + 1 };
        return;
      }
      if (rest.startsWith('(')) throw inputError(input, format, `"${verb} (" must end its line`, i + 1);
      take(verb, tokens(rest), i + 1);
    });
    const open = block as { verb: string; line: number } | null;
    if (open !== null) throw inputError(input, format, `"${open.verb} (" block is never closed`, open.line);
    const list = new DepList();
    for (const { path, version } of requires) {
      const sdk = goSdk(path);
      if (sdk === null) continue;
      const r = (replaces.get(path) ?? []).find((x) => x.fromVersion === version) ?? (replaces.get(path) ?? []).find((x) => x.fromVersion === null);
      if (!r) list.add(sdk, path, version);
      else if (r.toVersion !== null) list.add(sdk, path, r.toVersion);
      else list.add(sdk, path, `replaced by ${r.to}`);
    }
    return [sdkFact(source, format, list.deps)];
  },
};
