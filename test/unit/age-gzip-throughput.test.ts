/**
 * gzip+age over Nightscout-like JSON: the round trip is exact, memory stays
 * bounded, and the throughput is reported. NSCTL_BENCH_MB=200 measures at
 * full size and adds the gzip-only and age-only figures.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Duplex, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, test } from 'node:test';

import { createGunzipStream, createGzipStream } from '../../src/adapters/compress/gzip-stream.js';
import { generateAgeKeyPair } from '../../src/adapters/crypto/age-keys.js';
import {
  createAgeDecryptStream,
  createAgeEncryptStream,
} from '../../src/adapters/crypto/age-stream.js';

const MIB = 1024 * 1024;
const benchMib = Number(process.env.NSCTL_BENCH_MB ?? 0);
const totalMib = benchMib > 0 ? benchMib : 32;
const MEMORY_BUDGET = 128 * MIB;

function createRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** 16 MiB of entries and devicestatus documents as JSON lines, in 256 KiB chunks. */
function buildPool(): Buffer[] {
  const random = createRandom(7);
  const hex = (n: number) =>
    Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  const lines: string[] = [];
  let size = 0;
  for (let date = 1_700_000_000_000; size < 16 * MIB; date += 300_000) {
    const sgv = 60 + Math.floor(random() * 250);
    const entry = {
      _id: hex(24),
      sgv,
      date,
      dateString: new Date(date).toISOString(),
      trend: 4,
      direction: 'Flat',
      device: 'xDrip-DexcomG6',
      type: 'sgv',
      utcOffset: 0,
    };
    const status = {
      _id: hex(24),
      device: 'openaps://phone',
      created_at: new Date(date).toISOString(),
      pump: {
        battery: { percent: Math.floor(random() * 100) },
        reservoir: random() * 300,
        clock: new Date(date).toISOString(),
      },
      openaps: {
        iob: { iob: random() * 5, activity: random() / 10, time: date },
        suggested: {
          bg: sgv,
          eventualBG: sgv + Math.floor(random() * 40 - 20),
          reason: `COB: ${Math.floor(random() * 60)}, Dev: ${Math.floor(random() * 30)}, ISF: 50, CR: 10, Target: 100`,
          predBGs: { IOB: Array.from({ length: 24 }, () => 60 + Math.floor(random() * 200)) },
        },
      },
      uploaderBattery: Math.floor(random() * 100),
    };
    const line = `${JSON.stringify(entry)}\n${JSON.stringify(status)}\n`;
    lines.push(line);
    size += line.length;
  }
  const all = Buffer.from(lines.join(''));
  return Array.from({ length: Math.ceil(all.length / (256 * 1024)) }, (_, i) =>
    all.subarray(i * 256 * 1024, (i + 1) * 256 * 1024),
  );
}

function* generate(pool: Buffer[], bytes: number, hash: ReturnType<typeof createHash>) {
  for (let sent = 0, i = 0; sent < bytes; i++) {
    const chunk = pool[i % pool.length] as Buffer;
    const piece = chunk.subarray(0, Math.min(chunk.length, bytes - sent));
    hash.update(piece);
    sent += piece.length;
    yield piece;
  }
}

function createHashSink(hash: ReturnType<typeof createHash>): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback();
    },
  });
}

function trackPeakMemory(): () => number {
  const sample = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const base = sample();
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, sample());
  }, 10);
  return () => {
    clearInterval(timer);
    return peak - base;
  };
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const rate = (bytes: number, seconds: number) => `${(bytes / MIB / seconds).toFixed(1)} MiB/s`;
const dir = await mkdtemp(join(tmpdir(), 'nsctl-age-bench-'));
after(() => rm(dir, { recursive: true, force: true }));
const pool = buildPool();
const pair = await generateAgeKeyPair();
const bytes = totalMib * MIB;

test(`gzip+age round trip of ${totalMib} MiB of Nightscout-like JSON in bounded memory (NSCTL_BENCH_MB=200 to measure)`, async (t) => {
  const file = join(dir, 'bench.archive.gz.age');
  const [source, restored] = [createHash('sha256'), createHash('sha256')];
  const memory = trackPeakMemory();
  const encodeSeconds = await timed(() =>
    pipeline(
      Readable.from(generate(pool, bytes, source)),
      createGzipStream(),
      createAgeEncryptStream({ recipients: [pair.recipient] }),
      createWriteStream(file),
    ),
  );
  const stored = (await stat(file)).size;
  const decodeSeconds = await timed(() =>
    pipeline(
      createReadStream(file),
      createAgeDecryptStream({ identities: [pair.identity], expectedBytes: stored }),
      createGunzipStream(),
      createHashSink(restored),
    ),
  );
  const growth = memory();

  assert.equal(restored.digest('hex'), source.digest('hex'));
  assert.ok(growth < MEMORY_BUDGET, `memory grew by ${Math.round(growth / MIB)} MiB`);
  t.diagnostic(
    `encode gzip+age: ${rate(bytes, encodeSeconds)}; decode age+gunzip: ${rate(bytes, decodeSeconds)}`,
  );
  t.diagnostic(
    `ratio ${(stored / bytes).toFixed(3)}; peak memory growth ${Math.round(growth / MIB)} MiB; node ${process.version}`,
  );
});

test(`breakdown: gzip alone and age alone (${benchMib > 0 ? `${totalMib} MiB` : 'skipped: set NSCTL_BENCH_MB'})`, {
  skip: benchMib <= 0,
}, async (t) => {
  const stage = async (label: string, ...steps: Duplex[]) => {
    const seconds = await timed(() =>
      pipeline([
        Readable.from(generate(pool, bytes, createHash('sha1'))),
        ...steps,
        createHashSink(createHash('sha1')),
      ]),
    );
    t.diagnostic(`${label}: ${rate(bytes, seconds)}`);
  };
  await stage('source + sha1 only');
  await stage('gzip level 6', createGzipStream());
  await stage('gzip level 1', createGzipStream({ level: 1 }));
  await stage('age X25519', createAgeEncryptStream({ recipients: [pair.recipient] }));
  await stage(
    'age decrypt',
    createAgeEncryptStream({ recipients: [pair.recipient] }),
    createAgeDecryptStream({ identities: [pair.identity] }),
  );
});
