/** Small helpers shared by the storage contract suite and target tests. */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import type { BackupTarget, StoredObjectInfo } from '../../src/adapters/storage/target.js';
import { type ErrorCode, NsctlError } from '../../src/core/errors.js';

export async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** An assert.rejects validator that also shows the actual error when the code differs. */
export function expectNsctlCode(code: ErrorCode): (error: unknown) => boolean {
  return (error) => {
    if (error instanceof NsctlError && error.code === code) return true;
    throw new Error(`expected NsctlError ${code}, got: ${String(error)}`, { cause: error });
  };
}

/** Streams a source into a target the way backup code does: commit on success, abort on failure. */
export async function writeObject(
  target: BackupTarget,
  name: string,
  source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
): Promise<StoredObjectInfo> {
  const handle = await target.openWrite(name);
  try {
    await pipeline(source, handle.stream);
    return await handle.commit();
  } catch (error) {
    await handle.abort();
    throw error;
  }
}
