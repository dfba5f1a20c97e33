// The formats the SDK recognisers read, by the name each puts in `SdkDepsFact.format`, and what
// each says about the dependencies it does not list.

export const SDK_FORMAT = {
  packageLock: 'package-lock.json',
  yarnClassic: 'yarn.lock (v1)',
  yarnBerry: 'yarn.lock (berry)',
  pnpmLock: 'pnpm-lock.yaml',
  requirements: 'requirements.txt',
  poetryLock: 'poetry.lock',
  uvLock: 'uv.lock',
  pdmLock: 'pdm.lock',
  pipfileLock: 'Pipfile.lock',
  goMod: 'go.mod',
  pom: 'pom.xml',
  gradle: 'build.gradle',
  gradleKts: 'build.gradle.kts',
  gemfileLock: 'Gemfile.lock',
  composerLock: 'composer.lock',
  composerInstalled: 'vendor/composer/installed.json',
  nugetLock: 'packages.lock.json',
  msbuild: 'MSBuild project (.csproj)',
  packagesConfig: 'packages.config',
  vcpkg: 'vcpkg.json',
  conanTxt: 'conanfile.txt',
  conanPy: 'conanfile.py',
  cyclonedx: 'CycloneDX SBOM',
  spdx: 'SPDX SBOM',
} as const;

export type SdkFormat = (typeof SDK_FORMAT)[keyof typeof SDK_FORMAT];

/**
 * Formats that list every package that gets installed, transitive ones included (lockfiles,
 * SBOMs, NuGet's flat packages.config). A module missing from them is missing; a module missing
 * from a manifest (pom.xml, build.gradle, .csproj, requirements.txt, vcpkg.json, conanfile) may
 * still arrive as a transitive dependency.
 */
const LISTS_TRANSITIVES: ReadonlySet<string> = new Set<string>([
  SDK_FORMAT.packageLock,
  SDK_FORMAT.yarnClassic,
  SDK_FORMAT.yarnBerry,
  SDK_FORMAT.pnpmLock,
  SDK_FORMAT.poetryLock,
  SDK_FORMAT.uvLock,
  SDK_FORMAT.pdmLock,
  SDK_FORMAT.pipfileLock,
  SDK_FORMAT.goMod,
  SDK_FORMAT.gemfileLock,
  SDK_FORMAT.composerLock,
  SDK_FORMAT.composerInstalled,
  SDK_FORMAT.nugetLock,
  SDK_FORMAT.packagesConfig,
  SDK_FORMAT.cyclonedx,
  SDK_FORMAT.spdx,
]);

export function formatListsTransitives(format: string): boolean {
  return LISTS_TRANSITIVES.has(format);
}
