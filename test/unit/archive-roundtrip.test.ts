import assert from 'node:assert/strict';
import { test } from 'node:test';

import { serialize } from 'bson';

import type { ArchiveEvent } from '../../src/core/archive/archive-parser.js';
import { toArchiveCrc } from '../../src/core/archive/crc64.js';
import { readArchive } from '../../src/core/archive/reader.js';
import {
  type ArchiveWriterOptions,
  createArchiveWriter,
  type NamespaceSummary,
} from '../../src/core/archive/writer.js';

const NAMES = ['entries', 'treatments', 'devicestatus', 'profile'];

function makeOptions(overrides: Partial<ArchiveWriterOptions> = {}): ArchiveWriterOptions {
  return {
    header: { serverVersion: '7.0.14', toolVersion: 'nsctl test', concurrentCollections: 3 },
    collections: NAMES.map((collection) => ({ db: 'ns', collection, metadata: '' })),
    ...overrides,
  };
}

function makeDocument(i: number): Buffer {
  return Buffer.from(serialize({ _id: i, sgv: 40 + (i % 300), text: 'x'.repeat(i % 97) }));
}

async function readAll(source: AsyncIterable<Uint8Array>): Promise<ArchiveEvent[]> {
  const events: ArchiveEvent[] = [];
  for await (const event of readArchive(source)) events.push(event);
  return events;
}

test('documents written interleaved read back byte for byte, in order, with matching CRCs', async () => {
  const writer = createArchiveWriter(makeOptions({ chunkBytes: 1000, highWaterMark: 2000 }));
  const reading = readAll(writer.stream);
  const written = new Map<string, Buffer[]>(NAMES.map((name) => [name, []]));
  const summaries: NamespaceSummary[] = [];
  for (let i = 0; i < 600; i++) {
    const name = NAMES[i % 3] as string;
    const doc = makeDocument(i);
    written.get(name)?.push(doc);
    await writer.namespace('ns', name).write(doc);
  }
  for (const name of NAMES) summaries.push(writer.namespace('ns', name).end());
  writer.finish();
  const events = await reading;

  for (const name of NAMES) {
    const read = events.flatMap((e) =>
      e.kind === 'document' && e.collection === name ? [e.document] : [],
    );
    assert.deepEqual(read, written.get(name), name);
  }
  const ends = events.filter((e) => e.kind === 'namespace-end');
  assert.deepEqual(
    ends.map(({ collection, documents, bytes, crc, crcOk }) => ({
      collection,
      documents,
      bytes,
      crc,
      crcOk,
    })),
    summaries.map(({ collection, documents, bytes, crc }) => ({
      collection,
      documents,
      bytes,
      crc: toArchiveCrc(crc),
      crcOk: true,
    })),
  );
});

test('hands the stream chunks of exactly chunkBytes, the last one excepted', async () => {
  const writer = createArchiveWriter(makeOptions({ chunkBytes: 4096 }));
  const chunks: Buffer[] = [];
  const reading = (async () => {
    for await (const chunk of writer.stream) chunks.push(chunk);
  })();
  const entries = writer.namespace('ns', 'entries');
  for (let i = 0; i < 2000; i++) await entries.write(makeDocument(i));
  for (const name of NAMES) writer.namespace('ns', name).end();
  writer.finish();
  await reading;

  assert.ok(chunks.length > 10);
  assert.ok(chunks.slice(0, -1).every((chunk) => chunk.length === 4096));
  const events = await readAll(
    (async function* () {
      yield* chunks;
    })(),
  );
  assert.equal(events.filter((e) => e.kind === 'document').length, 2000);
});

test('an archive without collections holds just the prelude', async () => {
  const writer = createArchiveWriter(makeOptions({ collections: [] }));
  writer.finish();
  const events = await readAll(writer.stream);
  assert.deepEqual(
    events.map((e) => e.kind),
    ['prelude'],
  );
});

test('write waits while the reader is behind and resumes when it reads', async () => {
  const writer = createArchiveWriter(makeOptions({ chunkBytes: 256, highWaterMark: 512 }));
  const entries = writer.namespace('ns', 'entries');
  let pending: Promise<void> | undefined;
  for (let i = 0; i < 100 && pending === undefined; i++) {
    const result = entries.write(makeDocument(i));
    const settled = await Promise.race([
      result.then(() => true),
      new Promise((r) => setImmediate(r, false)),
    ]);
    if (!settled) pending = result;
  }
  assert.ok(pending, 'no write ever waited for the reader');
  writer.stream.resume();
  await pending;
});

test('abort fails the stream for its reader and every later write', async () => {
  const writer = createArchiveWriter(makeOptions());
  const reading = readAll(writer.stream);
  await writer.namespace('ns', 'entries').write(makeDocument(1));
  writer.abort(new Error('cursor lost'));
  await assert.rejects(reading, /cursor lost/);
  assert.throws(() => writer.namespace('ns', 'entries').write(makeDocument(2)), /cursor lost/);
});

test('a reader that stops early makes the next write fail, not hang', async () => {
  const writer = createArchiveWriter(makeOptions({ chunkBytes: 128 }));
  writer.stream.destroy();
  await new Promise((resolve) => setImmediate(resolve));
  assert.throws(() => writer.namespace('ns', 'entries').write(makeDocument(1)), /closed before/);
});

test('refuses misuse: unknown namespace, bad document, write after end, open namespaces', () => {
  const writer = createArchiveWriter(makeOptions());
  assert.throws(() => writer.namespace('ns', 'nope'), /ns\.nope is not in the prelude/);
  const entries = writer.namespace('ns', 'entries');
  assert.throws(() => entries.write(Buffer.from([5, 0, 0, 0, 1])), RangeError);
  assert.throws(
    () => entries.write(Buffer.concat([makeDocument(1), Buffer.from([0])])),
    RangeError,
  );
  entries.end();
  assert.throws(() => entries.write(makeDocument(1)), /already ended/);
  assert.throws(() => writer.finish(), /not ended: ns\.treatments, ns\.devicestatus, ns\.profile/);
  assert.throws(
    () =>
      createArchiveWriter(
        makeOptions({
          collections: [
            { db: 'ns', collection: 'a', metadata: '' },
            { db: 'ns', collection: 'a', metadata: '' },
          ],
        }),
      ),
    /listed twice/,
  );
});

test('refuses to open more namespaces at once than concurrentCollections', () => {
  const writer = createArchiveWriter(
    makeOptions({ header: { serverVersion: '7', toolVersion: 't' } }),
  );
  void writer.namespace('ns', 'entries').write(makeDocument(1));
  assert.throws(
    () => writer.namespace('ns', 'treatments').write(makeDocument(2)),
    /exceeds concurrentCollections \(1\)/,
  );
  writer.namespace('ns', 'entries').end();
  void writer.namespace('ns', 'treatments').write(makeDocument(2));
});
