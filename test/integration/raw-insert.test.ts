/**
 * Inserting raw BSON on the real server: the installed driver's document
 * sequence passes the self-check (else inserts would silently take the slow
 * path), the server stores the very bytes sent, failures come back by
 * `_id` exactly as the decoding fallback reports them, oversized or
 * damaged documents are reported without being sent, and a batch over one
 * message's size goes in as several commands.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  Binary,
  BSONRegExp,
  Decimal128,
  Double,
  Int32,
  Long,
  ObjectId,
  serialize,
  Timestamp,
} from 'bson';

import {
  insertDecodedBatch,
  insertRawBatch,
  sendsRawBytes,
} from '../../src/adapters/mongo/raw-insert.js';
import { openTestDatabase } from '../helpers/db.js';

const t = await openTestDatabase(import.meta.url);

/**
 * Values whose type or form a decode and re-encode could change. FerretDB
 * 1.x has no Decimal128 (it drops the connection on one) and stores -0.0
 * as 0.0, so those two values are only sent to MongoDB.
 */
function awkwardDocuments(): Buffer[] {
  const docs = [
    serialize({ _id: new ObjectId('650000000000000000000001'), z: 1, a: 2, m: { y: 1, b: 2 } }),
    serialize({ _id: 'text-id', sgv: new Double(120), n: new Int32(7) }),
    serialize({ _id: new Int32(3), big: Long.fromString('9007199254740993') }),
    serialize({
      _id: new Double(4.5),
      bin: new Binary(Buffer.from('abc'), 0x80),
      re: new BSONRegExp('^a', 'mi'),
    }),
    serialize({
      _id: new Binary(Buffer.alloc(16, 7), 4),
      ts: new Timestamp({ t: 5, i: 1 }),
      list: [1, 'x', null],
    }),
  ];
  if (!t.isFerretDB)
    docs.push(
      serialize({ _id: new Int32(6), d: Decimal128.fromString('1.10'), minus: new Double(-0) }),
    );
  return docs.map((bytes) => Buffer.from(bytes));
}

async function storedBytes(collection: string): Promise<Buffer[]> {
  const docs = await t.db.collection(collection).find({}, { raw: true }).toArray();
  return (docs as unknown as Buffer[]).map((doc) => Buffer.from(doc));
}

const sortBytes = (docs: Buffer[]) => [...docs].sort(Buffer.compare);

test('the installed driver builds document sequences as nsctl expects', () => {
  assert.equal(sendsRawBytes(), true);
});

test(`the server stores exactly the bytes sent, as the decoding path does too (${t.isFerretDB ? 'FerretDB: without Decimal128 and -0.0' : 'with Decimal128 and -0.0'})`, async () => {
  const docs = awkwardDocuments();
  const raw = await insertRawBatch(t.db, 'raw_path', docs);
  assert.deepEqual(raw, { inserted: docs.length, failures: [] });
  assert.deepEqual(sortBytes(await storedBytes('raw_path')), sortBytes(docs));

  const decoded = await insertDecodedBatch(t.db, 'decoded_path', docs);
  assert.deepEqual(decoded, raw);
  assert.deepEqual(sortBytes(await storedBytes('decoded_path')), sortBytes(docs));
});

test('refused documents are reported by _id as the decoding path reports them', async () => {
  const first = [
    Buffer.from(serialize({ _id: 'a', v: 1 })),
    Buffer.from(serialize({ _id: new Int32(2), v: 2 })),
  ];
  const again = [
    first[0] as Buffer,
    Buffer.from(serialize({ _id: 'b', v: 3 })),
    first[1] as Buffer,
    Buffer.from(serialize({ _id: 'c', v: 4 })),
  ];
  for (const collection of ['dup_raw', 'dup_decoded']) {
    await insertRawBatch(t.db, collection, first);
  }
  const raw = await insertRawBatch(t.db, 'dup_raw', again);
  const decoded = await insertDecodedBatch(t.db, 'dup_decoded', again);
  assert.equal(raw.inserted, 2);
  assert.deepEqual(
    raw.failures.map((f) => [f.id, f.code]),
    [
      ['"a"', 11000],
      ['2', 11000],
    ],
  );
  assert.deepEqual(
    decoded.failures.map((f) => [f.id, f.code]),
    raw.failures.map((f) => [f.id, f.code]),
  );
  assert.equal(await t.db.collection('dup_raw').countDocuments(), 4);
});

test('a document over 16 MiB or with damaged bytes is reported by _id, never sent; the rest goes in', async () => {
  const damaged = Buffer.from(serialize({ _id: 'bad', v: new Int32(1) }));
  damaged[damaged.indexOf(Buffer.from('v\0', 'latin1')) - 1] = 0x99;
  const batch = [
    Buffer.from(serialize({ _id: 'small', v: 1 })),
    Buffer.from(serialize({ _id: 'huge', pad: 'a'.repeat(17 * 1024 * 1024) })),
    damaged,
    Buffer.from(serialize({ _id: 'also-small', v: 2 })),
  ];
  const result = await insertRawBatch(t.db, 'unsendable', batch);
  assert.equal(result.inserted, 2);
  assert.deepEqual(
    result.failures.map((f) => [f.id, f.code]),
    [
      ['"huge"', undefined],
      ['"bad"', undefined],
    ],
  );
  assert.match(result.failures[0]?.message ?? '', /17\.0 MiB, larger than .*16 MiB/);
  assert.match(result.failures[1]?.message ?? '', /not valid BSON \(unknown element type 0x99/);
  const ids = await t.db.collection('unsendable').distinct('_id');
  assert.deepEqual(ids.sort(), ['also-small', 'small']);
});

test('a batch larger than one message goes in as several commands, every document once', async () => {
  // Four documents of 12 MiB: 48 MiB in all, over the servers' 48 MB message limit.
  const pad = 'p'.repeat(12 * 1024 * 1024);
  const batch = [1, 2, 3, 4].map((n) => Buffer.from(serialize({ _id: new Int32(n), pad })));
  const result = await insertRawBatch(t.db, 'split', batch);
  assert.deepEqual(result, { inserted: 4, failures: [] });
  const ids = await t.db
    .collection('split')
    .find({}, { projection: { _id: 1 } })
    .toArray();
  assert.deepEqual(ids.map((d) => Number(d._id)).sort(), [1, 2, 3, 4]);
});
