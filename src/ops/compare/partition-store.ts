/**
 * One side's fingerprints of one collection, spread over 2^bits partition
 * files by `_id` hash. Each partition collects records in a small chunk that
 * is appended to its file when full; a partition that never filled a chunk
 * stays in memory and never touches the disk, so small collections cost no
 * I/O. The chunk size shrinks as partitions grow in number, so a store's
 * buffers stay within {@link STORE_BUFFER_BYTES} however many it has.
 */
import { type FileHandle, open, rm } from 'node:fs/promises';
import { join } from 'node:path';

import type { DocumentFingerprint } from '../../core/compare/document-fingerprint.js';
import { partitionOf } from '../../core/compare/partition-plan.js';
import { recordSize, writeRecord } from '../../core/compare/partition-records.js';

/** Largest chunk per partition: few partitions write in 64 KiB appends. */
export const MAX_CHUNK_BYTES = 64 * 1024;
/** Smallest chunk per partition, whatever the number of partitions. */
export const MIN_CHUNK_BYTES = 4 * 1024;
/** Chunk memory of one store across its partitions (before the minimum applies). */
export const STORE_BUFFER_BYTES = 2 * 1024 * 1024;

/** The chunk per partition for a store of `partitions` partitions. */
export function chunkBytesFor(partitions: number): number {
  const share = Math.floor(STORE_BUFFER_BYTES / partitions);
  return Math.min(MAX_CHUNK_BYTES, Math.max(MIN_CHUNK_BYTES, share));
}
export const READ_CHUNK_BYTES = 1024 * 1024;

export interface PartitionInput {
  records: number;
  bytes: number;
  /**
   * The partition's records, in chunks that may cut a record. A chunk is
   * valid until the next one is asked for: the file is read into one buffer,
   * `readBuffer` when given (so that reads of many partitions share one).
   */
  chunks(readBuffer?: Buffer): AsyncIterable<Buffer>;
}

export interface PartitionStoreOptions {
  dir: string;
  /** Distinguishes this store's files from others in `dir`. */
  name: string;
  /** Hash bits already used by the partitions this store splits (0 at first). */
  fromBit: number;
  bits: number;
  /** Default {@link chunkBytesFor} the number of partitions. */
  chunkBytes?: number;
}

export interface PartitionStore {
  readonly fromBit: number;
  readonly bits: number;
  readonly partitions: number;
  /** Adds a record; returns a promise, to be awaited before the next add, only when it writes. */
  add(idHash: number, fingerprint: DocumentFingerprint): Promise<void> | undefined;
  /** Writes what partitions with a file still buffer and closes the files; then {@link partition} reads. */
  seal(): Promise<void>;
  partition(index: number): PartitionInput;
  /** Deletes the store's files and buffers. */
  remove(): Promise<void>;
}

interface Slot {
  records: number;
  bytes: number;
  chunk: Buffer | undefined;
  fill: number;
  path: string;
  file: FileHandle | undefined;
  written: boolean;
}

/**
 * A file's bytes in chunks read into one reused buffer: a stream would
 * allocate a buffer per chunk, and at the speed a partition is read those
 * pile up faster than the garbage collector frees them.
 */
async function* readInChunks(path: string, buffer: Buffer): AsyncIterable<Buffer> {
  const file = await open(path, 'r');
  try {
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
}

async function appendTo(slot: Slot, bytes: Buffer): Promise<void> {
  slot.file ??= await open(slot.path, 'w', 0o600);
  slot.written = true;
  let offset = 0;
  while (offset < bytes.length) {
    offset += (await slot.file.write(bytes, offset, bytes.length - offset)).bytesWritten;
  }
}

export function createPartitionStore(options: PartitionStoreOptions): PartitionStore {
  const chunkBytes = options.chunkBytes ?? chunkBytesFor(2 ** options.bits);
  const slots: Slot[] = Array.from({ length: 2 ** options.bits }, (_, i) => ({
    records: 0,
    bytes: 0,
    chunk: undefined,
    fill: 0,
    path: join(options.dir, `${options.name}.${i}.part`),
    file: undefined,
    written: false,
  }));

  function flushChunk(slot: Slot): Promise<void> {
    const full = (slot.chunk as Buffer).subarray(0, slot.fill);
    slot.chunk = undefined;
    slot.fill = 0;
    return appendTo(slot, full);
  }

  return {
    fromBit: options.fromBit,
    bits: options.bits,
    partitions: slots.length,
    add(idHash, fingerprint) {
      const slot = slots[partitionOf(idHash, options.fromBit, options.bits)] as Slot;
      const size = recordSize(fingerprint);
      slot.records += 1;
      slot.bytes += size;
      const flushed = slot.chunk && slot.fill + size > chunkBytes ? flushChunk(slot) : undefined;
      if (size > chunkBytes) {
        const single = Buffer.allocUnsafe(size);
        writeRecord(single, 0, fingerprint);
        return (flushed ?? Promise.resolve()).then(() => appendTo(slot, single));
      }
      slot.chunk ??= Buffer.allocUnsafe(chunkBytes);
      slot.fill = writeRecord(slot.chunk, slot.fill, fingerprint);
      return flushed;
    },
    async seal() {
      for (const slot of slots) {
        if (slot.written && slot.chunk) await flushChunk(slot);
        await slot.file?.close();
        slot.file = undefined;
      }
    },
    partition(index) {
      const slot = slots[index] as Slot;
      return {
        records: slot.records,
        bytes: slot.bytes,
        async *chunks(readBuffer) {
          if (slot.written)
            yield* readInChunks(slot.path, readBuffer ?? Buffer.allocUnsafe(READ_CHUNK_BYTES));
          if (slot.chunk) yield slot.chunk.subarray(0, slot.fill);
        },
      };
    },
    async remove() {
      for (const slot of slots) {
        await slot.file?.close().catch(() => undefined);
        slot.file = undefined;
        slot.chunk = undefined;
        if (slot.written) await rm(slot.path, { force: true });
      }
    },
  };
}
