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
import { GO_ARCHIVE_HEX } from '../fixtures/mongodump-archive.js';

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
