/** The contract's bounded-memory test: a large streamed write must never be held in memory. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { writeObject } from './storage-contract-helpers.js';
import type { StorageTargetFixture } from './storage-target-contract.js';

const CHUNK = 1024 * 1024;
const MEMORY_BUDGET = 96 * 1024 * 1024;

function trackPeakMemory(): { stop(): number } {
  const sample = () => {
    const usage = process.memoryUsage();
    return usage.heapUsed + usage.arrayBuffers;
  };
  const base = sample();
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, sample());
  }, 5);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, sample()) - base;
    },
  };
}

async function* generateChunks(total: number, hash: ReturnType<typeof createHash>) {
  const pattern = Buffer.from(Array.from({ length: CHUNK }, (_, i) => (i * 7) % 256));
  for (let offset = 0, n = 0; offset < total; offset += CHUNK, n++) {
    const chunk = Buffer.from(pattern.subarray(0, Math.min(CHUNK, total - offset)));
    chunk.writeUInt32BE(n, 0);
    hash.update(chunk);
    yield chunk;
  }
}

async function hashObject(fixture: StorageTargetFixture, name: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of await fixture.target.openRead(name)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function registerLargeWriteTest(
  name: string,
  withTarget: (fn: (fixture: StorageTargetFixture) => Promise<void>) => Promise<void>,
  bytes: number,
): void {
  const mib = Math.round(bytes / CHUNK);
  test(`${name}: a ${mib} MiB streamed write and read stay within bounded memory`, () =>
    withTarget(async (fixture) => {
      const written = createHash('sha256');
      const memory = trackPeakMemory();
      const info = await writeObject(fixture.target, 'big.archive', generateChunks(bytes, written));
      const readBack = await hashObject(fixture, 'big.archive');
      const growth = memory.stop();

      assert.equal(info.bytes, bytes);
      assert.equal(readBack, written.digest('hex'));
      assert.ok(growth < MEMORY_BUDGET, `memory grew by ${Math.round(growth / CHUNK)} MiB`);
    }));
}
