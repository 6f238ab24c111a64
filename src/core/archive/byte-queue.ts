/**
 * A queue of incoming chunks read from the front. Values that lie within one
 * chunk come back as views of it (no copy); only values that straddle chunk
 * boundaries are copied, once, into a buffer of their exact size.
 */

export interface ByteQueue {
  /** Bytes pushed and not yet taken. */
  readonly length: number;
  push(chunk: Uint8Array): void;
  /** The little-endian int32 at the front, without taking it; needs length ≥ 4. */
  peekInt32(): number;
  /** Removes and returns the next `count` bytes; needs length ≥ count. */
  take(count: number): Buffer;
}

/** Past this many spent slots the chunk list is compacted. */
const COMPACT_AFTER = 1024;
const EMPTY = Buffer.alloc(0);

export function createByteQueue(): ByteQueue {
  let chunks: Buffer[] = [];
  let head = 0;
  let headOffset = 0;
  let length = 0;

  function advance(count: number): void {
    headOffset += count;
    length -= count;
    while (head < chunks.length && headOffset >= (chunks[head] as Buffer).length) {
      headOffset -= (chunks[head] as Buffer).length;
      // Drop the reference at once so spent chunks can be collected.
      chunks[head] = EMPTY;
      head++;
    }
    if (length === 0) {
      chunks = [];
      head = 0;
    } else if (head >= COMPACT_AFTER) {
      chunks = chunks.slice(head);
      head = 0;
    }
  }

  function copyFront(count: number): Buffer {
    const out = Buffer.allocUnsafe(count);
    let filled = 0;
    let index = head;
    let offset = headOffset;
    while (filled < count) {
      const chunk = chunks[index] as Buffer;
      const n = Math.min(count - filled, chunk.length - offset);
      chunk.copy(out, filled, offset, offset + n);
      filled += n;
      index++;
      offset = 0;
    }
    return out;
  }

  return {
    get length() {
      return length;
    },
    push(chunk) {
      if (chunk.length === 0) return;
      chunks.push(toBuffer(chunk));
      length += chunk.length;
    },
    peekInt32() {
      const first = chunks[head] as Buffer;
      if (first.length - headOffset >= 4) return first.readInt32LE(headOffset);
      return copyFront(4).readInt32LE(0);
    },
    take(count) {
      const first = chunks[head] as Buffer;
      const out =
        first.length - headOffset >= count
          ? first.subarray(headOffset, headOffset + count)
          : copyFront(count);
      advance(count);
      return out;
    },
  };
}

function toBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
}
