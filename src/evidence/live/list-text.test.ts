// withoutManagedFields: parsing the cut text gives exactly what parsing the whole text and
// deleting every managedFields array gives, for lists whose strings hold brackets, braces,
// escaped quotes, backslashes and the key's own text; anything else comes back unchanged.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { withoutManagedFields } from './list-text.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Strings that try to fool a scanner: JSON punctuation, escapes, the key itself. */
const nasty = fc.oneof(
  fc.string(),
  fc.constantFrom('"managedFields":[', ']', '}', '[{', '\\', '\\"', '"', 'k:{"name":"app"}', 'f:metadata', '\\\\', '{"a":[1,2]}', '\u2028', 'é'),
  fc.array(fc.constantFrom('[', ']', '{', '}', '"', '\\', ',', ':', 'a', 'managedFields'), { maxLength: 12 }).map((a) => a.join('')),
);
const value: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    nasty,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(nasty, tie('v'), { maxKeys: 4 }),
  ),
})).v;

const item = fc.record(
  {
    metadata: fc.record({ name: nasty, annotations: fc.dictionary(nasty, nasty, { maxKeys: 3 }), managedFields: fc.array(value, { maxLength: 3 }) }, { requiredKeys: ['name'] }),
    spec: value,
    status: value,
  },
  { requiredKeys: ['metadata'] },
);

/** Parse everything, then delete every member named managedFields whose value is an array. */
function reference(text: string): unknown {
  return JSON.parse(text, (k, v: unknown) => (k === 'managedFields' && Array.isArray(v) ? undefined : v));
}

test('the cut text parses to the list without managedFields, whatever the strings hold', () => {
  fc.assert(
    fc.property(fc.array(item, { maxLength: 5 }), fc.string(), (items, cont) => {
      const list = { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '7', continue: cont }, items };
      const text = JSON.stringify(list);
      const cut = withoutManagedFields(text);
      assert.deepEqual(JSON.parse(cut), reference(text));
    }),
    { numRuns: 400 },
  );
});

test('managedFields first, last or alone in metadata; lists without it, spaced JSON and broken text are left alone', () => {
  const cases = [
    { metadata: { managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:metadata': {} } }], name: 'a' } },
    { metadata: { name: 'b', managedFields: [] } },
    { metadata: { managedFields: [{}] } },
  ];
  const text = JSON.stringify({ items: cases });
  assert.equal(withoutManagedFields(text), '{"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}},{"metadata":{}}]}');
  const none = JSON.stringify({ items: [{ metadata: { name: 'x' } }] });
  assert.equal(withoutManagedFields(none), none);
  const spaced = JSON.stringify({ items: cases }, null, 1);
  assert.equal(withoutManagedFields(spaced), spaced);
  const broken = '{"items":[{"metadata":{"managedFields":[{"manager":"kube';
  assert.equal(withoutManagedFields(broken), broken);
});
