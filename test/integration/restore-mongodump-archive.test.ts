/**
 * `nsctl restore --archive` reads archives that mongodump wrote, plain and
 * gzipped: here a fixture produced by mongo-tools' own structs (see
 * test/fixtures/mongodump-archive.ts), restored into the real server.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { Int32, serialize } from 'bson';

import { createArchiveWriter } from '../../src/core/archive/writer.js';
import { silentProgress } from '../../src/core/progress.js';
import { openArchiveFile } from '../../src/ops/backup/archive-source.js';
import { restoreArchive } from '../../src/ops/restore.js';
import { GO_ARCHIVE_HEX } from '../fixtures/mongodump-archive.js';
import { openTestDatabase } from '../helpers/db.js';

const t = await openTestDatabase(import.meta.url);
const dir = await mkdtemp(join(tmpdir(), 'nsctl-mongodump-'));
const plain = Buffer.from(GO_ARCHIVE_HEX, 'hex');
await writeFile(join(dir, 'dump.archive'), plain);
await writeFile(join(dir, 'dump.archive.gz'), gzipSync(plain));

for (const file of ['dump.archive', 'dump.archive.gz']) {
  const ttlNote = t.isFerretDB
    ? ' (FerretDB: its TTL index is reported as failed, it lacks TTL indexes)'
    : '';
  test(`restores a mongodump archive: ${file}${ttlNote}`, async () => {
    const scratch = await t.scratch(file);
    const result = await restoreArchive({
      archive: await openArchiveFile(join(dir, file), {}),
      destination: { uri: scratch.dbUri },
      drop: false,
      dryRun: false,
      progress: silentProgress,
    });
    const counts = Object.fromEntries(result.collections.map((c) => [c.name, c.found]));
    assert.deepEqual(counts, { entries: 4, empty: 0 });
    const sgv = (
      await scratch.db
        .collection('entries')
        .find({}, { sort: { i: 1 } })
        .toArray()
    ).map((d) => d.sgv);
    assert.deepEqual(sgv, [100, 101, 102, 103]);
    const failedIndexes = result.indexes.flatMap((i) => i.failed.map((f) => f.name));
    assert.deepEqual(failedIndexes, t.isFerretDB ? ['date_-1_type_1'] : []);
    assert.equal(result.ok, !t.isFerretDB);
  });
}

test('a damaged document in an archive is reported by _id; the others are restored', async () => {
  const damaged = Buffer.from(serialize({ _id: 'damaged', sgv: new Int32(102) }));
  damaged[damaged.indexOf(Buffer.from('sgv\0', 'latin1')) - 1] = 0x99;
  const docs = [
    Buffer.from(serialize({ _id: 'first', sgv: new Int32(100) })),
    damaged,
    Buffer.from(serialize({ _id: 'last', sgv: new Int32(101) })),
  ];
  // The writer checks framing only, as mongodump does: the damage is inside.
  const writer = createArchiveWriter({
    header: { serverVersion: '7.0.14', toolVersion: 'nsctl test' },
    collections: [{ db: 'nightscout', collection: 'entries', metadata: '' }],
  });
  const chunks: Buffer[] = [];
  const reading = (async () => {
    for await (const chunk of writer.stream) chunks.push(chunk);
  })();
  for (const doc of docs) await writer.namespace('nightscout', 'entries').write(doc);
  writer.namespace('nightscout', 'entries').end();
  writer.finish();
  await reading;
  const path = join(dir, 'damaged.archive');
  await writeFile(path, Buffer.concat(chunks));

  const scratch = await t.scratch('damaged');
  const result = await restoreArchive({
    archive: await openArchiveFile(path, {}),
    destination: { uri: scratch.dbUri },
    drop: false,
    dryRun: false,
    progress: silentProgress,
  });
  const entries = result.collections.find((c) => c.name === 'entries');
  assert.equal(entries?.inserted, 2);
  assert.equal(entries?.failed, 1);
  assert.deepEqual(
    entries?.failures.map((f) => f.id),
    ['"damaged"'],
  );
  assert.match(entries?.failures[0]?.message ?? '', /not valid BSON \(unknown element type 0x99/);
  assert.equal(result.ok, false);
  assert.deepEqual((await scratch.db.collection('entries').distinct('_id')).sort(), [
    'first',
    'last',
  ]);
});
