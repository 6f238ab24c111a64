/**
 * Opening an archive for reading, whoever wrote it: an nsctl backup (its
 * manifest says how it is packed) or a file from `mongodump --archive`, with
 * or without `--gzip`, optionally age-encrypted (recognised by its first
 * bytes). Yields archive events; the SHA-256 of the stored bytes is known
 * once the events are exhausted.
 */
import { createReadStream } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync, constants as zlibConstants } from 'node:zlib';

import type { BackupTarget } from '../../adapters/storage/target.js';
import type { ArchiveEvent } from '../../core/archive/archive-parser.js';
import { refuseForeignFile } from '../../core/archive/foreign-file.js';
import { readArchive } from '../../core/archive/reader.js';
import type { Manifest } from '../../core/backup/manifest.js';
import { NsctlError } from '../../core/errors.js';
import { createByteTap } from './byte-tap.js';
import { createReverseLayers, type DecryptionKeys } from './layers.js';

export interface ArchivePacking {
  /** `detect`: gzip or not, told by the first bytes under any encryption. */
  compression: 'gzip' | 'none' | 'detect';
  encrypted: boolean;
  /** Stored size, when known (tells truncation from damage). */
  bytes?: number;
}

export interface OpenedArchive {
  events: AsyncGenerator<ArchiveEvent, void, undefined>;
  /** SHA-256 and size of the stored bytes; complete once `events` is done. */
  stored(): { bytes: number; sha256: string };
}

export function openArchiveStream(
  raw: Readable,
  packing: ArchivePacking,
  keys: DecryptionKeys,
  label: string,
): OpenedArchive {
  const tap = createByteTap();
  const layers = createReverseLayers(packing.compression, packing.encrypted, keys, packing.bytes);
  const plain = new PassThrough({ highWaterMark: 1 << 20 });
  // A failing stage destroys `plain` with its error, so the error surfaces
  // in the reader's iteration; this catch only keeps the promise handled.
  pipeline([raw, tap.stream, ...layers, plain]).catch(() => undefined);
  return {
    events: readArchive(plain, { label }),
    stored: () => ({ bytes: tap.bytes(), sha256: tap.sha256() }),
  };
}

export async function openStoredArchive(
  target: BackupTarget,
  name: string,
  packing: ArchivePacking,
  keys: DecryptionKeys,
): Promise<OpenedArchive> {
  return openArchiveStream(await target.openRead(name), packing, keys, `archive ${name}`);
}

/** The archive of an nsctl backup, opened as its manifest says it is packed. */
export function openBackupArchive(
  target: BackupTarget,
  manifest: Manifest,
  keys: DecryptionKeys,
): Promise<OpenedArchive> {
  return openStoredArchive(
    target,
    manifest.archive.name,
    {
      compression: manifest.compression,
      encrypted: manifest.encryption.type !== 'none',
      bytes: manifest.archive.bytes,
    },
    keys,
  );
}

const GZIP_MAGIC = [0x1f, 0x8b];
const AGE_HEADER = Buffer.from('age-encryption.org/');
const ARCHIVE_MAGIC_LE = [0x6d, 0xe2, 0x99, 0x81];
/** Enough to tell every packing nsctl reads, and to say what a foreign file is. */
const HEAD_BYTES = 64;

/** How a file is packed, from its first bytes. */
export function sniffPacking(head: Uint8Array): Omit<ArchivePacking, 'bytes'> | undefined {
  const starts = (bytes: ArrayLike<number>) => Array.from(bytes).every((b, i) => head[i] === b);
  if (starts(AGE_HEADER)) return { compression: 'detect', encrypted: true };
  if (starts(GZIP_MAGIC)) return { compression: 'gzip', encrypted: false };
  if (starts(ARCHIVE_MAGIC_LE)) return { compression: 'none', encrypted: false };
  return undefined;
}

async function readHead(path: string, length: number): Promise<Buffer> {
  const { open } = await import('node:fs/promises');
  const file = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    throw refuseUnreadable(path, error);
  });
  try {
    if ((await file.stat()).isDirectory()) {
      throw new NsctlError('USAGE', `${path} is a folder, not an archive file`, {
        where: path,
        hint: 'Pass the file written by `mongodump --archive`; a mongodump folder of .bson files can be read by `nsctl migrate --from <folder>`.',
      });
    }
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.read(buffer, 0, length, 0).catch((error) => {
      throw refuseUnreadable(path, error);
    });
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/** A path the user typed that cannot be opened is a usage error: nothing was reached for. */
function refuseUnreadable(path: string, error: NodeJS.ErrnoException): NsctlError {
  const missing = error.code === 'ENOENT' || error.code === 'ENOTDIR';
  const problem = missing
    ? 'does not exist'
    : error.code === 'EACCES'
      ? 'cannot be read by this user'
      : `cannot be read (${error.code ?? error.message})`;
  return new NsctlError('USAGE', `archive ${path} ${problem}`, {
    where: path,
    hint: missing
      ? 'Check the path to the mongodump --archive file (relative paths start where nsctl runs).'
      : "Check the file's permissions.",
    cause: error,
  });
}

/**
 * Read from the start of every archive file: enough to tell its packing, and
 * for gzip enough compressed bytes to see whether what it holds is an archive.
 */
const HEAD_READ_BYTES = 64 * 1024;

/**
 * A gzip file whose content does not start like an archive (a dump
 * folder's `.bson.gz`, a gzipped text file) was named by mistake, as its
 * uncompressed twin would be. Gzip data damaged from the start is left to
 * the reader, which reports it as damage.
 */
function refuseForeignGzip(path: string, compressed: Buffer): void {
  let inner: Buffer;
  try {
    inner = gunzipSync(compressed, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch {
    return;
  }
  const head = inner.subarray(0, HEAD_BYTES);
  if (sniffPacking(head)?.compression !== 'none')
    throw refuseForeignFile(path, head, { gzipped: true });
}

/** A mongodump archive file, packed any way nsctl understands, told by its bytes, not its name. */
export async function openArchiveFile(path: string, keys: DecryptionKeys): Promise<OpenedArchive> {
  const start = await readHead(path, HEAD_READ_BYTES);
  const head = start.subarray(0, HEAD_BYTES);
  const packing = sniffPacking(head);
  if (!packing) throw refuseForeignFile(path, head);
  if (packing.compression === 'gzip') refuseForeignGzip(path, start);
  return openArchiveStream(createReadStream(path), packing, keys, `archive ${path}`);
}
