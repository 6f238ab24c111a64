/**
 * `nsctl restore --archive` as a new user met it: a damaged archive with
 * --drop must change nothing, and a file that is no archive at all, or an
 * encrypted one opened without a key, is a usage error (exit 2), not damage
 * (exit 4).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

import { serialize } from 'bson';

import { createAgeEncryptStream } from '../../src/adapters/crypto/age-stream.js';
import { createArchiveWriter } from '../../src/core/archive/writer.js';
import { runNsctl } from '../helpers/cli.js';
import { openTestDatabase } from '../helpers/db.js';

const t = await openTestDatabase(import.meta.url);
const dir = await mkdtemp(join(tmpdir(), 'nsctl-restore-trial-'));
const backups = join(dir, 'backups');
const README = fileURLToPath(new URL('../../README.md', import.meta.url));

async function archiveOf(count: number): Promise<Buffer> {
  const writer = createArchiveWriter({
    header: { serverVersion: '7.0.14', toolVersion: 'nsctl test' },
    collections: [{ db: 'nightscout', collection: 'entries', metadata: '' }],
  });
  const bytes = buffer(writer.stream);
  for (let i = 0; i < count; i++) {
    const doc = serialize({ _id: `archived-${i}`, date: 1_700_000_000_000 + i, sgv: 100 });
    await writer.namespace('nightscout', 'entries').write(Buffer.from(doc));
  }
  writer.namespace('nightscout', 'entries').end();
  writer.finish();
  return bytes;
}

const plain = await archiveOf(3000);

async function liveEntries(): Promise<{ ids: string[]; indexes: string[] }> {
  const entries = t.db.collection('entries');
  return {
    ids: (await entries.distinct('_id')).map(String).sort(),
    indexes: (await entries.indexes()).map((i) => String(i.name)).sort(),
  };
}

await t.db
  .collection('entries')
  .insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: `live-${i}` as never, sgv: i })));
await t.db.collection('entries').createIndex({ sgv: 1 }, { name: 'sgv_1' });

const restore = (file: string, ...more: string[]) =>
  runNsctl(['restore', '--archive', file, '--uri', t.dbUri, '--dir', backups, ...more], {
    cwd: dir,
  });

test('restore --archive --drop of a damaged or truncated archive changes nothing (exit 4)', async () => {
  const damaged = Buffer.from(plain);
  damaged.write('DAMAGED!', Math.floor(damaged.length / 2), 'latin1');
  await writeFile(join(dir, 'corrupt.archive.gz'), gzipSync(damaged));
  const gzipped = gzipSync(plain);
  await writeFile(join(dir, 'cut.archive.gz'), gzipped.subarray(0, gzipped.length >> 1));
  const before = await liveEntries();

  const cases: Array<[string, string]> = [
    ['corrupt.archive.gz', 'ARCHIVE_CORRUPT'],
    ['cut.archive.gz', 'ARCHIVE_TRUNCATED'],
  ];
  for (const [file, code] of cases) {
    const run = await restore(file, '--drop');
    assert.equal(run.code, 4, run.stderr);
    assert.match(run.stderr, new RegExp(`error \\[${code}\\]: .*nothing was changed`));
    assert.doesNotMatch(run.stderr, /partly restored/);
    assert.deepEqual(await liveEntries(), before, file);
  }
  const points = await runNsctl(['rollback', 'list', '--dir', backups]);
  assert.match(points.stdout, /no rollback points/, 'nothing changed, so no point was needed');
});

test('an encrypted archive without a key is a usage error naming the options; a wrong key stays 4', async () => {
  const sealed = await buffer(
    Readable.from([gzipSync(plain)]).pipe(
      createAgeEncryptStream({ passphrase: 'right', scryptWorkFactor: 10 }),
    ),
  );
  await writeFile(join(dir, 'sealed.archive.gz.age'), sealed);

  const none = await restore('sealed.archive.gz.age', '--into', 'sealed_none');
  assert.equal(none.code, 2, none.stderr);
  assert.match(none.stderr, /error \[DECRYPT_KEY_MISSING\]: .*no passphrase or identity was given/);
  assert.match(none.stderr, /NSCTL_BACKUP_PASSPHRASE.*--identity <file>/);

  const wrong = await runNsctl(
    ['restore', '--archive', 'sealed.archive.gz.age', '--uri', t.dbUri, '--into', 'sealed_wrong'],
    { cwd: dir, env: { NSCTL_BACKUP_PASSPHRASE: 'wrong' } },
  );
  assert.equal(wrong.code, 4, wrong.stderr);
  assert.match(wrong.stderr, /error \[DECRYPT_FAILED\]/);
});

test('a file that is no archive at all, a folder or a missing path is a usage error (exit 2)', async () => {
  await writeFile(join(dir, 'empty'), '');
  await mkdir(join(dir, 'dump', 'nightscout'), { recursive: true });
  await writeFile(join(dir, 'dump', 'nightscout', 'entries.bson'), serialize({ _id: 1, sgv: 1 }));
  const cases: Array<[string, RegExp]> = [
    ['empty', /empty is not a mongodump archive: the file is empty/],
    [README, /README\.md is not a mongodump archive: it is a text file/],
    [
      'dump/nightscout/entries.bson',
      /looks like one collection's \.bson file[\s\S]*pass the dump folder/i,
    ],
    ['dump', /dump is a folder, not an archive file/],
    ['missing.archive.gz', /archive missing\.archive\.gz does not exist/],
  ];
  for (const [file, message] of cases) {
    const run = await restore(file, '--into', 'never_written');
    assert.equal(run.code, 2, `${file}: ${run.stderr}`);
    assert.match(run.stderr, /error \[USAGE\]/);
    assert.match(run.stderr, message);
  }
  // verify --source opens files with the same code.
  const verify = await runNsctl(['verify', '--source', 'empty', '--target', t.dbUri], { cwd: dir });
  assert.equal(verify.code, 2, verify.stderr);
  assert.match(verify.stderr, /not a mongodump archive: the file is empty/);
});
