/**
 * An archive written by Go code that marshals mongo-tools' own structs
 * (common/archive/archive.go, mongodump/metadata_dump.go) with the Go driver's
 * bson package, in the order mongodump's multiplexer writes them: two
 * segments of `entries` with an empty collection between them. nsctl must
 * read it, and write the very same bytes from the same input.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Long, serialize } from 'bson';

import type { ArchiveEvent } from '../../src/core/archive/archive-parser.js';
import { buildCollectionMetadata } from '../../src/core/archive/metadata.js';
import { readArchive } from '../../src/core/archive/reader.js';
import { createArchiveWriter } from '../../src/core/archive/writer.js';

const GO_ARCHIVE_HEX = [
  '6de299816800000010636f6e63757272656e745f636f6c6c656374696f6e7300020000000276657273696f6e00040000',
  '00302e3100027365727665725f76657273696f6e0007000000372e302e31340002746f6f6c5f76657273696f6e000900',
  '00003130302e31302e300000fa010000026462000b0000006e6967687473636f75740002636f6c6c656374696f6e0008',
  '000000656e747269657300026d65746164617461009d0100007b226f7074696f6e73223a7b22636170706564223a7472',
  '75652c2273697a65223a7b22246e756d626572496e74223a2234303936227d7d2c22696e6465786573223a5b7b227622',
  '3a7b22246e756d626572496e74223a2232227d2c226b6579223a7b225f6964223a7b22246e756d626572496e74223a22',
  '31227d7d2c226e616d65223a225f69645f227d2c7b2276223a7b22246e756d626572496e74223a2232227d2c226b6579',
  '223a7b2264617465223a7b22246e756d626572496e74223a222d31227d2c2274797065223a7b22246e756d626572496e',
  '74223a2231227d7d2c226e616d65223a22646174655f2d315f747970655f31222c226578706972654166746572536563',
  '6f6e6473223a7b22246e756d6265724c6f6e67223a223836343030227d2c2277223a7b22246e756d626572446f75626c',
  '65223a22312e35227d7d5d2c2275756964223a2230313233343536373839616263646566303132333435363738396162',
  '63646566222c22636f6c6c656374696f6e4e616d65223a22656e7472696573222c2274797065223a22636f6c6c656374',
  '696f6e227d001073697a6500000000000274797065000b000000636f6c6c656374696f6e000087000000026462000b00',
  '00006e6967687473636f75740002636f6c6c656374696f6e0006000000656d70747900026d6574616461746100280000',
  '007b22696e6465786573223a5b5d2c22636f6c6c656374696f6e4e616d65223a22656d707479227d001273697a650000',
  'f2052a010000000274797065000b000000636f6c6c656374696f6e0000ffffffff43000000026462000b0000006e6967',
  '687473636f75740002636f6c6c656374696f6e0008000000656e74726965730008454f46000012435243000000000000',
  '000000002300000010690000000000107367760064000000027479706500040000007367760000230000001069000100',
  '000010736776006500000002747970650004000000736776000023000000106900020000001073677600660000000274',
  '79706500040000007367760000ffffffff41000000026462000b0000006e6967687473636f75740002636f6c6c656374',
  '696f6e0006000000656d7074790008454f4600001243524300000000000000000000ffffffff41000000026462000b00',
  '00006e6967687473636f75740002636f6c6c656374696f6e0006000000656d7074790008454f46000112435243000000',
  '00000000000000ffffffff43000000026462000b0000006e6967687473636f75740002636f6c6c656374696f6e000800',
  '0000656e74726965730008454f4600001243524300000000000000000000230000001069000300000010736776006700',
  '0000027479706500040000007367760000ffffffff43000000026462000b0000006e6967687473636f75740002636f6c',
  '6c656374696f6e0008000000656e74726965730008454f46000112435243003f363aed284b887400ffffffff',
].join('');

// bson.MarshalExtJSON(Metadata{…}, true, false) in the same Go program.
const GO_ENTRIES_METADATA =
  '{"options":{"capped":true,"size":{"$numberInt":"4096"}},"indexes":[{"v":{"$numberInt":"2"},"key":{"_id":{"$numberInt":"1"}},"name":"_id_"},{"v":{"$numberInt":"2"},"key":{"date":{"$numberInt":"-1"},"type":{"$numberInt":"1"}},"name":"date_-1_type_1","expireAfterSeconds":{"$numberLong":"86400"},"w":{"$numberDouble":"1.5"}}],"uuid":"0123456789abcdef0123456789abcdef","collectionName":"entries","type":"collection"}';
const GO_EMPTY_METADATA = '{"indexes":[],"collectionName":"empty"}';

const goArchive = Buffer.from(GO_ARCHIVE_HEX, 'hex');
const docs = [0, 1, 2, 3].map((i) => Buffer.from(serialize({ i, sgv: 100 + i, type: 'sgv' })));

test('builds metadata.json text identical to mongodump', () => {
  const entries = buildCollectionMetadata({
    collectionName: 'entries',
    type: 'collection',
    uuid: '0123456789ABCDEF0123456789abcdef',
    options: { capped: true, size: 4096 },
    indexes: [
      { v: 2, key: { _id: 1 }, name: '_id_' },
      {
        v: 2,
        key: { date: -1, type: 1 },
        name: 'date_-1_type_1',
        expireAfterSeconds: Long.fromNumber(86400),
        w: 1.5,
      },
    ],
  });
  assert.equal(entries, GO_ENTRIES_METADATA);
  assert.equal(
    buildCollectionMetadata({ collectionName: 'empty', options: {} }),
    GO_EMPTY_METADATA,
  );
});

test('writes the same bytes as mongodump for the same documents', async () => {
  const writer = createArchiveWriter({
    header: { serverVersion: '7.0.14', toolVersion: '100.10.0', concurrentCollections: 2 },
    collections: [
      { db: 'nightscout', collection: 'entries', metadata: GO_ENTRIES_METADATA },
      { db: 'nightscout', collection: 'empty', metadata: GO_EMPTY_METADATA, size: 5_000_000_000 },
    ],
  });
  const output = (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of writer.stream) chunks.push(chunk);
    return Buffer.concat(chunks);
  })();
  const entries = writer.namespace('nightscout', 'entries');
  for (const doc of docs.slice(0, 3)) await entries.write(doc);
  writer.namespace('nightscout', 'empty').end();
  await entries.write(docs[3] as Buffer);
  entries.end();
  writer.finish();

  assert.equal((await output).toString('hex'), GO_ARCHIVE_HEX);
});

test('reads the archive mongodump wrote, CRCs included', async () => {
  const events: ArchiveEvent[] = [];
  for await (const event of readArchive([goArchive])) events.push(event);
  const [prelude, ...rest] = events;

  assert.ok(prelude?.kind === 'prelude');
  assert.deepEqual(
    prelude.collections.map(({ db, collection, size, type }) => ({ db, collection, size, type })),
    [
      { db: 'nightscout', collection: 'entries', size: 0, type: 'collection' },
      { db: 'nightscout', collection: 'empty', size: 5_000_000_000, type: 'collection' },
    ],
  );
  const documents = rest.flatMap((e) => (e.kind === 'document' ? [e.document] : []));
  assert.deepEqual(documents, docs);
  const ends = rest.flatMap((e) => (e.kind === 'namespace-end' ? [e] : []));
  assert.deepEqual(
    ends.map(({ collection, documents, crcOk }) => ({ collection, documents, crcOk })),
    [
      { collection: 'empty', documents: 0, crcOk: true },
      { collection: 'entries', documents: 4, crcOk: true },
    ],
  );
});
