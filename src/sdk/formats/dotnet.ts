// .NET: NuGet's packages.lock.json (every package, transitive ones included), MSBuild project
// files (.csproj/.fsproj/.vbproj and Directory.Packages.props: PackageReference and PackageVersion
// items, Version as an attribute or a child element, `$(Property)` from the same file), and the
// older packages.config. NuGet ids are case-insensitive.

import type { Recogniser } from '../../evidence/offline/types.js';
import { SDK_FORMAT } from '../formats.js';
import { canonicalNuget, nugetSdk } from '../packages.js';
import { kidText, parseXml, rootElementName, XmlError, type XmlElement } from '../xml.js';
import { DepList, inputError, isObject, sdkFact, singleDoc, str } from './common.js';

export const nugetLockRecogniser: Recogniser = {
  format: SDK_FORMAT.nugetLock,
  reads: 'structured',
  recognise(input, source) {
    const doc = singleDoc(input);
    if (!isObject(doc) || typeof doc['version'] !== 'number' || !isObject(doc['dependencies'])) return null;
    const frameworks = Object.entries(doc['dependencies']);
    const looksLikeNuget =
      frameworks.length === 0
        ? Object.keys(doc).every((k) => k === 'version' || k === 'dependencies')
        : frameworks.every(([, f]) => isObject(f) && Object.values(f).every((p) => isObject(p) && (typeof p['type'] === 'string' || 'resolved' in p)));
    if (!looksLikeNuget) return null;
    const list = new DepList();
    for (const [, packages] of frameworks) {
      if (!isObject(packages)) continue;
      for (const [name, p] of Object.entries(packages)) {
        if (!isObject(p) || p['type'] === 'Project') continue;
        list.add(nugetSdk(name), canonicalNuget(name), str(p['resolved']) ?? str(p['requested']) ?? '');
      }
    }
    return [sdkFact(source, SDK_FORMAT.nugetLock, list.deps)];
  },
};

function parseOr(input: Parameters<Recogniser['recognise']>[0], format: string): XmlElement {
  try {
    return parseXml(input.text);
  } catch (e) {
    if (e instanceof XmlError) throw inputError(input, format, e.message, e.line);
    throw e;
  }
}

/** Walk every element under `root` (iteratively). */
function* elements(root: XmlElement): Generator<XmlElement> {
  const stack: XmlElement[] = [root];
  while (stack.length > 0) {
    const el = stack.pop();
    if (el === undefined) continue;
    yield el;
    for (let i = el.children.length - 1; i >= 0; i--) {
      const c = el.children[i];
      if (c !== undefined) stack.push(c);
    }
  }
}

function resolveMsbuild(value: string, props: ReadonlyMap<string, string>): string {
  let v = value;
  for (let pass = 0; pass < 10 && v.includes('$('); pass++) {
    const next = v.replace(/\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name: string) => props.get(name.toLowerCase()) ?? whole);
    if (next === v) break;
    v = next;
  }
  return v;
}

export const msbuildRecogniser: Recogniser = {
  format: SDK_FORMAT.msbuild,
  reads: 'text',
  recognise(input, source) {
    if (rootElementName(input.text) !== 'Project') return null;
    const format = SDK_FORMAT.msbuild;
    const project = parseOr(input, format);
    const props = new Map<string, string>();
    const refs: Array<{ name: string; version: string | undefined }> = [];
    const central = new Map<string, { name: string; version: string }>();
    for (const el of elements(project)) {
      if (el.name === 'PropertyGroup') for (const c of el.children) props.set(c.name.toLowerCase(), c.text.trim());
      const name = el.attrs['Include'] ?? el.attrs['Update'];
      if (name === undefined) continue;
      const version = el.attrs['Version'] ?? el.attrs['VersionOverride'] ?? kidText(el, 'Version') ?? kidText(el, 'VersionOverride');
      if (el.name === 'PackageReference') refs.push({ name: name.trim(), version });
      else if (el.name === 'PackageVersion' && version !== undefined) central.set(name.trim().toLowerCase(), { name: name.trim(), version });
    }
    const list = new DepList();
    if (refs.length > 0) {
      for (const r of refs) list.add(nugetSdk(r.name), canonicalNuget(r.name), resolveMsbuild(r.version ?? central.get(r.name.toLowerCase())?.version ?? '', props));
    } else {
      // Directory.Packages.props: the central versions are the file's content
      for (const { name, version } of central.values()) list.add(nugetSdk(name), canonicalNuget(name), resolveMsbuild(version, props));
    }
    return [sdkFact(source, format, list.deps)];
  },
};

/** A `<package ... id=...>` tag anywhere; linear (each tag is looked at once). */
function hasPackageWithId(text: string): boolean {
  let i = text.indexOf('<package');
  while (i >= 0) {
    const close = text.indexOf('>', i);
    if (close < 0) return false;
    if (/^<package\s[\s\S]*\bid\s*=/.test(text.slice(i, close))) return true;
    i = text.indexOf('<package', close);
  }
  return false;
}

export const packagesConfigRecogniser: Recogniser = {
  format: SDK_FORMAT.packagesConfig,
  reads: 'text',
  recognise(input, source) {
    if (rootElementName(input.text) !== 'packages') return null;
    if (!hasPackageWithId(input.text) && !/<packages\s*(?:\/>|>\s*<\/packages>)/.test(input.text)) return null;
    const format = SDK_FORMAT.packagesConfig;
    const root = parseOr(input, format);
    const items = root.children.filter((c) => c.name === 'package');
    if (items.length === 0 && root.children.length > 0) return null;
    const list = new DepList();
    for (const p of items) {
      const id = p.attrs['id'];
      if (id === undefined) throw inputError(input, format, '<package> without an id', p.line);
      if (p.attrs['developmentDependency'] === 'true') continue;
      list.add(nugetSdk(id), canonicalNuget(id), p.attrs['version'] ?? '');
    }
    return [sdkFact(source, format, list.deps)];
  },
};
