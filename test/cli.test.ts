// The command line as a user meets it: exit codes, one-line input errors with positions,
// colour rules, and secrets that must never reach any output format.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/run-cli.js';

const golden = new URL('./golden/', import.meta.url).pathname;
let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'irsa-cli-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('usage', () => {
  test('no arguments prints help and exits 2', async () => {
    const r = await runCli([]);
    assert.equal(r.code, 2);
    assert.match(r.stdout, /Usage: irsa-doctor/);
  });
  test('--help exits 0, --version prints the package version', async () => {
    assert.equal((await runCli(['diagnose', '--help'])).code, 0);
    const v = await runCli(['--version']);
    assert.equal(v.code, 0);
    assert.equal(v.stdout.trim(), JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version);
  });
  test('an unknown option is a usage error', async () => {
    const r = await runCli(['diagnose', '--from', 'x', '--frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option '--frobnicate'/);
  });
  test('an empty folder is a usage error', async () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    const r = await runCli(['diagnose', '--from', empty]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /usage: irsa-doctor diagnose --from/);
  });
  test('a missing path is named', async () => {
    const r = await runCli(['diagnose', '--from', join(tmp, 'nope.json')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nope\.json/);
  });
  test('--now must be a date', async () => {
    const r = await runCli(['diagnose', '--from', join(golden, 'healthy-china', 'input'), '--now', 'yesterday']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--now: "yesterday" is not a date/);
  });
});

describe('bad input', () => {
  test('malformed JSON: file:line:col, exit 2, no stack trace', async () => {
    const f = join(tmp, 'role.json');
    writeFileSync(f, '{\n  "Role": {\n    "RoleName": "x",\n    "Arn": \n  }\n}\n');
    const r = await runCli(['diagnose', '--from', f]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`${f.replace(/[.]/g, '\\.')}:\\d+:\\d+: `));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });
  test('malformed YAML manifest: file:line:col', async () => {
    const f = join(tmp, 'pod.yaml');
    writeFileSync(f, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   namespace: y\n');
    const r = await runCli(['diagnose', '--from', f]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /pod\.yaml:\d+:\d+: /);
  });
  test('a binary file is refused with a clear message', async () => {
    const f = join(tmp, 'blob.bin');
    writeFileSync(f, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3, 0, 0]));
    const r = await runCli(['diagnose', '--from', f]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /blob\.bin: .*binary/);
  });
  test('an unrecognised file is named on stderr, the rest is diagnosed', async () => {
    const dir = join(tmp, 'mixed');
    mkdirSync(dir);
    const src = join(golden, 'healthy-china', 'input');
    for (const f of readdirSync(src)) writeFileSync(join(dir, f), readFileSync(join(src, f)));
    writeFileSync(join(dir, 'notes.md'), '# my notes\n\nSomething about the cluster.\n');
    const r = await runCli(['diagnose', '--from', dir, '-o', 'json']);
    assert.match(r.stderr, /notes\.md: not recognised/);
    assert.equal(JSON.parse(r.stdout).schemaVersion, 1);
  });
});

describe('output', () => {
  test('text is plain when not a terminal, and coloured only when forced', async () => {
    const input = join(golden, 'irsa105-wrong-namespace', 'input');
    const plain = await runCli(['diagnose', '--from', input]);
    assert.doesNotMatch(plain.stdout, /\x1b\[/);
    const forced = await runCli(['diagnose', '--from', input], { env: { FORCE_COLOR: '1' } });
    assert.match(forced.stdout, /\x1b\[/);
  });
  test('exit 1 when something fails, 0 otherwise; the JSON contract holds', async () => {
    const broken = await runCli(['diagnose', '--from', join(golden, 'irsa105-wrong-namespace', 'input'), '-o', 'json']);
    assert.equal(broken.code, 1);
    const report = JSON.parse(broken.stdout);
    assert.equal(report.schemaVersion, 1);
    const s = report.subjects[0];
    assert.deepEqual(Object.keys(s).sort(), ['findings', 'subject', 'verdict']);
    const f = s.findings.find((x: { check: string }) => x.check === 'IRSA105');
    for (const k of ['check', 'slug', 'status', 'severity', 'messageId', 'message', 'because', 'fix']) assert.ok(k in f, k);
    const ok = await runCli(['diagnose', '--from', join(golden, 'healthy-china', 'input')]);
    assert.equal(ok.code, 0);
  });
  test('kubectl plugin name: the same program answers as "kubectl irsa"', async () => {
    const saved = process.argv[1];
    process.argv[1] = '/usr/local/bin/kubectl-irsa';
    try {
      const r = await runCli(['diagnose', '--help']);
      assert.match(r.stdout, /Usage: kubectl irsa diagnose/);
    } finally {
      process.argv[1] = saved!;
    }
  });
});

describe('secrets never reach the output', () => {
  const tokenCase = join(golden, 'irsa401-token-expired', 'input');
  const keysCase = join(golden, 'irsa304-static-keys-in-env', 'input');
  const token = readFileSync(join(tokenCase, 'token.txt'), 'utf8').trim();
  const signature = token.split('.')[2]!;
  const env = readFileSync(join(keysCase, 'env.txt'), 'utf8');
  const secret = /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(env)?.[1];
  const keyId = /AWS_ACCESS_KEY_ID=(\S+)/.exec(env)?.[1];

  for (const output of ['text', 'json']) {
    test(`${output}: no token signature, no credential value`, async () => {
      assert.ok(signature.length > 20 && secret && keyId, 'the fixtures hold a signed token and keys');
      for (const dir of [tokenCase, keysCase]) {
        const r = await runCli(['diagnose', '--from', dir, '-o', output, '--verbose']);
        const all = r.stdout + r.stderr;
        assert.ok(!all.includes(signature), 'token signature leaked');
        assert.ok(!all.includes(token), 'raw token leaked');
        assert.ok(!all.includes(secret!), 'secret access key leaked');
        assert.ok(!all.includes(keyId!), 'access key id leaked');
      }
    });
  }
});

describe('explain', () => {
  const err = 'An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: Incorrect token audience';
  test('text from arguments', async () => {
    const r = await runCli(['explain', err]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /IRSA003/);
  });
  test('json from standard input, with the contract fields', async () => {
    const r = await runCli(['explain', '-', '-o', 'json'], { stdin: `2026-11-28 some log line\n${err}\nmore log\n` });
    assert.equal(r.code, 0);
    const j = JSON.parse(r.stdout) as { matches: Array<{ id: string; title: string; causes: Array<{ check: string; why: string }> }> };
    assert.ok(j.matches.length >= 1);
    assert.ok(j.matches[0]!.causes.some((c) => c.check === 'IRSA003'));
    assert.equal(typeof j.matches[0]!.title, 'string');
  });
  test('nothing recognised: exit 1 and a hint', async () => {
    const r = await runCli(['explain', 'everything is fine']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /No known IRSA/);
  });
  test('--role-arn tells the node role from the IRSA role', async () => {
    const denied =
      'An error occurred (AccessDenied) when calling the GetObject operation: User: arn:aws:sts::111122223333:assumed-role/eksctl-prod-nodegroup-ng-1-NodeInstanceRole-1X2Y3Z/i-0abc123def4567890 is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::bucket/key"';
    const r = await runCli(['explain', '--role-arn', 'arn:aws:iam::111122223333:role/app', '-o', 'json', denied]);
    const j = JSON.parse(r.stdout) as { matches: Array<{ id: string; causes: Array<{ check: string }> }> };
    assert.match(j.matches[0]!.id, /node/);
  });
});
