// The object store against a naive model of etcd: frozen versions, lists at old revisions,
// range pages (prefix, start key, limit, remaining count), watch events and compaction.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ObjectStore, type PageQuery } from './store.js';
import type { JsonObject } from './patch.js';

const obj = (name: string, value: number): JsonObject => ({ metadata: { name }, value });

/** What a store holds at each revision, recomputed from the writes alone. */
class Model {
  readonly writes: Array<{ rv: number; key: string; value: number | null }> = [];
  stateAt(at: number): Map<string, number> {
    const m = new Map<string, number>();
    for (const w of this.writes) {
      if (w.rv > at) break;
      if (w.value === null) m.delete(w.key);
      else m.set(w.key, w.value);
    }
    return m;
  }
  page(q: PageQuery & { at: number }): { keys: string[]; more: boolean; remaining: number } {
    const all = [...this.stateAt(q.at)]
      .filter(([k, v]) => (!q.prefix || k.startsWith(q.prefix)) && (!q.start || k >= q.start) && (!q.match || q.match({ metadata: {}, value: v })))
      .map(([k]) => k)
      .sort();
    const limit = q.limit && q.limit > 0 ? q.limit : all.length;
    return { keys: all.slice(0, limit), more: all.length > limit, remaining: Math.max(0, all.length - limit) };
  }
}

const KEYS = ['a/x', 'a/y', 'a/z', 'ab/x', 'b/q', 'b/r', 'c', 'a/x.1'];
const op = fc.record({ key: fc.constantFrom(...KEYS), remove: fc.boolean(), value: fc.integer({ min: 0, max: 9 }) });

function replay(ops: Array<{ key: string; remove: boolean; value: number }>): { store: ObjectStore; model: Model } {
  const store = new ObjectStore();
  const model = new Model();
  for (const o of ops) {
    if (o.remove) {
      if (store.remove('things', o.key)) model.writes.push({ rv: store.currentRevision, key: o.key, value: null });
    } else {
      store.put('things', o.key, obj(o.key, o.value));
      model.writes.push({ rv: store.currentRevision, key: o.key, value: o.value });
    }
  }
  return { store, model };
}

describe('ObjectStore', () => {
  test('stored versions are frozen, returned as stored, and carry their resourceVersion', () => {
    const s = new ObjectStore();
    const put = s.put('pods', 'default/p', { metadata: { name: 'p', labels: { a: 'b' } }, spec: { containers: [{ name: 'c' }] } });
    assert.equal(s.get('pods', 'default/p'), put);
    assert.equal((put['metadata'] as JsonObject)['resourceVersion'], String(s.currentRevision));
    assert.ok(Object.isFrozen(put) && Object.isFrozen((put['spec'] as { containers: object[] }).containers[0]));
    assert.throws(() => {
      ((put['metadata'] as JsonObject)['labels'] as JsonObject)['a'] = 'c';
    }, TypeError);
    assert.equal(s.list('pods')[0]!.obj, put, 'lists hand out the stored objects, uncopied');
  });

  test('a list at an old revision still sees the objects as they were then', () => {
    const s = new ObjectStore();
    s.put('cm', 'ns/a', obj('a', 1));
    s.put('cm', 'ns/b', obj('b', 1));
    const then = s.currentRevision;
    s.put('cm', 'ns/a', obj('a', 2));
    s.remove('cm', 'ns/b');
    s.put('cm', 'ns/c', obj('c', 1));
    assert.deepEqual(s.list('cm', then).map((x) => [x.key, x.obj['value']]), [['ns/a', 1], ['ns/b', 1]]);
    assert.deepEqual(s.list('cm').map((x) => [x.key, x.obj['value']]), [['ns/a', 2], ['ns/c', 1]]);
    const old = s.page('cm', { at: then, limit: 1 });
    assert.deepEqual([old.items.map((x) => x.key), old.more, old.remaining], [['ns/a'], true, 1]);
  });

  test('pages agree with a naive model at every revision (prefix, start, limit, filter)', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 40 }),
        fc.record({
          atBack: fc.nat({ max: 45 }),
          prefix: fc.constantFrom(undefined, 'a/', 'b/', 'ab/'),
          start: fc.constantFrom(undefined, 'a/y', 'b', 'a/x\u0000'),
          limit: fc.constantFrom(0, 1, 2, 3, 100),
          filter: fc.boolean(),
        }),
        (ops, q) => {
          const { store, model } = replay(ops);
          const at = Math.max(1, store.currentRevision - q.atBack);
          const query: PageQuery & { at: number } = { at, limit: q.limit };
          if (q.prefix) query.prefix = q.prefix;
          if (q.start) query.start = q.start;
          if (q.filter) query.match = (o) => Number(o['value']) % 2 === 0;
          const got = store.page('things', query);
          const want = model.page(query);
          assert.deepEqual(got.items.map((x) => x.key), want.keys);
          assert.deepEqual(got.items.map((x) => x.obj['value']), want.keys.map((k) => model.stateAt(at).get(k)));
          assert.equal(got.more, want.more);
          if (q.filter) assert.equal(got.remaining, undefined);
          else assert.equal(got.remaining, want.remaining);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('watch events are the writes after a revision, in order, and survive compaction up to it', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), fc.nat({ max: 30 }), fc.nat({ max: 30 }), (ops, compactBack, fromBack) => {
        const { store, model } = replay(ops);
        const compactTo = Math.max(1, store.currentRevision - compactBack);
        store.compact(compactTo);
        const from = Math.max(compactTo, store.currentRevision - fromBack);
        const events = store.events('things', from);
        const want = model.writes.filter((w) => w.rv > from);
        assert.deepEqual(
          events.map((e) => [e.rv, e.type, (e.object['metadata'] as JsonObject)['name'], e.object['value']]),
          want.map((w) => {
            const before = model.stateAt(w.rv - 1).get(w.key);
            return [w.rv, w.value === null ? 'DELETED' : before === undefined ? 'ADDED' : 'MODIFIED', w.key, w.value ?? before];
          }),
        );
        for (const e of events) assert.equal((e.object['metadata'] as JsonObject)['resourceVersion'], String(e.rv));
        // The state at the compacted revision is still readable; the latest list never changes.
        assert.deepEqual(store.list('things', compactTo).map((x) => [x.key, x.obj['value']]), [...model.stateAt(compactTo)].sort(([a], [b]) => (a < b ? -1 : 1)));
      }),
      { numRuns: 200 },
    );
  });

  test('write observers see every write with the previous and next objects', () => {
    const s = new ObjectStore();
    const seen: string[] = [];
    const off = s.onWrite((w) => seen.push(`${w.key}:${String(w.prev?.['value'] ?? '-')}->${String(w.next?.['value'] ?? '-')}@${w.rv}`));
    s.put('x', 'k', obj('k', 1));
    s.put('x', 'k', obj('k', 2));
    s.remove('x', 'k');
    s.remove('x', 'k');
    off();
    s.put('x', 'k', obj('k', 3));
    assert.deepEqual(seen, ['k:-->1@2', 'k:1->2@3', 'k:2->-@4']);
  });
});
