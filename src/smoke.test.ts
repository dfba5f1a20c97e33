import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CATALOGUE } from './checks/catalogue.js';
test('catalogue ids are unique', () => {
  assert.equal(new Set(CATALOGUE.map((c) => c.id)).size, CATALOGUE.length);
});
