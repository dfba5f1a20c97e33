// Property tests: every SDK recogniser returns null or well-formed facts, or throws InputError,
// on arbitrary text and arbitrary JSON values (and on near-misses of each format, which reach
// deeper into the parsers); judgeSdk and the version schemes are total; nothing is slow.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InputError, type Fact, type SdkId } from '../evidence/facts.js';
import type { FileInput, Recogniser } from '../evidence/offline/types.js';
import { IRSA_MINIMUMS, judgeSdk, judgeSdkDeps } from './minimums.js';
import { sdkRecognisers } from './recognisers.js';
import { composer, gem, go, isConstraintError, maven, nuget, numeric, pep440, semver, type Scheme } from './versions.js';

const SDK_IDS = Object.keys(IRSA_MINIMUMS) as SdkId[];
const STATUSES = new Set(['pass', 'warn', 'fail', 'unknown']);
const structured = sdkRecognisers.filter((r) => r.reads === 'structured');
const textual = sdkRecognisers.filter((r) => r.reads === 'text');

function checkResult(r: Recogniser, input: FileInput): void {
  const source = { path: input.path };
  let out: Fact[] | null;
  try {
    out = r.recognise(input, source);
  } catch (e) {
    assert.ok(e instanceof InputError, `${r.format} threw ${String(e)}`);
    assert.equal(e.path, input.path);
    assert.ok(e.message.length > 0);
    return;
  }
  if (out === null) return;
  assert.equal(out.length, 1, r.format);
  const f = out[0];
  assert.ok(f !== undefined && f.kind === 'sdkDeps', r.format);
  assert.deepEqual(f.source, source);
  assert.ok(typeof f.format === 'string' && f.format.length > 0);
  for (const d of f.deps) {
    assert.ok(SDK_IDS.includes(d.sdk), d.sdk);
    assert.equal(typeof d.package, 'string');
    assert.equal(typeof d.version, 'string');
  }
  // judging whatever came out never throws either
  for (const v of judgeSdkDeps(f.deps)) assert.ok(STATUSES.has(v.judgement.status));
}

const SYNTAX = [...'abcxyzAZ019 \t\n\r.-_:/@#"\'=<>~!*+^$(){}[],;\\`?%&|', '\n    ', '\n  ', '==', '>=', '=>', '${', '$(', '"""', '<!--', '-->', '<![CDATA[', ']]>', '</', '/>'];
const syntaxText = fc.string({ unit: fc.constantFrom(...SYNTAX), maxLength: 300 });
const anyText = fc.oneof(fc.string({ maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 200 }), syntaxText);

const PREFIXES = [
  '# yarn lockfile v1\n\n',
  'module example.com/x\n\ngo 1.21\n\n',
  '<?xml version="1.0"?>\n<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>',
  '<Project Sdk="Microsoft.NET.Sdk"><ItemGroup>',
  '<packages>\n',
  'plugins {\n  id "java"\n}\ndependencies {\n',
  'GEM\n  remote: https://rubygems.org/\n  specs:\n',
  '[[package]]\nname = "boto3"\nversion = "1.0"\n\n[metadata]\nlock-version = "2.0"\n',
  'version = 1\nrequires-python = ">=3.12"\n\n[[package]]\n',
  '[requires]\n',
  'from conan import ConanFile\nclass A(ConanFile):\n',
  'boto3==1.9.0\n',
];
const AWS_WORDS = ['aws-sdk', '@aws-sdk/client-sts', 'boto3', 'botocore', 'awscli', 'software.amazon.awssdk:sts:', 'com.amazonaws:aws-java-sdk-core:', 'github.com/aws/aws-sdk-go', 'aws-sdk-core (', 'AWSSDK.Core', 'aws-sdk-cpp/', 'aws/aws-sdk-php', 'require (', 'replace ', ' => ', 'version "', '<dependency><groupId>', '<PackageReference Include="', ')'];
const nearMissText = fc
  .tuple(fc.constantFrom(...PREFIXES), fc.array(fc.oneof(syntaxText, fc.constantFrom(...AWS_WORDS)), { maxLength: 30 }))
  .map(([p, parts]) => p + parts.join(''));

test('text recognisers: null, facts or InputError on arbitrary and near-miss text', () => {
  fc.assert(
    fc.property(fc.oneof(anyText, nearMissText), (text) => {
      const input: FileInput = { path: 'fuzz.txt', text };
      for (const r of textual) checkResult(r, input);
    }),
    { numRuns: 600 },
  );
});

const nearMissValue = fc.oneof(
  fc.record({ lockfileVersion: fc.constantFrom(1, 2, 3), packages: fc.jsonValue(), dependencies: fc.jsonValue() }, { requiredKeys: ['lockfileVersion'] }),
  fc.record({ lockfileVersion: fc.constantFrom(1, 2, 3), packages: fc.dictionary(fc.constantFrom('', 'node_modules/aws-sdk', 'node_modules/@aws-sdk/client-sts', 'packages/x'), fc.jsonValue()) }),
  fc.record({ lockfileVersion: fc.constantFrom('5.4', '6.0', '9.0', 5.3), packages: fc.oneof(fc.jsonValue(), fc.dictionary(fc.string(), fc.jsonValue())), importers: fc.jsonValue() }),
  fc.dictionary(fc.string(), fc.jsonValue()).map((d) => ({ ...d, __metadata: { version: 8 } })),
  fc.record({ bomFormat: fc.constant('CycloneDX'), components: fc.oneof(fc.jsonValue(), fc.array(fc.record({ purl: fc.oneof(fc.string(), fc.constant('pkg:npm/aws-sdk@2.1.0')), version: fc.jsonValue(), components: fc.jsonValue() }))) }),
  fc.record({ spdxVersion: fc.constant('SPDX-2.3'), packages: fc.oneof(fc.jsonValue(), fc.array(fc.record({ externalRefs: fc.jsonValue(), versionInfo: fc.jsonValue() }))) }),
  fc.record({ _meta: fc.constant({}), default: fc.jsonValue() }),
  fc.record({ packages: fc.jsonValue(), 'content-hash': fc.string() }),
  fc.record({ packages: fc.array(fc.jsonValue()), 'dev-package-names': fc.jsonValue() }),
  fc.record({ version: fc.integer(), dependencies: fc.dictionary(fc.string(), fc.jsonValue()) }),
  fc.record({ dependencies: fc.array(fc.oneof(fc.string(), fc.constant('aws-sdk-cpp'), fc.record({ name: fc.string(), 'version>=': fc.jsonValue() }))), overrides: fc.jsonValue(), 'builtin-baseline': fc.jsonValue() }),
);

test('structured recognisers: null, facts or InputError on arbitrary and near-miss values', () => {
  fc.assert(
    fc.property(fc.oneof(fc.jsonValue(), nearMissValue, fc.anything()), (value) => {
      const input: FileInput = { path: 'fuzz.json', text: '', docs: [{ value, line: 1 }] };
      for (const r of structured) checkResult(r, input);
    }),
    { numRuns: 600 },
  );
});

test('judgeSdk is total: any SDK, package and version string gives a status and a reason', () => {
  fc.assert(
    fc.property(fc.constantFrom(...SDK_IDS), fc.oneof(fc.string(), fc.constantFrom('AWSSDK.Core', 'github.com/aws/aws-sdk-go-v2/config')), fc.oneof(anyText, fc.string({ unit: fc.constantFrom(...'0123456789.v-+*[](),<>=~!rcabdevpost'), maxLength: 40 })), fc.constantFrom('irsa' as const, 'podIdentity' as const), (sdk, pkg, version, mode) => {
      const j = judgeSdk({ sdk, package: pkg, version }, mode);
      assert.ok(STATUSES.has(j.status));
      assert.ok(j.reason.length > 0);
    }),
    { numRuns: 1500 },
  );
});

const SCHEMES: Array<Scheme<unknown>> = [semver, go, pep440, maven, nuget, gem, composer, numeric];
const versionish = fc.string({ unit: fc.constantFrom(...'0123456789..v-+abcrdevpostSNAPSHOT'), maxLength: 24 });

test('version schemes: parse and constraint are total, compare is antisymmetric', () => {
  fc.assert(
    fc.property(versionish, versionish, (a, b) => {
      for (const s of SCHEMES) {
        const c = s.constraint(a);
        assert.ok(isConstraintError(c) || c.lower !== undefined);
        const x = s.parse(a);
        const y = s.parse(b);
        if (x !== null && y !== null) {
          const ab = Math.sign(s.compare(x, y));
          const ba = Math.sign(s.compare(y, x));
          assert.equal(ab, ba === 0 ? 0 : -ba, `${s.id}: ${a} vs ${b}`);
          assert.equal(Math.sign(s.compare(x, x)), 0);
        }
      }
    }),
    { numRuns: 1500 },
  );
});

test('pathological inputs finish (a hang fails on the timeout)', { timeout: 60_000 }, () => {
  const big = 200_000;
  const texts = [
    '<a>'.repeat(big / 3),
    `<project><modelVersion>4</modelVersion>${'<a>'.repeat(200)}${'</b>'.repeat(big / 4)}</project>`,
    `<project><modelVersion>4</modelVersion>${'<!x'.repeat(big / 3)}`,
    '('.repeat(big),
    `${' '.repeat(big)}x`,
    `module x\ngo 1.21\nrequire (\n${'\tgithub.com/aws/aws-sdk-go v1.0.0\n'.repeat(5000)})\n`,
    `# yarn lockfile v1\n\n${'a@1:\n  version "1.0.0"\n'.repeat(10000)}`,
    `plugins {\n}\ndependencies {\n${`implementation "${'a:'.repeat(5000)}"\n`.repeat(20)}}\n`,
    `plugins {\n}\ndependencies {\n${'def x = '.repeat(20000)}\n}`,
    `[[package]]\n[metadata]\nlock-version = "2.0"\nx = [${'['.repeat(50000)}`,
    `boto3==${'1.'.repeat(50000)}0\n`,
    `${'boto3[crt]'.repeat(20000)}==1\n`,
    `GEM\n  specs:\n${'    aws-sdk-core (3.190.0)\n'.repeat(20000)}`,
    '\n'.repeat(big),
    `from conan import ConanFile\n${'\n'.repeat(big)}`,
    `plugins {\n}\ndependencies {\napply${' '.repeat(big)}x\n}`,
    `<packages>${'<package '.repeat(big / 9)}`,
    `<packages>${'<package a="b">'.repeat(big / 16)}</packages>`,
    `${'version = 1\n'.repeat(big / 12)}`,
  ];
  const values: unknown[] = [
    { bomFormat: 'CycloneDX', components: nest(5000) },
    { lockfileVersion: 1, dependencies: nestDeps(3000) },
  ];
  // A hang is caught by the test's timeout; speed is not asserted here.
  for (const text of texts) for (const r of textual) checkResult(r, { path: 'big.txt', text });
  for (const value of values) for (const r of structured) checkResult(r, { path: 'big.json', text: '', docs: [{ value, line: 1 }] });
});

function nest(depth: number): unknown {
  let v: unknown = [{ purl: 'pkg:npm/aws-sdk@2.1.0' }];
  for (let i = 0; i < depth; i++) v = [{ name: `c${i}`, components: v }];
  return v;
}

function nestDeps(depth: number): unknown {
  let v: Record<string, unknown> = { 'aws-sdk': { version: '2.1.0' } };
  for (let i = 0; i < depth; i++) v = { [`p${i}`]: { version: '1.0.0', dependencies: v } };
  return v;
}
