/**
 * Gathers many small writes into fixed-size chunks and hands them to a Node
 * Readable, honouring its backpressure. Bytes are copied once, into the
 * chunk being filled; nothing is ever concatenated.
 */
import { Readable } from 'node:stream';

export interface ChunkSinkOptions {
  /** Size of each chunk handed to the stream, except the last; default 1 MiB. */
  chunkBytes?: number;
  /** Bytes the stream may hold unread (rounded up to whole chunks) before {@link ChunkSink.ready} waits; default 4 MiB. */
  highWaterMark?: number;
}

export interface ChunkSink {
  readonly stream: Readable;
  /** Set once the stream failed or was closed early; every later call throws it. */
  readonly failure: Error | undefined;
  /** Copies the bytes in; the caller may reuse its buffer at once. */
  append(bytes: Uint8Array): void;
  /** Resolves when the reader wants more: at once unless it has fallen behind. */
  ready(): Promise<void>;
  /** Hands over the last partial chunk and ends the stream. */
  close(): void;
  /** Ends the stream with an error, so that no reader takes a partial archive for a whole one. */
  destroy(error: Error): void;
}

const MIB = 1024 * 1024;
const READY: Promise<void> = Promise.resolve();

export function createChunkSink(options: ChunkSinkOptions = {}): ChunkSink {
  const chunkBytes = options.chunkBytes ?? MIB;
  let chunk = Buffer.allocUnsafe(chunkBytes);
  let used = 0;
  let full = false;
  let waiter:
    | { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void }
    | undefined;
  let failure: Error | undefined;
  let closed = false;

  // Object mode: in byte mode a Readable concatenates buffered chunks into
  // one on every read, which is the copying this sink exists to avoid.
  const stream = new Readable({
    objectMode: true,
    highWaterMark: Math.max(1, Math.ceil((options.highWaterMark ?? 4 * MIB) / chunkBytes)),
    read() {
      full = false;
      waiter?.resolve();
      waiter = undefined;
    },
    destroy(error, callback) {
      if (error !== null || !closed) {
        fail(error ?? new Error('The archive stream was closed before the archive was complete.'));
      }
      callback(error);
    },
  });

  function fail(error: Error): void {
    failure ??= error;
    waiter?.reject(failure);
    waiter = undefined;
  }

  function flush(): void {
    if (used === 0) return;
    if (!stream.push(chunk.subarray(0, used))) full = true;
    chunk = Buffer.allocUnsafe(chunkBytes);
    used = 0;
  }

  return {
    stream,
    get failure() {
      return failure;
    },
    append(bytes) {
      let from = 0;
      while (from < bytes.length) {
        const count = Math.min(bytes.length - from, chunkBytes - used);
        chunk.set(count === bytes.length ? bytes : bytes.subarray(from, from + count), used);
        used += count;
        from += count;
        if (used === chunkBytes) flush();
      }
    },
    ready() {
      if (failure !== undefined) return Promise.reject(failure);
      if (!full) return READY;
      waiter ??= createWaiter();
      return waiter.promise;
    },
    close() {
      flush();
      closed = true;
      stream.push(null);
    },
    destroy(error) {
      fail(error);
      stream.destroy(error);
    },
  };
}

function createWaiter() {
  let resolve: () => void = () => {};
  let reject: (error: Error) => void = () => {};
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
