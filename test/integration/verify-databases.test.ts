import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { Binary, Double, Int32, ObjectId, serialize, UUID } from 'bson';
import type { Db, Document } from 'mongodb';

import { createLocalDirTarget } from '../../src/adapters/storage/local-dir-target.js';
import { configSchema, nightscoutCollectionsSchema } from '../../src/core/config/schema.js';
import { createProgress, type ProgressEvent, silentProgress } from '../../src/core/progress.js';
import { runBackup } from '../../src/ops/backup/run.js';
import { openMongoDocumentSource } from '../../src/ops/compare/mongo-document-source.js';
import { openDocumentSource, type SourceContext } from '../../src/ops/compare/open-source.js';
import { type VerifyOptions, verifyDatabases } from '../../src/ops/compare/verify-databases.js';
import { openTestDatabase } from '../helpers/db.js';

const t = await openTestDatabase(import.meta.url);
const SECRET = 'this is my long pass phrase';
const work = await mkdtemp(join(tmpdir(), 'nsctl-verify-test-'));
after(() => rm(work, { recursive: true, force: true }));

interface Pair {
  a: { db: Db; dbUri: string };
  b: { db: Db; dbUri: string };
}

function entries(n: number): Document[] {
  return Array.from({ length: n }, (_, i) => ({
    _id: new ObjectId(),
    type: 'sgv',
    sgv: new Int32(100 + (i % 50)),
    date: 1_700_000_000_000 + i * 300_000,
    direction: 'Flat',
  }));
}

/** Two databases holding the same documents and indexes. */
async function createPair(label: string, fill: Record<string, Document[]>): Promise<Pair> {
  const pair = { a: await t.scratch(`${label}_a`), b: await t.scratch(`${label}_b`) };
  for (const side of [pair.a, pair.b]) {
    for (const [name, docs] of Object.entries(fill)) {
      await side.db.createCollection(name);
      if (docs.length > 0) await side.db.collection(name).insertMany(docs.map((d) => ({ ...d })));
    }
  }
  return pair;
}

type AnyId = ObjectId | string | number | UUID | Binary | Int32 | Double;
type AnyDoc = { _id: AnyId; [field: string]: unknown };

function coll(side: { db: Db }, name: string) {
  return side.db.collection<AnyDoc>(name);
}

/** Compares `spec` (a URI, a backup, an archive, a dump folder) with the database at `targetUri`. */
async function verifyFrom(
  spec: string,
  targetUri: string,
  context: SourceContext = { config: configSchema.parse({}), cwd: work },
  options: Partial<VerifyOptions> = {},
) {
  const source = await openDocumentSource(spec, context);
  const target = await openMongoDocumentSource({ uri: targetUri });
  try {
    return await verifyDatabases({
      source,
      target,
      nightscout: { collections: nightscoutCollectionsSchema.parse({}) },
      progress: silentProgress,
      ...options,
    });
  } finally {
    await source.close();
    await target.close();
  }
}

const verify = (pair: Pair, options: Partial<VerifyOptions> = {}) =>
  verifyFrom(pair.a.dbUri, pair.b.dbUri, undefined, options);

test('two equal databases are equal, with progress per collection', async () => {
  const pair = await createPair('equal', {
    entries: entries(300),
    treatments: [{ _id: 'x', carbs: 12 }],
  });
  for (const side of [pair.a, pair.b])
    await side.db.collection('entries').createIndex({ date: -1 });
  const events: ProgressEvent[] = [];
  const result = await verify(pair, { progress: createProgress((e) => events.push(e)) });
  assert.equal(result.equal, true, JSON.stringify(result.collections));
  assert.deepEqual(result.totals, {
    source: 301,
    target: 301,
    matching: 301,
    missing: 0,
    extra: 0,
    different: 0,
  });
  const finished = events.filter((e) => e.kind === 'finish').map((e) => [e.label, e.done]);
  // Counted once per document, though both sides are read.
  assert.deepEqual(finished.sort(), [
    ['entries compared', 300],
    ['treatments compared', 1],
  ]);
});

test('a missing, an extra and a changed document are each found by _id', async () => {
  const docs = entries(50);
  const pair = await createPair('diffs', { entries: docs });
  const [gone, changed] = [docs[3] as Document, docs[7] as Document];
  await coll(pair.b, 'entries').deleteOne({ _id: gone._id });
  await coll(pair.b, 'entries').insertOne({ _id: 'uploader-1', sgv: 99 });
  await pair.b.db
    .collection('entries')
    .updateOne({ _id: changed._id }, { $set: { direction: 'FortyFiveUp' } });
  const result = await verify(pair);
  const c = result.collections[0];
  assert.equal(result.equal, false);
  assert.deepEqual(c?.documents, {
    source: 50,
    target: 50,
    matching: 48,
    missing: 1,
    extra: 1,
    different: 1,
  });
  assert.deepEqual(
    c?.missing.map((m) => m.id),
    [{ $oid: gone._id.toHexString() }],
  );
  assert.deepEqual(
    c?.extra.map((m) => m.label),
    ['"uploader-1"'],
  );
  assert.deepEqual(c?.different[0]?.fields?.changed, [
    { path: 'direction', sourceType: 'string', targetType: 'string' },
  ]);
});

test('an Int32 that became a Double is a difference, with both types named', async () => {
  const pair = await createPair('types', { entries: [{ _id: 1, sgv: new Int32(120) }] });
  await coll(pair.b, 'entries').replaceOne({ _id: 1 }, { sgv: new Double(120) });
  const result = await verify(pair);
  assert.equal(result.collections[0]?.documents.different, 1);
  assert.deepEqual(result.collections[0]?.different[0]?.fields?.changed, [
    { path: 'sgv', sourceType: 'int', targetType: 'double' },
  ]);
});

test('a reordered document differs, unless field order is ignored', async () => {
  const pair = await createPair('order', {
    profile: [{ _id: 'p', units: 'mmol', dia: 5, store: { a: 1, b: 2 } }],
  });
  await coll(pair.b, 'profile').replaceOne(
    { _id: 'p' },
    { store: { b: 2, a: 1 }, dia: 5, units: 'mmol' },
  );
  const strict = await verify(pair);
  assert.equal(strict.collections[0]?.documents.different, 1);
  assert.ok(strict.collections[0]?.different[0]?.fields?.reordered.includes('(top level)'));
  const relaxed = await verify(pair, { ignoreFieldOrder: true });
  assert.equal(relaxed.equal, true);
  assert.equal(relaxed.mode, 'ignore-field-order');
});

test('mixed _id types in one collection are matched by type and value', async () => {
  const ids = [
    new ObjectId(),
    'abc',
    new UUID(),
    new Int32(7),
    new Double(7.5),
    new Binary(Buffer.from('7'), 0),
  ];
  const pair = await createPair('mixed', { treatments: ids.map((_id, i) => ({ _id, n: i })) });
  assert.equal((await verify(pair)).equal, true);
  await coll(pair.b, 'treatments').deleteOne({ _id: ids[2] });
  await coll(pair.b, 'treatments').deleteOne({ _id: 'abc' });
  const result = await verify(pair);
  const labels = result.collections[0]?.missing.map((m) => m.label).sort();
  assert.deepEqual(labels, ['"abc"', `UUID('${(ids[2] as UUID).toHexString()}')`]);
});

test('index differences are reported by name; server-added fields are ignored', async () => {
  const pair = await createPair('indexes', { entries: entries(5) });
  await coll(pair.a, 'entries').createIndex({ type: 1, date: -1 }, { name: 'type_date' });
  await coll(pair.b, 'entries').createIndex({ date: -1, type: 1 }, { name: 'type_date' });
  await coll(pair.a, 'entries').createIndex({ sgv: 1 });
  await coll(pair.b, 'entries').createIndex({ identifier: 1 });
  const result = await verify(pair);
  const found = result.collections[0]?.indexes.map((i) => [i.name, i.kind]);
  assert.deepEqual(found, [
    ['identifier_1', 'extra'],
    ['sgv_1', 'missing'],
    ['type_date', 'different'],
  ]);
  assert.equal(result.collections[0]?.documents.different, 0);
});

test('a changed auth_subjects _id is caught, and so are the tokens it breaks', async () => {
  const phone = { _id: new ObjectId(), name: 'Phone', roles: ['readable'] };
  const watch = { _id: new ObjectId(), name: 'Watch', roles: ['readable'] };
  const pair = await createPair('auth', { auth_subjects: [phone, watch] });
  const same = await verify(pair, {
    nightscout: { collections: nightscoutCollectionsSchema.parse({}), apiSecret: SECRET },
  });
  assert.equal(same.nightscout.ok, true);
  assert.equal(same.nightscout.authSubjects?.tokens?.equal, true);
  await coll(pair.b, 'auth_subjects').deleteOne({ _id: phone._id });
  await coll(pair.b, 'auth_subjects').insertOne({ ...phone, _id: new ObjectId() });
  const result = await verify(pair, {
    nightscout: { collections: nightscoutCollectionsSchema.parse({}), apiSecret: SECRET },
  });
  assert.equal(result.nightscout.ok, false);
  assert.equal(result.nightscout.authSubjects?.idsUnchanged, false);
  assert.deepEqual(result.nightscout.authSubjects?.tokens?.changedSubjects, ['Phone']);
  assert.doesNotMatch(JSON.stringify(result), /phone-[0-9a-f]{16}/);
});

test('a collection the target lacks is reported, and Nightscout notices', async () => {
  const pair = await createPair('absent', { entries: entries(3) });
  await coll(pair.b, 'entries').drop();
  await pair.b.db.createCollection('food');
  const result = await verify(pair);
  assert.deepEqual(
    result.collections.map((c) => [c.name, c.presence, c.documents.missing]),
    [
      ['entries', 'source-only', 3],
      ['food', 'target-only', 0],
    ],
  );
  assert.deepEqual(result.nightscout.layout.missingCollections, ['entries']);
});

test('a tiny memory budget splits partitions and finds the same differences; the report lists them all', async () => {
  const docs = entries(3000);
  const pair = await createPair('split', { entries: docs });
  const removed = docs.filter((_, i) => i % 100 === 0).map((d) => d._id);
  await coll(pair.b, 'entries').deleteMany({ _id: { $in: removed } });
  const reportFile = join(work, 'split-report.json');
  const result = await verify(pair, { memoryBudgetBytes: 160 * 64, maxListed: 5, reportFile });
  assert.equal(result.collections[0]?.documents.missing, removed.length);
  assert.equal(result.collections[0]?.missing.length, 5);
  const report = JSON.parse(await readFile(reportFile, 'utf8'));
  assert.equal(report.format, 'nsctl-verify/1');
  assert.equal(report.differences.length, removed.length);
  assert.deepEqual(
    new Set(report.differences.map((d: { id: { $oid: string } }) => d.id.$oid)),
    new Set(removed.map((id) => id.toHexString())),
  );
  assert.equal(report.result.totals.missing, removed.length);
});

test('a backup (and its archive file) verifies against its database', async () => {
  const pair = await createPair('backup', {
    entries: entries(200),
    auth_subjects: [{ _id: new ObjectId(), name: 'Phone' }],
  });
  await coll(pair.a, 'entries').createIndex({ date: -1 });
  await coll(pair.b, 'entries').createIndex({ date: -1 });
  const dir = join(work, 'backups');
  const { manifest } = await runBackup({
    source: { uri: pair.a.dbUri },
    instance: 'test',
    target: createLocalDirTarget(dir),
    compression: 'gzip',
    encryption: { type: 'none' },
    progress: silentProgress,
    toolVersion: 'test',
  });
  await coll(pair.b, 'entries').deleteOne({});
  const context = { config: configSchema.parse({}), cwd: work, backupDir: dir };
  for (const spec of ['backup:latest', join(dir, manifest.archive.name)]) {
    const result = await verifyFrom(spec, pair.b.dbUri, context);
    const entriesResult = result.collections.find((c) => c.name === 'entries');
    assert.equal(entriesResult?.documents.missing, 1, spec);
    assert.deepEqual(entriesResult?.indexes, [], spec);
    assert.equal(entriesResult?.different.length, 0, spec);
    assert.equal(result.nightscout.authSubjects?.idsUnchanged, true, spec);
  }
});

test('a mongodump directory verifies against its database, a missing document found by _id', async () => {
  const pair = await createPair('dumpdir', { entries: entries(50) });
  const dump = join(work, 'dump', 'nightscout');
  await mkdir(dump, { recursive: true });
  const docs = await coll(pair.a, 'entries')
    .find({}, { sort: { _id: 1 } })
    .toArray();
  await writeFile(join(dump, 'entries.bson'), Buffer.concat(docs.map((d) => serialize(d))));
  await writeFile(
    join(dump, 'entries.metadata.json'),
    JSON.stringify({ options: {}, indexes: [{ v: 2, key: { _id: 1 }, name: '_id_' }] }),
  );
  const gone = docs[7]?._id;
  await coll(pair.b, 'entries').deleteOne({ _id: gone as ObjectId });
  const result = await verifyFrom(dump, pair.b.dbUri, {
    config: configSchema.parse({}),
    cwd: work,
  });
  const found = result.collections.find((c) => c.name === 'entries');
  assert.equal(found?.documents.source, 50);
  assert.equal(found?.documents.missing, 1);
  assert.deepEqual(
    found?.missing.map((m) => m.id),
    [{ $oid: String(gone) }],
  );
  assert.equal(found?.different.length, 0);
});

test('a verify stopped early does not report the collections it never compared as done', async () => {
  const pair = await createPair('stopped', { entries: entries(300), food: entries(300) });
  const controller = new AbortController();
  const events: ProgressEvent[] = [];
  const progress = createProgress((event) => {
    events.push(event);
    if (event.kind === 'start') controller.abort(new Error('SIGINT'));
  });
  await assert.rejects(verify(pair, { progress, signal: controller.signal }));
  assert.ok(events.length > 0);
  assert.deepEqual(
    events.filter((e) => e.kind === 'finish').map((e) => e.task),
    [],
  );
});
