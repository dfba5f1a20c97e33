import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasWildcard, patternMatch, slicePattern, wildcardCacheSize, wildcardMatch } from './wildcard.js';

test('compiled shapes: exact, prefix, suffix, all, glob', () => {
  const rows: Array<[string, string, boolean]> = [
    ['sts:AssumeRoleWithWebIdentity', 'sts:AssumeRoleWithWebIdentity', true],
    ['sts:AssumeRoleWithWebIdentity', 'sts:AssumeRole', false],
    ['system:serviceaccount:ns:*', 'system:serviceaccount:ns:sa', true],
    ['system:serviceaccount:ns:*', 'system:serviceaccount:ns:', true],
    ['system:serviceaccount:ns:*', 'system:serviceaccount:ns2:sa', false],
    ['*:sa', 'system:serviceaccount:ns:sa', true],
    ['*:sa', 'system:serviceaccount:ns:sa2', false],
    ['*', '', true],
    ['**', 'anything', true],
    ['a*b?c', 'aXXbYc', true],
    ['a*b?c', 'abc', false],
    ['a*b*c', 'abbbc', true],
    ['?', '', false],
    ['', '', true],
    ['', 'a', false],
  ];
  for (const [p, v, want] of rows) assert.equal(wildcardMatch(p, v), want, `${p} ~ ${v}`);
});

test('case sensitivity is chosen per call', () => {
  assert.equal(wildcardMatch('sts:assume*', 'STS:AssumeRole'), false);
  assert.equal(wildcardMatch('sts:assume*', 'STS:AssumeRole', true), true);
  assert.equal(wildcardMatch('S3:GetObject', 's3:getobject', true), true);
  // Same pattern text, both caches: results must not leak between them.
  assert.equal(wildcardMatch('Ab', 'ab', true), true);
  assert.equal(wildcardMatch('Ab', 'ab', false), false);
});

test('a hostile pattern is matched without catastrophic backtracking', { timeout: 30_000 }, () => {
  // An exponential matcher would not finish this within the timeout.
  const pattern = `${'*a'.repeat(30)}*b`;
  const value = 'a'.repeat(5000);
  assert.equal(wildcardMatch(pattern, value), false);
});

test('masked patterns: characters from policy variables are literal', () => {
  // "a${*}b*": the first star is literal, the second a wildcard.
  const p = { text: 'a*b*', wild: Uint8Array.from([0, 0, 0, 1]) };
  assert.equal(patternMatch(p, 'a*bxyz'), true);
  assert.equal(patternMatch(p, 'axbxyz'), false);
  const q = { text: 'x?', wild: Uint8Array.from([0, 0]) };
  assert.equal(patternMatch(q, 'x?'), true);
  assert.equal(patternMatch(q, 'xy'), false);
  assert.deepEqual(slicePattern(p, 2), { text: 'b*', wild: Uint8Array.from([0, 1]) });
  assert.deepEqual(slicePattern({ text: 'ab', wild: null }, 1), { text: 'b', wild: null });
});

test('the compiled-pattern cache stays bounded', () => {
  for (let i = 0; i < 25_000; i++) wildcardMatch(`p${i}*`, 'x');
  assert.ok(wildcardCacheSize() <= 20_000, `cache size ${wildcardCacheSize()}`);
});

test('hasWildcard', () => {
  assert.equal(hasWildcard('a*'), true);
  assert.equal(hasWildcard('a?'), true);
  assert.equal(hasWildcard('abc'), false);
});
