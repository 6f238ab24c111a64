/**
 * Archives built here by hand from the format's specification (mongo-tools,
 * common/archive/spec.md), independently of nsctl's writer, read back in
 * chunks of every awkward size.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { type Document, Int32, Long, serialize } from 'bson';

import type { ArchiveEvent } from '../../src/core/archive/archive-parser.js';
import { computeCrc64 } from '../../src/core/archive/crc64.js';
import { readArchive } from '../../src/core/archive/reader.js';

const MAGIC = Buffer.from([0x6d, 0xe2, 0x99, 0x81]);
const TERMINATOR = Buffer.from([0xff, 0xff, 0xff, 0xff]);

function bson(doc: Document): Buffer {
  return Buffer.from(serialize(doc));
}

function buildPrelude(names: string[]): Buffer {
  const header = bson({
    concurrent_collections: new Int32(4),
    version: '0.1',
    server_version: '7.0.14',
    tool_version: '100.10.0',
  });
  const entries = names.map((collection) =>
    bson({
      db: 'ns',
      collection,
      metadata: `{"indexes":[],"collectionName":"${collection}"}`,
      size: new Int32(0),
      type: 'collection',
    }),
  );
  return Buffer.concat([MAGIC, header, ...entries, TERMINATOR]);
}

function buildSegment(collection: string, docs: Buffer[]): Buffer {
  const header = bson({ db: 'ns', collection, EOF: false, CRC: Long.ZERO });
  return Buffer.concat([header, ...docs, TERMINATOR]);
}

function buildEof(collection: string, docs: Buffer[]): Buffer {
  const crc = BigInt.asIntN(64, computeCrc64(Buffer.concat(docs)));
  const header = bson({ db: 'ns', collection, EOF: true, CRC: Long.fromBigInt(crc) });
  return Buffer.concat([header, TERMINATOR]);
}

const entries = [0, 1, 2].map((i) =>
  bson({ _id: i, sgv: 100 + i, type: 'sgv', pad: 'x'.repeat(i * 40) }),
);
const treatments = [bson({ eventType: 'Meal Bolus', carbs: 42, insulin: 3.5 })];

/** Three collections interleaved, one empty as mongodump writes it, one closed without a segment. */
const ARCHIVE = Buffer.concat([
  buildPrelude(['entries', 'treatments', 'empty', 'profile']),
  buildSegment('entries', entries.slice(0, 2)),
  buildSegment('treatments', treatments),
  buildSegment('entries', entries.slice(2)),
  buildSegment('empty', []),
  buildEof('empty', []),
  buildEof('entries', entries),
  buildEof('treatments', treatments),
  buildEof('profile', []),
]);

function* splitInto(data: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

async function collect(chunks: Iterable<Uint8Array>): Promise<ArchiveEvent[]> {
  const events: ArchiveEvent[] = [];
  for await (const event of readArchive(chunks)) events.push(event);
  return events;
}

function summarize(events: ArchiveEvent[]): string[] {
  return events.map((event) => {
    if (event.kind === 'prelude') return `prelude ${event.collections.map((c) => c.collection)}`;
    if (event.kind === 'document')
      return `doc ${event.collection} ${event.document.toString('hex')}`;
    return `end ${event.collection} ${event.documents} ${event.bytes} ${event.crcOk}`;
  });
}

const EXPECTED = [
  'prelude entries,treatments,empty,profile',
  ...entries.slice(0, 2).map((d) => `doc entries ${d.toString('hex')}`),
  `doc treatments ${treatments[0]?.toString('hex')}`,
  `doc entries ${entries[2]?.toString('hex')}`,
  'end empty 0 0 true',
  `end entries 3 ${entries.reduce((n, d) => n + d.length, 0)} true`,
  `end treatments 1 ${treatments[0]?.length} true`,
  'end profile 0 0 true',
];

test('reads interleaved, empty and segment-less collections in one chunk', async () => {
  assert.deepEqual(summarize(await collect([ARCHIVE])), EXPECTED);
});

test('reads the same archive fed one byte at a time', async () => {
  assert.deepEqual(summarize(await collect(splitInto(ARCHIVE, 1))), EXPECTED);
});

test('reads documents and headers split across chunk boundaries at every size', async () => {
  for (const size of [2, 3, 5, 7, 13, 64, 100, 1000]) {
    assert.deepEqual(summarize(await collect(splitInto(ARCHIVE, size))), EXPECTED, `size ${size}`);
  }
});

test('hands back documents that lie in one chunk without copying them', async () => {
  const events = await collect([ARCHIVE]);
  const docs = events.filter((e) => e.kind === 'document');
  assert.ok(docs.every((e) => e.document.buffer === ARCHIVE.buffer));
});

test('parses the prelude header and each collection metadata', async () => {
  const [prelude] = await collect([ARCHIVE]);
  assert.ok(prelude?.kind === 'prelude');
  assert.deepEqual(prelude.header, {
    concurrentCollections: 4,
    version: '0.1',
    serverVersion: '7.0.14',
    toolVersion: '100.10.0',
  });
  const first = prelude.collections[0];
  assert.equal(first?.metadata, '{"indexes":[],"collectionName":"entries"}');
  assert.deepEqual(first?.parsedMetadata, { indexes: [], collectionName: 'entries' });
});

test('reads an archive with an empty prelude and no namespaces', async () => {
  const events = await collect([buildPrelude([])]);
  assert.deepEqual(summarize(events), ['prelude ']);
});
