/**
 * Restore drills, rollback points, retention over real backups, and a
 * restore in which the server rejects documents.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { createLocalDirTarget } from '../../src/adapters/storage/local-dir-target.js';
import { silentProgress } from '../../src/core/progress.js';
import { openStoredArchive } from '../../src/ops/backup/archive-source.js';
import { readCatalogue } from '../../src/ops/backup/catalogue.js';
import { pruneBackups } from '../../src/ops/backup/prune.js';
import { runBackup } from '../../src/ops/backup/run.js';
import { restoreArchive } from '../../src/ops/restore.js';
import { runRestoreDrill } from '../../src/ops/restore-drill.js';
import { createRollbackPoint, rollbackTo } from '../../src/ops/rollback.js';
import { openTestDatabase } from '../helpers/db.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

const t = await openTestDatabase(import.meta.url);
await t.db.collection('treatments').insertMany(
  Array.from({ length: 300 }, (_, i) => ({
    eventType: i % 2 ? 'Meal Bolus' : 'Correction Bolus',
    insulin: (i % 7) / 2,
    n: i,
  })),
);
await t.db
  .collection('profile')
  .insertOne({ defaultProfile: 'Default', store: { Default: { dia: 5 } } });

const dir = await mkdtemp(join(tmpdir(), 'nsctl-lifecycle-'));
const target = createLocalDirTarget(dir);
const context = {
  target,
  instance: 'life',
  compression: 'gzip' as const,
  encryption: { type: 'none' as const },
  keys: {},
  progress: silentProgress,
  toolVersion: '0.0.0-test',
};

test('a restore drill restores into a scratch database, matches the manifest, and drops it', async () => {
  const backup = await runBackup({ ...context, source: { uri: t.dbUri } });
  const result = await runRestoreDrill({
    target,
    manifest: backup.manifest,
    keys: {},
    server: { uri: t.uri },
    progress: silentProgress,
  });
  assert.equal(result.ok, true, result.problems.join('\n'));
  assert.ok(result.collections.length >= 2);
  const names = (await t.client.db('admin').admin().listDatabases()).databases.map((d) => d.name);
  assert.ok(!names.includes(result.database), 'the scratch database was dropped');
});

test('rollback to a point verifies it, restores it, and proves the database equal to it', async () => {
  const point = await createRollbackPoint(context, { uri: t.dbUri }, 'before a bad change');
  await t.db.collection('treatments').deleteMany({ n: { $lt: 100 } });
  await t.db.collection('profile').updateOne({}, { $set: { 'store.Default.dia': 3 } });
  const { readManifest } = await import('../../src/ops/backup/catalogue.js');
  const result = await rollbackTo(context, await readManifest(target, point), { uri: t.dbUri });
  assert.equal(result.ok, true, result.problems.join('\n'));
  assert.equal(await t.db.collection('treatments').countDocuments(), 300);
  assert.equal((await t.db.collection('profile').findOne({}))?.store.Default.dia, 5);
  assert.ok(result.restore.rollbackPoint, 'going back made a point of what it replaced');
});

test('documents the server rejects are reported by _id and fail the restore', async () => {
  const backup = await runBackup({
    ...context,
    source: { uri: t.dbUri },
    selection: { include: ['treatments'] },
  });
  const scratch = await t.scratch('rejects');
  await scratch.db.collection('treatments').createIndex({ eventType: 1 }, { unique: true });
  const archive = await openStoredArchive(
    target,
    backup.manifest.archive.name,
    { compression: 'gzip', encrypted: false },
    {},
  );
  const result = await restoreArchive({
    archive,
    destination: { uri: scratch.dbUri },
    drop: false,
    dryRun: false,
    progress: silentProgress,
  });
  const treatments = result.collections.find((c) => c.name === 'treatments');
  assert.equal(result.ok, false);
  assert.equal(treatments?.inserted, 2);
  assert.equal(treatments?.failed, 298);
  assert.match(treatments?.failures[0]?.id ?? '', /[0-9a-f]{24}/);
  assert.match(treatments?.failures[0]?.message ?? '', /duplicate|E11000/i);
});

test('prune keeps by rule, holds everything after a failed newest backup, never touches rollback points or partial backups', async () => {
  const pruneDir = await mkdtemp(join(tmpdir(), 'nsctl-prune-'));
  const store = createLocalDirTarget(pruneDir);
  const day = (d: number) => () => new Date(Date.UTC(2026, 10, d, 3, 15));
  for (const d of [1, 2, 3, 4, 5]) {
    await runBackup({ ...context, target: store, source: { uri: t.dbUri }, now: day(d) });
  }
  // A partial backup on the last day must not stand in for that day's full one.
  await runBackup({
    ...context,
    target: store,
    source: { uri: t.dbUri },
    selection: { include: ['profile'] },
    now: () => new Date(Date.UTC(2026, 10, 5, 4)),
  });

  await createRollbackPoint({ ...context, target: store }, { uri: t.dbUri }, 'kept by hand');
  const policy = { keepLast: 2 };
  const options = {
    target: store,
    policy,
    timezone: 'Europe/London',
    now: new Date(Date.UTC(2026, 10, 6)),
  };

  const dry = await pruneBackups({ ...options, dryRun: true });
  assert.equal(dry.plan.remove.length, 3);
  assert.equal((await readCatalogue(store)).backups.length, 7, 'dry run deleted nothing');

  const real = await pruneBackups({ ...options, dryRun: false });
  assert.equal(real.removed.length, 6, 'manifest and archive of 3 backups');
  const left = (await readCatalogue(store)).backups;
  assert.deepEqual(left.map((b) => b.kind).sort(), [
    'backup',
    'backup',
    'backup',
    'rollback-point',
  ]);
  assert.equal(left.filter((b) => b.selection).length, 1, 'the partial backup stays');
  assert.ok(
    left.some((b) => b.createdAt.startsWith('2026-11-05T03')),
    'the full backup of the last day stays',
  );

  const proxy = await startTcpProxy(t.uri);
  try {
    const url = new URL(proxy.uri);
    url.pathname = `/${t.db.databaseName}`;
    proxy.cutAfter(5_000);
    await assert.rejects(
      runBackup({ ...context, target: store, source: { uri: url.toString() }, now: day(7) }),
    );
  } finally {
    await proxy.close();
  }
  assert.equal((await readCatalogue(store)).failures.length, 1);
  const held = await pruneBackups({
    ...options,
    policy: { keepLast: 1 },
    now: new Date(Date.UTC(2026, 10, 8)),
    dryRun: false,
  });
  assert.equal(held.plan.held.length, 1, 'the newest run failed: nothing is removed');
  assert.deepEqual(held.removed, []);
  assert.equal((await readCatalogue(store)).backups.length, 4);
});
