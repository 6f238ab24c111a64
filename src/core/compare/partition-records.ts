/**
 * The on-disk form of a fingerprint in a partition file: the `_id` length
 * (uint32 little-endian), the `_id` bytes, then the document hash. Records
 * are self-delimiting, so a file can be read in chunks of any size.
 */
import { DOCUMENT_HASH_BYTES, type DocumentFingerprint } from './document-fingerprint.js';

const LENGTH_BYTES = 4;

export function recordSize(fingerprint: DocumentFingerprint): number {
  return LENGTH_BYTES + fingerprint.id.length + DOCUMENT_HASH_BYTES;
}

/** Writes the record at `offset` (the caller checked it fits); returns the end. */
export function writeRecord(
  target: Buffer,
  offset: number,
  fingerprint: DocumentFingerprint,
): number {
  target.writeUInt32LE(fingerprint.id.length, offset);
  target.set(fingerprint.id, offset + LENGTH_BYTES);
  const hashAt = offset + LENGTH_BYTES + fingerprint.id.length;
  fingerprint.hash.copy(target, hashAt, 0, DOCUMENT_HASH_BYTES);
  return hashAt + DOCUMENT_HASH_BYTES;
}

/**
 * Called for each record with the bytes holding it: the `_id` is
 * `bytes[idStart, idEnd)` and the hash follows it. The bytes are only valid
 * during the call.
 */
export type RecordVisit = (bytes: Buffer, idStart: number, idEnd: number) => void;

export interface RecordWalker {
  /** Visits the records the chunk completes, without allocating per record. */
  push(chunk: Buffer, visit: RecordVisit): void;
  /** Throws when a record was left incomplete. */
  end(): void;
}

/** The end of the record at `offset`, or -1 when `bytes` does not hold all of it. */
function recordEnd(bytes: Buffer, offset: number): number {
  if (offset + LENGTH_BYTES > bytes.length) return -1;
  const end = offset + LENGTH_BYTES + bytes.readUInt32LE(offset) + DOCUMENT_HASH_BYTES;
  return end <= bytes.length ? end : -1;
}

/** Walks records in chunks cut anywhere; only a record cut by a chunk boundary is copied. */
export function createRecordWalker(): RecordWalker {
  let carry: Buffer = Buffer.alloc(0);

  /** Finishes the carried record from the chunk's start; returns how much of the chunk it took. */
  function finishCarried(chunk: Buffer, visit: RecordVisit): number {
    const needLength = Math.max(0, LENGTH_BYTES - carry.length);
    const head = Buffer.concat([carry, chunk.subarray(0, needLength)]);
    if (head.length < LENGTH_BYTES) {
      carry = head;
      return chunk.length;
    }
    const size = LENGTH_BYTES + head.readUInt32LE(0) + DOCUMENT_HASH_BYTES;
    const take = Math.min(chunk.length, size - carry.length);
    const joined = Buffer.concat([carry, chunk.subarray(0, take)]);
    carry = joined;
    if (joined.length < size) return take;
    carry = Buffer.alloc(0);
    visit(joined, LENGTH_BYTES, size - DOCUMENT_HASH_BYTES);
    return take;
  }

  return {
    push(chunk, visit) {
      let offset = carry.length > 0 ? finishCarried(chunk, visit) : 0;
      if (carry.length > 0) return;
      for (let end = recordEnd(chunk, offset); end >= 0; end = recordEnd(chunk, offset)) {
        visit(chunk, offset + LENGTH_BYTES, end - DOCUMENT_HASH_BYTES);
        offset = end;
      }
      // Copied so the carried tail does not pin the whole chunk.
      if (offset < chunk.length) carry = Buffer.from(chunk.subarray(offset));
    },
    end() {
      if (carry.length > 0)
        throw new Error(`partition file ends inside a record (${carry.length} bytes left)`);
    },
  };
}

export interface RecordReader {
  /** Takes the next chunk; returns the records it completed (views of the chunk where possible). */
  push(chunk: Buffer): DocumentFingerprint[];
  /** Throws when a record was left incomplete. */
  end(): void;
}

/** Reads records back from chunks cut anywhere, as fingerprints. */
export function createRecordReader(): RecordReader {
  const walker = createRecordWalker();
  return {
    push(chunk) {
      const records: DocumentFingerprint[] = [];
      walker.push(chunk, (bytes, idStart, idEnd) => {
        records.push({
          id: bytes.subarray(idStart, idEnd),
          hash: bytes.subarray(idEnd, idEnd + DOCUMENT_HASH_BYTES),
        });
      });
      return records;
    },
    end: () => walker.end(),
  };
}
