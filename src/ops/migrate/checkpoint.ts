/**
 * The state file on disk. Every write replaces the whole file atomically
 * (temporary file, fsync, rename), so a crash or `kill -9` at any moment
 * leaves the previous state or the new one, never a torn file. Writes are
 * coalesced: a batch that finishes while a write is under way only marks
 * the state dirty, and the next write takes everything since.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

import { openAtomicFileWrite } from '../../adapters/storage/atomic-file-write.js';
import { translateStorageError } from '../../adapters/storage/storage-errors.js';
import { type Checkpoint, parseCheckpoint } from '../../core/migrate/checkpoint.js';

export interface CheckpointStore {
  readonly path: string;
  /** The live state; mutate it, then call {@link save}. */
  readonly state: Checkpoint;
  /** Writes the state soon; a failure is raised by the next save or flush. */
  save(): void;
  /** Writes the state now and waits until it is durable. */
  flush(): Promise<void>;
}

/** The state file at `path`, or undefined when there is none. */
export async function readCheckpoint(path: string): Promise<Checkpoint | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw translateStorageError(error, 'read', path);
  }
  return parseCheckpoint(text, path);
}

async function writeState(path: string, state: Checkpoint): Promise<void> {
  state.updatedAt = new Date().toISOString();
  const text = `${JSON.stringify(state, null, 2)}\n`;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 }).catch((error: unknown) => {
    throw translateStorageError(error, 'create directory', dirname(path));
  });
  const handle = await openAtomicFileWrite(dirname(path), basename(path));
  handle.stream.end(text);
  await handle.commit();
}

export function createCheckpointStore(path: string, state: Checkpoint): CheckpointStore {
  let writing: Promise<void> | undefined;
  let dirty = false;
  let failure: unknown;

  const raiseFailure = () => {
    if (failure !== undefined) throw failure;
  };

  const drain = async (): Promise<void> => {
    while (dirty) {
      dirty = false;
      await writeState(path, state);
    }
  };

  const start = () => {
    writing ??= drain()
      .catch((error: unknown) => {
        failure = error;
      })
      .finally(() => {
        writing = undefined;
      });
    return writing;
  };

  return {
    path,
    state,
    save() {
      raiseFailure();
      dirty = true;
      void start();
    },
    async flush() {
      raiseFailure();
      dirty = true;
      while (writing) await writing;
      await start();
      raiseFailure();
    },
  };
}
