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
