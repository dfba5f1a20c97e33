// The recognisers of SDK evidence for IRSA306: lockfiles, manifests and SBOMs. Each claims a
// file by its content (never its name) and gives one SdkDepsFact, with `deps: []` when the file
// is of its format but holds no AWS SDK. Order matters only for speed: no two claim one file.

import type { Recogniser } from '../evidence/offline/types.js';
import { conanPyRecogniser, conanTxtRecogniser, vcpkgRecogniser } from './formats/cpp.js';
import { msbuildRecogniser, nugetLockRecogniser, packagesConfigRecogniser } from './formats/dotnet.js';
import { goModRecogniser } from './formats/go.js';
import { gradleRecogniser, pomRecogniser } from './formats/java.js';
import { packageLockRecogniser, pnpmLockRecogniser, yarnBerryRecogniser, yarnClassicRecogniser } from './formats/npm.js';
import { composerInstalledRecogniser, composerLockRecogniser } from './formats/php.js';
import { pipfileLockRecogniser, pythonTomlLockRecogniser, requirementsRecogniser } from './formats/python.js';
import { gemfileLockRecogniser } from './formats/ruby.js';
import { cyclonedxRecogniser, spdxRecogniser } from './formats/sbom.js';

export const sdkRecognisers: Recogniser[] = [
  // structured (parsed JSON/YAML)
  cyclonedxRecogniser,
  spdxRecogniser,
  packageLockRecogniser,
  yarnBerryRecogniser,
  pnpmLockRecogniser,
  pipfileLockRecogniser,
  composerLockRecogniser,
  composerInstalledRecogniser,
  nugetLockRecogniser,
  vcpkgRecogniser,
  // text
  yarnClassicRecogniser,
  goModRecogniser,
  pomRecogniser,
  msbuildRecogniser,
  packagesConfigRecogniser,
  gradleRecogniser,
  gemfileLockRecogniser,
  pythonTomlLockRecogniser,
  conanTxtRecogniser,
  conanPyRecogniser,
  requirementsRecogniser,
];
