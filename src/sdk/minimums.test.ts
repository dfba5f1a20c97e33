import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SdkDependency, SdkDepsFact, SdkId } from '../evidence/facts.js';
import {
  companionFindings,
  IRSA_MINIMUMS,
  judgeSdk,
  judgeSdkDeps,
  judgeSdkFact,
  POD_IDENTITY_MINIMUMS,
  type SdkMode,
  type SdkReasonId,
  type SdkStatus,
} from './minimums.js';
import { composer, gem, go, maven, nuget, numeric, pep440, semver, type Scheme, type SchemeId } from './versions.js';

const dep = (sdk: SdkId, pkg: string, version: string): SdkDependency => ({ sdk, package: pkg, version });

// [sdk, package, version, status, reasonId]
type Case = [SdkId, string, string, SdkStatus, SdkReasonId];

const IRSA_CASES: Case[] = [
  ['java-v2', 'software.amazon.awssdk:sts', '2.10.11', 'pass', 'atLeastMinimum'],
  ['java-v2', 'software.amazon.awssdk:sts', '2.10.10', 'fail', 'belowMinimum'],
  ['java-v2', 'software.amazon.awssdk:sts', '2.10.12', 'pass', 'atLeastMinimum'],
  ['java-v2', 'software.amazon.awssdk:sts', '2.10.11-SNAPSHOT', 'fail', 'belowMinimum'],
  ['java-v1', 'com.amazonaws:aws-java-sdk-core', '1.11.703', 'fail', 'belowArticleMinimum'],
  ['java-v1', 'com.amazonaws:aws-java-sdk-core', '1.11.704', 'warn', 'betweenArticleAndCurrent'],
  ['java-v1', 'com.amazonaws:aws-java-sdk-core', '1.12.781', 'warn', 'betweenArticleAndCurrent'],
  ['java-v1', 'com.amazonaws:aws-java-sdk-core', '1.12.782', 'pass', 'atLeastMinimum'],
  ['go-v1', 'github.com/aws/aws-sdk-go', 'v1.23.12', 'fail', 'belowMinimum'],
  ['go-v1', 'github.com/aws/aws-sdk-go', 'v1.23.13', 'pass', 'atLeastMinimum'],
  ['go-v1', 'github.com/aws/aws-sdk-go', 'v1.44.0', 'pass', 'atLeastMinimum'],
  ['go-v1', 'github.com/aws/aws-sdk-go', 'v1.23.14-0.20190905180000-0123456789ab', 'pass', 'atLeastMinimum'],
  ['go-v1', 'github.com/aws/aws-sdk-go', 'v1.23.13-0.20190830165143-62d47d6a6f5c', 'unknown', 'rangeStraddlesMinimum'],
  ['go-v1', 'github.com/aws/aws-sdk-go', 'v1.20.1-0.20190601000000-0123456789ab', 'fail', 'belowMinimum'],
  ['go-v1', 'github.com/aws/aws-sdk-go', 'replaced by ../aws-sdk-go', 'unknown', 'notARelease'],
  ['go-v2', 'github.com/aws/aws-sdk-go-v2/config', 'v1.0.0', 'pass', 'allVersionsSupported'],
  ['go-v2', 'github.com/aws/aws-sdk-go-v2', 'v0.9.0', 'pass', 'allVersionsSupported'],
  ['boto3', 'boto3', '1.9.219', 'fail', 'belowMinimum'],
  ['boto3', 'boto3', '1.9.220', 'pass', 'atLeastMinimum'],
  ['boto3', 'boto3', '1.9.220rc1', 'fail', 'belowMinimum'],
  ['boto3', 'boto3', '>=1.9.220', 'pass', 'atLeastMinimum'],
  ['boto3', 'boto3', '>=1.9.0', 'unknown', 'rangeStraddlesMinimum'],
  ['boto3', 'boto3', '<1.9.220', 'fail', 'belowMinimum'],
  ['boto3', 'boto3', '*', 'unknown', 'noVersionPinned'],
  ['botocore', 'botocore', '1.12.199', 'fail', 'belowMinimum'],
  ['botocore', 'botocore', '1.12.200', 'pass', 'atLeastMinimum'],
  ['botocore', 'botocore', '1.34.41.post1', 'pass', 'atLeastMinimum'],
  ['aws-cli', 'awscli', '1.16.231', 'fail', 'belowMinimum'],
  ['aws-cli', 'awscli', '1.16.232', 'pass', 'atLeastMinimum'],
  ['aws-cli', 'awscli', '2.0.0', 'pass', 'atLeastMinimum'],
  ['js-v2', 'aws-sdk', '2.524.0', 'fail', 'belowMinimum'],
  ['js-v2', 'aws-sdk', '2.525.0', 'pass', 'atLeastMinimum'],
  ['js-v2', 'aws-sdk', 'latest', 'unknown', 'movingTag'],
  ['js-v3', '@aws-sdk/credential-provider-web-identity', '3.14.0', 'fail', 'belowArticleMinimum'],
  ['js-v3', '@aws-sdk/credential-provider-web-identity', '3.15.0', 'warn', 'betweenArticleAndCurrent'],
  ['js-v3', '@aws-sdk/credential-provider-web-identity', '3.26.0', 'warn', 'betweenArticleAndCurrent'],
  ['js-v3', '@aws-sdk/credential-provider-web-identity', '3.27.0', 'pass', 'atLeastMinimum'],
  ['js-v3', '@aws-sdk/client-sts', 'github:aws/aws-sdk-js-v3#main', 'unknown', 'notARelease'],
  ['ruby', 'aws-sdk-core', '2.11.344', 'fail', 'belowArticleMinimum'],
  ['ruby', 'aws-sdk-core', '2.11.345', 'warn', 'betweenArticleAndCurrent'],
  ['ruby', 'aws-sdk-core', '2.11.632', 'warn', 'betweenArticleAndCurrent'],
  ['ruby', 'aws-sdk-core', '3.0.0', 'fail', 'belowMinimum'],
  ['ruby', 'aws-sdk-core', '3.57.0', 'fail', 'belowMinimum'],
  ['ruby', 'aws-sdk-core', '3.58.0', 'pass', 'atLeastMinimum'],
  ['ruby', 'aws-sdk-v1', '1.67.0', 'fail', 'belowArticleMinimum'],
  ['cpp', 'aws-sdk-cpp', '1.7.173', 'fail', 'belowMinimum'],
  ['cpp', 'aws-sdk-cpp', '1.7.174', 'pass', 'atLeastMinimum'],
  ['cpp', 'aws-sdk-cpp', '>=1.8.0', 'pass', 'atLeastMinimum'],
  ['cpp', 'aws-sdk-cpp', 'builtin-baseline 3426db05b996481ca31e95fff3734cf23e0f51bc', 'unknown', 'notARelease'],
  ['dotnet', 'AWSSDK.Core', '3.3.104.13', 'fail', 'belowMinimum'],
  ['dotnet', 'AWSSDK.Core', '3.3.104.14', 'pass', 'atLeastMinimum'],
  ['dotnet', 'awssdk.core', '3.7.300.0', 'pass', 'atLeastMinimum'],
  ['dotnet', 'AWSSDK.Core', '$(AwsSdkVersion)', 'unknown', 'unresolvedProperty'],
  ['dotnet', 'AWSSDK.S3', '3.1.0.0', 'fail', 'belowMinimum'],
  ['dotnet', 'AWSSDK.S3', '3.3.110.10', 'unknown', 'decidedByOtherPackage'],
  ['dotnet', 'AWSSDK.S3', '3.5.0.1', 'pass', 'atLeastMinimum'],
  ['php', 'aws/aws-sdk-php', '3.110.6', 'fail', 'belowMinimum'],
  ['php', 'aws/aws-sdk-php', '3.110.7', 'pass', 'atLeastMinimum'],
  ['php', 'aws/aws-sdk-php', 'v3.110.7', 'pass', 'atLeastMinimum'],
  ['php', 'aws/aws-sdk-php', 'dev-master', 'unknown', 'notARelease'],
];

const POD_CASES: Case[] = [
  ['java-v2', 'software.amazon.awssdk:auth', '2.21.29', 'fail', 'belowMinimum'],
  ['java-v2', 'software.amazon.awssdk:auth', '2.21.30', 'pass', 'atLeastMinimum'],
  ['java-v1', 'com.amazonaws:aws-java-sdk-core', '1.12.745', 'fail', 'belowMinimum'],
  ['java-v1', 'com.amazonaws:aws-java-sdk-core', '1.12.746', 'pass', 'atLeastMinimum'],
  ['go-v1', 'github.com/aws/aws-sdk-go', 'v1.47.10', 'fail', 'belowMinimum'],
  ['go-v1', 'github.com/aws/aws-sdk-go', 'v1.47.11', 'pass', 'atLeastMinimum'],
  ['go-v2', 'github.com/aws/aws-sdk-go-v2/config', 'v1.24.0', 'fail', 'belowMinimum'],
  ['go-v2', 'github.com/aws/aws-sdk-go-v2/config', 'v1.25.0', 'pass', 'atLeastMinimum'],
  ['go-v2', 'github.com/aws/aws-sdk-go-v2', 'release-2023-11-13', 'fail', 'belowMinimum'],
  ['go-v2', 'github.com/aws/aws-sdk-go-v2', 'release-2023-11-14', 'pass', 'atLeastMinimum'],
  ['go-v2', 'github.com/aws/aws-sdk-go-v2', 'release-2024-02-01.2', 'pass', 'atLeastMinimum'],
  ['go-v2', 'github.com/aws/aws-sdk-go-v2/service/s3', 'v1.47.5', 'unknown', 'decidedByOtherPackage'],
  ['boto3', 'boto3', '1.34.40', 'fail', 'belowMinimum'],
  ['boto3', 'boto3', '1.34.41', 'pass', 'atLeastMinimum'],
  ['botocore', 'botocore', '1.34.41', 'pass', 'atLeastMinimum'],
  ['aws-cli', 'awscli', '1.29.99', 'fail', 'belowMinimum'],
  ['aws-cli', 'awscli', '1.30.0', 'pass', 'atLeastMinimum'],
  ['aws-cli', 'awscli', '2.14.6', 'fail', 'belowMinimum'],
  ['aws-cli', 'awscli', '2.15.0', 'pass', 'atLeastMinimum'],
  ['js-v2', 'aws-sdk', '2.1549.0', 'fail', 'belowMinimum'],
  ['js-v2', 'aws-sdk', '2.1550.0', 'pass', 'atLeastMinimum'],
  ['js-v3', '@aws-sdk/credential-providers', '3.457.0', 'fail', 'belowMinimum'],
  ['js-v3', '@aws-sdk/credential-providers', '3.458.0', 'pass', 'atLeastMinimum'],
  ['ruby', 'aws-sdk-core', '3.187.9', 'fail', 'belowMinimum'],
  ['ruby', 'aws-sdk-core', '3.188.0', 'pass', 'atLeastMinimum'],
  ['cpp', 'aws-sdk-cpp', '1.11.262', 'fail', 'belowMinimum'],
  ['cpp', 'aws-sdk-cpp', '1.11.263', 'pass', 'atLeastMinimum'],
  ['dotnet', 'AWSSDK.Core', '3.7.301.9', 'fail', 'belowMinimum'],
  ['dotnet', 'AWSSDK.Core', '3.7.302.0', 'pass', 'atLeastMinimum'],
  ['dotnet', 'AWSSDK.S3', '3.7.305.0', 'unknown', 'decidedByOtherPackage'],
  ['php', 'aws/aws-sdk-php', '3.287.0', 'fail', 'belowMinimum'],
  ['php', 'aws/aws-sdk-php', '3.287.1', 'pass', 'atLeastMinimum'],
];

function run(cases: Case[], mode: SdkMode): void {
  for (const [sdk, pkg, version, status, reasonId] of cases) {
    const j = judgeSdk(dep(sdk, pkg, version), mode);
    assert.equal(j.status, status, `${mode} ${pkg} ${version}: ${j.reason}`);
    assert.equal(j.reasonId, reasonId, `${mode} ${pkg} ${version}: ${j.reason}`);
    assert.ok(j.reason.length > 0 && j.sources.length > 0);
  }
}

test('IRSA: each SDK at, below and above its minimum', () => run(IRSA_CASES, 'irsa'));
test('Pod Identity: each SDK at and below its minimum', () => run(POD_CASES, 'podIdentity'));

test('judgeSdk defaults to IRSA', () => {
  assert.equal(judgeSdk(dep('boto3', 'boto3', '1.9.220')).status, 'pass');
  assert.equal(judgeSdk(dep('boto3', 'boto3', '1.9.220'), 'podIdentity').status, 'fail');
});

test('where the article and the current table differ, the judgement names both', () => {
  const cases: Array<[SdkId, string, string, string, string]> = [
    ['java-v1', 'com.amazonaws:aws-java-sdk-core', '1.12.100', '1.11.704', '1.12.782'],
    ['js-v3', '@aws-sdk/client-sts', '3.20.0', '3.15.0', '3.27.0'],
    ['ruby', 'aws-sdk-core', '2.11.400', '2.11.345', '3.58.0'],
  ];
  for (const [sdk, pkg, version, article, current] of cases) {
    for (const v of [version, '0.1.0']) {
      const j = judgeSdk(dep(sdk, pkg, v));
      assert.equal(j.articleMinimum, article);
      assert.equal(j.minimum, current);
      assert.ok(j.reason.includes(article) && j.reason.includes(current), j.reason);
    }
  }
  assert.equal(judgeSdk(dep('boto3', 'boto3', '1.0.0')).articleMinimum, undefined);
});

test('Ruby 3.x before 3.58.0 fails: aws-sdk-core 3 added web identity in 3.58.0', () => {
  const j = judgeSdk(dep('ruby', 'aws-sdk-core', '3.40.0'));
  assert.equal(j.status, 'fail');
  assert.match(j.reason, /3\.58\.0 \(2019-07-01\)/);
});

test('.NET: AWSSDK.Core is judged by its own version, the table names the SDK release', () => {
  const j = judgeSdk(dep('dotnet', 'AWSSDK.Core', '3.3.104.14'));
  assert.equal(j.minimum, '3.3.659.1');
  assert.equal(j.packageMinimum, '3.3.104.14');
  assert.match(j.reason, /release 3\.3\.659\.1/);
  // the SDK release number itself is far above any 3.3 AWSSDK.Core version
  assert.equal(judgeSdk(dep('dotnet', 'AWSSDK.Core', '3.3.659.0')).status, 'pass');
});

test('AWS CLI v2 has its own Pod Identity minimum', () => {
  assert.equal(judgeSdk(dep('aws-cli', 'awscli', '2.14.0'), 'podIdentity').minimum, '2.15.0');
  assert.equal(judgeSdk(dep('aws-cli', 'awscli', '1.29.0'), 'podIdentity').minimum, '1.30.0');
});

test('a range on both sides of the minimum is unknown and says so', () => {
  const j = judgeSdk(dep('java-v2', 'software.amazon.awssdk:sts', '[2.0.0,3.0.0)'));
  assert.equal(j.status, 'unknown');
  assert.equal(j.reasonId, 'rangeStraddlesMinimum');
  assert.match(j.reason, /from 2\.0\.0 to 3\.0\.0/);
  assert.equal(judgeSdk(dep('java-v2', 'software.amazon.awssdk:sts', '[2.10.11,3.0.0)')).status, 'pass');
  assert.equal(judgeSdk(dep('java-v2', 'software.amazon.awssdk:sts', '2.9.+')).status, 'fail');
  assert.equal(judgeSdk(dep('java-v2', 'software.amazon.awssdk:sts', '[3.0,2.0]')).reasonId, 'unparseable');
});

test('every version in the tables parses in its scheme and steps ascend', () => {
  const schemes: Record<SchemeId, Scheme<unknown>> = { semver, go, pep440, maven, nuget, gem, composer, numeric };
  for (const table of [IRSA_MINIMUMS, POD_IDENTITY_MINIMUMS]) {
    for (const e of Object.values(table)) {
      const scheme = schemes[e.scheme];
      if (e.allVersions) continue;
      assert.ok(e.rules.length > 0, e.sdk);
      for (const rule of e.rules) {
        assert.equal(rule.steps[0]?.from, null, `${e.sdk}: the first step starts at the beginning`);
        const froms = rule.steps.slice(1).map((s) => {
          const v = scheme.parse(s.from ?? '');
          assert.ok(v !== null, `${e.sdk}: ${s.from} is a ${scheme.label} version`);
          return v;
        });
        for (let i = 1; i < froms.length; i++) assert.ok(scheme.compare(froms[i - 1], froms[i]) < 0, `${e.sdk}: steps ascend`);
        if (rule.packageMinimum !== undefined) assert.ok(scheme.parse(rule.packageMinimum) !== null);
      }
      if (e.articleMinimum !== undefined) assert.ok(scheme.parse(e.articleMinimum) !== null);
    }
  }
});

test('several packages of one SDK: the credential chain decides, and the lowest of it', () => {
  const deps = [
    dep('js-v3', '@aws-sdk/client-s3', '3.10.0'),
    dep('js-v3', '@aws-sdk/credential-provider-node', '3.400.0'),
    dep('js-v3', '@aws-sdk/credential-provider-web-identity', '3.398.0'),
    dep('js-v3', '@aws-sdk/credential-provider-web-identity', '3.370.0'),
  ];
  const [v] = judgeSdkDeps(deps);
  assert.equal(v?.deciding.version, '3.370.0');
  assert.equal(v?.judgement.status, 'pass');
  assert.equal(v?.weak, false);
  assert.equal(v?.all.length, 4);
  // a failing copy wins over passing ones
  const [w] = judgeSdkDeps([...deps, dep('js-v3', '@aws-sdk/client-sts', '3.20.0')]);
  assert.equal(w?.deciding.package, '@aws-sdk/client-sts');
  assert.equal(w?.judgement.status, 'warn');
});

test('JS v3 clients alone are a weaker signal', () => {
  const [v] = judgeSdkDeps([dep('js-v3', '@aws-sdk/client-s3', '3.400.0'), dep('js-v3', '@aws-sdk/client-sqs', '3.12.0')]);
  assert.equal(v?.weak, true);
  assert.equal(v?.deciding.package, '@aws-sdk/client-sqs');
  assert.equal(v?.judgement.status, 'fail');
});

test('Java v2: sts/auth decide before the BOM, Go v2 Pod Identity: config decides', () => {
  const [j] = judgeSdkDeps([dep('java-v2', 'software.amazon.awssdk:bom', '2.25.0'), dep('java-v2', 'software.amazon.awssdk:auth', '2.10.0')]);
  assert.equal(j?.deciding.package, 'software.amazon.awssdk:auth');
  assert.equal(j?.judgement.status, 'fail');
  const [g] = judgeSdkDeps(
    [dep('go-v2', 'github.com/aws/aws-sdk-go-v2/service/s3', 'v1.47.5'), dep('go-v2', 'github.com/aws/aws-sdk-go-v2/config', 'v1.25.3')],
    'podIdentity',
  );
  assert.equal(g?.deciding.package, 'github.com/aws/aws-sdk-go-v2/config');
  assert.equal(g?.judgement.status, 'pass');
});

test('one verdict per SDK, in order of appearance', () => {
  const vs = judgeSdkDeps([dep('boto3', 'boto3', '1.9.220'), dep('botocore', 'botocore', '1.12.100'), dep('boto3', 'boto3', '1.9.0')]);
  assert.deepEqual(
    vs.map((v) => [v.sdk, v.judgement.status, v.deciding.version]),
    [
      ['boto3', 'fail', '1.9.0'],
      ['botocore', 'fail', '1.12.100'],
    ],
  );
});

function fact(format: string, deps: SdkDependency[], extra: Partial<SdkDepsFact> = {}): SdkDepsFact {
  return { kind: 'sdkDeps', source: { path: 'x' }, format, deps, ...extra };
}

test('companion modules: Java sts and .NET SecurityToken, fail in lockfiles/SBOMs, warn in manifests', () => {
  const java = [dep('java-v2', 'software.amazon.awssdk:s3', '2.20.0')];
  assert.deepEqual(
    companionFindings(fact('CycloneDX SBOM', java, { javaStsModule: false })).map((c) => [c.id, c.status]),
    [['javaV2StsModuleMissing', 'fail']],
  );
  assert.deepEqual(
    companionFindings(fact('pom.xml', java, { javaStsModule: false })).map((c) => [c.id, c.status]),
    [['javaV2StsModuleMissing', 'warn']],
  );
  assert.deepEqual(companionFindings(fact('pom.xml', [...java, dep('java-v2', 'software.amazon.awssdk:sts', '2.20.0')], { javaStsModule: true })), []);
  const [v1] = companionFindings(fact('pom.xml', [dep('java-v1', 'com.amazonaws:aws-java-sdk-s3', '1.12.782')]));
  assert.equal(v1?.id, 'javaV1StsModuleMissing');
  assert.match(v1?.symptom ?? '', /aws-java-sdk-sts module must be on the class path/);
  assert.deepEqual(companionFindings(fact('pom.xml', [dep('java-v1', 'com.amazonaws:aws-java-sdk-bundle', '1.12.782')])), []);
  const [net] = companionFindings(fact('packages.lock.json', [dep('dotnet', 'AWSSDK.Core', '3.7.300.0')], { dotnetSecurityToken: false }));
  assert.deepEqual([net?.id, net?.status, net?.module], ['dotnetSecurityTokenMissing', 'fail', 'AWSSDK.SecurityToken']);
  // Pod Identity uses the container provider: no STS module needed
  assert.deepEqual(companionFindings(fact('CycloneDX SBOM', java, { javaStsModule: false }), 'podIdentity'), []);
});

test('judgeSdkFact: a file with no SDK says so', () => {
  const j = judgeSdkFact(fact('go.mod', []));
  assert.equal(j.noSdk, true);
  assert.deepEqual(j.verdicts, []);
  assert.deepEqual(j.companions, []);
  const k = judgeSdkFact(fact('go.mod', [dep('go-v1', 'github.com/aws/aws-sdk-go', 'v1.23.12')]));
  assert.equal(k.noSdk, false);
  assert.equal(k.verdicts[0]?.judgement.status, 'fail');
});
