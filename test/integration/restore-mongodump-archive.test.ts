/**
 * `nsctl restore --archive` reads archives that mongodump wrote, plain and
 * gzipped: here a fixture produced by mongo-tools' own structs (see
 * test/fixtures/mongodump-archive.ts), restored into the real server.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Int32, serialize } from 'bson';
import type { Db } from 'mongodb';

import { buildCollectionMetadata } from '../../src/core/archive/metadata.js';
import { createArchiveWriter } from '../../src/core/archive/writer.js';
import { type ErrorCode, NsctlError } from '../../src/core/errors.js';
import { silentProgress } from '../../src/core/progress.js';
import { openArchiveFile } from '../../src/ops/backup/archive-source.js';
import { restoreArchive } from '../../src/ops/restore.js';
import { checkRestoreInput } from '../../src/ops/restore-check.js';
import { GO_ARCHIVE_HEX } from '../fixtures/mongodump-archive.js';
import { openTestDatabase } from '../helpers/db.js';

const t = await openTestDatabase(import.meta.url);

/** A plain restore (no --drop) of an archive file into a database. */
async function restoreInto(path: string, uri: string) {
  return restoreArchive({
    archive: await openArchiveFile(path, {}),
    destination: { uri },
    drop: false,
    dryRun: false,
    progress: silentProgress,
  });
}

/** A plain mongodump archive of db "nightscout", each collection with an index on `date`. */
async function writeArchive(collections: Record<string, Buffer[]>): Promise<Buffer> {
  const names = Object.keys(collections);
  const writer = createArchiveWriter({
    header: { serverVersion: '7.0.14', toolVersion: 'nsctl test' },
    collections: names.map((collection) => ({
      db: 'nightscout',
      collection,
      metadata: buildCollectionMetadata({
        collectionName: collection,
        indexes: [
          { v: 2, key: { _id: 1 }, name: '_id_' },
          { v: 2, key: { date: -1 }, name: 'date_-1' },
        ],
      }),
    })),
  });
  const bytes = buffer(writer.stream);
  for (const name of names) {
    for (const doc of collections[name] ?? [])
      await writer.namespace('nightscout', name).write(doc);
    writer.namespace('nightscout', name).end();
  }
  writer.finish();
  return bytes;
}
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
    const result = await restoreInto(join(dir, file), scratch.dbUri);
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
  const path = join(dir, 'damaged.archive');
  await writeFile(path, await writeArchive({ entries: docs }));

  const scratch = await t.scratch('damaged');
  const result = await restoreInto(path, scratch.dbUri);
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

test(`text that is not valid UTF-8 in an archive: ${t.isFerretDB ? 'FerretDB would store it altered, so the document is refused by _id' : 'MongoDB stores it as it is'}`, async () => {
  const bad = Buffer.from(serialize({ _id: 'bad-text', notes: 'caf\u00e9' }));
  bad[bad.indexOf(Buffer.from([0xc3, 0xa9])) + 1] = 0x58;
  const path = join(dir, 'utf8.archive');
  await writeFile(
    path,
    await writeArchive({ entries: [Buffer.from(serialize({ _id: 'fine', sgv: 1 })), bad] }),
  );
  const scratch = await t.scratch('utf8');
  const result = await restoreInto(path, scratch.dbUri);
  const entries = result.collections.find((c) => c.name === 'entries');
  if (!t.isFerretDB) {
    assert.equal(entries?.inserted, 2);
    assert.equal(result.ok, true);
    return;
  }
  assert.equal(entries?.inserted, 1);
  assert.deepEqual(
    entries?.failures.map((f) => f.id),
    ['"bad-text"'],
  );
  assert.match(entries?.failures[0]?.message ?? '', /not valid UTF-8 \(at byte \d+\)/);
  assert.equal(result.ok, false);
});

const readings = (collection: string, count: number) =>
  Array.from({ length: count }, (_, i) =>
    Buffer.from(serialize({ _id: `${collection}-${i}`, date: 1_700_000_000_000 + i, sgv: 100 })),
  );
const goodArchive = await writeArchive({
  entries: readings('entries', 3000),
  treatments: readings('treatments', 500),
});

/** A live database the archive would replace: other documents, other indexes. */
async function occupiedTarget(label: string) {
  const scratch = await t.scratch(label);
  await scratch.db
    .collection('entries')
    .insertMany(Array.from({ length: 40 }, (_, i) => ({ _id: `live-${i}` as never, sgv: i })));
  await scratch.db.collection('entries').createIndex({ sgv: 1 }, { name: 'sgv_1' });
  await scratch.db.collection('treatments').insertOne({ _id: 'live-t' as never });
  await scratch.db
    .collection('treatments')
    .createIndex({ created_at: 1 }, { name: 'created_at_1' });
  return { ...scratch, before: await describeTarget(scratch.db) };
}

async function describeTarget(db: Db) {
  const out: Record<string, { ids: string[]; indexes: string[] }> = {};
  for (const name of ['entries', 'treatments']) {
    const collection = db.collection(name);
    out[name] = {
      ids: (await collection.distinct('_id')).map(String).sort(),
      indexes: (await collection.indexes()).map((i) => String(i.name)).sort(),
    };
  }
  return out;
}

/** `restore --archive <path> --drop` as the command runs it, refused before any change. */
async function assertDropRefused(path: string, uri: string, code: ErrorCode, message: RegExp) {
  const input = { kind: 'archive' as const, path, keys: {} };
  const points: string[][] = [];
  await assert.rejects(
    restoreArchive({
      archive: await openArchiveFile(path, {}),
      checkInput: (destination) =>
        checkRestoreInput(input, { ...destination, progress: silentProgress }),
      destination: { uri },
      drop: true,
      dryRun: false,
      progress: silentProgress,
      createRollbackPoint: async (_db, names) => {
        points.push(names);
        return 'point';
      },
    }),
    (error: unknown) => {
      assert.ok(error instanceof NsctlError, String(error));
      assert.equal(error.code, code, error.message);
      assert.match(error.message, message);
      assert.match(error.message, /nothing was changed/);
      assert.equal(error.exitCode, 4);
      return true;
    },
  );
  assert.deepEqual(points, [], 'no rollback point is made for an input that fails its check');
}

test('restore --drop of a damaged mongodump archive (8 bytes overwritten) changes nothing', async () => {
  const damaged = Buffer.from(goodArchive);
  damaged.write('DAMAGED!', Math.floor(damaged.length / 2), 'latin1');
  const path = join(dir, 'corrupt.archive.gz');
  await writeFile(path, gzipSync(damaged));
  const target = await occupiedTarget('corrupt');
  await assertDropRefused(path, target.dbUri, 'ARCHIVE_CORRUPT', /is damaged at byte/);
  assert.deepEqual(await describeTarget(target.db), target.before);
});

test('restore --drop of a truncated mongodump archive changes nothing', async () => {
  const gzipped = gzipSync(goodArchive);
  const path = join(dir, 'truncated.archive.gz');
  await writeFile(path, gzipped.subarray(0, Math.floor((gzipped.length * 2) / 3)));
  const target = await occupiedTarget('truncated');
  await assertDropRefused(path, target.dbUri, 'ARCHIVE_TRUNCATED', /cut short|ends early/);
  assert.deepEqual(await describeTarget(target.db), target.before);

  const plainPath = join(dir, 'truncated.archive');
  await writeFile(plainPath, goodArchive.subarray(0, Math.floor((goodArchive.length * 2) / 3)));
  await assertDropRefused(plainPath, target.dbUri, 'ARCHIVE_TRUNCATED', /cut short/);
  assert.deepEqual(await describeTarget(target.db), target.before);
});

test('restore --drop refuses an archive holding a damaged document, naming it; nothing is changed', async () => {
  const docs = readings('entries', 3000);
  const bad = docs[1500] as Buffer;
  bad[bad.indexOf(Buffer.from('sgv\0', 'latin1')) - 1] = 0x99;
  const path = join(dir, 'damaged-document.archive');
  await writeFile(path, await writeArchive({ entries: docs, treatments: readings('t', 5) }));
  const target = await occupiedTarget('damaged-document');
  await assertDropRefused(
    path,
    target.dbUri,
    'ARCHIVE_CORRUPT',
    /1 document cannot be restored as stored \(entries _id "entries-1500": not valid BSON \(unknown element type 0x99/,
  );
  assert.deepEqual(await describeTarget(target.db), target.before);
});

test('restore --drop of an archive with text that is not valid UTF-8 into FerretDB, which would alter it: refused, nothing is changed (FerretDB only)', {
  skip: t.isFerretDB ? false : 'MongoDB stores such text as it is',
}, async () => {
  const docs = readings('entries', 20);
  const bad = docs[7] as Buffer;
  bad[bad.indexOf(Buffer.from('entries-7', 'latin1')) + 1] = 0xff;
  const path = join(dir, 'utf8-drop.archive');
  await writeFile(path, await writeArchive({ entries: docs }));
  const target = await occupiedTarget('utf8-drop');
  await assertDropRefused(
    path,
    target.dbUri,
    'ARCHIVE_CORRUPT',
    /1 document cannot be restored as stored \(entries _id .*holds text that is not valid UTF-8/,
  );
  assert.deepEqual(await describeTarget(target.db), target.before);
});

test('restore --drop of a sound mongodump archive replaces the data after its check', async () => {
  const path = join(dir, 'good.archive.gz');
  await writeFile(path, gzipSync(goodArchive));
  const target = await occupiedTarget('good');
  const result = await restoreArchive({
    archive: await openArchiveFile(path, {}),
    checkInput: () =>
      checkRestoreInput({ kind: 'archive', path, keys: {} }, { progress: silentProgress }),
    destination: { uri: target.dbUri },
    drop: true,
    dryRun: false,
    progress: silentProgress,
  });
  assert.equal(result.ok, true);
  const after = await describeTarget(target.db);
  assert.equal(after.entries?.ids.length, 3000);
  assert.deepEqual(after.entries?.indexes, ['_id_', 'date_-1']);
  assert.equal(after.treatments?.ids.length, 500);
});

test('a restore --drop stopped after its rollback point names the way back with the rollback folder given', async () => {
  const path = join(dir, 'stopped.archive');
  await writeFile(path, goodArchive);
  const target = await occupiedTarget('stopped');
  const controller = new AbortController();
  await assert.rejects(
    restoreArchive({
      archive: await openArchiveFile(path, {}),
      destination: { uri: target.dbUri },
      drop: true,
      dryRun: false,
      progress: silentProgress,
      signal: controller.signal,
      rollbackDir: '/srv/nsctl/rollback points',
      createRollbackPoint: async () => {
        controller.abort(new Error('SIGINT'));
        return 'point-1';
      },
    }),
    (error: unknown) => {
      assert.ok(error instanceof NsctlError, String(error));
      assert.match(error.message, /partly restored/);
      assert.match(
        error.hint,
        /nsctl rollback to point-1 --uri '.*' --dir '\/srv\/nsctl\/rollback points'/,
      );
      return true;
    },
  );
});
