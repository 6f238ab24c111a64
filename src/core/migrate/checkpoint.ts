/**
 * The state file of a migration, so that `--resume` continues where a
 * crash, Ctrl-C or a lost server stopped it. Per collection it records how
 * far the copy got in the order the source is read: after the last `_id`
 * (paging in `_id` order, the `_id` kept as its type byte and value bytes so
 * any `_id` type resumes exactly), or after a number of documents (a dump,
 * or FerretDB's natural order, where that `_id` is a marker to find again).
 * Only redacted descriptions of the two sides are kept, never a password.
 */
import { z } from 'zod';

import { NsctlError } from '../errors.js';
import { isSameMongoLocation, parseMongoLocation } from '../mongo-location.js';

export const CHECKPOINT_FORMAT = 'nsctl-migrate-state';

/** How documents are read: `_id` pages (MongoDB), one natural-order pass (FerretDB), or a dump's order. */
export type PagingMode = 'id-order' | 'natural' | 'stream';

const failureSchema = z.object({
  id: z.string(),
  code: z.number().optional(),
  message: z.string(),
});

const collectionStateSchema = z.object({
  name: z.string(),
  /** pending → copying → copied (all documents handled) → finished (indexes built). */
  state: z.enum(['pending', 'copying', 'copied', 'finished']),
  /** Documents read and handled, in source order. */
  documents: z.number().int().nonnegative(),
  inserted: z.number().int().nonnegative(),
  /** Found on the target with identical bytes when resuming. */
  alreadyPresent: z.number().int().nonnegative(),
  /** Found on the target with other bytes when resuming, and replaced. */
  replaced: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  bytes: z.number().nonnegative(),
  /** The `_id` (type byte and value bytes, base64) of the last document handled. */
  lastId: z.string().optional(),
  /** The first failures, by `_id`. */
  failures: z.array(failureSchema),
});

const checkpointSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  version: z.literal(1),
  createdAt: z.string(),
  updatedAt: z.string(),
  source: z.object({ kind: z.string(), description: z.string() }),
  target: z.object({ description: z.string(), database: z.string() }),
  paging: z.enum(['id-order', 'natural', 'stream']),
  /** copy → converge → done (the copy and a convergence completed at least once). */
  phase: z.enum(['copy', 'converge', 'done']),
  /**
   * When a last run (--final, or any run from a backup, archive or dump
   * folder, which cannot change) ended with the target verified equal: the
   * migration is over, and the target may since be Nightscout's live database.
   */
  finalAt: z.string().optional(),
  /** The rollback point made of the target before this migration dropped what it held. */
  rollbackPoint: z.string().optional(),
  /** Cluster time before the copy began, from which writes on the source are replayed. */
  captureFrom: z.object({ t: z.number(), i: z.number() }).optional(),
  collections: z.array(collectionStateSchema),
});

export type Checkpoint = z.infer<typeof checkpointSchema>;
export type CollectionState = z.infer<typeof collectionStateSchema>;
export type CheckpointFailure = z.infer<typeof failureSchema>;

/** Failures kept per collection in the state file (all of them are counted). */
export const MAX_RECORDED_FAILURES = 100;

export interface CheckpointIdentity {
  source: { kind: string; description: string };
  target: { description: string; database: string };
  paging: PagingMode;
}

export function createCollectionState(name: string): CollectionState {
  return {
    name,
    state: 'pending',
    documents: 0,
    inserted: 0,
    alreadyPresent: 0,
    replaced: 0,
    failed: 0,
    bytes: 0,
    failures: [],
  };
}

export function createCheckpoint(
  identity: CheckpointIdentity,
  collections: readonly string[],
  now: Date,
): Checkpoint {
  return {
    format: CHECKPOINT_FORMAT,
    version: 1,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    ...identity,
    phase: 'copy',
    collections: collections.map(createCollectionState),
  };
}

export function parseCheckpoint(text: string, where: string): Checkpoint {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalidState(where, 'is not JSON', error);
  }
  const parsed = checkpointSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidState(
      where,
      `is not a migration state file (${issue?.path.join('.')}: ${issue?.message})`,
    );
  }
  return parsed.data;
}

function invalidState(where: string, problem: string, cause?: unknown): NsctlError {
  return new NsctlError('MIGRATE_STATE_INVALID', `${where} ${problem}`, {
    where,
    hint: 'Pass --state with the file of this migration, or start again with --drop.',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Two descriptions of one side: MongoDB URIs compare by server and database. */
function isSameSide(a: string, b: string, database?: string, otherDatabase?: string): boolean {
  const first = parseMongoLocation(a, database);
  const second = parseMongoLocation(b, otherDatabase);
  return first && second ? isSameMongoLocation(first, second) : a === b;
}

/** Why a state file belongs to another migration (source or target), or undefined. */
export function describeOtherMigration(
  checkpoint: Checkpoint,
  identity: CheckpointIdentity,
): string | undefined {
  if (!isSameSide(checkpoint.source.description, identity.source.description))
    return `it is for source ${checkpoint.source.description}`;
  const { target } = checkpoint;
  if (
    !isSameSide(
      target.description,
      identity.target.description,
      target.database,
      identity.target.database,
    )
  )
    return `it is for target ${checkpoint.target.description}`;
  return undefined;
}

/** True when the state file is about this target database, whatever its source. */
export function isSameTarget(checkpoint: Checkpoint, identity: CheckpointIdentity): boolean {
  const { target } = checkpoint;
  return isSameSide(
    target.description,
    identity.target.description,
    target.database,
    identity.target.database,
  );
}

/**
 * When a fresh run replaces the state file of this migration after it was
 * finished, whether it stays finished: it does when the run copies only
 * some of its collections (the others may hold what Nightscout wrote since,
 * out of reach of a later run); a run of every collection starts it over.
 * Returns the finish time to keep, or undefined.
 */
export function keptFinish(
  checkpoint: Checkpoint | undefined,
  identity: CheckpointIdentity,
  names: readonly string[],
): string | undefined {
  if (!checkpoint?.finalAt || describeOtherMigration(checkpoint, identity)) return undefined;
  const partial = checkpoint.collections.some((c) => !names.includes(c.name));
  return partial ? checkpoint.finalAt : undefined;
}

/** Why a state file cannot resume this migration, or undefined when it can. */
export function describeMismatch(
  checkpoint: Checkpoint,
  identity: CheckpointIdentity,
): string | undefined {
  const other = describeOtherMigration(checkpoint, identity);
  if (other) return other;
  if (checkpoint.paging !== identity.paging)
    return `it read the source in ${checkpoint.paging} order, this run would read in ${identity.paging} order`;
  return undefined;
}

/** Collections of the plan in the state, adding ones the source gained since. */
export function alignCollections(checkpoint: Checkpoint, names: readonly string[]): Checkpoint {
  const known = new Map(checkpoint.collections.map((c) => [c.name, c]));
  return {
    ...checkpoint,
    collections: names.map((name) => known.get(name) ?? createCollectionState(name)),
  };
}

export function encodeId(id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('base64');
}

export function decodeStoredId(text: string): Uint8Array {
  return Buffer.from(text, 'base64');
}
