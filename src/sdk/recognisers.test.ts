import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError, type SdkDepsFact } from '../evidence/facts.js';
import { judgeSdkFact } from './minimums.js';
import { parsePurl, purlSdk } from './packages.js';
import { claims, fileInput, fixture, recogniseOne } from './testing.js';
import { recogniseFile } from '../evidence/offline/dispatch.js';
import { parseFile } from '../evidence/offline/parse.js';

type Row = [string, string, string];
const rows = (f: SdkDepsFact): Row[] => f.deps.map((d) => [d.sdk, d.package, d.version]);

// fixture -> [format, deps, extra flags]
const FIXTURES: Array<[string, string, Row[], Partial<Pick<SdkDepsFact, 'javaStsModule' | 'dotnetSecurityToken'>>]> = [
  [
    'package-lock.v3.json',
    'package-lock.json',
    [
      ['js-v3', '@aws-sdk/client-dynamodb', '3.400.0'],
      ['js-v3', '@aws-sdk/client-s3', '3.400.0'],
      ['js-v3', '@aws-sdk/client-sts', '3.400.0'],
      ['js-v3', '@aws-sdk/credential-provider-node', '3.400.0'],
      ['js-v3', '@aws-sdk/credential-provider-web-identity', '3.398.0'],
      ['js-v3', '@aws-sdk/credential-provider-web-identity', '3.370.0'],
    ],
    {},
  ],
  ['package-lock.v1.json', 'package-lock.json', [['js-v2', 'aws-sdk', '2.400.0']], {}],
  [
    'yarn.v1.lock',
    'yarn.lock (v1)',
    [
      ['js-v3', '@aws-sdk/client-sts', '3.450.0'],
      ['js-v3', '@aws-sdk/credential-provider-node', '3.450.0'],
      ['js-v3', '@aws-sdk/credential-provider-web-identity', '3.449.0'],
      ['js-v2', 'aws-sdk', '2.1500.0'],
    ],
    {},
  ],
  [
    'yarn.berry.lock',
    'yarn.lock (berry)',
    [
      ['js-v3', '@aws-sdk/client-sts', '3.600.0'],
      ['js-v3', '@aws-sdk/credential-provider-node', '3.600.0'],
    ],
    {},
  ],
  [
    'pnpm-lock.v6.yaml',
    'pnpm-lock.yaml',
    [
      ['js-v3', '@aws-sdk/client-s3', '3.300.0'],
      ['js-v3', '@aws-sdk/client-sts', '3.300.0'],
      ['js-v3', '@aws-sdk/credential-provider-node', '3.300.0'],
    ],
    {},
  ],
  [
    'pnpm-lock.v9.yaml',
    'pnpm-lock.yaml',
    [
      ['js-v3', '@aws-sdk/credential-providers', '3.10.0'],
      ['js-v3', '@aws-sdk/credential-provider-web-identity', '3.10.0'],
    ],
    {},
  ],
  [
    'requirements.txt',
    'requirements.txt',
    [
      ['boto3', 'boto3', '1.9.100'],
      ['botocore', 'botocore', '>=1.12.200,<2.0'],
      ['aws-cli', 'awscli', '*'],
    ],
    {},
  ],
  [
    'poetry.lock',
    'poetry.lock',
    [
      ['boto3', 'boto3', '1.34.41'],
      ['botocore', 'botocore', '1.34.41'],
    ],
    {},
  ],
  [
    'Pipfile.lock',
    'Pipfile.lock',
    [
      ['boto3', 'boto3', '1.9.220'],
      ['botocore', 'botocore', '1.12.199'],
    ],
    {},
  ],
  ['go.mod.v1-old', 'go.mod', [['go-v1', 'github.com/aws/aws-sdk-go', 'v1.23.12']], {}],
  [
    'go.mod.v1-new',
    'go.mod',
    [
      ['go-v1', 'github.com/aws/aws-sdk-go', 'v1.44.100'],
      ['go-v2', 'github.com/aws/aws-sdk-go-v2', 'v1.24.0'],
      ['go-v2', 'github.com/aws/aws-sdk-go-v2/config', 'v1.26.1'],
      ['go-v2', 'github.com/aws/aws-sdk-go-v2/credentials', 'v1.16.12'],
      ['go-v2', 'github.com/aws/aws-sdk-go-v2/service/s3', 'replaced by ../forks/s3'],
    ],
    {},
  ],
  [
    'pom.bom-no-sts.xml',
    'pom.xml',
    [
      ['java-v2', 'software.amazon.awssdk:bom', '2.20.43'],
      ['java-v2', 'software.amazon.awssdk:s3', '2.20.43'],
      ['java-v2', 'software.amazon.awssdk:dynamodb-enhanced', '2.20.43'],
    ],
    { javaStsModule: false },
  ],
  [
    'pom.v1.xml',
    'pom.xml',
    [
      ['java-v1', 'com.amazonaws:aws-java-sdk-s3', '1.11.600'],
      ['java-v1', 'com.amazonaws:aws-java-sdk-sqs', '${sqs.version}'],
    ],
    {},
  ],
  [
    'build.gradle',
    'build.gradle',
    [
      ['java-v2', 'software.amazon.awssdk:bom', '2.21.10'],
      ['java-v2', 'software.amazon.awssdk:sqs', '2.21.10'],
      ['java-v2', 'software.amazon.awssdk:sts', '2.21.10'],
      ['java-v1', 'com.amazonaws:aws-java-sdk-kinesis', '1.12.500'],
      ['java-v1', 'com.amazonaws:aws-java-sdk-core', '1.12.500'],
    ],
    { javaStsModule: true },
  ],
  [
    'build.gradle.kts',
    'build.gradle.kts',
    [
      ['java-v2', 'software.amazon.awssdk:bom', '2.10.10'],
      ['java-v2', 'software.amazon.awssdk:s3', '2.10.10'],
      ['java-v2', 'software.amazon.awssdk:auth', '2.10.10'],
    ],
    { javaStsModule: false },
  ],
  ['Gemfile.lock', 'Gemfile.lock', [['ruby', 'aws-sdk-core', '3.57.0']], {}],
  ['composer.lock', 'composer.lock', [['php', 'aws/aws-sdk-php', '3.110.6']], {}],
  [
    'packages.lock.json',
    'packages.lock.json',
    [
      ['dotnet', 'AWSSDK.S3', '3.7.305.22'],
      ['dotnet', 'AWSSDK.Core', '3.7.303.24'],
    ],
    { dotnetSecurityToken: false },
  ],
  [
    'Reports.Api.csproj',
    'MSBuild project (.csproj)',
    [
      ['dotnet', 'AWSSDK.Core', '3.3.104.13'],
      ['dotnet', 'AWSSDK.SecurityToken', '3.3.104.11'],
    ],
    { dotnetSecurityToken: true },
  ],
  [
    'packages.config',
    'packages.config',
    [
      ['dotnet', 'AWSSDK.Core', '3.3.104.14'],
      ['dotnet', 'AWSSDK.S3', '3.3.110.10'],
    ],
    { dotnetSecurityToken: false },
  ],
  ['vcpkg.json', 'vcpkg.json', [['cpp', 'aws-sdk-cpp', '1.7.173#1']], {}],
  ['conanfile.txt', 'conanfile.txt', [['cpp', 'aws-sdk-cpp', '1.11.263']], {}],
  [
    'syft.cyclonedx.json',
    'CycloneDX SBOM',
    [
      ['java-v2', 'software.amazon.awssdk:s3', '2.20.43'],
      ['java-v2', 'software.amazon.awssdk:auth', '2.20.43'],
      ['java-v2', 'software.amazon.awssdk:regions', '2.20.43'],
      ['go-v1', 'github.com/aws/aws-sdk-go', 'v1.44.0'],
      ['aws-cli', 'awscli', '1.16.200'],
    ],
    { javaStsModule: false },
  ],
  [
    'syft.spdx.json',
    'SPDX SBOM',
    [
      ['ruby', 'aws-sdk-core', '3.190.0'],
      ['dotnet', 'AWSSDK.Core', '3.7.302.0'],
    ],
    { dotnetSecurityToken: false },
  ],
];

test('each fixture is claimed by exactly one recogniser, with the SDKs it holds', () => {
  for (const [name, format, want, flags] of FIXTURES) {
    const fact = recogniseOne(fixture(name));
    assert.equal(fact.kind, 'sdkDeps');
    assert.equal(fact.format, format, name);
    assert.deepEqual(rows(fact), want, name);
    assert.equal(fact.javaStsModule, flags.javaStsModule, `${name} javaStsModule`);
    assert.equal(fact.dotnetSecurityToken, flags.dotnetSecurityToken, `${name} dotnetSecurityToken`);
    assert.deepEqual(fact.source, { path: `fixtures/${name}` });
  }
});

test('through the offline loader, every fixture reaches its SDK recogniser first', () => {
  for (const [name] of FIXTURES) {
    const input = fixture(name);
    const outcome = recogniseFile(parseFile(input.path, input.text));
    assert.equal(outcome.error, undefined, `${name}: ${String(outcome.error)}`);
    assert.deepEqual(outcome.facts, [recogniseOne(input)], name);
  }
});

test('files are recognised by content, not by name', () => {
  for (const [name, format] of [
    ['go.mod.v1-old', 'go.mod'],
    ['package-lock.v3.json', 'package-lock.json'],
    ['pom.bom-no-sts.xml', 'pom.xml'],
    ['requirements.txt', 'requirements.txt'],
  ] as const) {
    const { text } = fixture(name);
    assert.equal(recogniseOne(fileInput('misleading/package.json', text)).format, format);
  }
});

test('fixture verdicts: the old Go SDK fails, the BOM without sts warns, the SBOM without sts fails', () => {
  const old = judgeSdkFact(recogniseOne(fixture('go.mod.v1-old')));
  assert.deepEqual(old.verdicts.map((v) => [v.sdk, v.judgement.status]), [['go-v1', 'fail']]);
  const fresh = judgeSdkFact(recogniseOne(fixture('go.mod.v1-new')));
  assert.deepEqual(fresh.verdicts.map((v) => [v.sdk, v.judgement.status]), [
    ['go-v1', 'pass'],
    ['go-v2', 'pass'],
  ]);
  const pom = judgeSdkFact(recogniseOne(fixture('pom.bom-no-sts.xml')));
  assert.deepEqual(pom.verdicts.map((v) => [v.sdk, v.judgement.status, v.deciding.package]), [['java-v2', 'pass', 'software.amazon.awssdk:bom']]);
  assert.deepEqual(pom.companions.map((c) => [c.id, c.status]), [['javaV2StsModuleMissing', 'warn']]);
  const sbom = judgeSdkFact(recogniseOne(fixture('syft.cyclonedx.json')));
  assert.deepEqual(sbom.verdicts.map((v) => [v.sdk, v.judgement.status]), [
    ['java-v2', 'pass'],
    ['go-v1', 'pass'],
    ['aws-cli', 'fail'],
  ]);
  assert.deepEqual(sbom.companions.map((c) => [c.id, c.status]), [['javaV2StsModuleMissing', 'fail']]);
  const lock = judgeSdkFact(recogniseOne(fixture('package-lock.v3.json')));
  assert.equal(lock.verdicts[0]?.deciding.version, '3.370.0');
  const kts = judgeSdkFact(recogniseOne(fixture('build.gradle.kts')));
  assert.deepEqual(kts.verdicts.map((v) => [v.deciding.package, v.judgement.status]), [['software.amazon.awssdk:auth', 'fail']]);
});

function one(path: string, text: string): SdkDepsFact {
  return recogniseOne(fileInput(path, text));
}

test('a file of a known format with no AWS SDK gives a fact with no deps', () => {
  const cases: Array<[string, string]> = [
    ['go.mod', 'module example.com/x\n\ngo 1.22\n\nrequire github.com/google/uuid v1.6.0\n'],
    ['package-lock.json', JSON.stringify({ name: 'x', lockfileVersion: 3, requires: true, packages: { '': { name: 'x' }, 'node_modules/left-pad': { version: '1.3.0' } } })],
    ['requirements.txt', 'requests==2.31.0\nflask>=3.0\n'],
    ['pom.xml', '<project><modelVersion>4.0.0</modelVersion><artifactId>x</artifactId></project>'],
    ['Gemfile.lock', 'GEM\n  remote: https://rubygems.org/\n  specs:\n    rack (3.0.8)\n\nPLATFORMS\n  ruby\n'],
    ['bom.json', JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', components: [] })],
    ['x.csproj', '<Project Sdk="Microsoft.NET.Sdk"><ItemGroup><PackageReference Include="Serilog" Version="3.1.1" /></ItemGroup></Project>'],
  ];
  for (const [path, text] of cases) {
    const f = one(path, text);
    assert.deepEqual(f.deps, [], path);
    assert.equal(f.javaStsModule, undefined);
    assert.equal(f.dotnetSecurityToken, undefined);
    assert.equal(judgeSdkFact(f).noSdk, true);
  }
});

test('other evidence files are claimed by no SDK recogniser', () => {
  const others: Array<[string, string]> = [
    ['env.txt', 'AWS_REGION=eu-west-1\nAWS_ROLE_ARN=arn:aws:iam::111122223333:role/app\nAWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token\n'],
    ['id.txt', 'uid=1000(app) gid=1000(app) groups=1000(app)\n'],
    ['issuer.txt', 'https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E\n'],
    ['token.jwt', 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImFiYyJ9.eyJpc3MiOiJodHRwczovL29pZGMuZWtzIn0.c2lnbmF0dXJl\n'],
    ['sa.txt', 'Name:                app\nNamespace:           prod\nAnnotations:         eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/app\n'],
    ['cluster.json', JSON.stringify({ cluster: { name: 'prod', identity: { oidc: { issuer: 'https://oidc.eks.eu-west-1.amazonaws.com/id/ABC' } } } })],
    ['pod.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\n  namespace: prod\nspec:\n  serviceAccountName: app\n  containers:\n    - name: app\n      image: app:1\n'],
    ['package.json', JSON.stringify({ name: 'x', version: '1.0.0', dependencies: { 'aws-sdk': '^2.0.0' } })],
    ['README.md', '# Orders API\n\nRun `npm start`.\n'],
  ];
  for (const [path, text] of others) assert.deepEqual(claims(fileInput(path, text)).map((c) => c.recogniser.format), [], path);
});

function throwsInputError(path: string, text: string, message: RegExp, line?: number): void {
  assert.throws(
    () => claims(fileInput(path, text)),
    (e: unknown) => {
      assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
      assert.match(e.message, message);
      assert.equal(e.path, path);
      if (line !== undefined) assert.equal(e.line, line);
      return true;
    },
  );
}

test('broken files of a known format give an InputError with the position', () => {
  throwsInputError('go.mod', 'module x\n\ngo 1.21\n\nrequire (\n\tgithub.com/aws/aws-sdk-go v1.44.0\n', /require \(" block is never closed/, 5);
  throwsInputError('go.mod', 'module x\ngo 1.21\nrequire github.com/aws/aws-sdk-go\n', /require needs a module path and a version/, 3);
  throwsInputError('yarn.lock', '# yarn lockfile v1\n\naws-sdk@^2.0.0:\n  resolved "https://x"\n', /"aws-sdk" has no version/, 3);
  throwsInputError('poetry.lock', '[[package]]\nname = "boto3"\ndescription = """never closed\n\n[metadata]\nlock-version = "2.0"\n', /unterminated multi-line string/, 3);
  throwsInputError('pom.xml', '<project>\n<modelVersion>4.0.0</modelVersion>\n<!-- open comment\n', /unterminated comment/, 3);
  throwsInputError('package-lock.json', JSON.stringify({ lockfileVersion: 3, packages: [] }), /"packages" is not an object/);
  throwsInputError('bom.json', JSON.stringify({ bomFormat: 'CycloneDX', components: [{ purl: 'pkg:npm/a@1' }, 7] }), /components\[1\] is not an object/);
  throwsInputError('Gemfile.lock', 'GEM\n  remote: https://rubygems.org/\n  specs:\n    aws-sdk-core 3.190.0\n', /expected "name \(version\)"/, 4);
  throwsInputError('conanfile.txt', '[requires]\naws-sdk-cpp\n', /expected "name\/version"/, 2);
  throwsInputError('Pipfile.lock', JSON.stringify({ _meta: {}, default: { boto3: '==1.0' } }), /default\["boto3"\] is not an object/);
});

test('npm: aliases, pnpm v5 keys, yarn aliases', () => {
  const lock = one(
    'package-lock.json',
    JSON.stringify({
      lockfileVersion: 2,
      packages: {
        '': {},
        'node_modules/sts': { name: '@aws-sdk/client-sts', version: '3.1.0' },
        'packages/app': { name: 'app', version: '1.0.0' },
        'node_modules/app': { resolved: 'packages/app', link: true },
      },
      dependencies: { sts: { version: 'npm:@aws-sdk/client-sts@3.1.0' } },
    }),
  );
  assert.deepEqual(rows(lock), [['js-v3', '@aws-sdk/client-sts', '3.1.0']]);
  const v1 = one('package-lock.json', JSON.stringify({ lockfileVersion: 1, dependencies: { sts: { version: 'npm:@aws-sdk/client-sts@3.2.0' } } }));
  assert.deepEqual(rows(v1), [['js-v3', '@aws-sdk/client-sts', '3.2.0']]);
  const pnpm5 = one(
    'pnpm-lock.yaml',
    "lockfileVersion: 5.4\n\nspecifiers:\n  aws-sdk: ^2.1000.0\n\npackages:\n\n  /aws-sdk/2.1000.0:\n    resolution: {integrity: sha512-x}\n    dev: false\n\n  /@aws-sdk/client-sts/3.100.0_tslib@2.6.2:\n    resolution: {integrity: sha512-y}\n",
  );
  assert.deepEqual(rows(pnpm5), [
    ['js-v2', 'aws-sdk', '2.1000.0'],
    ['js-v3', '@aws-sdk/client-sts', '3.100.0'],
  ]);
  const yarn = one('yarn.lock', '# yarn lockfile v1\n\n"sts-v3@npm:@aws-sdk/client-sts@^3.5.0":\n  version "3.5.0"\n');
  assert.deepEqual(rows(yarn), [['js-v3', '@aws-sdk/client-sts', '3.5.0']]);
});

test('requirements.txt: pins, extras, markers, hashes, URLs; not pip -> not claimed', () => {
  const f = one(
    'reqs.txt',
    [
      '-c constraints.txt',
      'Boto3 == 1.26.0  # upper-case and spaces',
      'botocore[crt]~=1.29.0 ; python_version >= "3.8" \\',
      '    --hash=sha256:abc',
      'awscli @ https://files.example.com/awscli-1.29.0.tar.gz',
      './vendor/mypkg',
      '',
    ].join('\n'),
  );
  assert.deepEqual(rows(f), [
    ['boto3', 'boto3', '1.26.0'],
    ['botocore', 'botocore', '~=1.29.0'],
    ['aws-cli', 'awscli', 'https://files.example.com/awscli-1.29.0.tar.gz'],
  ]);
  assert.deepEqual(claims(fileInput('words.txt', 'hello\nworld\n')), []);
  assert.deepEqual(claims(fileInput('x.txt', 'boto3 = 1.0\n')), []);
  // an unpinned AWS package alone is enough to recognise the file
  assert.deepEqual(rows(one('requirements.txt', 'boto3\n')), [['boto3', 'boto3', '*']]);
});

test('TOML locks: uv.lock; multi-line strings are skipped', () => {
  const uv = one(
    'uv.lock',
    'version = 1\nrequires-python = ">=3.12"\n\n[[package]]\nname = "boto3"\nversion = "1.35.0"\nsource = { registry = "https://pypi.org/simple" }\ndependencies = [\n    { name = "botocore" },\n]\n\n[[package]]\nname = "botocore"\nversion = "1.35.0"\nsource = { registry = "https://pypi.org/simple" }\n',
  );
  assert.equal(uv.format, 'uv.lock');
  assert.deepEqual(rows(uv), [
    ['boto3', 'boto3', '1.35.0'],
    ['botocore', 'botocore', '1.35.0'],
  ]);
  const poetry = one(
    'poetry.lock',
    '[[package]]\nname = "botocore"\nversion = "1.12.100"\ndescription = """core\nname = "boto3"\nversion = "9.9.9"\n"""\n\n[metadata]\nlock-version = "2.0"\ncontent-hash = "x"\n',
  );
  assert.deepEqual(rows(poetry), [['botocore', 'botocore', '1.12.100']]);
});

test('go.mod: single-line requires, comments, replace with and without version', () => {
  const f = one(
    'go.mod',
    'module example.com/x // the module\n\ngo 1.16\n\nrequire github.com/aws/aws-sdk-go v1.30.0 // indirect\n\nreplace (\n\tgithub.com/aws/aws-sdk-go v1.30.0 => github.com/example/aws-sdk-go-fork v1.30.1\n)\n',
  );
  assert.deepEqual(rows(f), [['go-v1', 'github.com/aws/aws-sdk-go', 'v1.30.1']]);
});

test('MSBuild: central package management and child-element versions', () => {
  const props = one(
    'Directory.Packages.props',
    '<Project>\n  <PropertyGroup><ManagePackageVersionsCentrally>true</ManagePackageVersionsCentrally><Aws>3.7.300.2</Aws></PropertyGroup>\n  <ItemGroup>\n    <PackageVersion Include="AWSSDK.Core" Version="$(Aws)" />\n    <PackageVersion Include="AWSSDK.SecurityToken" Version="3.7.300.3" />\n  </ItemGroup>\n</Project>\n',
  );
  assert.deepEqual(rows(props), [
    ['dotnet', 'AWSSDK.Core', '3.7.300.2'],
    ['dotnet', 'AWSSDK.SecurityToken', '3.7.300.3'],
  ]);
  assert.equal(props.dotnetSecurityToken, true);
  const cpm = one(
    'app.csproj',
    '<Project Sdk="Microsoft.NET.Sdk">\n<ItemGroup>\n<PackageReference Include="awssdk.core" />\n<PackageReference Include="AWSSDK.S3"><VersionOverride>3.7.1.0</VersionOverride></PackageReference>\n</ItemGroup>\n</Project>\n',
  );
  assert.deepEqual(rows(cpm), [
    ['dotnet', 'AWSSDK.Core', ''],
    ['dotnet', 'AWSSDK.S3', '3.7.1.0'],
  ]);
});

test('Gradle: Kotlin map notation, string concatenation, mavenBom, version catalogs unseen', () => {
  const f = one(
    'build.gradle.kts',
    'plugins { java }\nval v1 = "1.11.900"\nextra["awsV2"] = "2.25.0"\ndependencies {\n    implementation(group = "com.amazonaws", name = "aws-java-sdk-sts", version = v1)\n    implementation("software.amazon.awssdk:sts:" + awsV2)\n    implementation(libs.aws.s3)\n}\n',
  );
  assert.deepEqual(rows(f), [
    ['java-v1', 'com.amazonaws:aws-java-sdk-sts', '1.11.900'],
    ['java-v2', 'software.amazon.awssdk:sts', '2.25.0'],
  ]);
  const spring = one(
    'build.gradle',
    "apply plugin: 'io.spring.dependency-management'\ndependencyManagement {\n  imports { mavenBom 'software.amazon.awssdk:bom:2.22.0' }\n}\ndependencies {\n  implementation 'software.amazon.awssdk:s3'\n  implementation 'com.amazonaws:aws-java-sdk-s3:latest.release'\n}\n",
  );
  assert.deepEqual(rows(spring), [
    ['java-v2', 'software.amazon.awssdk:bom', '2.22.0'],
    ['java-v2', 'software.amazon.awssdk:s3', '2.22.0'],
    ['java-v1', 'com.amazonaws:aws-java-sdk-s3', 'latest.release'],
  ]);
});

test('C++: vcpkg baseline and lower bound, conanfile.py', () => {
  const baseline = one('vcpkg.json', JSON.stringify({ name: 'x', dependencies: ['aws-sdk-cpp'], 'builtin-baseline': 'abc123' }));
  assert.deepEqual(rows(baseline), [['cpp', 'aws-sdk-cpp', 'builtin-baseline abc123']]);
  const lower = one('vcpkg.json', JSON.stringify({ dependencies: [{ name: 'aws-sdk-cpp', 'version>=': '1.11.200' }] }));
  assert.deepEqual(rows(lower), [['cpp', 'aws-sdk-cpp', '>=1.11.200']]);
  const py = one(
    'conanfile.py',
    'from conan import ConanFile\n\nclass App(ConanFile):\n    settings = "os", "arch"\n    def requirements(self):\n        self.requires("aws-sdk-cpp/1.9.234")\n        self.requires("zlib/1.3")\n',
  );
  assert.deepEqual(rows(py), [['cpp', 'aws-sdk-cpp', '1.9.234']]);
});

test('PHP: composer installed.json leaves dev packages out', () => {
  const f = one(
    'installed.json',
    JSON.stringify({ packages: [{ name: 'aws/aws-sdk-php', version: '3.300.0' }, { name: 'AWS/AWS-SDK-PHP', version: '3.1.0' }], dev: true, 'dev-package-names': ['AWS/AWS-SDK-PHP'] }),
  );
  assert.equal(f.format, 'vendor/composer/installed.json');
  assert.deepEqual(rows(f), [['php', 'aws/aws-sdk-php', '3.300.0']]);
});

test('package URLs map to SDKs by ecosystem', () => {
  const cases: Array<[string, [string, string, string] | null]> = [
    ['pkg:npm/%40aws-sdk/credential-providers@3.500.0', ['js-v3', '@aws-sdk/credential-providers', '3.500.0']],
    ['pkg:npm/aws-sdk@2.1550.0', ['js-v2', 'aws-sdk', '2.1550.0']],
    ['pkg:pypi/Boto3@1.34.41', ['boto3', 'boto3', '1.34.41']],
    ['pkg:maven/com.amazonaws/aws-java-sdk-sts@1.12.782?type=jar', ['java-v1', 'com.amazonaws:aws-java-sdk-sts', '1.12.782']],
    ['pkg:maven/com.amazonaws/jmespath-java@1.12.782', null],
    ['pkg:golang/github.com/aws/aws-sdk-go-v2/config@v1.25.0#config', ['go-v2', 'github.com/aws/aws-sdk-go-v2/config', 'v1.25.0']],
    ['pkg:gem/aws-sdk-core@3.58.0', ['ruby', 'aws-sdk-core', '3.58.0']],
    ['pkg:composer/aws/aws-sdk-php@3.287.1', ['php', 'aws/aws-sdk-php', '3.287.1']],
    ['pkg:nuget/awssdk.securitytoken@3.7.300.0', ['dotnet', 'AWSSDK.SecurityToken', '3.7.300.0']],
    ['pkg:nuget/AWSSDK.Extensions.NETCore.Setup@3.7.300', null],
    ['pkg:conan/aws-sdk-cpp@1.11.263', ['cpp', 'aws-sdk-cpp', '1.11.263']],
    ['pkg:github/aws/aws-sdk-cpp@1.11.263', ['cpp', 'aws-sdk-cpp', '1.11.263']],
    ['pkg:deb/debian/awscli@1.22.34-1?arch=all', null],
    ['not-a-purl', null],
    ['pkg:npm', null],
  ];
  for (const [purl, want] of cases) {
    const p = parsePurl(purl);
    const hit = p ? purlSdk(p) : null;
    assert.deepEqual(hit ? [hit.sdk, hit.package, hit.version] : null, want, purl);
  }
});
