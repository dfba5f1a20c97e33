// C++: vcpkg.json manifests (a version comes from `overrides`, a `version>=` constraint, or else
// the registry baseline, which this file does not resolve) and Conan's conanfile.txt /
// conanfile.py (`aws-sdk-cpp/<version>` references).

import type { Recogniser } from '../../evidence/offline/types.js';
import { SDK_FORMAT } from '../formats.js';
import { CPP_PACKAGE } from '../packages.js';
import { DepList, inputError, isObject, sdkFact, singleDoc, str, textLines } from './common.js';

const VCPKG_TOP_KEYS = ['builtin-baseline', 'overrides', 'version-string', 'version-semver', 'version-date', 'port-version', 'default-features', 'supports', 'vcpkg-configuration'];
const VCPKG_DEP_KEYS = ['features', 'default-features', 'version>=', 'platform', 'host'];

function depName(d: unknown): string | undefined {
  return typeof d === 'string' ? d : isObject(d) ? str(d['name']) : undefined;
}

export const vcpkgRecogniser: Recogniser = {
  format: SDK_FORMAT.vcpkg,
  reads: 'structured',
  recognise(input, source) {
    const doc = singleDoc(input);
    if (!isObject(doc) || !Array.isArray(doc['dependencies'])) return null;
    const deps: unknown[] = doc['dependencies'];
    if (!deps.every((d) => depName(d) !== undefined)) return null;
    const schema = str(doc['$schema']) ?? '';
    const vcpkgish =
      schema.includes('vcpkg') ||
      VCPKG_TOP_KEYS.some((k) => k in doc) ||
      deps.some((d) => depName(d) === CPP_PACKAGE || (isObject(d) && VCPKG_DEP_KEYS.some((k) => k in d)));
    if (!vcpkgish) return null;
    const format = SDK_FORMAT.vcpkg;
    const overrides = doc['overrides'];
    if (overrides !== undefined && !Array.isArray(overrides)) throw inputError(input, format, '"overrides" is not an array');
    const override = (Array.isArray(overrides) ? overrides : []).find((o: unknown) => isObject(o) && o['name'] === CPP_PACKAGE);
    const list = new DepList();
    for (const d of deps) {
      if (depName(d) !== CPP_PACKAGE) continue;
      let version: string;
      if (isObject(override)) {
        version = str(override['version']) ?? str(override['version-string']) ?? str(override['version-semver']) ?? '';
        const port = override['port-version'];
        if (typeof port === 'number' && version !== '') version = `${version}#${port}`;
      } else if (isObject(d) && str(d['version>=']) !== undefined) version = `>=${str(d['version>=']) ?? ''}`;
      else version = `builtin-baseline ${str(doc['builtin-baseline']) ?? '(none given)'}`;
      list.add('cpp', CPP_PACKAGE, version);
    }
    return [sdkFact(source, format, list.deps)];
  },
};

/** `aws-sdk-cpp/1.11.263@user/channel#rrev` -> version, or null when not an aws-sdk-cpp reference. */
export function conanReference(ref: string): string | null {
  const m = /^aws-sdk-cpp\/([^@#\s]+)/.exec(ref.trim());
  return m ? (m[1] ?? null) : null;
}

const CONAN_SECTIONS = ['requires', 'tool_requires', 'build_requires', 'test_requires', 'python_requires', 'generators', 'options', 'layout', 'imports', 'conf'];

export const conanTxtRecogniser: Recogniser = {
  format: SDK_FORMAT.conanTxt,
  reads: 'text',
  recognise(input, source) {
    const lines = textLines(input.text).map((l) => l.trim());
    const headers = lines.filter((l) => /^\[[a-z_]+\]$/.test(l)).map((l) => l.slice(1, -1));
    if (!headers.includes('requires') || !headers.every((h) => CONAN_SECTIONS.includes(h))) return null;
    const format = SDK_FORMAT.conanTxt;
    const list = new DepList();
    let section = '';
    lines.forEach((l, i) => {
      if (l === '' || l.startsWith('#')) return;
      if (/^\[[a-z_]+\]$/.test(l)) {
        section = l.slice(1, -1);
        return;
      }
      if (section !== 'requires') return;
      if (!/^[A-Za-z0-9_.+-]+\/\S+$/.test(l)) throw inputError(input, format, `expected "name/version" under [requires]`, i + 1);
      const version = conanReference(l);
      if (version !== null) list.add('cpp', CPP_PACKAGE, version);
    });
    return [sdkFact(source, format, list.deps)];
  },
};

export const conanPyRecogniser: Recogniser = {
  format: SDK_FORMAT.conanPy,
  reads: 'text',
  recognise(input, source) {
    const text = input.text;
    if (!/^[ \t]*from[ \t]+conans?[ \t]+import[ \t][^\n]*\bConanFile\b/m.test(text) || !/\bclass\s+\w+\s*\(\s*ConanFile\s*\)/.test(text)) return null;
    const list = new DepList();
    for (const m of text.matchAll(/"([^"\n]*)"|'([^'\n]*)'/g)) {
      const version = conanReference(m[1] ?? m[2] ?? '');
      if (version !== null) list.add('cpp', CPP_PACKAGE, version);
    }
    return [sdkFact(source, SDK_FORMAT.conanPy, list.deps)];
  },
};
