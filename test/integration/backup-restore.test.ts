/**
 * The whole backup path on the real server: back up (gzip + age), list,
 * verify, restore elsewhere and compare, refuse a non-empty target, drop
 * with a rollback point, and catch damage and wrong keys.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { Binary, Double, Int32, Long, ObjectId } from 'bson';

import { generateAgeKeyPair } from '../../src/adapters/crypto/age-keys.js';
import { createLocalDirTarget } from '../../src/adapters/storage/local-dir-target.js';
import { NsctlError } from '../../src/core/errors.js';
import { silentProgress } from '../../src/core/progress.js';
import { openStoredArchive } from '../../src/ops/backup/archive-source.js';
import { readCatalogue, readManifest } from '../../src/ops/backup/catalogue.js';
import { runBackup } from '../../src/ops/backup/run.js';
import { compareWithManifest, verifyBackup } from '../../src/ops/backup/verify.js';
import { restoreArchive } from '../../src/ops/restore.js';
import { digestDatabase } from '../../src/ops/restore-drill.js';
import { rollbackPointMaker } from '../../src/ops/rollback.js';
import { openTestDatabase } from '../helpers/db.js';

const t = await openTestDatabase(import.meta.url);
const keys = await generateAgeKeyPair();
const dir = await mkdtemp(join(tmpdir(), 'nsctl-backup-'));
const target = createLocalDirTarget(dir);
const encryption = { type: 'recipients' as const, recipients: [keys.recipient] };

await t.db.collection('entries').insertMany([
  {
    _id: new ObjectId('5f1e0000000000000000000a'),
    sgv: new Int32(120),
    date: new Long(1_700_000_000_000),
    type: 'sgv',
  },
  {
    _id: 'string-id-1' as never,
    sgv: new Int32(99),
    date: new Double(1_700_000_300_000),
    type: 'sgv',
  },
  {
    _id: new Binary(Buffer.alloc(16, 7), 4) as never,
    sgv: new Int32(180),
    nested: { a: [1, 2, { b: 'c' }] },
  },
]);
await t.db.collection('entries').createIndex({ date: -1 }, { name: 'date_-1' });
await t.db.collection('devicestatus').insertMany(
  Array.from({ length: 2500 }, (_, i) => ({
    created_at: new Date(1_700_000_000_000 + i * 300_000).toISOString(),
    i,
    pad: 'x'.repeat(500),
  })),
);
await t.db.createCollection('food');

async function backup(label?: string) {
  return runBackup({
    source: { uri: t.dbUri },
    instance: 'test-site',
    target,
    compression: 'gzip',
    encryption,
    progress: silentProgress,
    toolVersion: '0.0.0-test',
    ...(label ? { label } : {}),
  });
}

const first = await backup();

test('a backup writes an archive and a manifest with counts and checksums', async () => {
  const { backups, orphans } = await readCatalogue(target);
  assert.equal(backups.length, 1);
  assert.deepEqual(orphans, []);
  const manifest = backups[0];
  assert.ok(manifest);
  assert.match(manifest.archive.name, /\.archive\.gz\.age$/);
  const counts = Object.fromEntries(manifest.collections.map((c) => [c.name, c.documents]));
  assert.deepEqual(counts, { devicestatus: 2500, entries: 3, food: 0 });
  assert.ok(
    manifest.collections
      .find((c) => c.name === 'entries')
      ?.indexes.some((i) => i.name === 'date_-1'),
  );
  assert.deepEqual(manifest.encryption, { type: 'age-recipients', recipients: [keys.recipient] });
});

test('verify reads the whole archive and agrees with the manifest', async () => {
  const result = await verifyBackup({
    target,
    manifest: first.manifest,
    keys: { identities: [keys.identity] },
    progress: silentProgress,
  });
  assert.deepEqual(result.problems, []);
  assert.equal(result.ok, true);
});

test('restore into a new database gives the same raw BSON, counts and indexes', async () => {
  const scratch = await t.scratch('restored');
  const archive = await openStoredArchive(
    target,
    first.manifest.archive.name,
    { compression: 'gzip', encrypted: true },
    { identities: [keys.identity] },
  );
  const result = await restoreArchive({
    archive,
    destination: { uri: scratch.dbUri },
    drop: false,
    dryRun: false,
    progress: silentProgress,
  });
  assert.equal(result.ok, true, JSON.stringify(result, null, 2));
  const digests = await digestDatabase(scratch.db, ['entries', 'devicestatus', 'food']);
  assert.ok(compareWithManifest(first.manifest, digests).every((c) => c.ok));
  const indexes = await scratch.db.collection('entries').listIndexes().toArray();
  assert.ok(indexes.some((i) => i.name === 'date_-1'));
  assert.ok(
    (await scratch.db.listCollections({ name: 'food' }).toArray()).length === 1,
    'empty collection restored',
  );
});

test('restore refuses a database that holds data, and --drop makes a rollback point first', async () => {
  const open = () =>
    openStoredArchive(
      target,
      first.manifest.archive.name,
      { compression: 'gzip', encrypted: true },
      { identities: [keys.identity] },
    );
  await assert.rejects(
    restoreArchive({
      archive: await open(),
      destination: { uri: t.dbUri },
      drop: false,
      dryRun: false,
      progress: silentProgress,
    }),
    (error: unknown) =>
      error instanceof NsctlError &&
      error.code === 'USAGE' &&
      /already holds data/.test(error.message),
  );
  await t.db.collection('entries').insertOne({ _id: 'added-after-backup' as never, sgv: 1 });
  const context = {
    target,
    instance: 'test-site',
    compression: 'gzip' as const,
    encryption,
    keys: { identities: [keys.identity] },
    progress: silentProgress,
    toolVersion: '0.0.0-test',
  };
  const result = await restoreArchive({
    archive: await open(),
    destination: { uri: t.dbUri },
    drop: true,
    dryRun: false,
    progress: silentProgress,
    createRollbackPoint: rollbackPointMaker(context, t.dbUri, 'before-test-restore'),
  });
  assert.equal(result.ok, true);
  assert.ok(result.rollbackPoint);
  assert.equal(
    await t.db.collection('entries').countDocuments({ _id: 'added-after-backup' as never }),
    0,
  );
  const point = await readManifest(target, result.rollbackPoint);
  assert.equal(point.kind, 'rollback-point');
  assert.equal(point.collections.find((c) => c.name === 'entries')?.documents, 4);
});

test('a wrong key fails verify as DECRYPT_FAILED, never a crash', async () => {
  const other = await generateAgeKeyPair();
  const result = await verifyBackup({
    target,
    manifest: first.manifest,
    keys: { identities: [other.identity] },
    progress: silentProgress,
  });
  assert.equal(result.ok, false);
  assert.equal(result.failure?.code, 'DECRYPT_FAILED');
});

test('a flipped byte and a truncated archive fail verify with a clear finding', async () => {
  const copy = await backup('damage-me');
  const path = join(dir, copy.manifest.archive.name);
  const bytes = await readFile(path);
  const flipped = Buffer.from(bytes);
  const at = Math.floor(bytes.length / 2);
  flipped[at] = (flipped[at] ?? 0) ^ 0x10;
  await writeFile(path, flipped);
  const damaged = await verifyBackup({
    target,
    manifest: copy.manifest,
    keys: { identities: [keys.identity] },
    progress: silentProgress,
  });
  assert.equal(damaged.ok, false);
  assert.ok(damaged.failure, 'a failure code is reported');

  await writeFile(path, bytes);
  await truncate(path, Math.floor(bytes.length * 0.7));
  const cut = await verifyBackup({
    target,
    manifest: copy.manifest,
    keys: { identities: [keys.identity] },
    progress: silentProgress,
  });
  assert.equal(cut.ok, false);
  assert.equal(cut.failure?.code, 'ARCHIVE_TRUNCATED');
});
