// PHP: composer.lock and vendor/composer/installed.json (Composer 2). `packages-dev` and the
// `dev-package-names` are development-only and left out.

import type { Recogniser } from '../../evidence/offline/types.js';
import { SDK_FORMAT } from '../formats.js';
import { composerSdk } from '../packages.js';
import { DepList, inputError, isObject, sdkFact, singleDoc, str } from './common.js';

function addPackages(input: Parameters<Recogniser['recognise']>[0], format: string, packages: unknown, skip: ReadonlySet<string>): DepList {
  if (!Array.isArray(packages)) throw inputError(input, format, '"packages" is not an array');
  const list = new DepList();
  packages.forEach((p: unknown, i) => {
    if (!isObject(p)) throw inputError(input, format, `packages[${i}] is not an object`);
    const name = str(p['name']) ?? '';
    if (skip.has(name)) return;
    list.add(composerSdk(name), name.toLowerCase(), str(p['version']) ?? '');
  });
  return list;
}

export const composerLockRecogniser: Recogniser = {
  format: SDK_FORMAT.composerLock,
  reads: 'structured',
  recognise(input, source) {
    const doc = singleDoc(input);
    if (!isObject(doc) || !('packages' in doc) || !('content-hash' in doc || '_readme' in doc)) return null;
    const list = addPackages(input, SDK_FORMAT.composerLock, doc['packages'], new Set());
    return [sdkFact(source, SDK_FORMAT.composerLock, list.deps)];
  },
};

export const composerInstalledRecogniser: Recogniser = {
  format: SDK_FORMAT.composerInstalled,
  reads: 'structured',
  recognise(input, source) {
    const doc = singleDoc(input);
    if (!isObject(doc) || !Array.isArray(doc['packages']) || 'content-hash' in doc) return null;
    if (!('dev-package-names' in doc) && typeof doc['dev'] !== 'boolean') return null;
    const dev = doc['dev-package-names'];
    const skip = new Set(Array.isArray(dev) ? dev.filter((d): d is string => typeof d === 'string') : []);
    const list = addPackages(input, SDK_FORMAT.composerInstalled, doc['packages'], skip);
    return [sdkFact(source, SDK_FORMAT.composerInstalled, list.deps)];
  },
};
