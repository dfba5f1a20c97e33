import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../facts.js';
import { NoInputError, decodeText, formatSize, readInputs } from './read.js';

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'irsa-read-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('readInputs over the fixtures folder: every file recognised, in sorted order', async () => {
  const r = await readInputs([FIXTURES]);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.unrecognised, []);
  const rows = r.files.map((f) => [relative(FIXTURES, f.path), f.format, f.facts]);
  assert.deepEqual(rows, [
    ['aws/describe-cluster.json', 'aws eks describe-cluster', 1],
    ['aws/get-account-authorization-details.json', 'aws iam get-account-authorization-details', 11],
    ['aws/get-open-id-connect-provider.json', 'aws iam get-open-id-connect-provider', 1],
    ['aws/get-policy-version.json', 'aws iam get-policy-version', 1],
    ['aws/get-policy.json', 'aws iam get-policy', 1],
    ['aws/get-role-no-such-entity.txt', 'aws CLI error (not found)', 1],
    ['aws/get-role-policy.json', 'aws iam get-role-policy', 1],
    ['aws/get-role-sdk-v3.json', 'aws iam get-role', 1],
    ['aws/get-role.json', 'aws iam get-role', 1],
    ['aws/issuer.txt', 'aws eks describe-cluster --query cluster.identity.oidc.issuer --output text', 1],
    ['aws/list-attached-role-policies.json', 'aws iam list-attached-role-policies', 1],
    ['aws/list-open-id-connect-providers.json', 'aws iam list-open-id-connect-providers', 1],
    ['aws/list-role-policies.json', 'aws iam list-role-policies', 1],
    ['aws/list-roles.json', 'aws iam list-roles', 2],
    ['aws/providers-grep.txt', 'aws iam list-open-id-connect-providers (grep or --output text)', 1],
    ['issuer/keys.json', 'JWKS (JSON Web Key Set)', 1],
    ['issuer/openid-configuration.json', 'OIDC discovery document', 1],
    ['kubectl/describe-sa-all.txt', 'kubectl describe serviceaccount', 2],
    ['kubectl/describe-sa.txt', 'kubectl describe serviceaccount', 1],
    ['kubectl/env-exec-it.txt', 'kubectl exec -- env', 1],
    ['kubectl/env-grep.txt', 'kubectl exec -- env', 1],
    ['kubectl/id.txt', 'kubectl exec -- id', 1],
    ['kubectl/manifests.yaml', 'kubectl get -o yaml|json', 3],
    ['kubectl/pod.yaml', 'kubectl get -o yaml|json', 1],
    ['kubectl/pods-api.json', 'kubectl get -o yaml|json', 2],
    ['kubectl/replicaset.json', 'kubectl get -o yaml|json', 1],
    ['kubectl/sa-not-found.txt', 'kubectl error (NotFound)', 1],
    ['kubectl/serviceaccount.yaml', 'kubectl get -o yaml|json', 1],
    ['kubectl/serviceaccounts-list.yaml', 'kubectl get -o yaml|json', 2],
    ['kubectl/version.json', 'kubectl version -o json|yaml', 1],
    ['kubectl/version.txt', 'kubectl version', 1],
  ]);
  assert.equal(r.facts.length, rows.reduce((n, row) => n + (row[2] as number), 0));
  // Every fact names the file it came from.
  for (const f of r.facts) assert.ok(r.files.some((file) => file.path === f.source.path));
});

test('files are recognised by content, not by name', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'role.yaml'), '{"AttachedPolicies": []}');
  writeFileSync(join(dir, 'notes'), 'AWS_ROLE_ARN=arn:aws:iam::111122223333:role/x\n');
  const r = await readInputs([dir]);
  assert.deepEqual(
    r.files.map((f) => [relative(dir, f.path), f.format]),
    [
      ['notes', 'kubectl exec -- env'],
      ['role.yaml', 'aws iam list-attached-role-policies'],
    ],
  );
});

test('a malformed JSON file is an error at file:line:col', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'get-role.json');
  writeFileSync(path, '{\n    "Role": {\n        "RoleName": "x",\n        "Arn": "arn:aws:iam::111122223333:role/x",\n    }\n}\n');
  const r = await readInputs([path]);
  assert.equal(r.errors.length, 1);
  const e = r.errors[0]!;
  assert.equal(e.toString(), `${path}:5:5: invalid JSON: expected a property name in double quotes, found '}' (a trailing comma before it?)`);
  assert.deepEqual(r.files, []);
  assert.deepEqual(r.facts, []);
});

test('a malformed Kubernetes YAML file is an error at file:line:col', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'sa.yaml');
  writeFileSync(path, 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: payments\n  annotations:\n    eks.amazonaws.com/role-arn: "arn:aws:iam::111122223333:role/x\n');
  const r = await readInputs([path]);
  assert.equal(r.errors.length, 1);
  const e = r.errors[0]!;
  assert.equal(e.toString(), `${path}:6:33: invalid YAML: missing closing quote: the string that starts here is never closed`);
});

test('a recognised file that is broken reports the reader error with its line', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'pods.json');
  writeFileSync(path, '{\n  "kind": "PodList",\n  "apiVersion": "v1",\n  "items": [\n    {"metadata": {"name": "a"}},\n    {"metadata": {"name": "b", "labels": {"tier": 3}}}\n  ]\n}\n');
  const r = await readInputs([path]);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0]!.line, 6);
  assert.match(r.errors[0]!.message, /labels\["tier"\] of Pod b is a number/);
  assert.deepEqual(r.facts, [], 'no partial facts from a broken file');
});

test('unrecognised files are listed with a note; unclaimed documents are warnings', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'a.txt'), 'None\n');
  writeFileSync(join(dir, 'b.yaml'), 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n---\nfoo: bar\n');
  const r = await readInputs([dir]);
  assert.deepEqual(r.unrecognised, [join(dir, 'a.txt')]);
  assert.match(r.files[0]?.note ?? '', /`None` is what the aws CLI prints/);
  assert.equal(r.files[1]?.format, 'kubectl get -o yaml|json');
  assert.equal(r.warnings.length, 1);
  assert.equal(r.warnings[0]!.line, 6);
  assert.match(r.warnings[0]!.message, /document not recognised, skipped: YAML with top-level keys foo/);
});

test('binary, compressed and oversized files are refused without being parsed', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'a.bin'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00]));
  writeFileSync(join(dir, 'b.gz'), Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00]));
  writeFileSync(join(dir, 'c.txt'), Buffer.from([0x41, 0x3d, 0xc3, 0x28]));
  writeFileSync(join(dir, 'd.json'), `{"pad": "${'x'.repeat(3000)}"}`);
  const r = await readInputs([dir], { maxFileBytes: 2048 });
  assert.deepEqual(
    r.errors.map((e) => [relative(dir, e.path), e.message]),
    [
      ['a.bin', 'binary file, expected text output of aws/kubectl'],
      ['b.gz', 'binary file, expected text output of aws/kubectl (gzip-compressed: decompress it first)'],
      ['c.txt', 'binary file, expected text output of aws/kubectl (not valid UTF-8)'],
      ['d.json', 'file is 2.9 KiB, over the 2 KiB limit (pass a smaller extract, e.g. one `--query` or one object)'],
    ],
  );
  assert.deepEqual(r.files, []);
});

test('size messages', () => {
  assert.equal(formatSize(12.3 * 1024 * 1024), '12.3 MiB');
  assert.equal(formatSize(5 * 1024 * 1024), '5 MiB');
  assert.equal(formatSize(1), '1 byte');
  assert.equal(formatSize(800), '800 bytes');
});

test('the default limit is 5 MiB', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'big.json');
  writeFileSync(path, Buffer.alloc(5 * 1024 * 1024 + 10, 0x20));
  const r = await readInputs([path]);
  assert.equal(r.errors[0]?.message, 'file is 5242890 bytes, over the 5 MiB limit (pass a smaller extract, e.g. one `--query` or one object)');
});

test('UTF-16 with a byte-order mark (PowerShell redirection) is decoded', async (t) => {
  const dir = tempDir(t);
  const text = '{"PolicyNames": ["kms-decrypt"]}\r\n';
  writeFileSync(join(dir, 'le.json'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
  const be = Buffer.from(text, 'utf16le');
  be.swap16();
  writeFileSync(join(dir, 'be.json'), Buffer.concat([Buffer.from([0xfe, 0xff]), be]));
  writeFileSync(join(dir, 'nobom.json'), Buffer.from(text, 'utf16le'));
  const r = await readInputs([dir]);
  assert.deepEqual(
    r.files.map((f) => [relative(dir, f.path), f.format]),
    [
      ['be.json', 'aws iam list-role-policies'],
      ['le.json', 'aws iam list-role-policies'],
    ],
  );
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0]!.message, /UTF-16 text without a byte-order mark\?/);
});

test('decodeText: control characters mark binary; escapes and a UTF-8 BOM are fine', () => {
  assert.deepEqual(decodeText(Buffer.from('\u001b[32mok\u001b[0m\n')), { text: '\u001b[32mok\u001b[0m\n' });
  assert.deepEqual(decodeText(Buffer.from('\ufeffA=1')), { text: 'A=1' });
  assert.ok('problem' in decodeText(Buffer.from('\u0001\u0002\u0003\u0004abc')));
  assert.deepEqual(decodeText(Buffer.alloc(0)), { text: '' });
});

test('walking: hidden entries, .git and node_modules are skipped; explicit hidden files are read', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, '.git'));
  writeFileSync(join(dir, '.git', 'config'), '[core]\n');
  mkdirSync(join(dir, 'node_modules', 'x'), { recursive: true });
  writeFileSync(join(dir, 'node_modules', 'x', 'package.json'), '{"name": "x"}');
  writeFileSync(join(dir, '.env'), 'AWS_REGION=eu-west-1\n');
  mkdirSync(join(dir, 'b'));
  writeFileSync(join(dir, 'b', 'z.txt'), 'uid=0 gid=0\n');
  writeFileSync(join(dir, 'a.txt'), 'uid=1 gid=1\n');
  writeFileSync(join(dir, 'B.txt'), 'uid=2 gid=2\n');
  const r = await readInputs([dir]);
  assert.deepEqual(
    r.files.map((f) => relative(dir, f.path)),
    ['B.txt', 'a.txt', 'b/z.txt'],
  );
  const explicit = await readInputs([join(dir, '.env')]);
  assert.equal(explicit.files[0]?.format, 'kubectl exec -- env');
});

test('walking: symlink loops are not followed twice; the same file is read once', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'id.txt'), 'uid=0 gid=0\n');
  symlinkSync(dir, join(dir, 'sub', 'loop'));
  symlinkSync(join(dir, 'sub', 'id.txt'), join(dir, 'alias.txt'));
  symlinkSync(join(dir, 'missing'), join(dir, 'broken'));
  const r = await readInputs([dir, join(dir, 'sub', 'id.txt')]);
  assert.deepEqual(
    r.files.map((f) => relative(dir, f.path)),
    ['alias.txt'],
  );
  assert.deepEqual(
    r.errors.map((e) => [relative(dir, e.path), e.message]),
    [['broken', 'broken symbolic link']],
  );
});

test('missing paths, sockets, empty folders and no paths at all', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'empty'));
  mkdirSync(join(dir, 'only-hidden'));
  writeFileSync(join(dir, 'only-hidden', '.x'), 'A=1');
  const sock = join(dir, 's.sock');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  t.after(() => server.close());

  const r = await readInputs([join(dir, 'nope.json'), join(dir, 'empty'), join(dir, 'only-hidden'), sock]);
  assert.deepEqual(
    r.errors.map((e) => [relative(dir, e.path), e.message, e instanceof NoInputError]),
    [
      ['nope.json', 'no such file or folder', false],
      ['empty', 'the folder holds no files to read (hidden files, .git and node_modules are skipped)', true],
      ['only-hidden', 'the folder holds no files to read (hidden files, .git and node_modules are skipped)', true],
      ['s.sock', 'not a regular file or folder (a socket, FIFO or device)', false],
    ],
  );
  for (const e of r.errors) assert.ok(e instanceof InputError);

  const none = await readInputs([]);
  assert.equal(none.errors.length, 1);
  assert.ok(none.errors[0] instanceof NoInputError);
  assert.equal(none.errors[0]!.toString(), 'no input given: pass files or folders of saved command outputs with --from');
});

test('a socket inside a walked folder is reported, the rest is read', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'id.txt'), 'uid=0 gid=0\n');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(join(dir, 'agent.sock'), resolve));
  t.after(() => server.close());
  const r = await readInputs([dir]);
  assert.deepEqual(
    r.files.map((f) => relative(dir, f.path)),
    ['id.txt'],
  );
  assert.deepEqual(
    r.errors.map((e) => e.message),
    ['not a regular file (a socket, FIFO or device): skipped'],
  );
});
