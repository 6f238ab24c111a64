/**
 * Backups in a local directory (or a mounted NAS share). Files are 0600 and
 * directories nsctl creates are 0700: backups hold health data.
 */
import { type FileHandle, open, readdir, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';

import { NsctlError } from '../../core/errors.js';
import { makeDirectory } from '../fs/make-directory.js';
import { openAtomicFileWrite, PARTIAL_PREFIX } from './atomic-file-write.js';
import { isMissingError, translateStorageError } from './storage-errors.js';
import {
  assertValidObjectName,
  type BackupTarget,
  type CleanupPartialsOptions,
  isValidObjectName,
  type StoredObjectInfo,
} from './target.js';

const DEFAULT_SMALL_LIMIT = 16 * 1024 * 1024;
const DEFAULT_PARTIAL_AGE_MS = 15 * 60 * 1000;
const READ_CHUNK = 256 * 1024;

export interface LocalDirTarget extends BackupTarget {
  /** The absolute directory, for tests and for messages. */
  readonly dir: string;
}

export function createLocalDirTarget(dir: string): LocalDirTarget {
  const root = resolve(dir);
  const pathOf = (name: string) => {
    assertValidObjectName(name);
    return join(root, name);
  };
  const openWrite = async (name: string) => {
    pathOf(name);
    await makeDirectory(root, 0o700).catch((error: unknown) => {
      throw translateStorageError(error, 'create directory', root);
    });
    return openAtomicFileWrite(root, name);
  };

  return {
    dir: root,
    describe: () => `local directory ${root}`,
    list: (prefix = '') => listObjects(root, prefix),
    stat: async (name) => statObject(pathOf(name), name),
    openWrite,
    openRead: async (name) => openObject(pathOf(name)),
    readSmall: async (name, maxBytes = DEFAULT_SMALL_LIMIT) =>
      readSmallObject(pathOf(name), maxBytes),
    async writeSmall(name, data) {
      const handle = await openWrite(name);
      handle.stream.end(data);
      return handle.commit();
    },
    async remove(name) {
      const path = pathOf(name);
      try {
        await unlink(path);
        return true;
      } catch (error) {
        if (isMissingError(error)) return false;
        throw translateStorageError(error, 'remove', path);
      }
    },
    cleanupPartials: (options) => removePartials(root, options),
  };
}

async function readNames(root: string): Promise<string[]> {
  try {
    return await readdir(root);
  } catch (error) {
    // A directory not made yet simply holds no backups.
    if (isMissingError(error)) return [];
    throw translateStorageError(error, 'list', root);
  }
}

async function listObjects(root: string, prefix: string): Promise<StoredObjectInfo[]> {
  const names = (await readNames(root)).filter(
    (name) => isValidObjectName(name) && name.startsWith(prefix),
  );
  const infos = await Promise.all(names.map((name) => statObject(join(root, name), name)));
  return infos
    .filter((info): info is StoredObjectInfo => info !== undefined)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function statObject(path: string, name: string): Promise<StoredObjectInfo | undefined> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return undefined;
    return { name, bytes: info.size, modifiedAt: info.mtime };
  } catch (error) {
    if (isMissingError(error)) return undefined;
    throw translateStorageError(error, 'read', path);
  }
}

async function* readChunks(file: FileHandle, path: string): AsyncGenerator<Buffer> {
  try {
    for (;;) {
      const buffer = Buffer.allocUnsafe(READ_CHUNK);
      const { bytesRead } = await file.read(buffer, 0, READ_CHUNK, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } catch (error) {
    throw translateStorageError(error, 'read', path);
  } finally {
    await file.close().catch(() => undefined);
  }
}

async function openObject(path: string): Promise<Readable> {
  // Opening first turns a missing file into BACKUP_NOT_FOUND here, not in a stream event.
  const file = await open(path, 'r').catch((error: unknown) => {
    throw translateStorageError(error, 'read', path);
  });
  return Readable.from(readChunks(file, path), { objectMode: false, highWaterMark: READ_CHUNK });
}

async function readSmallObject(path: string, maxBytes: number): Promise<Buffer> {
  try {
    const file = await open(path, 'r');
    try {
      const { size } = await file.stat();
      if (size > maxBytes) {
        throw new NsctlError(
          'STORAGE_FAILED',
          `${path} is ${size} bytes, expected at most ${maxBytes}`,
          {
            where: path,
            hint: 'This is not a manifest; check that the backup directory holds only nsctl files.',
          },
        );
      }
      return await file.readFile();
    } finally {
      await file.close();
    }
  } catch (error) {
    throw translateStorageError(error, 'read', path);
  }
}

async function removePartials(
  root: string,
  options: CleanupPartialsOptions = {},
): Promise<string[]> {
  const cutoff = Date.now() - (options.olderThanMs ?? DEFAULT_PARTIAL_AGE_MS);
  const removed: string[] = [];
  for (const name of await readNames(root)) {
    if (!name.startsWith(PARTIAL_PREFIX)) continue;
    const path = join(root, name);
    try {
      if ((await stat(path)).mtimeMs > cutoff) continue;
      await unlink(path);
      removed.push(name);
    } catch (error) {
      if (!isMissingError(error)) throw translateStorageError(error, 'remove', path);
    }
  }
  return removed;
}
