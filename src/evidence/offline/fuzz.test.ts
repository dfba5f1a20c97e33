// Property tests: every recogniser, the parser and the dispatcher either return or throw an
// InputError, on any string and any JSON value, and do so quickly (a time budget per input
// catches super-linear behaviour; an endless loop would hang the suite and be noticed).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { InputError } from '../facts.js';
import type { Recogniser } from './types.js';
import { parseFile } from './parse.js';
import { defaultRecognisers, recogniseFile } from './dispatch.js';
import { readInputs } from './read.js';
import { scanJsonValues } from './json.js';

const BUDGET_MS = 2000;
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 300);

const all = defaultRecognisers();
const recognisers: Recogniser[] = [...all.structured, ...all.text];

/** Calls `fn`; fails unless it returns or throws an InputError, within the time budget. */
function total(label: string, fn: () => unknown): void {
  const start = performance.now();
  try {
    fn();
  } catch (e) {
    if (!(e instanceof InputError)) {
      assert.fail(`${label} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    }
    assert.equal(typeof e.message, 'string');
    if (e.line !== undefined) assert.ok(Number.isInteger(e.line) && e.line >= 1, `${label}: line ${e.line}`);
    if (e.col !== undefined) assert.ok(Number.isInteger(e.col) && e.col >= 1, `${label}: col ${e.col}`);
  }
  const ms = performance.now() - start;
  assert.ok(ms < BUDGET_MS, `${label} took ${ms.toFixed(0)} ms`);
}

// Keys and values the recognisers look for, so that generated objects reach their deeper code.
const KEYS = [
  'cluster', 'name', 'arn', 'identity', 'oidc', 'issuer', 'endpoint', 'version', 'status', 'resourcesVpcConfig', 'endpointPublicAccess',
  'OpenIDConnectProviderList', 'Arn', 'Url', 'ClientIDList', 'ThumbprintList', 'Tags', 'Key', 'Value', 'CreateDate',
  'Role', 'Roles', 'RoleName', 'Path', 'RoleId', 'AssumeRolePolicyDocument', 'MaxSessionDuration', 'PermissionsBoundary', 'PermissionsBoundaryArn',
  'AttachedPolicies', 'PolicyName', 'PolicyArn', 'PolicyNames', 'PolicyDocument', 'Policy', 'DefaultVersionId', 'AttachmentCount',
  'PolicyVersion', 'Document', 'VersionId', 'IsDefaultVersion', 'RoleDetailList', 'Policies', 'PolicyVersionList', 'RolePolicyList',
  'AttachedManagedPolicies', 'UserDetailList', 'GroupDetailList', 'Statement', 'Version',
  'kind', 'apiVersion', 'metadata', 'items', 'annotations', 'labels', 'namespace', 'uid', 'ownerReferences', 'managedFields', 'spec', 'status',
  'clientVersion', 'serverVersion', 'major', 'minor', 'gitVersion', 'platform', 'jwks_uri', 'keys', 'kty', 'details', 'reason', 'message',
  'bomFormat', 'components', 'token', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '',
];
const VALUES = [
  'arn:aws:eks:eu-west-1:111122223333:cluster/c', 'arn:aws:iam::111122223333:role/r', 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/X',
  'arn:aws:iam::111122223333:policy/p', 'https://oidc.eks.eu-west-1.amazonaws.com/id/X', 'List', 'PodList', 'ServiceAccount', 'Status', 'NotFound',
  'serviceaccounts', 'v1', 'apps/v1', '1', '29+', 'v1.29.4-eks-1', 'RSA', '%7B%7D', '%7B%22a%22%3A1%7D', '%E0%A4%A', '{}', '[]', 'null', '',
];

const shaped = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...VALUES),
    fc.jsonValue({ maxDepth: 1 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 6 })), tie('value'), { maxKeys: 6 }),
  ),
})).value;

const FRAGMENTS = [
  'Name:', 'Namespace:', 'Labels:', 'Annotations:', 'Image pull secrets:', 'Mountable secrets:', 'Tokens:', 'Events:', '<none>', 'none',
  'eks.amazonaws.com/role-arn:', 'a=b', 'uid=', 'gid=', 'groups=', '0(root)', '1000', ',', '(', ')', 'context=x',
  'AWS_ROLE_ARN=', 'HOSTNAME=', 'PATH=', '==', '# pod:', '# container:', '# namespace:', 'ns/pod', '$ kubectl', 'exec', '-n', '-c', '--', 'get', 'sa',
  'Defaulted container "a" out of: a, b', 'Error from server (NotFound):', 'serviceaccounts "x" not found', 'An error occurred (NoSuchEntity) when calling the GetRole operation:',
  'The role with name x cannot be found.', '"Arn": "', 'arn:aws:iam::111122223333:oidc-provider/x', 'OPENIDCONNECTPROVIDERLIST', 'Client Version:', 'Server Version:',
  'version.Info{Major:"1", Minor:"2"}', 'v1.29.0', 'https://', 'None', 'NAME', 'SECRETS', 'AGE', '-----BEGIN CERTIFICATE-----', '-----END CERTIFICATE-----',
  'CONNECTED(00000003)', 'Certificate chain', 'eyJhbGciOiJSUzI1NiJ9', '.', 'apiVersion: v1', 'kind: Pod', 'metadata:', '- ', ': ', '"', "'", '{', '}', '[', ']',
  '\\', '&a', '*a', '!!binary', '|', '>', '---', '...', '%YAML 1.2', 'boto3==1.9.0', 'go 1.21', 'require', 'lockfileVersion',
];
const SEPARATORS = ['\n', ' ', '\t', '', '\r\n', '  ', '\n\n', '\n    '];
const textish = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 8 })), fc.constantFrom(...SEPARATORS)), { maxLength: 40 })
  .map((parts) => parts.map(([a, b]) => a + b).join(''));

const anyString = fc.oneof(
  fc.string({ maxLength: 400 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: fc.constantFrom('{', '}', '[', ']', ':', ',', '"', '\\', '-', ' ', '\n', 'a', '1', '#', '&', '*', '!', '|', '>', '\t', "'", 'u'), maxLength: 300 }),
  textish,
  shaped.map((v) => JSON.stringify(v) ?? ''),
  shaped.map((v) => (JSON.stringify(v, null, 2) ?? '').slice(0, 300)),
);

test('every recogniser, on any text: returns or throws InputError', { timeout: 120_000 }, () => {
  fc.assert(
    fc.property(anyString, (text) => {
      for (const r of recognisers) total(r.format, () => r.recognise({ path: 'fuzz', text }, { path: 'fuzz' }));
    }),
    { numRuns: RUNS },
  );
});

test('every recogniser, on any parsed document: returns or throws InputError', { timeout: 120_000 }, () => {
  fc.assert(
    fc.property(fc.oneof(shaped, fc.jsonValue(), fc.anything({ maxDepth: 2 })), (value) => {
      let text = '';
      try {
        text = JSON.stringify(value) ?? '';
      } catch {
        text = String(typeof value);
      }
      for (const r of recognisers) {
        total(r.format, () => r.recognise({ path: 'fuzz', text, docs: [{ value, line: 1 }] }, { path: 'fuzz' }));
      }
    }),
    { numRuns: RUNS },
  );
});

test('parseFile and recogniseFile never throw, and report problems as InputError', { timeout: 120_000 }, () => {
  fc.assert(
    fc.property(anyString, (text) => {
      const start = performance.now();
      const parsed = parseFile('fuzz.txt', text);
      if (parsed.error) {
        assert.ok(parsed.error instanceof InputError);
        assert.ok((parsed.error.line ?? 0) >= 1 && (parsed.error.col ?? 0) >= 1);
      }
      const out = recogniseFile(parsed);
      if (out.error) assert.ok(out.error instanceof InputError);
      else if (out.formats.length === 0) assert.equal(typeof out.note, 'string');
      for (const w of out.unclaimed) assert.ok(w instanceof InputError);
      assert.ok(performance.now() - start < BUDGET_MS);
    }),
    { numRuns: RUNS },
  );
});

test('the JSON scanner agrees with JSON.parse on what is valid', () => {
  fc.assert(
    fc.property(fc.oneof(fc.jsonValue().map((v) => JSON.stringify(v, null, 1)), anyString), (text) => {
      let valid = true;
      try {
        JSON.parse(text);
      } catch {
        valid = false;
      }
      const scanned = scanJsonValues(text);
      if (valid) assert.ok('spans' in scanned && scanned.spans.length === 1, text);
      else if ('spans' in scanned) assert.ok(scanned.spans.length > 1, `scanner accepted invalid JSON: ${text}`);
    }),
    { numRuns: RUNS * 2 },
  );
});

test('pathological inputs stay within the time budget', () => {
  const inputs = [
    '['.repeat(100_000),
    '{"a":'.repeat(50_000),
    '- '.repeat(5_000) + 'x',
    `${'  '.repeat(2_000)}a: b\n`.repeat(50),
    'a: &a [x]\n' + Array.from({ length: 200 }, (_, i) => `b${i}: [*a, *a]`).join('\n'),
    'A=1\n'.repeat(50_000),
    'x'.repeat(1_000_000),
    '"'.repeat(100_000),
    '"a" '.repeat(50_000),
    '*a '.repeat(50_000),
    '? '.repeat(5_000),
    `a: ${'{'.repeat(5_000)}`,
    `a:\n${'  ? '.repeat(300)}x`,
    `apiVersion: v1\nkind: Pod\nmetadata:\n  ? ${'? '.repeat(400)}x\n`,
    `Name:  a\nNamespace:  b\nImage pull secrets:  c\nAnnotations:  ${'k: v\n    '.repeat(20_000)}`,
    `uid=0 gid=0 groups=${'1,'.repeat(50_000)}1`,
    `{"kind": "PodList", "items": [${Array.from({ length: 20_000 }, (_, i) => `{"metadata": {"name": "p${i}"}}`).join(',')}]}`,
  ];
  for (const text of inputs) {
    total(`input of ${text.length} chars starting ${JSON.stringify(text.slice(0, 12))}`, () => {
      const out = recogniseFile(parseFile('big', text));
      if (out.error) throw out.error;
    });
  }
});

test('readInputs on random bytes: never throws, every file accounted for', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'irsa-fuzz-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 300 }), anyString.map((s) => Buffer.from(s, 'utf8'))), async (bytes) => {
      const path = join(dir, `f${n++}`);
      writeFileSync(path, bytes);
      const r = await readInputs([path], { maxFileBytes: 4096 });
      const accounted = r.files.filter((f) => f.path === path).length + r.errors.filter((e) => e.path === path).length;
      assert.equal(accounted, 1);
      for (const e of r.errors) assert.ok(e instanceof InputError);
      rmSync(path);
    }),
    { numRuns: Math.max(50, RUNS / 3) },
  );
});
