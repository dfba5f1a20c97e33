// Helpers shared by the SDK recognisers: building the one fact a file gives, reading loose
// JSON/YAML values safely, and positions in text.

import type { SdkDependency, SdkDepsFact, SdkId, Source } from '../../evidence/facts.js';
import { InputError } from '../../evidence/facts.js';
import type { FileInput } from '../../evidence/offline/types.js';
import { DOTNET_STS, JAVA_V2_STS_ARTIFACTS } from '../packages.js';

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A string, or a number written where a string belongs (YAML reads `version: 6` as a number). */
export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** The value of a single-document JSON/YAML file, or undefined. Lockfiles and SBOMs are one document. */
export function singleDoc(input: FileInput): unknown {
  const docs = input.docs;
  if (!docs || docs.length !== 1) return undefined;
  return docs[0]?.value;
}

/** Collects dependencies in file order without duplicates. */
export class DepList {
  private readonly seen = new Set<string>();
  readonly deps: SdkDependency[] = [];
  add(sdk: SdkId | null, pkg: string, version: string): void {
    if (sdk === null) return;
    const v = version.trim();
    const key = `${sdk}\u0000${pkg}\u0000${v}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.deps.push({ sdk, package: pkg, version: v });
  }
}

/** The fact of one file; sets the Java v2 `sts` and .NET `SecurityToken` flags when those SDKs are present. */
export function sdkFact(source: Source, format: string, deps: readonly SdkDependency[]): SdkDepsFact {
  const fact: SdkDepsFact = { kind: 'sdkDeps', source, format, deps: [...deps] };
  const java2 = deps.filter((d) => d.sdk === 'java-v2');
  if (java2.length > 0) {
    // The shaded `bundle` jar contains every module, sts included.
    fact.javaStsModule = java2.some((d) => JAVA_V2_STS_ARTIFACTS.includes(d.package.slice(d.package.indexOf(':') + 1)));
  }
  const dotnet = deps.filter((d) => d.sdk === 'dotnet');
  if (dotnet.length > 0) fact.dotnetSecurityToken = dotnet.some((d) => d.package.toLowerCase() === DOTNET_STS.toLowerCase());
  return fact;
}

/** Split into lines (LF or CRLF), dropping a leading byte-order mark. */
export function textLines(text: string): string[] {
  return text.replace(/^\uFEFF/, '').split(/\r?\n/);
}

export function inputError(input: FileInput, format: string, message: string, line?: number, col?: number): InputError {
  return new InputError(input.path, `${format}: ${message}`, line, col);
}
