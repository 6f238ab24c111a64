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

export interface RecordReader {
  /** Takes the next chunk; returns the records it completed (views of the chunk where possible). */
  push(chunk: Buffer): DocumentFingerprint[];
  /** Throws when a record was left incomplete. */
  end(): void;
}

/** Reads records back from chunks cut anywhere. */
export function createRecordReader(): RecordReader {
  let carry: Buffer = Buffer.alloc(0);
  return {
    push(chunk) {
      const bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      const records: DocumentFingerprint[] = [];
      let offset = 0;
      while (offset + LENGTH_BYTES <= bytes.length) {
        const idEnd = offset + LENGTH_BYTES + bytes.readUInt32LE(offset);
        const end = idEnd + DOCUMENT_HASH_BYTES;
        if (end > bytes.length) break;
        records.push({
          id: bytes.subarray(offset + LENGTH_BYTES, idEnd),
          hash: bytes.subarray(idEnd, end),
        });
        offset = end;
      }
      // Copied so the carried tail does not pin the whole chunk.
      carry = Buffer.from(bytes.subarray(offset));
      return records;
    },
    end() {
      if (carry.length > 0)
        throw new Error(`partition file ends inside a record (${carry.length} bytes left)`);
    },
  };
}
