// Which packages are which AWS SDK. Names are matched exactly as each ecosystem spells them
// (npm and Go are case-sensitive; PyPI, NuGet and Composer are not). The package lists are
// deliberately narrow: a package is mapped only when its version says something about the
// SDK's credential chain.

import type { SdkId } from '../evidence/facts.js';

/** The npm packages of JS v3 on the credential path: the web identity provider and what pulls it in. */
export const JS_V3_CREDENTIAL_PACKAGES: readonly string[] = [
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-providers',
  '@aws-sdk/credential-provider-node',
  '@aws-sdk/client-sts',
];

export function npmSdk(name: string): SdkId | null {
  if (name === 'aws-sdk') return 'js-v2';
  if (JS_V3_CREDENTIAL_PACKAGES.includes(name) || name.startsWith('@aws-sdk/client-')) return 'js-v3';
  return null;
}

/** PEP 503 normalisation: `Boto3`, `boto_3` and `boto.3` are one project. */
export function normalisePypi(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

export function pypiSdk(name: string): SdkId | null {
  switch (normalisePypi(name)) {
    case 'boto3':
      return 'boto3';
    case 'botocore':
      return 'botocore';
    case 'awscli':
      return 'aws-cli';
    default:
      return null;
  }
}

export const JAVA_V2_GROUP = 'software.amazon.awssdk';
export const JAVA_V1_GROUP = 'com.amazonaws';

export function mavenSdk(group: string, artifact: string): SdkId | null {
  if (group === JAVA_V2_GROUP && artifact !== '') return 'java-v2';
  if (group === JAVA_V1_GROUP && artifact.startsWith('aws-java-sdk')) return 'java-v1';
  return null;
}

/**
 * Java v2 artifacts that carry the `sts` service module: `sts` itself and `bundle`, the shaded
 * jar of every module.
 */
export const JAVA_V2_STS_ARTIFACTS: readonly string[] = ['sts', 'bundle'];
/** Java v1 artifacts that carry STS: the module, the all-services meta artifact and the shaded bundle. */
export const JAVA_V1_STS_ARTIFACTS: readonly string[] = ['aws-java-sdk-sts', 'aws-java-sdk', 'aws-java-sdk-bundle'];

export const GO_V1_MODULE = 'github.com/aws/aws-sdk-go';
export const GO_V2_MODULE = 'github.com/aws/aws-sdk-go-v2';

export function goSdk(modulePath: string): SdkId | null {
  if (modulePath === GO_V1_MODULE) return 'go-v1';
  if (modulePath === GO_V2_MODULE || modulePath.startsWith(`${GO_V2_MODULE}/`)) return 'go-v2';
  return null;
}

/**
 * `aws-sdk-core` carries the credential chain of Ruby v2 and v3 (the `aws-sdk` gem is a
 * meta-gem that depends on it). SDK v1 is `aws-sdk-v1`, or `aws-sdk` 1.x before the rename.
 */
export function gemSdk(name: string, version: string): SdkId | null {
  if (name === 'aws-sdk-core' || name === 'aws-sdk-v1') return 'ruby';
  if (name === 'aws-sdk' && /^1\./.test(version.trim())) return 'ruby';
  return null;
}

export const PHP_PACKAGE = 'aws/aws-sdk-php';

export function composerSdk(name: string): SdkId | null {
  return name.toLowerCase() === PHP_PACKAGE ? 'php' : null;
}

export const DOTNET_CORE = 'AWSSDK.Core';
export const DOTNET_STS = 'AWSSDK.SecurityToken';

/** Every `AWSSDK.*` package is the .NET SDK; `AWSSDK.Core` holds the credential chain. */
export function nugetSdk(name: string): SdkId | null {
  return /^awssdk\.[a-z0-9]/i.test(name) && !/^awssdk\.extensions\./i.test(name) ? 'dotnet' : null;
}

/** NuGet ids are case-insensitive: give the canonical spelling for the two that matter. */
export function canonicalNuget(name: string): string {
  const lower = name.toLowerCase();
  if (lower === DOTNET_CORE.toLowerCase()) return DOTNET_CORE;
  if (lower === DOTNET_STS.toLowerCase()) return DOTNET_STS;
  return name;
}

export const CPP_PACKAGE = 'aws-sdk-cpp';

export function cppSdk(name: string): SdkId | null {
  return name.toLowerCase() === CPP_PACKAGE ? 'cpp' : null;
}

// ---------------------------------------------------------------------------------------------
// Package URLs (purl), as SBOMs carry them

export interface Purl {
  readonly type: string;
  readonly namespace: string;
  readonly name: string;
  readonly version: string;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `pkg:type/namespace/name@version?qualifiers#subpath`; null when not a purl. */
export function parsePurl(text: string): Purl | null {
  if (text.length > 2000 || !text.startsWith('pkg:')) return null;
  let rest = text.slice(4).replace(/^\/+/, '');
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);
  // The version follows the last '@' after the last '/' ('@' in a namespace is percent-encoded, but be lenient).
  const slashBeforeVersion = rest.lastIndexOf('/');
  const at = rest.indexOf('@', slashBeforeVersion + 1);
  const version = at >= 0 ? decode(rest.slice(at + 1)) : '';
  if (at >= 0) rest = rest.slice(0, at);
  const slash = rest.indexOf('/');
  if (slash <= 0) return null;
  const type = rest.slice(0, slash).toLowerCase();
  const path = rest.slice(slash + 1).split('/').filter((s) => s !== '').map(decode);
  const name = path.pop();
  if (name === undefined || name === '') return null;
  return { type, namespace: path.join('/'), name, version };
}

export interface PurlSdk {
  readonly sdk: SdkId;
  /** The package name as its ecosystem spells it. */
  readonly package: string;
  readonly version: string;
}

/** Map a purl to an SDK dependency, or null. OS packages (deb, apk, rpm) are not mapped. */
export function purlSdk(p: Purl): PurlSdk | null {
  const version = p.version;
  switch (p.type) {
    case 'npm': {
      const name = p.namespace ? `${p.namespace}/${p.name}` : p.name;
      const sdk = npmSdk(name);
      return sdk ? { sdk, package: name, version } : null;
    }
    case 'pypi': {
      const sdk = pypiSdk(p.name);
      return sdk ? { sdk, package: normalisePypi(p.name), version } : null;
    }
    case 'maven': {
      const sdk = mavenSdk(p.namespace, p.name);
      return sdk ? { sdk, package: `${p.namespace}:${p.name}`, version } : null;
    }
    case 'golang': {
      const path = p.namespace ? `${p.namespace}/${p.name}` : p.name;
      const sdk = goSdk(path);
      return sdk ? { sdk, package: path, version } : null;
    }
    case 'gem': {
      const sdk = gemSdk(p.name, version);
      return sdk ? { sdk, package: p.name, version } : null;
    }
    case 'composer': {
      const name = p.namespace ? `${p.namespace}/${p.name}` : p.name;
      const sdk = composerSdk(name);
      return sdk ? { sdk, package: name.toLowerCase(), version } : null;
    }
    case 'nuget': {
      const sdk = nugetSdk(p.name);
      return sdk ? { sdk, package: canonicalNuget(p.name), version } : null;
    }
    case 'conan':
    case 'vcpkg':
    case 'generic':
      return cppSdk(p.name) ? { sdk: 'cpp', package: CPP_PACKAGE, version } : null;
    case 'github':
      return p.namespace.toLowerCase() === 'aws' && cppSdk(p.name) ? { sdk: 'cpp', package: CPP_PACKAGE, version } : null;
    default:
      return null;
  }
}
