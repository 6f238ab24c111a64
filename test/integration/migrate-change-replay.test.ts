/**
 * Replaying captured writes on the real server: every `_id` a change event
 * named ends on the target exactly as the source holds it now, inserted,
 * replaced or deleted, whatever the target held before; `_id`s no event
 * named are left alone. (Opening the change stream itself needs a replica
 * set; the tracker that turns events into these `_id`s is tested in
 * test/unit/migrate-change-tracker.test.ts.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Double, Int32, ObjectId, serialize } from 'bson';
import type { Db, Document } from 'mongodb';

import { connectMongo } from '../../src/adapters/mongo/connect.js';
import { ChangeTracker, replayChanges } from '../../src/ops/migrate/change-capture.js';
import { createLiveConnection } from '../../src/ops/migrate/live-connection.js';
import { createMongoSource } from '../../src/ops/migrate/mongo-source.js';
import { createTargetWriter } from '../../src/ops/migrate/target-writer.js';
import { openTestDatabase } from '../helpers/db.js';

const t = await openTestDatabase(import.meta.url);
const source = await t.scratch('replay_src');
const target = await t.scratch('replay_dst');

const connection = await connectMongo({ uri: source.dbUri });
test.after(() => connection.close());
const migrationSource = createMongoSource(
  createLiveConnection(connection, { uri: source.dbUri }, {}),
  { uri: source.dbUri },
  { version: '7.0', isFerretDB: t.isFerretDB, supportsChangeStreams: false },
  {
    pageSize: 1000,
    pageBytes: 8 << 20,
    retry: { policy: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } },
  },
);
const writer = createTargetWriter(() => target.db, t.isFerretDB);

async function rawById(db: Db, name: string): Promise<Map<string, string>> {
  const docs = (await db.collection(name).find({}, { raw: true }).toArray()) as unknown as Buffer[];
  const { deserialize } = await import('bson');
  return new Map(
    docs.map((raw) => [JSON.stringify(deserialize(raw)._id), Buffer.from(raw).toString('hex')]),
  );
}

test('changed documents end on the target as the source holds them; others are untouched', async () => {
  const updated = new ObjectId('650000000000000000000001');
  // On the source now: an update, a new string _id, an Int32 _id and a Double _id.
  await source.db.collection('entries').insertMany([
    { _id: updated, sgv: new Int32(120), direction: 'Flat' },
    { _id: 'xdrip-new', sgv: new Int32(99) },
    { _id: new Int32(7), note: 'int32' },
    { _id: new Double(8.5), note: 'double' },
    { _id: 'unchanged', sgv: new Int32(1) },
  ] as Document[]);
  // On the target: the old version, a document deleted since, and one whose
  // divergence no event names (it must stay as it is: convergence's business).
  await target.db.collection('entries').insertMany([
    { _id: updated, sgv: new Int32(110) },
    { _id: 'deleted-on-source', sgv: new Int32(5) },
    { _id: 'unchanged', sgv: new Int32(2) },
  ] as Document[]);

  const tracker = new ChangeTracker();
  const ev = (operationType: string, id: unknown) =>
    tracker.record({ operationType, ns: { db: 'x', coll: 'entries' }, documentKey: { _id: id } });
  ev('update', updated);
  ev('insert', 'xdrip-new');
  ev('insert', new Int32(7));
  ev('insert', new Double(8.5));
  ev('delete', 'deleted-on-source');
  ev('update', updated);

  const written = await replayChanges(tracker.take(), migrationSource, writer);
  assert.equal(written, 5);

  const want = await rawById(source.db, 'entries');
  const got = await rawById(target.db, 'entries');
  for (const id of [updated, 'xdrip-new']) {
    const key = JSON.stringify(id);
    assert.equal(got.get(key), want.get(key), `${key} differs from the source`);
  }
  assert.ok(
    !got.has(JSON.stringify('deleted-on-source')),
    'a deleted document stays on the target',
  );
  // Both numeric _ids arrive, each with its own BSON type.
  const numeric = (await target.db
    .collection('entries')
    .find({ note: { $exists: true } }, { raw: true })
    .toArray()) as unknown as Buffer[];
  const expected = [
    serialize({ _id: new Int32(7), note: 'int32' }),
    serialize({ _id: new Double(8.5), note: 'double' }),
  ].map((b) => Buffer.from(b).toString('hex'));
  assert.deepEqual(numeric.map((b) => Buffer.from(b).toString('hex')).sort(), expected.sort());
  assert.equal(
    got.get(JSON.stringify('unchanged')),
    Buffer.from(serialize({ _id: 'unchanged', sgv: new Int32(2) })).toString('hex'),
    'a document no event named is left as the target had it',
  );
});

test('a replay larger than one lookup batch (FerretDB reads the collection once) is complete', async () => {
  const docs = Array.from({ length: 1500 }, (_, i) => ({ _id: `e${i}`, sgv: new Int32(i) }));
  await source.db.collection('devicestatus').insertMany(docs as Document[]);
  await target.db
    .collection('devicestatus')
    .insertMany(docs.slice(0, 700).map((d) => ({ ...d, sgv: new Int32(-1) })) as Document[]);
  const tracker = new ChangeTracker();
  for (const d of docs)
    tracker.record({ operationType: 'insert', ns: { coll: 'devicestatus' }, documentKey: d });
  await replayChanges(tracker.take(), migrationSource, writer);
  assert.deepEqual(
    await rawById(target.db, 'devicestatus'),
    await rawById(source.db, 'devicestatus'),
  );
});
