// Python: requirements.txt (pip's format), poetry.lock / uv.lock / pdm.lock (TOML), and
// Pipfile.lock (JSON). boto3, botocore and awscli are judged separately: each has its own
// minimum, and the credential chain itself lives in botocore.

import type { Recogniser } from '../../evidence/offline/types.js';
import { SDK_FORMAT } from '../formats.js';
import { normalisePypi, pypiSdk } from '../packages.js';
import { readTomlTables, TomlError } from '../toml.js';
import { DepList, inputError, isObject, sdkFact, singleDoc, str, textLines } from './common.js';

// ---------------------------------------------------------------------------------------------
// requirements.txt

type ReqLine =
  | { readonly kind: 'option'; readonly known: boolean }
  | { readonly kind: 'url' }
  | { readonly kind: 'requirement'; readonly name: string; readonly version: string; readonly pipOnly: boolean };

const KNOWN_OPTION =
  /^(?:-r|-c|-e|-i|-f|--requirement|--constraint|--editable|--index-url|--extra-index-url|--find-links|--trusted-host|--no-binary|--only-binary|--prefer-binary|--require-hashes|--pre|--hash|--use-feature|--no-index)(?:[\s=]|$)/;
const URL_OR_PATH = /^(?:[A-Za-z][A-Za-z0-9+.-]*:\/\/|\.{1,2}\/|\/)\S*$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*/;
const CLAUSE = /^(===|==|!=|~=|<=|>=|<|>)\s*([A-Za-z0-9.*+!_-]+)$/;

/** One logical line of a requirements file; null when the line is not pip's syntax. */
export function parseRequirementLine(raw: string): ReqLine | null | 'blank' {
  const hash = raw.search(/(?:^|\s)#/);
  const t = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
  if (t === '') return 'blank';
  if (t.startsWith('-')) return { kind: 'option', known: KNOWN_OPTION.test(t) };
  if (URL_OR_PATH.test(t)) return { kind: 'url' };
  const m = NAME.exec(t);
  if (!m) return null;
  const name = m[0];
  if (/[._-]$/.test(name)) return null;
  let rest = t.slice(name.length).trimStart();
  let pipOnly = false;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0 || !/^[A-Za-z0-9._,\s-]*$/.test(rest.slice(1, close))) return null;
    rest = rest.slice(close + 1).trimStart();
    pipOnly = true;
  }
  if (rest.startsWith('@')) {
    const url = rest.slice(1).split(';')[0]?.trim() ?? '';
    return url === '' ? null : { kind: 'requirement', name, version: url, pipOnly: true };
  }
  const semi = rest.indexOf(';');
  if (semi >= 0) {
    if (rest.slice(semi + 1).trim() === '') return null;
    pipOnly = true;
    rest = rest.slice(0, semi);
  }
  // per-requirement options (`--hash=...`) follow the specifiers
  const opt = rest.search(/(?:^|\s)--/);
  if (opt >= 0) {
    pipOnly = true;
    rest = rest.slice(0, opt);
  }
  let spec = rest.trim();
  if (spec.startsWith('(') && spec.endsWith(')')) spec = spec.slice(1, -1).trim();
  if (spec === '') return { kind: 'requirement', name, version: '*', pipOnly };
  const clauses = spec.split(',').map((c) => c.trim());
  const parsed = clauses.map((c) => CLAUSE.exec(c));
  if (parsed.some((p) => p === null)) return null;
  const only = parsed.length === 1 ? parsed[0] : null;
  const version = only && (only[1] === '==' || only[1] === '===') && !(only[2] ?? '').includes('*') ? (only[2] ?? '') : clauses.join(',');
  return { kind: 'requirement', name, version, pipOnly: true };
}

export const requirementsRecogniser: Recogniser = {
  format: SDK_FORMAT.requirements,
  reads: 'text',
  recognise(input, source) {
    // pip joins a line ending in a backslash with the next one
    const logical: string[] = [];
    let pending = '';
    for (const line of textLines(input.text)) {
      if (line.endsWith('\\')) pending += `${line.slice(0, -1)} `;
      else {
        logical.push(pending + line);
        pending = '';
      }
    }
    if (pending !== '') logical.push(pending);
    const list = new DepList();
    let requirements = 0;
    let evidence = false;
    for (const line of logical) {
      const r = parseRequirementLine(line);
      if (r === 'blank') continue;
      if (r === null) return null;
      if (r.kind === 'option') evidence ||= r.known;
      else if (r.kind === 'requirement') {
        requirements++;
        const sdk = pypiSdk(r.name);
        evidence ||= r.pipOnly || sdk !== null;
        list.add(sdk, normalisePypi(r.name), r.version);
      }
    }
    if (requirements === 0 || !evidence) return null;
    return [sdkFact(source, SDK_FORMAT.requirements, list.deps)];
  },
};

// ---------------------------------------------------------------------------------------------
// poetry.lock, uv.lock, pdm.lock

const PACKAGE_TABLE = /^\[\[package\]\][ \t]*$/m;

function tomlLockFormat(text: string): string | null {
  if (!PACKAGE_TABLE.test(text) && !/^\[metadata\]/m.test(text)) return null;
  if (/^\[metadata\]/m.test(text) && /^(?:lock-version|content-hash)\s*=/m.test(text)) return SDK_FORMAT.poetryLock;
  if (/^\[metadata\]/m.test(text) && /^(?:lock_version|content_hash)\s*=/m.test(text)) return SDK_FORMAT.pdmLock;
  if (/^version\s*=\s*\d+\s*$/m.test(text) && /^requires-python\s*=/m.test(text) && PACKAGE_TABLE.test(text)) return SDK_FORMAT.uvLock;
  return null;
}

export const pythonTomlLockRecogniser: Recogniser = {
  format: 'poetry.lock / uv.lock / pdm.lock',
  reads: 'text',
  recognise(input, source) {
    const format = tomlLockFormat(input.text);
    if (format === null) return null;
    let tables;
    try {
      tables = readTomlTables(input.text);
    } catch (e) {
      if (e instanceof TomlError) throw inputError(input, format, e.message, e.line);
      throw e;
    }
    const list = new DepList();
    for (const t of tables) {
      if (t.name !== 'package' || !t.array) continue;
      const name = t.values.get('name');
      if (name === undefined) throw inputError(input, format, '[[package]] without a name', t.line);
      // poetry before 1.2 marked development-only packages with category = "dev"
      if (t.values.get('category') === 'dev') continue;
      list.add(pypiSdk(name), normalisePypi(name), t.values.get('version') ?? '');
    }
    return [sdkFact(source, format, list.deps)];
  },
};

// ---------------------------------------------------------------------------------------------
// Pipfile.lock

export const pipfileLockRecogniser: Recogniser = {
  format: SDK_FORMAT.pipfileLock,
  reads: 'structured',
  recognise(input, source) {
    const doc = singleDoc(input);
    if (!isObject(doc) || !isObject(doc['_meta']) || !('default' in doc)) return null;
    const format = SDK_FORMAT.pipfileLock;
    const deps = doc['default'];
    if (!isObject(deps)) throw inputError(input, format, '"default" is not an object');
    const list = new DepList();
    // "develop" holds development-only packages: not installed by `pipenv install --deploy`.
    for (const [name, entry] of Object.entries(deps)) {
      if (!isObject(entry)) throw inputError(input, format, `default["${name}"] is not an object`);
      const pinned = str(entry['version']);
      const git = str(entry['git']);
      const path = str(entry['path']) ?? str(entry['file']);
      const version = pinned !== undefined ? pinned.replace(/^===?/, '') : git !== undefined ? `git+${git}` : path !== undefined ? `file:${path}` : '*';
      list.add(pypiSdk(name), normalisePypi(name), version);
    }
    return [sdkFact(source, format, list.deps)];
  },
};
