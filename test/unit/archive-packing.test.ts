/**
 * An archive file is opened by what its bytes are, not by its name: an
 * age file may hold a gzipped archive or a plain one, whatever it is called.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { serialize } from 'bson';

import { createAgeEncryptStream } from '../../src/adapters/crypto/age-stream.js';
import { createArchiveWriter } from '../../src/core/archive/writer.js';
import { NsctlError } from '../../src/core/errors.js';
import { openArchiveFile } from '../../src/ops/backup/archive-source.js';

const dir = await mkdtemp(join(tmpdir(), 'nsctl-packing-'));
after(() => rm(dir, { recursive: true, force: true }));
const passphrase = 'correct horse battery staple';

async function archiveBytes(count: number): Promise<Buffer> {
  const writer = createArchiveWriter({
    header: { serverVersion: '7.0.14', toolVersion: 'nsctl test', concurrentCollections: 1 },
    collections: [{ db: 'ns', collection: 'entries', metadata: '' }],
  });
  const bytes = buffer(writer.stream);
  for (let i = 0; i < count; i++)
    await writer.namespace('ns', 'entries').write(Buffer.from(serialize({ _id: i, sgv: 100 })));
  writer.namespace('ns', 'entries').end();
  writer.finish();
  return bytes;
}

async function encrypt(plain: Buffer): Promise<Buffer> {
  // A low work factor keeps the test fast; the format is the same.
  return buffer(
    Readable.from([plain]).pipe(createAgeEncryptStream({ passphrase, scryptWorkFactor: 10 })),
  );
}

async function documentsIn(path: string): Promise<number> {
  const opened = await openArchiveFile(path, { passphrases: [passphrase] });
  let documents = 0;
  for await (const event of opened.events) if (event.kind === 'document') documents++;
  return documents;
}

const plain = await archiveBytes(500);

test('an age file holding a gzipped archive opens whatever its name', async () => {
  const sealed = await encrypt(gzipSync(plain));
  for (const name of [
    'full.age',
    'nightscout.archive.age',
    'nightscout.bin',
    'nightscout',
    'a.archive.gz.age',
  ]) {
    await writeFile(join(dir, name), sealed);
    assert.equal(await documentsIn(join(dir, name)), 500, name);
  }
});

test('an age file holding a plain archive opens even when its name says .gz', async () => {
  const sealed = await encrypt(plain);
  for (const name of ['plain.archive.age', 'misnamed.archive.gz.age']) {
    await writeFile(join(dir, name), sealed);
    assert.equal(await documentsIn(join(dir, name)), 500, name);
  }
});

test('a file that does not start like an archive, gzip or age is a usage error saying what it is', async () => {
  const cases: Array<[string, Buffer, RegExp]> = [
    ['empty', Buffer.alloc(0), /the file is empty/],
    ['notes.txt', Buffer.from('Dear diary,\nglucose was fine ünd so.\n'), /it is a text file/],
    ['x.manifest.json', Buffer.from('{\n  "formatVersion": 1\n}\n'), /it is JSON text/],
    ['entries', Buffer.from(serialize({ _id: 1, sgv: 100 })), /one collection's \.bson file/],
    ['dump.zst', Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3]), /zstd-compressed/],
    ['dump.zip', Buffer.from('PK\u0003\u0004rest', 'latin1'), /a zip file/],
    ['noise', Buffer.from([0x00, 0x01, 0x02, 0x03, 0x00]), /starts with the bytes 00 01 02 03/],
  ];
  for (const [name, bytes, what] of cases) {
    await writeFile(join(dir, name), bytes);
    await assert.rejects(openArchiveFile(join(dir, name), {}), (error: unknown) => {
      assert.ok(error instanceof NsctlError, String(error));
      assert.equal(error.exitCode, 2, `${name}: ${error.message}`);
      assert.match(error.message, /is not a mongodump archive: /);
      assert.match(error.message, what);
      assert.match(error.hint, /mongodump --archive/);
      return true;
    });
  }
});

test('a missing path or a folder is a usage error; a file that starts right but is damaged is not', async () => {
  const usage = (message: RegExp) => (error: unknown) =>
    error instanceof NsctlError && error.exitCode === 2 && message.test(error.message);
  await assert.rejects(openArchiveFile(join(dir, 'nope.archive'), {}), usage(/does not exist/));
  await assert.rejects(openArchiveFile(dir, {}), usage(/is a folder, not an archive file/));

  const damaged = Buffer.from(plain);
  damaged.write('DAMAGED!', damaged.length >> 1, 'latin1');
  await writeFile(join(dir, 'damaged.archive'), damaged);
  const opened = await openArchiveFile(join(dir, 'damaged.archive'), {});
  await assert.rejects(
    (async () => {
      for await (const _ of opened.events);
    })(),
    (error: unknown) => error instanceof NsctlError && error.exitCode === 4,
  );
});

test('a gzip file holding something other than an archive is a usage error too; a gzipped archive damaged later is not', async () => {
  const cases: Array<[string, Buffer, RegExp]> = [
    [
      'entries.bson.gz',
      Buffer.from(serialize({ _id: 1, sgv: 100 })),
      /one collection's \.bson file/,
    ],
    ['notes.txt.gz', Buffer.from('just some notes\n'), /it is a text file/],
    ['nothing.gz', Buffer.alloc(0), /the file is empty/],
  ];
  for (const [name, inner, what] of cases) {
    await writeFile(join(dir, name), gzipSync(inner));
    await assert.rejects(openArchiveFile(join(dir, name), {}), (error: unknown) => {
      assert.ok(error instanceof NsctlError, String(error));
      assert.equal(error.exitCode, 2, `${name}: ${error.message}`);
      assert.match(error.message, /is gzip, and what it holds is not a mongodump archive: /);
      assert.match(error.message, what);
      return true;
    });
  }
  const damaged = gzipSync(plain);
  damaged.write('DAMAGED!', damaged.length >> 1, 'latin1');
  await writeFile(join(dir, 'damaged.archive.gz'), damaged);
  const opened = await openArchiveFile(join(dir, 'damaged.archive.gz'), {});
  await assert.rejects(
    (async () => {
      for await (const _ of opened.events);
    })(),
    (error: unknown) => error instanceof NsctlError && error.exitCode === 4,
  );
});
