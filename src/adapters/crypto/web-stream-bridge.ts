/**
 * Bridges Node async iterables and the Web Streams that age-encryption uses,
 * pulling one chunk at a time so memory stays bounded however large the
 * input. (Readable.toWeb buffered without limit in some Node 20 releases.)
 */

/** A Web ReadableStream over a source, with what was seen of the source so far. */
export interface PulledSource {
  readonly stream: ReadableStream<Uint8Array>;
  /** Bytes handed to the stream so far. */
  readonly bytes: number;
  /** True once the source reported its end. */
  readonly ended: boolean;
  /** The error the source itself threw, if it did (not a decryption error). */
  readonly error: unknown;
}

function toBytes(chunk: Uint8Array | string): Uint8Array {
  return typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}

export function createPulledSource(source: AsyncIterable<Uint8Array | string>): PulledSource {
  const iterator = source[Symbol.asyncIterator]();
  const state = { bytes: 0, ended: false, error: undefined as unknown };
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let next: IteratorResult<Uint8Array | string>;
        try {
          next = await iterator.next();
        } catch (error) {
          state.error = error;
          throw error;
        }
        if (next.done) {
          state.ended = true;
          controller.close();
          return;
        }
        const bytes = toBytes(next.value);
        state.bytes += bytes.length;
        controller.enqueue(bytes);
      },
      async cancel() {
        await iterator.return?.();
      },
    },
    { highWaterMark: 0 },
  );
  return {
    stream,
    get bytes() {
      return state.bytes;
    },
    get ended() {
      return state.ended;
    },
    get error() {
      return state.error;
    },
  };
}

/** Yields a Web stream's chunks as Buffers; stopping early cancels the stream. */
export async function* readWebStream(stream: ReadableStream<Uint8Array>): AsyncGenerator<Buffer> {
  const reader = stream.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        return;
      }
      yield Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
  }
}
