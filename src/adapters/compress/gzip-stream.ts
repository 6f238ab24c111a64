/**
 * gzip around the whole archive stream, so `mongorestore --archive --gzip`
 * reads it without nsctl. Decompression turns zlib's errors into
 * ARCHIVE_TRUNCATED / ARCHIVE_CORRUPT.
 */
import { Duplex, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createGunzip, createGzip } from 'node:zlib';

import { NsctlError } from '../../core/errors.js';

export interface GzipOptions {
  /** zlib level 1 (fastest) to 9 (smallest). Default 6, as mongodump --gzip uses. */
  level?: number;
}

export function createGzipStream(options: GzipOptions = {}): Transform {
  return createGzip({ level: options.level ?? constants.Z_DEFAULT_COMPRESSION });
}

/** Maps zlib's inflate errors; any other error (a failing source) passes through unchanged. */
export function translateGzipError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  const reason = error instanceof Error ? error.message : String(error);
  if (code === 'Z_BUF_ERROR') {
    return new NsctlError('ARCHIVE_TRUNCATED', `the gzip stream ends early (${reason})`, {
      cause: error,
    });
  }
  if (code === 'Z_DATA_ERROR' || code === 'Z_STREAM_ERROR') {
    return new NsctlError('ARCHIVE_CORRUPT', `the gzip stream is damaged (${reason})`, {
      cause: error,
    });
  }
  return error;
}

/** A gunzip Duplex whose errors are NsctlErrors; memory stays bounded by stream back-pressure. */
export function createGunzipStream(): Duplex {
  return Duplex.from((source: AsyncIterable<Buffer>) => gunzipAll(source));
}

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * Gunzips the stream when it starts with gzip's magic bytes and passes it
 * through unchanged otherwise: for files whose name does not say how they
 * are packed inside another layer (an age file holds gzip or not).
 */
export function createSniffingGunzipStream(): Duplex {
  return Duplex.from(async function* (source: AsyncIterable<Buffer>) {
    const iterator = source[Symbol.asyncIterator]();
    let head = Buffer.alloc(0);
    while (head.length < GZIP_MAGIC.length) {
      const next = await iterator.next();
      if (next.done) break;
      head = Buffer.concat([head, next.value]);
    }
    async function* whole(): AsyncGenerator<Buffer> {
      if (head.length > 0) yield head;
      for (let next = await iterator.next(); !next.done; next = await iterator.next())
        yield next.value;
    }
    const gzipped = GZIP_MAGIC.every((b, i) => head[i] === b);
    yield* gzipped ? gunzipAll(whole()) : whole();
  });
}

async function* gunzipAll(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const gunzip = createGunzip();
  const feeding = pipeline(source, gunzip).catch(() => undefined);
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (error) {
    throw translateGzipError(error);
  } finally {
    gunzip.destroy();
    await feeding;
  }
}
