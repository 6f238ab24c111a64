import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { deserialize, EJSON, Int32, ObjectId, serialize } from 'bson';
import { createBsonSplitter, readBsonFile } from '../../src/adapters/dump-dir/bson-file.js';
import { openDumpDir, readDumpMetadata } from '../../src/adapters/dump-dir/dump-dir.js';
import { buildCollectionMetadata } from '../../src/core/archive/metadata.js';
import { NsctlError } from '../../src/core/errors.js';

const docs = Array.from({ length: 50 }, (_, i) =>
  serialize({ _id: i % 2 ? new ObjectId() : `s${i}`, n: new Int32(i), pad: 'x'.repeat(i * 37) }),
);
const file = Buffer.concat(docs);

test('documents come out whole however the input is cut', () => {
  for (const size of [1, 3, 4, 5, 7, 64, 1000, file.length]) {
    const splitter = createBsonSplitter('test.bson');
    const out: Buffer[] = [];
    for (let i = 0; i < file.length; i += size)
      out.push(...splitter.push(file.subarray(i, i + size)));
    splitter.end();
    assert.equal(out.length, docs.length, `chunk size ${size}`);
    for (const [i, doc] of out.entries()) {
      assert.ok(doc.equals(docs[i] as Buffer), `doc ${i} at chunk size ${size}`);
    }
  }
});

test('a cut-off file is ARCHIVE_TRUNCATED, a bad length ARCHIVE_CORRUPT, both naming the file', () => {
  const truncated = createBsonSplitter('a.bson');
  truncated.push(file.subarray(0, file.length - 3));
  assert.throws(
    () => truncated.end(),
    (e: unknown) =>
      e instanceof NsctlError && e.code === 'ARCHIVE_TRUNCATED' && e.where === 'a.bson',
  );
  const bad = Buffer.from(file);
  bad.writeInt32LE(2, 0);
  assert.throws(
    () => createBsonSplitter('b.bson').push(bad),
    (e: unknown) => e instanceof NsctlError && e.code === 'ARCHIVE_CORRUPT',
  );
  const noTerminator = Buffer.from(docs[0] as Buffer);
  noTerminator[noTerminator.length - 1] = 1;
  assert.throws(() => createBsonSplitter('c.bson').push(noTerminator), /zero byte/);
});

test('a mongodump folder, plain and gzipped, with metadata and a view', async () => {
  const root = await mkdtemp(join(tmpdir(), 'nsctl-dump-'));
  const db = join(root, 'nightscout');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(db);
  await mkdir(join(root, 'admin'));
  await writeFile(join(root, 'admin', 'system.version.bson'), serialize({ _id: 'x' }));
  await writeFile(join(db, 'entries.bson'), file);
  const indexes = [{ v: new Int32(2), key: { date: new Int32(-1) }, name: 'date_-1' }];
  await writeFile(
    join(db, 'entries.metadata.json'),
    buildCollectionMetadata({ collectionName: 'entries', indexes }),
  );
  await writeFile(join(db, 'treatments.bson.gz'), gzipSync(file));
  await writeFile(
    join(db, 'treatments.metadata.json.gz'),
    gzipSync(buildCollectionMetadata({ collectionName: 'treatments' })),
  );
  await writeFile(
    join(db, 'recent.metadata.json'),
    EJSON.stringify({
      options: { viewOn: 'entries', pipeline: [] },
      indexes: [],
      collectionName: 'recent',
      type: 'view',
    }),
  );
  const dump = await openDumpDir(root);
  assert.equal(dump.database, 'nightscout');
  assert.deepEqual(
    dump.collections.map((c) => [c.name, c.gzip, Boolean(c.bsonFile)]),
    [
      ['entries', false, true],
      ['recent', false, false],
      ['treatments', true, true],
    ],
  );
  const [entries, recent, treatments] = dump.collections;
  assert.equal((await readDumpMetadata(entries as never))?.indexes[0]?.name, 'date_-1');
  assert.equal((await readDumpMetadata(recent as never))?.type, 'view');
  let n = 0;
  for await (const doc of readBsonFile(treatments?.bsonFile as string, { gzip: true })) {
    assert.equal(deserialize(doc).n as number, n++);
  }
  assert.equal(n, docs.length);
  await writeFile(join(db, 'broken.bson.gz'), Buffer.from('not gzip'));
  await assert.rejects(
    async () => {
      for await (const _ of readBsonFile(join(db, 'broken.bson.gz'), { gzip: true })) void _;
    },
    (e: unknown) => e instanceof NsctlError && e.code === 'ARCHIVE_CORRUPT',
  );
  await assert.rejects(
    openDumpDir(join(root, 'missing')),
    (e: unknown) => e instanceof NsctlError && e.code === 'USAGE',
  );
});

test('gzip is told by content: a .bson.gz beside a plain .metadata.json, and a gzipped file named .bson', async () => {
  const root = await mkdtemp(join(tmpdir(), 'nsctl-dump-mixed-'));
  const indexes = [{ v: new Int32(2), key: { date: new Int32(-1) }, name: 'date_-1' }];
  await writeFile(join(root, 'entries.bson.gz'), gzipSync(file));
  await writeFile(
    join(root, 'entries.metadata.json'),
    buildCollectionMetadata({ collectionName: 'entries', indexes }),
  );
  await writeFile(join(root, 'treatments.bson'), gzipSync(file));
  await writeFile(
    join(root, 'treatments.metadata.json'),
    gzipSync(buildCollectionMetadata({ collectionName: 'treatments', indexes })),
  );
  const dump = await openDumpDir(root);
  for (const collection of dump.collections) {
    assert.equal(collection.gzip, true, collection.name);
    assert.equal((await readDumpMetadata(collection))?.indexes[0]?.name, 'date_-1');
    let n = 0;
    for await (const _ of readBsonFile(collection.bsonFile as string, { gzip: collection.gzip }))
      n++;
    assert.equal(n, docs.length, collection.name);
  }
});
