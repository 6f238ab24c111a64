import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Duplex, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';

import {
  createGunzipStream,
  createGzipStream,
  createSniffingGunzipStream,
} from '../../src/adapters/compress/gzip-stream.js';
import { type ErrorCode, NsctlError } from '../../src/core/errors.js';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));

async function pass(input: Buffer, ...steps: Duplex[]): Promise<Buffer> {
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      out.push(chunk);
      callback();
    },
  });
  const pieces: Buffer[] = [];
  for (let i = 0; i < input.length; i += 30_000) pieces.push(input.subarray(i, i + 30_000));
  await pipeline([Readable.from(pieces), ...steps, sink]);
  return Buffer.concat(out);
}

function expectCode(code: ErrorCode): (error: unknown) => boolean {
  return (error) => {
    if (error instanceof NsctlError && error.code === code) return true;
    throw new Error(`expected ${code}, got ${String(error)}`, { cause: error });
  };
}

const json = Buffer.from(
  Array.from({ length: 20_000 }, (_, i) =>
    JSON.stringify({
      sgv: 80 + ((i * 37) % 200),
      date: 1_700_000_000_000 + i * 300_000,
      type: 'sgv',
    }),
  ).join('\n'),
);
const packed = await pass(json, createGzipStream());

test('gzip round-trips and compresses JSON', async () => {
  assert.ok(packed.length < json.length / 3, `${packed.length} bytes from ${json.length}`);
  assert.deepEqual(await pass(packed, createGunzipStream()), json);
});

test('our gzip is plain gzip: zlib and the gzip tool read it', async (t) => {
  assert.deepEqual(gunzipSync(packed), json);
  const dir = await mkdtemp(join(tmpdir(), 'nsctl-gzip-'));
  try {
    await writeFile(join(dir, 'x.gz'), packed);
    const { stdout } = await promisify(execFile)('gzip', ['-dc', join(dir, 'x.gz')], {
      encoding: 'buffer',
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.deepEqual(stdout, json);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
    t.diagnostic('gzip tool not on PATH; checked with zlib only');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('compression level is configurable', async () => {
  const fast = await pass(json, createGzipStream({ level: 1 }));

  assert.ok(fast.length > packed.length);
  assert.deepEqual(gunzipSync(fast), json);
});

test('a truncated gzip stream is ARCHIVE_TRUNCATED', async () => {
  for (const cut of [5, 100, packed.length - 4]) {
    await assert.rejects(
      pass(packed.subarray(0, cut), createGunzipStream()),
      expectCode('ARCHIVE_TRUNCATED'),
    );
  }
});

test('damaged or foreign bytes are ARCHIVE_CORRUPT', async () => {
  const damaged = Buffer.from(packed);
  damaged[packed.length - 6] = (damaged[packed.length - 6] ?? 0) ^ 0xff;

  await assert.rejects(pass(damaged, createGunzipStream()), expectCode('ARCHIVE_CORRUPT'));
  await assert.rejects(pass(json, createGunzipStream()), expectCode('ARCHIVE_CORRUPT'));
});

test('an error from the source passes through unchanged', async () => {
  const failure = new NsctlError('STORAGE_FAILED', 'disk went away');
  const source = Readable.from(
    (async function* () {
      yield packed.subarray(0, 1000);
      throw failure;
    })(),
  );
  const sink = new Writable({ write: (_c, _e, cb) => cb() });

  await assert.rejects(pipeline(source, createGunzipStream(), sink), (e: unknown) => e === failure);
});

test('a consumer that stops early does not hang', async () => {
  const gunzip = createGunzipStream();
  Readable.from([packed]).pipe(gunzip);
  for await (const _ of gunzip) break;

  assert.ok(gunzip.destroyed);
});

test('the sniffing gunzip unpacks gzip and passes anything else through, however the bytes arrive', async () => {
  const oneByteFirst = async (input: Buffer) => {
    const out: Buffer[] = [];
    const source = Readable.from([input.subarray(0, 1), input.subarray(1)]);
    for await (const chunk of source.pipe(createSniffingGunzipStream())) out.push(chunk as Buffer);
    return Buffer.concat(out);
  };
  assert.deepEqual(await pass(packed, createSniffingGunzipStream()), json);
  assert.deepEqual(await oneByteFirst(packed), json);
  assert.deepEqual(await pass(json, createSniffingGunzipStream()), json);
  assert.deepEqual(await oneByteFirst(json), json);
  assert.deepEqual(await pass(Buffer.alloc(0), createSniffingGunzipStream()), Buffer.alloc(0));
  assert.deepEqual(
    await pass(Buffer.from([0x1f]), createSniffingGunzipStream()),
    Buffer.from([0x1f]),
  );
});

test('the sniffing gunzip reports damaged gzip as ARCHIVE_CORRUPT', async () => {
  const damaged = Buffer.from(packed);
  damaged[packed.length - 6] = (damaged[packed.length - 6] ?? 0) ^ 0xff;
  await assert.rejects(pass(damaged, createSniffingGunzipStream()), expectCode('ARCHIVE_CORRUPT'));
});

test('no promise rejection went unhandled', async () => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(unhandled, []);
});
