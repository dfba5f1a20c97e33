// SBOMs: CycloneDX JSON (components, nested components, by purl; Maven components without a purl
// by group/name) and SPDX JSON (packages, by their `purl` external reference). Scanners such as
// syft list what is installed in an image, transitive packages included; CycloneDX components
// with `scope: "excluded"` are not part of the runtime and are left out.

import type { Recogniser } from '../../evidence/offline/types.js';
import { SDK_FORMAT } from '../formats.js';
import { mavenSdk, parsePurl, purlSdk } from '../packages.js';
import { DepList, inputError, isObject, sdkFact, singleDoc, str } from './common.js';

function addPurl(list: DepList, purl: string | undefined, fallbackVersion: string | undefined): boolean {
  if (purl === undefined) return false;
  const p = parsePurl(purl);
  if (!p) return false;
  const hit = purlSdk(p);
  if (hit) list.add(hit.sdk, hit.package, hit.version !== '' ? hit.version : (fallbackVersion ?? ''));
  return true;
}

export const cyclonedxRecogniser: Recogniser = {
  format: SDK_FORMAT.cyclonedx,
  reads: 'structured',
  recognise(input, source) {
    const doc = singleDoc(input);
    if (!isObject(doc) || doc['bomFormat'] !== 'CycloneDX') return null;
    const format = SDK_FORMAT.cyclonedx;
    const list = new DepList();
    const stack: Array<{ value: unknown; where: string }> = [{ value: doc['components'], where: 'components' }];
    while (stack.length > 0) {
      const next = stack.pop();
      if (next === undefined || next.value === undefined) continue;
      if (!Array.isArray(next.value)) throw inputError(input, format, `"${next.where}" is not an array`);
      const items: unknown[] = next.value;
      // pushed in reverse so that components come out in file order
      for (let i = items.length - 1; i >= 0; i--) {
        const c = items[i];
        if (!isObject(c)) throw inputError(input, format, `${next.where}[${i}] is not an object`);
        if ('components' in c) stack.push({ value: c['components'], where: `${next.where}[${i}].components` });
      }
      for (const c of items) {
        if (!isObject(c) || c['scope'] === 'excluded') continue;
        const version = str(c['version']);
        if (addPurl(list, str(c['purl']), version)) continue;
        const group = str(c['group']);
        const name = str(c['name']);
        if (group !== undefined && name !== undefined) list.add(mavenSdk(group, name), `${group}:${name}`, version ?? '');
      }
    }
    return [sdkFact(source, format, list.deps)];
  },
};

export const spdxRecogniser: Recogniser = {
  format: SDK_FORMAT.spdx,
  reads: 'structured',
  recognise(input, source) {
    const doc = singleDoc(input);
    if (!isObject(doc) || typeof doc['spdxVersion'] !== 'string' || !doc['spdxVersion'].startsWith('SPDX-')) return null;
    const format = SDK_FORMAT.spdx;
    const packages = doc['packages'];
    if (packages !== undefined && !Array.isArray(packages)) throw inputError(input, format, '"packages" is not an array');
    const list = new DepList();
    (Array.isArray(packages) ? packages : []).forEach((p: unknown, i) => {
      if (!isObject(p)) throw inputError(input, format, `packages[${i}] is not an object`);
      const refs = p['externalRefs'];
      if (refs === undefined) return;
      if (!Array.isArray(refs)) throw inputError(input, format, `packages[${i}].externalRefs is not an array`);
      for (const r of refs) {
        if (!isObject(r) || r['referenceType'] !== 'purl') continue;
        addPurl(list, str(r['referenceLocator']), str(p['versionInfo']));
      }
    });
    return [sdkFact(source, format, list.deps)];
  },
};
