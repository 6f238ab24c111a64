import assert from 'node:assert/strict';
import { test } from 'node:test';

import { serialize } from 'bson';

import {
  type DocumentFingerprint,
  fingerprintDocument,
  hashIdBytes,
} from '../../src/core/compare/document-fingerprint.js';
import {
  createDiffWorkspace,
  createPartitionDiff,
  type DifferenceKind,
  type DiffWorkspace,
  type Side,
} from '../../src/core/compare/partition-diff.js';
import {
  entriesPerPartition,
  MAX_BITS_PER_LEVEL,
  partitionOf,
  planPartitionBits,
  planSplitBits,
} from '../../src/core/compare/partition-plan.js';
import {
  createRecordReader,
  recordSize,
  writeRecord,
} from '../../src/core/compare/partition-records.js';

const fp = (doc: object) => fingerprintDocument(serialize(doc));

test('records read back whatever the chunk boundaries', () => {
  const prints = [fp({ _id: 1 }), fp({ _id: 'a long string id '.repeat(20) }), fp({ a: 1 })];
  const bytes = Buffer.alloc(prints.reduce((n, p) => n + recordSize(p), 0));
  prints.reduce((offset, p) => writeRecord(bytes, offset, p), 0);
  for (const cut of [1, 3, 7, 64, bytes.length]) {
    const reader = createRecordReader();
    const out: DocumentFingerprint[] = [];
    for (let i = 0; i < bytes.length; i += cut)
      out.push(...reader.push(bytes.subarray(i, i + cut)));
    reader.end();
    assert.deepEqual(
      out.map((r) => Buffer.from(r.id).toString('hex')),
      prints.map((p) => Buffer.from(p.id).toString('hex')),
    );
    assert.deepEqual(
      out.map((r) => r.hash.toString('hex')),
      prints.map((p) => p.hash.toString('hex')),
    );
  }
});

test('a record cut short is an error', () => {
  const p = fp({ _id: 1 });
  const bytes = Buffer.alloc(recordSize(p));
  writeRecord(bytes, 0, p);
  const reader = createRecordReader();
  reader.push(bytes.subarray(0, bytes.length - 1));
  assert.throws(() => reader.end(), /inside a record/);
});

test('the plan keeps each partition within the budget', () => {
  const budget = 1024 * 1024;
  assert.equal(planPartitionBits(undefined, budget), 0);
  assert.equal(planPartitionBits(entriesPerPartition(budget), budget), 0);
  const bits = planPartitionBits(entriesPerPartition(budget) * 10, budget);
  assert.ok((entriesPerPartition(budget) * 10) / 2 ** bits <= entriesPerPartition(budget) / 2);
  assert.equal(planSplitBits(1e12, budget, 0), MAX_BITS_PER_LEVEL);
  assert.equal(planSplitBits(1e12, budget, 32), 0);
});

test('partitions use the hash bits after the ones already used', () => {
  const h = 0b1011_0000_0000_0000_0000_0000_0000_0001;
  assert.equal(partitionOf(h >>> 0, 0, 0), 0);
  assert.equal(partitionOf(h >>> 0, 0, 2), 0b10);
  assert.equal(partitionOf(h >>> 0, 2, 2), 0b11);
  assert.equal(partitionOf(h >>> 0, 31, 1), 1);
});

test('the _id hash spreads ObjectId-like ids evenly over 16 partitions', () => {
  const counts = new Array<number>(16).fill(0);
  for (let i = 0; i < 16000; i++) {
    const id = Buffer.alloc(13);
    id[0] = 7;
    id.writeUInt32BE(1700000000 + (i >> 4), 1);
    id.writeUInt32BE(i, 9);
    const p = partitionOf(hashIdBytes(id), 0, 4);
    counts[p] = (counts[p] ?? 0) + 1;
  }
  assert.ok(Math.min(...counts) > 850 && Math.max(...counts) < 1150, counts.join(','));
});

function runDiff(
  buildSide: Side,
  source: DocumentFingerprint[],
  target: DocumentFingerprint[],
  workspace?: DiffWorkspace,
) {
  const found: Array<[DifferenceKind, string]> = [];
  const diff = createPartitionDiff(
    buildSide,
    (kind, id) => found.push([kind, Buffer.from(id).toString('hex')]),
    undefined,
    workspace,
  );
  // Each record in a buffer of its own, reused, as a chunk would be.
  const scratch = Buffer.alloc(4096);
  const visit = (p: DocumentFingerprint, as: 'build' | 'probe') => {
    scratch.fill(0xee);
    const end = writeRecord(scratch, 0, p);
    diff[as](scratch, 4, end - p.hash.length);
  };
  for (const p of buildSide === 'source' ? source : target) visit(p, 'build');
  for (const p of buildSide === 'source' ? target : source) visit(p, 'probe');
  const counts = diff.finish();
  return { counts, found: found.sort() };
}

test('the diff index grows past its expected size and still finds every _id', () => {
  const source = Array.from({ length: 5000 }, (_, i) => fp({ _id: i, v: 1 }));
  const target = source.map((p, i) => (i % 1000 === 7 ? fp({ _id: i, v: 2 }) : p));
  target.push(fp({ _id: 'extra' }));
  const { counts, found } = runDiff('source', source.concat(fp({ _id: 'gone' })), target);
  assert.deepEqual(counts, {
    source: 5001,
    target: 5001,
    matching: 4995,
    missing: 1,
    extra: 1,
    different: 5,
  });
  assert.equal(found.filter(([kind]) => kind === 'different').length, 5);
});

test('a workspace shared by partitions leaves nothing of one in the next', () => {
  const workspace = createDiffWorkspace();
  const big = Array.from({ length: 3000 }, (_, i) => fp({ _id: i, v: 1 }));
  const first = runDiff('source', big, big, workspace);
  assert.equal(first.counts.matching, 3000);
  // The second partition holds ids the first had: none may be found unless built again.
  const second = runDiff('source', [fp({ _id: 1, v: 1 })], [fp({ _id: 2, v: 1 })], workspace);
  assert.deepEqual(second.counts, {
    source: 1,
    target: 1,
    matching: 0,
    missing: 1,
    extra: 1,
    different: 0,
  });
  const alone = runDiff('source', [fp({ _id: 1, v: 1 })], [fp({ _id: 2, v: 1 })]);
  assert.deepEqual(second, alone);
});

test('the diff reports missing, extra and different the same from either build side', () => {
  const source = [fp({ _id: 1, v: 1 }), fp({ _id: 2, v: 1 }), fp({ _id: 3, v: 1 })];
  const target = [fp({ _id: 1, v: 1 }), fp({ _id: 2, v: 2 }), fp({ _id: 4, v: 1 })];
  const a = runDiff('source', source, target);
  const b = runDiff('target', source, target);
  assert.deepEqual(a, b);
  assert.deepEqual(a.counts, {
    source: 3,
    target: 3,
    matching: 1,
    missing: 1,
    extra: 1,
    different: 1,
  });
  const hex = (doc: object) => Buffer.from(fp(doc).id).toString('hex');
  assert.deepEqual(
    a.found,
    [
      ['different', hex({ _id: 2 })],
      ['extra', hex({ _id: 4 })],
      ['missing', hex({ _id: 3 })],
    ].sort(),
  );
});

test('a duplicated _id never counts as matching', () => {
  const doc = fp({ _id: 1, v: 1 });
  const { counts } = runDiff('source', [doc, doc], [doc]);
  assert.equal(counts.matching, 0);
  assert.equal(counts.different, 1);
});

test('duplicated _ids give the same report whichever side is built', () => {
  const one = fp({ _id: 1, v: 1 });
  const two = fp({ _id: 2, v: 1 });
  const source = [one, one, two, two];
  const target = [one, fp({ _id: 3 }), fp({ _id: 3 })];
  const a = runDiff('source', source, target);
  assert.deepEqual(a, runDiff('target', source, target));
  assert.deepEqual(a.counts, {
    source: 4,
    target: 3,
    matching: 0,
    missing: 2,
    extra: 2,
    different: 1,
  });
});
