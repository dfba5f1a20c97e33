// npm-family lockfiles: package-lock.json / npm-shrinkwrap.json (v1, v2, v3), yarn.lock
// (classic v1 text and berry YAML) and pnpm-lock.yaml (v5, v6, v9). Lockfiles list every
// installed copy of a package; dev-only entries are left out where the format marks them
// (npm `dev: true`, pnpm v5/v6 `dev: true`), since they do not ship in a production image.

import type { Recogniser } from '../../evidence/offline/types.js';
import { SDK_FORMAT } from '../formats.js';
import { npmSdk } from '../packages.js';
import { DepList, inputError, isObject, sdkFact, singleDoc, str, textLines } from './common.js';

/** `@scope/name@range` or `name@range` -> name; npm aliases `alias@npm:real@range` -> real. */
export function npmSpecName(spec: string): string {
  const npm = spec.indexOf('@npm:');
  const s = npm > 0 ? spec.slice(npm + 5) : spec;
  const at = s.indexOf('@', 1);
  return at > 0 ? s.slice(0, at) : s;
}

function aliasTarget(version: string): { name: string; version: string } | null {
  if (!version.startsWith('npm:')) return null;
  const body = version.slice(4);
  const at = body.lastIndexOf('@');
  return at > 0 ? { name: body.slice(0, at), version: body.slice(at + 1) } : null;
}

export const packageLockRecogniser: Recogniser = {
  format: SDK_FORMAT.packageLock,
  reads: 'structured',
  recognise(input, source) {
    const doc = singleDoc(input);
    if (!isObject(doc)) return null;
    const lv = doc['lockfileVersion'];
    if (typeof lv !== 'number' || (lv !== 1 && lv !== 2 && lv !== 3)) return null;
    if (!('packages' in doc) && !('dependencies' in doc)) return null;
    if ('importers' in doc || 'specifiers' in doc) return null;
    const format = SDK_FORMAT.packageLock;
    const list = new DepList();
    if ('packages' in doc) {
      const packages = doc['packages'];
      if (!isObject(packages)) throw inputError(input, format, '"packages" is not an object');
      for (const [key, entry] of Object.entries(packages)) {
        if (!isObject(entry)) throw inputError(input, format, `packages["${key}"] is not an object`);
        const at = key.lastIndexOf('node_modules/');
        if (at < 0 || entry['link'] === true || entry['dev'] === true) continue;
        const name = str(entry['name']) ?? key.slice(at + 'node_modules/'.length);
        const version = str(entry['version']) ?? str(entry['resolved']) ?? '';
        const alias = aliasTarget(version);
        if (alias) list.add(npmSdk(alias.name), alias.name, alias.version);
        else list.add(npmSdk(name), name, version);
      }
    } else {
      const stack: unknown[] = [doc['dependencies']];
      while (stack.length > 0) {
        const deps = stack.pop();
        if (deps === undefined) continue;
        if (!isObject(deps)) throw inputError(input, format, '"dependencies" is not an object');
        for (const [name, entry] of Object.entries(deps)) {
          if (!isObject(entry)) throw inputError(input, format, `dependencies["${name}"] is not an object`);
          if ('dependencies' in entry) stack.push(entry['dependencies']);
          if (entry['dev'] === true) continue;
          const version = str(entry['version']) ?? '';
          const alias = aliasTarget(version);
          if (alias) list.add(npmSdk(alias.name), alias.name, alias.version);
          else list.add(npmSdk(name), name, version);
        }
      }
    }
    return [sdkFact(source, format, list.deps)];
  },
};

export const yarnClassicRecogniser: Recogniser = {
  format: SDK_FORMAT.yarnClassic,
  reads: 'text',
  recognise(input, source) {
    const lines = textLines(input.text);
    if (!lines.slice(0, 10).some((l) => l.trim() === '# yarn lockfile v1')) return null;
    const format = SDK_FORMAT.yarnClassic;
    const list = new DepList();
    let header: { name: string; line: number } | null = null;
    let version: string | null = null;
    const close = (): void => {
      if (header === null) return;
      if (version === null) throw inputError(input, format, `entry "${header.name}" has no version`, header.line);
      list.add(npmSdk(header.name), header.name, version);
    };
    lines.forEach((line, i) => {
      if (line.trim() === '' || line.trimStart().startsWith('#')) return;
      if (!/^\s/.test(line)) {
        close();
        if (!line.endsWith(':')) throw inputError(input, format, `expected an entry header ending with ':'`, i + 1);
        const first = line.slice(0, -1).split(',')[0]?.trim().replace(/^"|"$/g, '') ?? '';
        header = { name: npmSpecName(first), line: i + 1 };
        version = null;
        return;
      }
      const m = /^ {2}version:? +"?([^"\s]*)"?\s*$/.exec(line);
      if (m && header !== null) version = m[1] ?? '';
    });
    close();
    return [sdkFact(source, format, list.deps)];
  },
};

export const yarnBerryRecogniser: Recogniser = {
  format: SDK_FORMAT.yarnBerry,
  reads: 'structured',
  recognise(input, source) {
    const doc = singleDoc(input);
    if (!isObject(doc) || !isObject(doc['__metadata']) || !('version' in doc['__metadata'])) return null;
    const format = SDK_FORMAT.yarnBerry;
    const list = new DepList();
    for (const [key, entry] of Object.entries(doc)) {
      if (key === '__metadata') continue;
      if (!isObject(entry)) throw inputError(input, format, `entry "${key}" is not a mapping`);
      if (entry['linkType'] === 'soft') continue;
      const resolution = str(entry['resolution']) ?? key.split(',')[0]?.trim() ?? '';
      const at = resolution.indexOf('@', 1);
      const name = at > 0 ? resolution.slice(0, at) : resolution;
      list.add(npmSdk(name), name, str(entry['version']) ?? '');
    }
    return [sdkFact(source, format, list.deps)];
  },
};

/** pnpm package keys: v5 `/name/1.0.0_peer`, v6 `/name@1.0.0(peer)`, v9 `name@1.0.0`. */
export function pnpmKey(key: string, major: number): { name: string; version: string } | null {
  const k = key.startsWith('/') ? key.slice(1) : key;
  if (major < 6) {
    const parts = k.split('/');
    const scoped = parts[0]?.startsWith('@') === true;
    const name = scoped ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? '');
    const version = (scoped ? parts[2] : parts[1])?.split('_')[0];
    return version !== undefined && name !== '' ? { name, version } : null;
  }
  const paren = k.indexOf('(');
  const bare = paren >= 0 ? k.slice(0, paren) : k;
  const at = bare.lastIndexOf('@');
  return at > 0 ? { name: bare.slice(0, at), version: bare.slice(at + 1) } : null;
}

export const pnpmLockRecogniser: Recogniser = {
  format: SDK_FORMAT.pnpmLock,
  reads: 'structured',
  recognise(input, source) {
    const doc = singleDoc(input);
    if (!isObject(doc)) return null;
    const lv = doc['lockfileVersion'];
    const major = typeof lv === 'string' ? Number.parseFloat(lv) : typeof lv === 'number' ? lv : Number.NaN;
    if (!Number.isFinite(major) || major < 5) return null;
    if (!['importers', 'packages', 'dependencies', 'specifiers', 'snapshots', 'settings'].some((k) => k in doc)) return null;
    const format = SDK_FORMAT.pnpmLock;
    const list = new DepList();
    const packages = doc['packages'];
    if (packages !== undefined && packages !== null) {
      if (!isObject(packages)) throw inputError(input, format, '"packages" is not a mapping');
      for (const [key, entry] of Object.entries(packages)) {
        if (!isObject(entry)) throw inputError(input, format, `packages["${key}"] is not a mapping`);
        if (entry['dev'] === true) continue;
        const named = str(entry['name']);
        const parsed = named !== undefined ? { name: named, version: str(entry['version']) ?? '' } : pnpmKey(key, major);
        if (parsed) list.add(npmSdk(parsed.name), parsed.name, parsed.version);
      }
    }
    return [sdkFact(source, format, list.deps)];
  },
};
