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
