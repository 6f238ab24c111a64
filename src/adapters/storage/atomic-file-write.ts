/**
 * All-or-nothing file writes: bytes go to a hidden temporary file that is
 * fsynced and then renamed over the final name, and the directory is fsynced
 * so the rename survives a power cut. A killed process leaves only a
 * `.partial-*` file, which listings skip and cleanup removes.
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

import { translateStorageError } from './storage-errors.js';
import type { StoredObjectInfo, WriteHandle } from './target.js';

/** Temporary files start with this; object names cannot (they start with a letter or digit). */
export const PARTIAL_PREFIX = '.partial-';

/** A Writable over an open file that fsyncs before 'finish' and deletes the file on error. */
class DurableFileWritable extends Writable {
  private fileClosed = false;

  constructor(
    private readonly file: FileHandle,
    private readonly tempPath: string,
    private readonly finalPath: string,
  ) {
    super({ highWaterMark: 256 * 1024 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (e?: Error) => void) {
    this.writeFully(chunk).then(() => callback(), callback);
  }

  override _final(callback: (e?: Error) => void) {
    this.syncAndClose().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (e?: Error | null) => void) {
    const cleanup = async () => {
      await this.closeQuietly();
      if (error) await unlink(this.tempPath).catch(() => undefined);
    };
    cleanup().then(() => callback(error));
  }

  private async writeFully(chunk: Buffer): Promise<void> {
    try {
      let offset = 0;
      while (offset < chunk.length) {
        const { bytesWritten } = await this.file.write(chunk, offset, chunk.length - offset);
        offset += bytesWritten;
      }
    } catch (error) {
      throw translateStorageError(error, 'write', this.finalPath);
    }
  }

  private async syncAndClose(): Promise<void> {
    try {
      await this.file.sync();
      this.fileClosed = true;
      await this.file.close();
    } catch (error) {
      throw translateStorageError(error, 'write', this.finalPath);
    }
  }

  private async closeQuietly(): Promise<void> {
    if (this.fileClosed) return;
    this.fileClosed = true;
    await this.file.close().catch(() => undefined);
  }
}

/** Makes a completed rename durable; some file systems cannot fsync a directory, which is fine. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync().catch((error: { code?: string }) => {
      if (error.code !== 'EINVAL' && error.code !== 'ENOTSUP') throw error;
    });
  } finally {
    await handle.close();
  }
}

export async function openAtomicFileWrite(dir: string, name: string): Promise<WriteHandle> {
  const finalPath = join(dir, name);
  const tempPath = join(dir, `${PARTIAL_PREFIX}${name}.${randomBytes(4).toString('hex')}`);
  let file: FileHandle;
  try {
    file = await open(tempPath, 'wx', 0o600);
  } catch (error) {
    throw translateStorageError(error, 'write', finalPath);
  }
  const stream = new DurableFileWritable(file, tempPath, finalPath);
  // commit() reports write errors; without a listener one would crash the process first.
  stream.on('error', () => undefined);
  let state: 'open' | 'committed' | 'aborted' = 'open';

  const discard = async () => {
    stream.destroy();
    await finished(stream).catch(() => undefined);
    await unlink(tempPath).catch(() => undefined);
  };

  const publish = async (): Promise<StoredObjectInfo> => {
    if (!stream.writableEnded && !stream.destroyed) stream.end();
    await finished(stream);
    await rename(tempPath, finalPath);
    await syncDirectory(dir);
    const info = await stat(finalPath);
    return { name, bytes: info.size, modifiedAt: info.mtime };
  };

  return {
    stream,
    async commit() {
      if (state !== 'open') throw new Error(`commit() called on a write that was ${state}`);
      try {
        const info = await publish();
        state = 'committed';
        return info;
      } catch (error) {
        state = 'aborted';
        await discard();
        throw translateStorageError(error, 'write', finalPath);
      }
    },
    async abort() {
      if (state !== 'open') return;
      state = 'aborted';
      await discard();
    },
  };
}
