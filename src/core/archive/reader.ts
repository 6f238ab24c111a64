/**
 * Reads a plain (not gzipped, not encrypted) mongodump archive from any
 * source of byte chunks: a file or network stream, a decompressor's output,
 * or an array in a test.
 */
import {
  type ArchiveEvent,
  type ArchiveParserOptions,
  createArchiveParser,
} from './archive-parser.js';

/**
 * Yields the prelude first, then each document and each namespace's end in
 * archive order. Damage throws NsctlError ARCHIVE_CORRUPT and a short input
 * ARCHIVE_TRUNCATED, each naming the byte offset; errors of the source itself
 * pass through unchanged. Documents are views of the source's chunks where
 * they lay in one, so a source must not reuse a chunk's memory after yielding
 * it (Node streams never do).
 */
export async function* readArchive(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: ArchiveParserOptions = {},
): AsyncGenerator<ArchiveEvent, void, undefined> {
  const parser = createArchiveParser(options);
  for await (const chunk of source) {
    if (!(chunk instanceof Uint8Array)) {
      throw new TypeError('readArchive needs byte chunks; do not set an encoding on the stream');
    }
    yield* parser.push(chunk);
  }
  parser.end();
}
