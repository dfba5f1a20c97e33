import { test } from 'node:test';
import assert from 'node:assert/strict';
import { indexContext } from './context.js';
import { substituteVariables } from './variables.js';

const ctx = indexContext({ 'aws:username': 'alice', 'aws:PrincipalTag/team': 'blue', 'aws:TagKeys': ['a', 'b'], star: 'x*y' });

test('substitution is off unless enabled (Version 2012-10-17)', () => {
  const r = substituteVariables('home/${aws:username}/', ctx, false);
  assert.ok(r.ok);
  assert.equal(r.pattern.text, 'home/${aws:username}/');
  assert.equal(r.changed, false);
});

test('keys are case-insensitive, defaults apply only when the key is absent', () => {
  const r = substituteVariables('${AWS:USERNAME}/${aws:principaltag/team}/${aws:userid, \'anonymous\'}/${aws:username, \'nobody\'}', ctx, true);
  assert.ok(r.ok);
  assert.equal(r.pattern.text, 'alice/blue/anonymous/alice');
  assert.equal(r.pattern.wild, null);
});

test('special characters ${*} ${?} ${$} are literal, template wildcards stay live', () => {
  const r = substituteVariables('a${*}b${?}c${$}*', ctx, true);
  assert.ok(r.ok);
  assert.equal(r.pattern.text, 'a*b?c$*');
  assert.deepEqual([...(r.pattern.wild ?? [])], [0, 0, 0, 0, 0, 0, 1]);
});

test('a substituted value containing * is literal', () => {
  const r = substituteVariables('${star}*', ctx, true);
  assert.ok(r.ok);
  assert.equal(r.pattern.text, 'x*y*');
  assert.deepEqual([...(r.pattern.wild ?? [])], [0, 0, 0, 1]);
});

test('missing and multivalued keys cannot be resolved', () => {
  const missing = substituteVariables('${aws:userid}', ctx, true);
  assert.deepEqual(missing, { ok: false, variable: '${aws:userid}', reason: 'missing' });
  const multi = substituteVariables('${aws:TagKeys}', ctx, true);
  assert.deepEqual(multi, { ok: false, variable: '${aws:TagKeys}', reason: 'multivalued' });
});

test('an unterminated ${ is kept as text', () => {
  const r = substituteVariables('a${b', ctx, true);
  assert.ok(r.ok);
  assert.equal(r.pattern.text, 'a${b');
});
