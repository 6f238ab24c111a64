/**
 * Writing a batch twice is harmless: a document already on the target
 * counts as present only when its bytes are identical; with other bytes it
 * is replaced by the source's; a duplicate on another unique index is a
 * failure by `_id`. Both with the check up front (a resumed batch) and
 * without it (duplicate-key errors traced back to their documents).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Double, Int32, ObjectId, serialize } from 'bson';

import { createTargetWriter } from '../../src/ops/migrate/target-writer.js';
import { openTestDatabase } from '../helpers/db.js';

const t = await openTestDatabase(import.meta.url);
const writer = createTargetWriter(() => t.db, t.isFerretDB);

const docs = {
  same: { _id: new ObjectId('650000000000000000000001'), sgv: new Int32(100) },
  changed: { _id: 'xdrip-1', sgv: new Int32(101) },
  fresh: { _id: new ObjectId('650000000000000000000003'), sgv: new Int32(102) },
};
const raw = Object.values(docs).map((doc) => Buffer.from(serialize(doc)));

async function prepare(name: string): Promise<void> {
  // The same value as another BSON type is other bytes: Double 101 is not Int32 101.
  await t.db
    .collection(name)
    .insertMany([docs.same, { _id: 'xdrip-1', sgv: new Double(101) }] as never[]);
}

for (const checkExisting of [true, false]) {
  test(`present only when identical, else replaced (check up front: ${checkExisting})`, async () => {
    const name = `entries_${checkExisting}`;
    await prepare(name);
    const outcome = await writer.writeBatch(name, raw, checkExisting);
    assert.deepEqual(outcome, { inserted: 1, alreadyPresent: 1, replaced: 1, failures: [] });
    const stored = (await t.db
      .collection(name)
      .find({}, { raw: true })
      .toArray()) as unknown as Buffer[];
    assert.equal(stored.length, 3);
    for (const doc of raw)
      assert.ok(
        stored.some((s) => s.equals(doc)),
        'a document differs from the source',
      );
  });
}

test('a duplicate on another unique index is a failure, reported by _id', async () => {
  await t.db.collection('treatments').createIndex({ sgv: 1 }, { unique: true });
  await t.db.collection('treatments').insertOne({ _id: 'other', sgv: new Int32(102) } as never);
  const outcome = await writer.writeBatch('treatments', raw, false);
  assert.equal(outcome.inserted, 2);
  assert.deepEqual(
    outcome.failures.map((f) => [f.id, f.code]),
    [['"650000000000000000000003"', 11000]],
  );
});
