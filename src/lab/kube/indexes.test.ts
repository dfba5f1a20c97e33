// The store indexes against recomputation from the store's contents, across random creates,
// updates (owners and nodes changing) and deletes.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ObjectStore } from './store.js';
import { StoreIndex, ownerUids } from './indexes.js';
import type { JsonObject } from './patch.js';

const UIDS = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5'];
const NODES = ['n1', 'n2'];

/** One write: object `i` (uid `u<i>`) of `resource`, owned by `owners`, on `node`, or deleted. */
const write = fc.record({
  i: fc.integer({ min: 0, max: 5 }),
  resource: fc.constantFrom('pods', 'replicasets'),
  owners: fc.subarray(UIDS, { maxLength: 2 }),
  node: fc.constantFrom(undefined, ...NODES),
  remove: fc.boolean(),
});

function objectFor(w: { i: number; owners: string[]; node: string | undefined }): JsonObject {
  const m: JsonObject = { name: `o${w.i}`, namespace: 'ns', uid: `u${w.i}` };
  if (w.owners.length) m['ownerReferences'] = w.owners.map((uid) => ({ apiVersion: 'v1', kind: 'X', name: uid, uid, controller: true }));
  return { metadata: m, spec: w.node ? { nodeName: w.node } : {} };
}

describe('StoreIndex', () => {
  test('uid, owner, node and unbound indexes match the store after any writes', () => {
    fc.assert(
      fc.property(fc.array(write, { maxLength: 40 }), (writes) => {
        const store = new ObjectStore();
        const index = new StoreIndex(store);
        for (const w of writes) {
          // One resource per uid, as in a real cluster: object i lives in the resource first written.
          const key = `ns/o${w.i}`;
          const other = w.resource === 'pods' ? 'replicasets' : 'pods';
          const resource = store.get(other, key) ? other : w.resource;
          if (w.remove) store.remove(resource, key);
          else store.put(resource, key, objectFor(w));
        }
        const live = ['pods', 'replicasets'].flatMap((r) => store.list(r).map((x) => ({ resource: r, key: x.key, obj: x.obj })));
        for (const uid of UIDS) {
          const holder = live.find((x) => (x.obj['metadata'] as JsonObject)['uid'] === uid);
          assert.deepEqual(index.byUidRef(uid), holder ? { resource: holder.resource, key: holder.key } : undefined);
          assert.equal(index.hasUid(uid), holder !== undefined);
          const deps = live
            .filter((x) => ownerUids(x.obj).includes(uid))
            .map((x) => ({ resource: x.resource, key: x.key }))
            .sort((a, b) => (`${a.resource}\u0000${a.key}` < `${b.resource}\u0000${b.key}` ? -1 : 1));
          assert.deepEqual(index.dependentsOf(uid), deps);
        }
        const pods = store.list('pods');
        for (const n of NODES) assert.equal(index.podsOn(n), pods.filter((p) => (p.obj['spec'] as JsonObject)['nodeName'] === n).length);
        assert.deepEqual(index.unboundPods().sort(), pods.filter((p) => !(p.obj['spec'] as JsonObject)['nodeName']).map((p) => p.key));
      }),
      { numRuns: 300 },
    );
  });

  test('events are found by namespace, involved object, reason and message, across updates and deletes', () => {
    const store = new ObjectStore();
    const index = new StoreIndex(store);
    const ev = (name: string, uid: string, reason: string, message: string): JsonObject => ({ metadata: { name, namespace: 'ns', uid: `e-${name}` }, involvedObject: { uid }, reason, message });
    store.put('events', 'ns/b', ev('b', 'p1', 'Scheduled', 'to n1'));
    store.put('events', 'ns/a', ev('a', 'p1', 'Scheduled', 'to n1'));
    store.put('events', 'ns/c', ev('c', 'p1', 'Pulled', 'image'));
    assert.deepEqual(index.eventsFor('ns', 'p1', 'Scheduled', 'to n1'), ['ns/a', 'ns/b'], 'the first in key order comes first');
    assert.deepEqual(index.eventsFor('other', 'p1', 'Scheduled', 'to n1'), []);
    store.put('events', 'ns/a', ev('a', 'p1', 'Scheduled', 'to n2'));
    assert.deepEqual(index.eventsFor('ns', 'p1', 'Scheduled', 'to n1'), ['ns/b']);
    assert.deepEqual(index.eventsFor('ns', 'p1', 'Scheduled', 'to n2'), ['ns/a']);
    store.remove('events', 'ns/b');
    assert.deepEqual(index.eventsFor('ns', 'p1', 'Scheduled', 'to n1'), []);
  });
});
