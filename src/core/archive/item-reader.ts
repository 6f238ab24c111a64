/**
 * The archive's lowest layer: after the magic number it is nothing but BSON
 * documents and 0xffffffff terminators. This splits a byte stream into those
 * items and checks their framing, keeping track of byte offsets for errors.
 */
import { createCorruptError } from './archive-errors.js';
import { createByteQueue } from './byte-queue.js';
import {
  ARCHIVE_MAGIC,
  MAX_READ_DOCUMENT_BYTES,
  MIN_DOCUMENT_BYTES,
  TERMINATOR_INT32,
} from './format.js';

export const TERMINATOR = Symbol('terminator');

export interface ItemReader {
  push(chunk: Uint8Array): void;
  /** Takes and checks the magic number; false until four bytes are there. */
  readMagic(): boolean;
  /** The next whole item, or undefined until enough bytes are there. */
  readItem(): Buffer | typeof TERMINATOR | undefined;
  /** Where the last item read (or being read) starts. */
  readonly itemOffset: number;
  /** Bytes taken as whole items so far. */
  readonly offset: number;
  /** Bytes received but not yet part of a whole item. */
  readonly pending: number;
}

export function createItemReader(label: string): ItemReader {
  const queue = createByteQueue();
  let offset = 0;
  let itemOffset = 0;
  const corrupt = (problem: string) => createCorruptError({ label, offset: itemOffset }, problem);

  return {
    get itemOffset() {
      return itemOffset;
    },
    get offset() {
      return offset;
    },
    get pending() {
      return queue.length;
    },
    push(chunk) {
      queue.push(chunk);
    },
    readMagic() {
      if (queue.length < 4) return false;
      if (queue.take(4).readUInt32LE(0) !== ARCHIVE_MAGIC) {
        throw corrupt('it does not start with the mongodump archive magic number');
      }
      offset = 4;
      return true;
    },
    readItem() {
      if (queue.length < 4) return undefined;
      itemOffset = offset;
      const size = queue.peekInt32();
      if (size === TERMINATOR_INT32) {
        queue.take(4);
        offset += 4;
        return TERMINATOR;
      }
      if (size < MIN_DOCUMENT_BYTES || size > MAX_READ_DOCUMENT_BYTES) {
        throw corrupt(`${size} is neither a BSON document length nor a terminator`);
      }
      if (queue.length < size) return undefined;
      const document = queue.take(size);
      if (document[size - 1] !== 0) throw corrupt('a BSON document does not end with a zero byte');
      offset += size;
      return document;
    },
  };
}
