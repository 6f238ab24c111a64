/**
 * Reading a `.bson` file as mongodump writes it: documents back to back,
 * each starting with its own int32 length, nothing else (optionally
 * gzipped, with `mongodump --gzip`). Documents are yielded as raw bytes,
 * never decoded; a bad length or a file that ends mid-document is an error
 * naming the file and offset.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

import { NsctlError } from '../../core/errors.js';

/** The smallest BSON document, `{}`, is five bytes. */
const MIN_DOCUMENT = 5;
/**
 * Well above the 16 MiB document limit, so an oversized document in a dump
 * reaches the server (which reports it by `_id`) while a garbage length
 * still fails fast.
 */
const MAX_DOCUMENT = 64 * 1024 * 1024;

export interface BsonSplitter {
  /** Takes the next chunk; returns the documents it completed (views of the input). */
  push(chunk: Buffer): Buffer[];
  /** Throws when the input ended inside a document. */
  end(): void;
}

export function createBsonSplitter(where: string): BsonSplitter {
  let parts: Buffer[] = [];
  let partBytes = 0;
  let needed = 4;
  let offsetInFile = 0;

  const corrupt = (problem: string, offset: number) =>
    new NsctlError('ARCHIVE_CORRUPT', `${where}: ${problem} at byte ${offset}`, {
      where,
      hint: 'The dump is damaged; dump the database again or use another copy.',
    });

  function split(buffer: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let offset = 0;
    while (buffer.length - offset >= 4) {
      const length = buffer.readInt32LE(offset);
      if (length < MIN_DOCUMENT || length > MAX_DOCUMENT)
        throw corrupt(`impossible document length ${length}`, offsetInFile + offset);
      if (buffer.length - offset < length) {
        needed = length;
        break;
      }
      if (buffer[offset + length - 1] !== 0)
        throw corrupt('document does not end with a zero byte', offsetInFile + offset);
      out.push(buffer.subarray(offset, offset + length));
      offset += length;
      needed = 4;
    }
    offsetInFile += offset;
    const rest = buffer.subarray(offset);
    parts = rest.length > 0 ? [rest] : [];
    partBytes = rest.length;
    if (rest.length < 4) needed = 4;
    return out;
  }

  return {
    push(chunk) {
      if (parts.length === 0) return split(chunk);
      parts.push(chunk);
      partBytes += chunk.length;
      // A document spread over many chunks is joined once, when it is complete.
      if (partBytes < needed) return [];
      return split(Buffer.concat(parts, partBytes));
    },
    end() {
      if (partBytes > 0) {
        throw new NsctlError(
          'ARCHIVE_TRUNCATED',
          `${where} ends inside a document (${partBytes} bytes left over at byte ${offsetInFile})`,
          { where, hint: 'The dump was cut short; dump the database again or use another copy.' },
        );
      }
    },
  };
}

export interface BsonFileOptions {
  gzip: boolean;
  signal?: AbortSignal;
}

function openStream(path: string, gzip: boolean): Readable {
  const file = createReadStream(path, { highWaterMark: 1024 * 1024 });
  if (!gzip) return file;
  const gunzip = createGunzip();
  file.on('error', (error) => gunzip.destroy(error));
  return file.pipe(gunzip);
}

function readError(path: string, error: unknown): NsctlError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') {
    return new NsctlError('ARCHIVE_CORRUPT', `${path} is not valid gzip data`, {
      where: path,
      cause: error,
    });
  }
  return new NsctlError('USAGE', `cannot read ${path}: ${code ?? String(error)}`, {
    where: path,
    hint: 'Check the path and permissions of the dump directory.',
    cause: error,
  });
}

/** Every document of a `.bson` (or `.bson.gz`) file, in file order. */
export async function* readBsonFile(
  path: string,
  options: BsonFileOptions,
): AsyncGenerator<Buffer> {
  const splitter = createBsonSplitter(path);
  const stream = openStream(path, options.gzip);
  try {
    for await (const chunk of stream) {
      if (options.signal?.aborted) throw options.signal.reason;
      yield* splitter.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof NsctlError || options.signal?.aborted) throw error;
    throw readError(path, error);
  } finally {
    stream.destroy();
  }
  splitter.end();
}
