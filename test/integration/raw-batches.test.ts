/**
 * Reading a query as raw reply batches on the real server: the same bytes
 * the driver's cursor gives, across many getMores; filters, sorts and
 * limits; a cursor left early is closed on the server; an abort stops it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Double, deserialize, Int32, Long, ObjectId } from 'bson';

import { findRawBatches, readCursorReply } from '../../src/adapters/mongo/raw-batches.js';
import { openTestDatabase } from '../helpers/db.js';

const t = await openTestDatabase(import.meta.url);
const coll = t.db.collection('entries');
const COUNT = 2_500;
await coll.insertMany(
  Array.from({ length: COUNT }, (_, n) => ({
    _id: n % 5 === 0 ? `id-${n}` : new ObjectId(),
    n: new Int32(n),
    sgv: new Double(100 + (n % 50)),
    date: new Long(1_700_000_000_000 + n * 300_000),
    note: 'x'.repeat(n % 300),
  })) as never[],
);

async function collect(batches: AsyncIterable<Buffer[]>) {
  const sizes: number[] = [];
  const docs: Buffer[] = [];
  for await (const batch of batches) {
    sizes.push(batch.length);
    docs.push(...batch);
  }
  return { sizes, docs };
}

test('every document comes back with the bytes the driver reads, a reply at a time', async () => {
  const { sizes, docs } = await collect(findRawBatches(t.db, 'entries', { batchSize: 300 }));
  assert.equal(docs.length, COUNT);
  assert.equal(sizes.length, Math.ceil(COUNT / 300));
  assert.ok(sizes.every((size) => size <= 300));
  const driver = (await coll.find({}, { raw: true }).toArray()) as unknown as Buffer[];
  const key = (doc: Buffer) => doc.toString('base64');
  assert.deepEqual(docs.map(key).sort(), driver.map(key).sort());
});

test('a filter, a sort and a limit are applied by the server', async () => {
  const { docs } = await collect(
    findRawBatches(t.db, 'entries', {
      filter: { n: { $gte: 1000 } },
      sort: { n: -1 },
      limit: 120,
      batchSize: 50,
    }),
  );
  assert.deepEqual(
    docs.map((doc) => deserialize(doc).n),
    Array.from({ length: 120 }, (_, i) => COUNT - 1 - i),
  );
});

test('leaving early closes the cursor on the server', async () => {
  const killed = async () => {
    const status = await t.client.db('admin').command({ serverStatus: 1 });
    return Number(status.metrics?.commands?.killCursors?.total ?? Number.NaN);
  };
  const before = await killed();
  let seen = 0;
  for await (const batch of findRawBatches(t.db, 'entries', { batchSize: 100 })) {
    seen += batch.length;
    break;
  }
  assert.equal(seen, 100);
  assert.ok((await killed()) >= before + 1, 'killCursors was not sent');
});

test('an abort between replies stops the read with its reason', async () => {
  const stop = new AbortController();
  let seen = 0;
  await assert.rejects(
    (async () => {
      for await (const batch of findRawBatches(t.db, 'entries', {
        batchSize: 400,
        signal: stop.signal,
      })) {
        seen += batch.length;
        stop.abort(new Error('stopped by the test'));
      }
    })(),
    /stopped by the test/,
  );
  assert.equal(seen, 400);
});

test('a reply without a cursor id or batch is refused, not read as empty', () => {
  assert.throws(() => readCursorReply({}), /no cursor id or batch/);
  assert.throws(() => readCursorReply({ cursor: { firstBatch: [] } }), /no cursor id or batch/);
  assert.throws(() => readCursorReply({ cursor: { id: Long.ZERO } }), /no cursor id or batch/);
  const ok = readCursorReply({ cursor: { id: Long.ZERO, nextBatch: [] } });
  assert.equal(ok.cursorId.isZero(), true);
});
