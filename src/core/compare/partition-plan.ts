/**
 * How many partitions a collection's fingerprints are spread over so that
 * one partition's index fits the memory budget. Partitions are numbered by
 * the high bits of the `_id` hash; a partition that turns out too big (the
 * count estimate was wrong, or unknown as for a plain archive file) is split
 * again by the next bits, so memory stays bounded whatever the estimate said.
 */

/**
 * Memory one indexed document costs while a partition is compared: a Map
 * entry with two short strings (`_id` bytes and hash), measured at ~120
 * bytes on V8 for ObjectId ids, with room for longer string ids.
 */
export const ENTRY_COST_BYTES = 160;

/**
 * Default memory for one partition's index: 16 MiB, about 100,000 documents.
 * Kept small on purpose: the process grows by about twice the live index
 * (the heap is grown ahead of what it holds), and a smaller index costs
 * nothing else, since a partition's records go to its file once they fill
 * a chunk whatever the number of partitions. With a large budget, peak
 * memory grew with the largest collection until the budget was reached;
 * with this one it stops growing at a few tens of MB.
 */
export const DEFAULT_MEMORY_BUDGET_BYTES = 16 * 1024 * 1024;

/** At most 2^8 partitions per side and level, so open files and chunk buffers stay few; a partition still too big is split again. */
export const MAX_BITS_PER_LEVEL = 8;

/** A 32-bit hash cannot be split further. */
export const MAX_TOTAL_BITS = 32;

/** Documents one partition may hold under `memoryBudgetBytes`. */
export function entriesPerPartition(memoryBudgetBytes: number): number {
  return Math.max(1, Math.floor(memoryBudgetBytes / ENTRY_COST_BYTES));
}

/**
 * Bits of the `_id` hash used to pick partitions (2^bits partitions) for a
 * collection expected to hold `documents` on its larger side; 0 (one
 * partition) when unknown, leaving the work to {@link planSplitBits}.
 */
export function planPartitionBits(
  documents: number | undefined,
  memoryBudgetBytes: number,
): number {
  return planSplitBits(documents ?? 0, memoryBudgetBytes, 0);
}

/**
 * Further bits a partition of `records` documents, already chosen by
 * `usedBits` bits, needs; 0 when it fits. Aims at half the budget per part,
 * because hashing spreads records unevenly.
 */
export function planSplitBits(
  records: number,
  memoryBudgetBytes: number,
  usedBits: number,
): number {
  const perPartition = entriesPerPartition(memoryBudgetBytes);
  if (records <= perPartition) return 0;
  const wanted = Math.max(1, Math.ceil(Math.log2(records / (perPartition / 2))));
  return Math.min(MAX_TOTAL_BITS - usedBits, MAX_BITS_PER_LEVEL, wanted);
}

/** The partition of an `_id` hash: `bits` bits of it after the first `fromBit`. */
export function partitionOf(idHash: number, fromBit: number, bits: number): number {
  if (bits === 0) return 0;
  return ((idHash << fromBit) >>> 0) >>> (32 - bits);
}
