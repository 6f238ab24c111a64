/**
 * Comparing two sides' partition stores partition by partition. A partition
 * whose smaller side would not fit the memory budget (the count estimate
 * was low, or unknown) is split by further `_id` hash bits into files and
 * compared part by part, so memory stays bounded for any collection size.
 */
import { type DocumentFingerprint, hashIdBytes } from '../../core/compare/document-fingerprint.js';
import {
  addDiffCounts,
  createDiffCounts,
  createPartitionDiff,
  type DiffCounts,
  type DifferenceListener,
} from '../../core/compare/partition-diff.js';
import { planSplitBits } from '../../core/compare/partition-plan.js';
import { createRecordReader } from '../../core/compare/partition-records.js';
import {
  createPartitionStore,
  type PartitionInput,
  type PartitionStore,
} from './partition-store.js';

export interface ComparePartitionsOptions {
  /** Where split files go. */
  dir: string;
  memoryBudgetBytes: number;
  onDifference: DifferenceListener;
  /** Awaited after each chunk, so a slow report file holds the comparison back. */
  drain(): Promise<void>;
}

type RecordVisitor = (record: DocumentFingerprint) => Promise<void> | undefined | void;

/** Reads a partition's records; awaits the visitor only when it returns a promise. */
async function visitRecords(
  input: PartitionInput,
  visit: RecordVisitor,
  drain?: () => Promise<void>,
): Promise<void> {
  const reader = createRecordReader();
  for await (const chunk of input.chunks()) {
    for (const record of reader.push(chunk)) {
      const pending = visit(record);
      if (pending) await pending;
    }
    if (drain) await drain();
  }
  reader.end();
}

async function splitInput(
  input: PartitionInput,
  dir: string,
  name: string,
  fromBit: number,
  bits: number,
): Promise<PartitionStore> {
  const store = createPartitionStore({ dir, name, fromBit, bits });
  // The store copies each record, which is a view of the chunk being read.
  await visitRecords(input, (record) => store.add(hashIdBytes(record.id), record));
  await store.seal();
  return store;
}

async function comparePartition(
  source: PartitionInput,
  target: PartitionInput,
  usedBits: number,
  label: string,
  options: ComparePartitionsOptions,
): Promise<DiffCounts> {
  const buildSide = source.records <= target.records ? 'source' : 'target';
  const splitBits = planSplitBits(
    Math.min(source.records, target.records),
    options.memoryBudgetBytes,
    usedBits,
  );
  if (splitBits > 0) {
    const a = await splitInput(source, options.dir, `${label}s`, usedBits, splitBits);
    const b = await splitInput(target, options.dir, `${label}t`, usedBits, splitBits);
    try {
      return await comparePartitionStores(a, b, label, options);
    } finally {
      await a.remove();
      await b.remove();
    }
  }
  const diff = createPartitionDiff(buildSide, options.onDifference);
  const [build, probe] = buildSide === 'source' ? [source, target] : [target, source];
  await visitRecords(build, (record) => {
    diff.build(record);
  });
  await visitRecords(
    probe,
    (record) => {
      diff.probe(record);
    },
    options.drain,
  );
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
    );
    addDiffCounts(total, counts);
  }
  return total;
}
