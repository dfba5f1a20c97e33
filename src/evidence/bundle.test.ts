import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readInputs } from './offline/read.js';
import { toBundle } from './bundle.js';
import { diagnoseFacts } from '../core/diagnose.js';

const golden = new URL('../../test/golden/', import.meta.url).pathname;
const now = new Date('2026-11-28T12:00:00Z');

test('a bundle of any golden case diagnoses exactly like its files (certificates and tokens included)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'irsa-bundle-'));
  try {
    for (const c of ['irsa004-thumbprint-private-ca', 'irsa401-token-expired', 'healthy-self-hosted-issuer-path', 'irsa105-wrong-namespace']) {
      const read = await readInputs([join(golden, c, 'input')]);
      assert.deepEqual(read.errors, []);
      const file = join(dir, `${c}.json`);
      writeFileSync(file, JSON.stringify(toBundle(read.facts, { from: c }, now)));
      const back = await readInputs([file]);
      assert.deepEqual(back.errors, []);
      assert.equal(back.files[0]!.format, 'irsa-doctor evidence bundle');
      const a = diagnoseFacts(read.facts, { now }).subjects;
      const b = diagnoseFacts(back.facts, { now }).subjects;
      assert.deepEqual(b, a, c);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bundle of another version or with a foreign fact is refused with the file named', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'irsa-bundle-'));
  try {
    const v2 = join(dir, 'v2.json');
    writeFileSync(v2, JSON.stringify({ irsaDoctorBundle: 2, facts: [] }));
    const r = await readInputs([v2]);
    assert.match(r.errors[0]!.toString(), /v2\.json: evidence bundle version 2 is not supported/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ irsaDoctorBundle: 1, facts: [{ kind: 'credentials', source: { path: 'x' } }] }));
    assert.match((await readInputs([bad])).errors[0]!.toString(), /facts\[0\] is not an evidence fact/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
