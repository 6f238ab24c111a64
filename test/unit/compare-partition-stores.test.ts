import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { Int32, serialize } from 'bson';

import { fingerprintDocument, hashIdBytes } from '../../src/core/compare/document-fingerprint.js';
import type { DifferenceKind } from '../../src/core/compare/partition-diff.js';
import { ENTRY_COST_BYTES } from '../../src/core/compare/partition-plan.js';
import { comparePartitionStores } from '../../src/ops/compare/compare-partitions.js';
import {
  createPartitionStore,
  MAX_CHUNK_BYTES,
  type PartitionStore,
  STORE_BUFFER_BYTES,
} from '../../src/ops/compare/partition-store.js';

const dir = await mkdtemp(join(tmpdir(), 'nsctl-partitions-'));
after(() => rm(dir, { recursive: true, force: true }));

async function fill(
  name: string,
  docs: object[],
  bits: number,
  chunkBytes: number,
): Promise<PartitionStore> {
  const store = createPartitionStore({ dir, name, fromBit: 0, bits, chunkBytes });
  for (const doc of docs) {
    const print = fingerprintDocument(serialize(doc));
    const written = store.add(hashIdBytes(print.id), print);
    if (written) await written;
  }
  await store.seal();
  return store;
}

const docs = (n: number, version = 1) =>
  Array.from({ length: n }, (_, i) => ({ _id: new Int32(i), v: version }));

async function compare(a: PartitionStore, b: PartitionStore, budgetEntries: number) {
  const found: Record<DifferenceKind, number[]> = { missing: [], extra: [], different: [] };
  const counts = await comparePartitionStores(a, b, 'test', {
    dir,
    memoryBudgetBytes: budgetEntries * ENTRY_COST_BYTES,
    onDifference: (kind, id) => found[kind].push(Buffer.from(id).readInt32LE(1)),
    drain: async () => {},
  });
  for (const list of Object.values(found)) list.sort((x, y) => x - y);
  return { counts, found };
}

test('a store spills full chunks to files and keeps small partitions in memory', async () => {
  const big = await fill('spill', docs(2000), 0, 256);
  const small = await fill('small', docs(3), 2, 256);
  const files = await readdir(dir);
  assert.ok(files.includes('spill.0.part'));
  assert.ok(!files.some((f) => f.startsWith('small.')));
  assert.equal(big.partition(0).records, 2000);
  await big.remove();
  await small.remove();
  assert.ok(!(await readdir(dir)).includes('spill.0.part'));
});

test('a store with many partitions buffers smaller chunks, so its memory does not grow with their number', async () => {
  // 100,000 records of 25 bytes over 256 partitions: about 9.8 KB each, more
  // than a 256th of the store's buffer but far less than the largest chunk.
  const store = createPartitionStore({ dir, name: 'many', fromBit: 0, bits: 8 });
  for (const doc of docs(100_000)) {
    const print = fingerprintDocument(serialize(doc));
    const written = store.add(hashIdBytes(print.id), print);
    if (written) await written;
  }
  const spilled = (await readdir(dir)).filter((f) => f.startsWith('many.')).length;
  assert.ok(STORE_BUFFER_BYTES / 256 < 9000 && MAX_CHUNK_BYTES > 9800 * 2);
  assert.ok(spilled > 200, `only ${spilled} of 256 partitions had written a chunk before seal`);
  await store.seal();
  let records = 0;
  for (let p = 0; p < store.partitions; p++) records += store.partition(p).records;
  assert.equal(records, 100_000);
  await store.remove();
  assert.equal((await readdir(dir)).filter((f) => f.startsWith('many.')).length, 0);
});

test('partitions too big for the budget are split, as often as needed, with the same result', async () => {
  const source = docs(5000);
  const target = [
    ...docs(5000, 1).filter((d) => d._id.value % 500 !== 0),
    { _id: new Int32(7), v: 2 },
    { _id: new Int32(9999), v: 1 },
  ];
  const roomy = await compare(
    await fill('ra', source, 0, 4096),
    await fill('rb', target, 0, 4096),
    1e6,
  );
  const a = await fill('sa', source, 0, 4096);
  const b = await fill('sb', target, 0, 4096);
  const split = await compare(a, b, 4);
  assert.deepEqual(split, roomy);
  assert.deepEqual(split.found.missing, [0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500]);
  assert.deepEqual(split.found.extra, [9999]);
  assert.equal(split.counts.different, 1);
});
