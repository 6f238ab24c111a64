/**
 * Comparing two sides' partition stores partition by partition. A partition
 * whose smaller side would not fit the memory budget (the count estimate
 * was low, or unknown) is split by further `_id` hash bits into files and
 * compared part by part, so memory stays bounded for any collection size.
 */
import { hashIdBytes } from '../../core/compare/document-fingerprint.js';
import {
  addDiffCounts,
  createDiffCounts,
  createDiffWorkspace,
  createPartitionDiff,
  type DiffCounts,
  type DifferenceListener,
  type DiffWorkspace,
} from '../../core/compare/partition-diff.js';
import { planSplitBits } from '../../core/compare/partition-plan.js';
import {
  createRecordReader,
  createRecordWalker,
  type RecordVisit,
} from '../../core/compare/partition-records.js';
import {
  createPartitionStore,
  type PartitionInput,
  type PartitionStore,
  READ_CHUNK_BYTES,
} from './partition-store.js';

export interface ComparePartitionsOptions {
  /** Where split files go. */
  dir: string;
  memoryBudgetBytes: number;
  onDifference: DifferenceListener;
  /** Awaited after each chunk, so a slow report file holds the comparison back. */
  drain(): Promise<void>;
}

/** What one comparison reuses from partition to partition (they are compared one at a time). */
interface Reused {
  workspace: DiffWorkspace;
  readBuffer: Buffer;
}

/** Walks a partition's records without an object per record; drains after each chunk. */
async function walkRecords(
  input: PartitionInput,
  readBuffer: Buffer,
  visit: RecordVisit,
  drain?: () => Promise<void>,
): Promise<void> {
  const walker = createRecordWalker();
  for await (const chunk of input.chunks(readBuffer)) {
    walker.push(chunk, visit);
    if (drain) await drain();
  }
  walker.end();
}

async function splitInput(
  input: PartitionInput,
  dir: string,
  name: string,
  fromBit: number,
  bits: number,
  readBuffer: Buffer,
): Promise<PartitionStore> {
  const store = createPartitionStore({ dir, name, fromBit, bits });
  // The store copies each record, which is a view of the chunk being read.
  const reader = createRecordReader();
  for await (const chunk of input.chunks(readBuffer)) {
    for (const record of reader.push(chunk)) {
      const written = store.add(hashIdBytes(record.id), record);
      if (written) await written;
    }
  }
  reader.end();
  await store.seal();
  return store;
}

async function comparePartition(
  source: PartitionInput,
  target: PartitionInput,
  usedBits: number,
  label: string,
  options: ComparePartitionsOptions,
  reused: Reused,
): Promise<DiffCounts> {
  const buildSide = source.records <= target.records ? 'source' : 'target';
  const splitBits = planSplitBits(
    Math.min(source.records, target.records),
    options.memoryBudgetBytes,
    usedBits,
  );
  if (splitBits > 0) {
    const { dir } = options;
    const a = await splitInput(source, dir, `${label}s`, usedBits, splitBits, reused.readBuffer);
    const b = await splitInput(target, dir, `${label}t`, usedBits, splitBits, reused.readBuffer);
    try {
      return await comparePartitionStores(a, b, label, options, reused);
    } finally {
      await a.remove();
      await b.remove();
    }
  }
  const [build, probe] = buildSide === 'source' ? [source, target] : [target, source];
  const diff = createPartitionDiff(buildSide, options.onDifference, build, reused.workspace);
  await walkRecords(build, reused.readBuffer, diff.build);
  await walkRecords(probe, reused.readBuffer, diff.probe, options.drain);
  const counts = diff.finish();
  await options.drain();
  return counts;
}

/** Compares two stores with the same partitioning; `label` names split files. */
export async function comparePartitionStores(
  source: PartitionStore,
  target: PartitionStore,
  label: string,
  options: ComparePartitionsOptions,
  reused: Reused = {
    workspace: createDiffWorkspace(),
    readBuffer: Buffer.allocUnsafe(READ_CHUNK_BYTES),
  },
): Promise<DiffCounts> {
  const total = createDiffCounts();
  const usedBits = source.fromBit + source.bits;
  for (let p = 0; p < source.partitions; p++) {
    const counts = await comparePartition(
      source.partition(p),
      target.partition(p),
      usedBits,
      `${label}.${p}`,
      options,
      reused,
    );
    addDiffCounts(total, counts);
  }
  return total;
}
