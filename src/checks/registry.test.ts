import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { CHECKS } from './registry.js';
import { CATALOGUE } from './catalogue.js';

const rulesDir = new URL('./rules/', import.meta.url);
const docsDir = new URL('../../docs/checks/', import.meta.url);

test('every rule file is registered under its slug, once', () => {
  const files = readdirSync(rulesDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  const slugs = CHECKS.map((c) => `${c.slug}.ts`).sort();
  assert.deepEqual(files.sort(), slugs);
});

test('ids are unique and registered in catalogue order', () => {
  const ids = CHECKS.map((c) => c.id);
  assert.equal(new Set(ids).size, ids.length);
  const order = CATALOGUE.map((e) => e.id).filter((id) => ids.includes(id as never));
  assert.deepEqual(ids, order);
});

test('every catalogue id has a check, except IRSA901 which the runner emits', () => {
  const ids = new Set(CHECKS.map((c) => c.id));
  assert.deepEqual(
    CATALOGUE.filter((e) => !ids.has(e.id)).map((e) => e.id),
    ['IRSA901'],
  );
});

test('every check has remediation text and a message catalogue', () => {
  for (const c of CHECKS) {
    assert.ok(c.remediation.length > 20, c.id);
    assert.ok(Object.keys(c.messages).length >= 3, c.id);
  }
});

test('every catalogue id has its docs page whose title matches', () => {
  for (const e of CATALOGUE) {
    const page = new URL(`${e.id}.md`, docsDir);
    assert.ok(existsSync(page), `docs/checks/${e.id}.md is missing`);
    const first = readFileSync(page, 'utf8').split('\n')[0];
    assert.equal(first, `# ${e.id}: ${e.title}`, `docs/checks/${e.id}.md title`);
  }
});
