/**
 * `nsctl migrate` from every kind of source into an empty database, on
 * seeded Nightscout data with mixed `_id` types: a MongoDB database (read
 * the way its server suits, and in `_id` pages across type brackets), an
 * nsctl backup, a mongodump archive file and a mongodump directory (plain
 * and gzipped). Each ends verified equal, with Nightscout's indexes and
 * auth subject `_id`s intact, and writes a report.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { Binary, Double, Int32, Long, UUID } from 'bson';

import { listCollectionSpecs, readRawDocuments } from '../../src/adapters/mongo/collections.js';
import { connectMongo } from '../../src/adapters/mongo/connect.js';
import { writeSeed } from '../../src/adapters/mongo/seed-writer.js';
import { createLocalDirTarget } from '../../src/adapters/storage/local-dir-target.js';
import { buildCollectionMetadata } from '../../src/core/archive/metadata.js';
import { configSchema } from '../../src/core/config/schema.js';
import type { NsctlError } from '../../src/core/errors.js';
import { createProgress, silentProgress } from '../../src/core/progress.js';
import { createSeedPlan } from '../../src/core/seed/seed-plan.js';
import { runBackup } from '../../src/ops/backup/run.js';
import { openMongoDocumentSource } from '../../src/ops/compare/mongo-document-source.js';
import { verifyDatabases } from '../../src/ops/compare/verify-databases.js';
import { type MigrateOptions, runMigration } from '../../src/ops/migrate/index.js';
import { openTestDatabase } from '../helpers/db.js';

const t = await openTestDatabase(import.meta.url);
const dir = await mkdtemp(join(tmpdir(), 'nsctl-migrate-copy-'));
after(() => rm(dir, { recursive: true, force: true }));
const config = configSchema.parse({ instance: 'migtest', backup: { dir } });
const collections = config.nightscout.collections;

const connection = await connectMongo({ uri: t.dbUri });
await writeSeed({
  connection,
  collections,
  plan: createSeedPlan({ days: 1, seed: 'migrate', end: Date.UTC(2026, 10, 30) }),
  drop: true,
  progress: silentProgress,
});
await connection.close();
// Uploaders write string and UUID _ids beside ObjectIds; numbers keep their BSON type.
await t.db.collection('treatments').insertMany([
  { _id: 'xdrip-1700000000000', eventType: 'Note', n: new Int32(1) },
  { _id: 'xdrip-1700000300000', eventType: 'Note', n: new Long(2) },
  {
    _id: new UUID('0d2f1c2e-8f6a-4d2b-9c1e-1a2b3c4d5e6f'),
    eventType: 'Bolus',
    insulin: new Double(1),
  },
  { _id: new Int32(42), eventType: 'Carbs', carbs: new Int32(20) },
  { _id: new Binary(Buffer.from('opaque'), 0), eventType: 'Note' },
  { _id: new Date(Date.UTC(1969, 11, 31)), eventType: 'Note' },
  { _id: { uploader: 'loop', seq: new Int32(7) }, eventType: 'Temp Basal' },
] as never[]);

function migrate(from: string, to: string, extra: Partial<MigrateOptions> = {}) {
  return runMigration({
    from,
    to,
    sourceContext: { config, cwd: dir },
    nightscout: { collections, apiSecret: 'a-long-enough-api-secret' },
    progress: silentProgress,
    ...extra,
  });
}

async function assertEqualToSource(targetUri: string): Promise<void> {
  const source = await openMongoDocumentSource({ uri: t.dbUri });
  const target = await openMongoDocumentSource({ uri: targetUri });
  try {
    const result = await verifyDatabases({
      source,
      target,
      nightscout: { collections },
      progress: silentProgress,
    });
    assert.equal(result.equal, true, JSON.stringify(result.totals));
  } finally {
    await source.close();
    await target.close();
  }
}

test('a MongoDB source is copied, indexed and verified equal, auth subjects and tokens unchanged', async () => {
  const target = await t.scratch('auto');
  const reportFile = join(dir, 'auto-report.json');
  const result = await migrate(t.dbUri, target.dbUri, {
    reportFile,
    statePath: join(dir, 'auto.state.json'),
  });
  assert.equal(result.ok, true, JSON.stringify(result.verification?.totals));
  assert.equal(result.convergence?.converged, true);
  assert.equal(result.verification?.equal, true);
  const auth = result.verification?.nightscout.authSubjects;
  assert.equal(auth?.idsUnchanged, true);
  assert.equal(auth?.tokens?.equal, true);
  const treatments = result.collections.find((c) => c.name === 'treatments');
  assert.equal(treatments?.inserted, await t.db.collection('treatments').countDocuments());
  assert.equal(treatments?.indexes?.failed.length, 0);
  assert.ok((treatments?.indexes?.created.length ?? 0) >= 10);
  assert.ok(result.resources && result.resources.peakRssMb > 0);
  const report = JSON.parse(await readFile(reportFile, 'utf8')) as {
    ok: boolean;
    statePath: string;
  };
  assert.equal(report.ok, true);
  const state = JSON.parse(await readFile(report.statePath, 'utf8')) as { phase: string };
  assert.equal(state.phase, 'done');
  await assertEqualToSource(target.dbUri);
});

test('_id-order pages cross every _id type bracket without losing or repeating a document', async () => {
  const target = await t.scratch('id-order');
  const result = await migrate(t.dbUri, target.dbUri, {
    paging: 'id-order',
    // Small pages cross the brackets often; on FerretDB each page sorts the whole collection,
    // so the collections with mixed _ids are enough.
    selection: { include: ['treatments', 'entries', 'auth_subjects'] },
    batchSize: 50,
    statePath: join(dir, 'id-order.state.json'),
  });
  assert.equal(result.preflight.paging.mode, 'id-order');
  assert.equal(result.ok, true, JSON.stringify(result.verification?.totals));
  // Everything came from the pages: the convergence pass found nothing to fix.
  assert.deepEqual(
    result.convergence?.passes.map((p) => p.missing + p.extra + p.different),
    [0],
  );
});

test('indexes come before the data on FerretDB and after it on MongoDB (server-dependent): a copy stopped after its first batch shows which', async () => {
  const target = await t.scratch('index-timing');
  const stop = new AbortController();
  const progress = createProgress((event) => {
    if (event.task === 'migrate:treatments' && event.kind === 'update' && event.done > 0)
      stop.abort(new Error('stopped by the test after the first batch'));
  });
  await assert.rejects(
    migrate(t.dbUri, target.dbUri, {
      selection: { include: ['treatments'] },
      batchSize: 10,
      progress,
      signal: stop.signal,
      statePath: join(dir, 'index-timing.state.json'),
    }),
    (error: NsctlError) => error.code === 'INTERRUPTED',
  );
  const copied = await target.db.collection('treatments').countDocuments();
  const total = await t.db.collection('treatments').countDocuments();
  assert.ok(copied > 0 && copied < total, `${copied} of ${total} copied before the stop`);
  const names = (db: typeof t.db) =>
    db
      .collection('treatments')
      .listIndexes()
      .toArray()
      .then((specs) => specs.map((spec) => String(spec.name)).sort());
  const onTarget = await names(target.db);
  if (t.isFerretDB) assert.deepEqual(onTarget, await names(t.db));
  else assert.deepEqual(onTarget, ['_id_']);
});

test('from an nsctl backup and from the archive file itself', async () => {
  const store = createLocalDirTarget(dir);
  const backup = await runBackup({
    source: { uri: t.dbUri },
    instance: 'migtest',
    target: store,
    compression: 'gzip',
    encryption: { type: 'none' },
    progress: silentProgress,
    toolVersion: '0.0.0-test',
  });
  const fromBackup = await t.scratch('from-backup');
  const a = await migrate('backup:latest', fromBackup.dbUri, {
    statePath: join(dir, 'backup.state.json'),
  });
  assert.equal(a.preflight.source.kind, 'backup');
  assert.equal(a.ok, true, JSON.stringify(a.verification?.totals));
  await assertEqualToSource(fromBackup.dbUri);

  const fromFile = await t.scratch('from-archive');
  const archive = join(dir, backup.manifest.archive.name);
  const b = await migrate(archive, fromFile.dbUri, {
    statePath: join(dir, 'archive.state.json'),
    parallel: 3,
  });
  assert.equal(b.preflight.source.kind, 'archive');
  assert.equal(b.ok, true, JSON.stringify(b.verification?.totals));
  await assertEqualToSource(fromFile.dbUri);
});

test('from a mongodump directory, some files gzipped, with each collection metadata', async () => {
  const root = join(dir, 'dump');
  const dbDir = join(root, 'nightscout');
  await mkdir(dbDir, { recursive: true });
  const specs = await listCollectionSpecs(t.db);
  for (const [i, spec] of specs.entries()) {
    const gzip = i % 2 === 1;
    const parts: Buffer[] = [];
    for await (const doc of readRawDocuments(t.db, spec.name)) parts.push(Buffer.from(doc));
    const metadata = buildCollectionMetadata({
      collectionName: spec.name,
      options: spec.options,
      indexes: spec.indexes,
    });
    const suffix = gzip ? '.gz' : '';
    const pack = (data: Buffer | string) => (gzip ? gzipSync(data) : data);
    await writeFile(join(dbDir, `${spec.name}.bson${suffix}`), pack(Buffer.concat(parts)));
    await writeFile(join(dbDir, `${spec.name}.metadata.json${suffix}`), pack(metadata));
  }
  const target = await t.scratch('from-dump');
  const result = await migrate(root, target.dbUri, { statePath: join(dir, 'dump.state.json') });
  assert.equal(result.preflight.source.kind, 'dump-dir');
  assert.equal(result.ok, true, JSON.stringify(result.verification?.totals));
  await assertEqualToSource(target.dbUri);
});
