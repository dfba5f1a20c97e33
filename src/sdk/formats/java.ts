// Java: pom.xml and Gradle build scripts (Groovy and Kotlin DSL). Both are manifests: they name
// direct dependencies, their versions may come from a BOM (`dependencyManagement` import or
// Gradle `platform(...)`), and `${property}` values are resolved from the same file only.
// Test-scoped dependencies are left out. Gradle version catalogs (`libs.aws.sts`,
// gradle/libs.versions.toml) are out of scope: such dependencies are not seen.

import type { SdkId } from '../../evidence/facts.js';
import type { Recogniser } from '../../evidence/offline/types.js';
import { SDK_FORMAT } from '../formats.js';
import { mavenSdk } from '../packages.js';
import { kid, kidText, parseXml, path, rootElementName, XmlError, type XmlElement } from '../xml.js';
import { DepList, inputError, sdkFact, textLines } from './common.js';

// ---------------------------------------------------------------------------------------------
// pom.xml

/** Replace `${name}` from `props`, repeatedly (properties may refer to properties); unknown ones stay. */
export function resolveProps(value: string, props: ReadonlyMap<string, string>): string {
  let v = value;
  for (let pass = 0; pass < 10 && v.includes('${'); pass++) {
    const next = v.replace(/\$\{([^${}]+)\}/g, (whole, name: string) => props.get(name.trim()) ?? whole);
    if (next === v) break;
    v = next;
  }
  return v;
}

function pomProps(project: XmlElement): Map<string, string> {
  const props = new Map<string, string>();
  for (const p of path(project, 'properties')) for (const c of p.children) props.set(c.name, c.text.trim());
  const version = kidText(project, 'version');
  const parentVersion = kidText(kid(project, 'parent'), 'version');
  const ownVersion = version ?? parentVersion;
  if (ownVersion !== undefined) {
    for (const k of ['project.version', 'pom.version', 'version']) if (!props.has(k)) props.set(k, ownVersion);
  }
  if (parentVersion !== undefined) for (const k of ['project.parent.version', 'parent.version']) if (!props.has(k)) props.set(k, parentVersion);
  const group = kidText(project, 'groupId') ?? kidText(kid(project, 'parent'), 'groupId');
  if (group !== undefined && !props.has('project.groupId')) props.set('project.groupId', group);
  return props;
}

export const pomRecogniser: Recogniser = {
  format: SDK_FORMAT.pom,
  reads: 'text',
  recognise(input, source) {
    if (rootElementName(input.text) !== 'project') return null;
    // Ant's build.xml also has a <project> root: a POM has Maven's namespace, a modelVersion or an artifactId
    if (!/maven\.apache\.org\/POM|<modelVersion\b|<artifactId\b/.test(input.text)) return null;
    const format = SDK_FORMAT.pom;
    let project: XmlElement;
    try {
      project = parseXml(input.text);
    } catch (e) {
      if (e instanceof XmlError) throw inputError(input, format, e.message, e.line);
      throw e;
    }
    const isPom =
      kid(project, 'modelVersion') !== undefined || (project.attrs['xmlns'] ?? '').includes('maven.apache.org/POM') || kid(project, 'artifactId') !== undefined;
    if (!isPom) return null;
    const props = pomProps(project);
    const r = (s: string | undefined): string => resolveProps(s ?? '', props);
    const list = new DepList();
    const managed = new Map<string, string>();
    const boms = new Map<SdkId, string>();
    for (const d of path(project, 'dependencyManagement', 'dependencies', 'dependency')) {
      const g = r(kidText(d, 'groupId'));
      const a = r(kidText(d, 'artifactId'));
      const v = r(kidText(d, 'version'));
      if (kidText(d, 'scope') === 'import' && kidText(d, 'type') === 'pom') {
        const sdk = mavenSdk(g, a);
        if (sdk !== null) {
          boms.set(sdk, v);
          list.add(sdk, `${g}:${a}`, v);
        }
      } else managed.set(`${g}:${a}`, v);
    }
    const deps = [...path(project, 'dependencies', 'dependency'), ...path(project, 'profiles', 'profile', 'dependencies', 'dependency')];
    for (const d of deps) {
      if (kidText(d, 'scope') === 'test') continue;
      const g = r(kidText(d, 'groupId'));
      const a = r(kidText(d, 'artifactId'));
      const sdk = mavenSdk(g, a);
      if (sdk === null) continue;
      const own = kidText(d, 'version');
      list.add(sdk, `${g}:${a}`, r(own ?? managed.get(`${g}:${a}`) ?? boms.get(sdk) ?? ''));
    }
    return [sdkFact(source, format, list.deps)];
  },
};

// ---------------------------------------------------------------------------------------------
// build.gradle / build.gradle.kts

/** Remove `//` and `/* *\/` comments outside string literals. Linear. */
export function stripJvmComments(text: string): string {
  let out = '';
  let i = 0;
  let from = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"' || c === "'") {
      const triple = text.startsWith(c.repeat(3), i);
      const delim = triple ? c.repeat(3) : c;
      let j = i + delim.length;
      while (j < text.length) {
        if (!triple && text[j] === '\\') j += 2;
        else if (text.startsWith(delim, j)) break;
        else if (!triple && text[j] === '\n') break;
        else j++;
      }
      i = j + (text.startsWith(delim, j) ? delim.length : 0);
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      out += text.slice(from, i);
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
      from = i;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      out += text.slice(from, i);
      const end = text.indexOf('*/', i + 2);
      const skipped = text.slice(i, end < 0 ? text.length : end + 2);
      out += skipped.replace(/[^\n]/g, ''); // keep line numbers
      i = end < 0 ? text.length : end + 2;
      from = i;
      continue;
    }
    i++;
  }
  return out + text.slice(from);
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;
const ASSIGN = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(["'])([^"'$]*)\2;?$/;
const EXTRA_INDEX = /^extra\[\s*(["'])([^"']+)\1\s*\]\s*=\s*(["'])([^"'$]*)\3$/;
const BY_EXTRA = /^va[lr]\s+([A-Za-z_][A-Za-z0-9_]*)\s+by\s+extra\(\s*(["'])([^"'$]*)\2\s*\)$/;
const SET_PROP = /^(?:project\.)?(?:ext\.|extra\.)?set\(\s*(["'])([^"']+)\1\s*,\s*(["'])([^"'$]*)\3\s*\)$/;
const STRING = /"([^"\\\n]*)"|'([^'\\\n]*)'/g;

/** Simple string variables a build script defines: `def v = '1'`, `val v = "1"`, `ext.v = '1'`, `ext { v = '1' }`, `extra["v"] = "1"`. */
function gradleVars(lines: readonly string[]): Map<string, string> {
  const vars = new Map<string, string>();
  for (const raw of lines) {
    let l = raw.trim();
    if (l.length > 2000) continue;
    for (const prefix of ['def ', 'val ', 'var ', 'final ', 'String ', 'const val ']) if (l.startsWith(prefix)) l = l.slice(prefix.length).trimStart();
    if (l.startsWith('String ')) l = l.slice(7).trimStart();
    for (const prefix of ['project.ext.', 'rootProject.ext.', 'ext.', 'extra.']) if (l.startsWith(prefix)) l = l.slice(prefix.length);
    const m = ASSIGN.exec(l) ?? null;
    if (m) {
      vars.set(m[1] ?? '', m[3] ?? '');
      continue;
    }
    const x = EXTRA_INDEX.exec(l);
    if (x) {
      vars.set(x[2] ?? '', x[4] ?? '');
      continue;
    }
    const b = BY_EXTRA.exec(raw.trim());
    if (b) {
      vars.set(b[1] ?? '', b[3] ?? '');
      continue;
    }
    const s = SET_PROP.exec(l);
    if (s) vars.set(s[2] ?? '', s[4] ?? '');
  }
  return vars;
}

/** Resolve `$name`, `${name}`, `${project.ext.name}`, `${property("name")}` from the script's own variables. */
function interpolate(v: string, vars: ReadonlyMap<string, string>): string {
  return v.replace(/\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_.]*)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const expr = (braced ?? bare ?? '').trim();
    const quoted = /["']([^"']+)["']/.exec(expr);
    const name = quoted ? quoted[1] : expr.split('.').pop();
    return (name !== undefined ? vars.get(name) : undefined) ?? whole;
  });
}

/** Join statements that continue on the next line (a trailing comma or open parenthesis). */
function statements(lines: readonly string[]): string[] {
  const out: string[] = [];
  let acc = '';
  for (const l of lines) {
    acc = acc === '' ? l : `${acc} ${l.trim()}`;
    const t = acc.trimEnd();
    if ((t.endsWith(',') || t.endsWith('(')) && acc.length < 4000) continue;
    out.push(acc);
    acc = '';
  }
  if (acc !== '') out.push(acc);
  return out;
}

export const gradleRecogniser: Recogniser = {
  format: 'build.gradle / build.gradle.kts',
  reads: 'text',
  recognise(input, source) {
    const text = stripJvmComments(input.text.replace(/^\uFEFF/, ''));
    const lines = textLines(text);
    if (!lines.some((l) => /^dependencies\s*\{/.test(l.trim()))) return null;
    if (!lines.some((l) => /^(?:plugins\s*\{|repositories\s*\{|apply\s*(?:\(\s*)?plugin|(?:implementation|api|compile|runtimeOnly|compileOnly|runtime)\b)/.test(l.trim()))) return null;
    const kotlin = lines.some((l) => /^(?:va[lr]\s|id\("|kotlin\(|implementation\("|api\(")/.test(l.trim()) || /\bextra\[|\bby\s+extra\b/.test(l));
    const format = kotlin ? SDK_FORMAT.gradleKts : SDK_FORMAT.gradle;
    const vars = gradleVars(lines);
    const list = new DepList();
    const platforms = new Map<SdkId, string>();
    const pending: Array<{ sdk: SdkId; pkg: string; version: string }> = [];
    const found = (sdk: SdkId, g: string, a: string, version: string, platform: boolean, test: boolean): void => {
      const v = interpolate(version, vars);
      if (platform) {
        platforms.set(sdk, v);
        list.add(sdk, `${g}:${a}`, v);
      } else if (!test) pending.push({ sdk, pkg: `${g}:${a}`, version: v });
    };
    for (const st of statements(lines)) {
      if (st.length > 4000) continue;
      const t = st.trim();
      const config = IDENT.exec(t)?.[0] ?? '';
      const test = /test/i.test(config);
      const platform = /\b(?:enforcedPlatform|platform)\s*\(|\bmavenBom\b/.test(t);
      for (const m of t.matchAll(STRING)) {
        const s = m[1] ?? m[2] ?? '';
        const parts = s.split(':');
        if (parts.length < 2) continue;
        const g = parts[0] ?? '';
        const a = parts[1] ?? '';
        const sdk = mavenSdk(g, a);
        if (sdk === null) continue;
        let version = (parts[2] ?? '').split('@')[0] ?? '';
        if (version === '' && parts.length === 3) {
          // "group:artifact:" + awsSdkVersion
          const after = t.slice((m.index ?? 0) + m[0].length);
          const concat = /^\s*\+\s*([A-Za-z_][A-Za-z0-9_.]*)/.exec(after);
          if (concat) version = `\${${concat[1] ?? ''}}`;
        }
        found(sdk, g, a, version, platform, test);
      }
      const g = /\bgroup\s*[:=]\s*["']([^"']+)["']/.exec(t)?.[1];
      const n = /\bname\s*[:=]\s*["']([^"']+)["']/.exec(t)?.[1];
      if (g !== undefined && n !== undefined) {
        const sdk = mavenSdk(g, n);
        if (sdk !== null) {
          const quoted = /\bversion\s*[:=]\s*["']([^"']*)["']/.exec(t)?.[1];
          const variable = /\bversion\s*[:=]\s*([A-Za-z_][A-Za-z0-9_.]*)/.exec(t)?.[1];
          found(sdk, g, n, quoted ?? (variable !== undefined ? `\${${variable}}` : ''), platform, test);
        }
      }
    }
    for (const p of pending) list.add(p.sdk, p.pkg, p.version !== '' ? p.version : (platforms.get(p.sdk) ?? ''));
    return [sdkFact(source, format, list.deps)];
  },
};
