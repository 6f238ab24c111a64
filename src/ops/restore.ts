/**
 * `nsctl restore`: an archive (an nsctl backup, or a mongodump --archive
 * file) into a database. It refuses to mix with existing data unless told to
 * drop it, and before any drop it has the whole input checked and then a
 * rollback point made. Documents go in
 * as raw BSON in unordered batches; indexes are built after the data; every
 * document that fails is reported and makes the restore fail.
 */
import type { Db } from 'mongodb';

import { estimateCount } from '../adapters/mongo/collections.js';
import {
  asNsctlError,
  connectMongo,
  type MongoTarget,
  readServerInfo,
} from '../adapters/mongo/connect.js';
import {
  type InsertFailure,
  insertRawBatch,
  type RawInsertOptions,
} from '../adapters/mongo/raw-insert.js';
import { retryStaleSchema } from '../adapters/mongo/retry-stale-schema.js';
import type { ArchiveEvent, ArchivePreludeCollection } from '../core/archive/archive-parser.js';
import { rollbackCommand } from '../core/backup/rollback-command.js';
import { isNsctlError, NsctlError } from '../core/errors.js';
import type { Progress, ProgressTask } from '../core/progress.js';
import type { OpenedArchive } from './backup/archive-source.js';
import { nothingChanged } from './restore-check.js';
import { buildIndexes, type IndexResult } from './restore-indexes.js';
import {
  planRestore,
  type RestorePlanItem,
  refuseOccupied,
  selectPrelude,
} from './restore-plan.js';

export type { RestorePlanItem };

export interface RestoredCollection {
  name: string;
  /** Documents the archive holds for it. */
  expected: number;
  inserted: number;
  /** Count in the destination after the restore. */
  found: number;
  failed: number;
  /** The first failures, each with its document's _id. */
  failures: InsertFailure[];
}

export interface RestoreResult {
  database: string;
  dryRun: boolean;
  plan: RestorePlanItem[];
  rollbackPoint?: string;
  collections: RestoredCollection[];
  indexes: IndexResult[];
  ok: boolean;
}

export interface RestoreOptions {
  archive: OpenedArchive;
  /** Expected counts per collection, from the manifest, when there is one. */
  expected?: Map<string, number>;
  destination: MongoTarget;
  /** Only these collections (all when absent). */
  collections?: string[];
  drop: boolean;
  dryRun: boolean;
  progress: Progress;
  signal?: AbortSignal;
  /**
   * Reads and checks the whole input, throwing when it is damaged; with
   * `drop` it runs before the rollback point and the first change, so a
   * damaged input changes nothing.
   */
  checkInput?: (destination: { textMustBeUtf8: boolean }) => Promise<void>;
  /** Where rollback points are kept when not the default: named in the command to go back. */
  rollbackDir?: string;
  /** Makes a rollback point of the named destination collections; returns its id. */
  createRollbackPoint?: (database: Db, collections: string[]) => Promise<string>;
  batchSize?: number;
  batchBytes?: number;
}

const MAX_REPORTED_FAILURES = 100;

export async function restoreArchive(options: RestoreOptions): Promise<RestoreResult> {
  const events = options.archive.events;
  const wanted = selectPrelude(await readPrelude(events), options.collections);
  const connection = await connectMongo(options.destination);
  try {
    const db = connection.db;
    const plan = await planRestore(db, wanted, options.expected);
    const base = { database: db.databaseName, plan, collections: [], indexes: [] };
    const occupied = plan.filter((p) => p.existing > 0);
    const refused = occupied.length > 0 && !options.drop;
    if (options.dryRun) {
      await events.return(undefined);
      // The plan is shown either way; `ok` says whether it would go ahead.
      return { ...base, dryRun: true, ok: !refused };
    }
    if (refused) throw refuseOccupied(db.databaseName, occupied);
    // FerretDB stores text that is not valid UTF-8 altered: such documents are refused, by _id.
    const { isFerretDB } = await readServerInfo(connection);
    if (options.drop) await options.checkInput?.({ textMustBeUtf8: isFerretDB });
    let rollbackPoint: string | undefined;
    if (occupied.length > 0 && options.createRollbackPoint) {
      rollbackPoint = await options.createRollbackPoint(
        db,
        occupied.map((p) => p.name),
      );
    }
    let collections: RestoredCollection[];
    let indexes: IndexResult[];
    try {
      await prepareCollections(db, wanted, options.drop);
      collections = await copyDocuments(db, events, wanted, options, {
        textMustBeUtf8: isFerretDB,
      });
      indexes = await buildIndexes(db, wanted);
    } catch (error) {
      const failure = asNsctlError(error, connection.safeUri);
      throw rollbackPoint
        ? partlyRestored(
            failure,
            rollbackPoint,
            rollbackCommand(rollbackPoint, options.destination.uri, {
              database: db.databaseName,
              ...(options.rollbackDir ? { dir: options.rollbackDir } : {}),
            }),
          )
        : occupied.length === 0
          ? partlyWritten(failure, wanted)
          : failure;
    }
    // Statistics, not a count: on FerretDB a count reads every document again.
    for (const c of collections) c.found = await estimateCount(db, c.name);
    const ok =
      collections.every(
        (c) => c.failed === 0 && c.found === c.expected && c.inserted === c.expected,
      ) && indexes.every((i) => i.failed.length === 0);
    return {
      ...base,
      dryRun: false,
      ...(rollbackPoint ? { rollbackPoint } : {}),
      collections,
      indexes,
      ok,
    };
  } catch (error) {
    throw asNsctlError(error, connection.safeUri);
  } finally {
    await events.return(undefined).catch(() => undefined);
    await connection.close();
  }
}

/** The archive's first event, its prelude; a damaged one has changed nothing yet. */
async function readPrelude(
  events: AsyncGenerator<ArchiveEvent, void, undefined>,
): Promise<ArchivePreludeCollection[]> {
  let first: IteratorResult<ArchiveEvent, void>;
  try {
    first = await events.next();
  } catch (error) {
    throw isNsctlError(error) ? nothingChanged(error) : error;
  }
  if (first.done || first.value.kind !== 'prelude') {
    throw new NsctlError('ARCHIVE_CORRUPT', 'the archive has no prelude; nothing was changed');
  }
  return first.value.collections;
}

/** After a drop, a failure leaves the database half replaced: say how to go back. */
function partlyRestored(error: unknown, rollbackPoint: string, command: string): unknown {
  if (!(error instanceof NsctlError)) return error;
  return new NsctlError(
    error.code,
    `${withoutStop(error.message)}; the database is now partly restored`,
    {
      hint: `Return to the data as it was before the restore with: ${command}`,
      details: { ...error.details, rollbackPoint },
      cause: error,
    },
  );
}

/**
 * When no collection held data, nothing was replaced, but the collections
 * being filled now hold part of the archive: say which.
 */
function partlyWritten(error: unknown, wanted: ArchivePreludeCollection[]): unknown {
  if (!(error instanceof NsctlError)) return error;
  const names = wanted.map((c) => c.collection).join(', ');
  return new NsctlError(
    error.code,
    `${withoutStop(error.message)}; the collections being restored (${names}) now hold part of the archive`,
    {
      hint: 'They held no documents before and nothing else was changed: drop them, or restore --into a new database, then restore an archive that reads back whole.',
      ...(error.where ? { where: error.where } : {}),
      ...(error.details ? { details: error.details } : {}),
      cause: error,
    },
  );
}

const withoutStop = (message: string) => message.replace(/\.$/, '');

async function prepareCollections(
  db: Db,
  wanted: ArchivePreludeCollection[],
  drop: boolean,
): Promise<void> {
  const existing = new Set(
    (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name),
  );
  for (const c of wanted) {
    if (existing.has(c.collection)) {
      if (!drop) continue;
      await db.collection(c.collection).drop();
    }
    const options = c.parsedMetadata?.options ?? {};
    // Dropped just now: FerretDB may refuse the new collection's _id_ index once (see retryStaleSchema).
    await retryStaleSchema(() => db.createCollection(c.collection, options));
  }
}

interface Pending {
  result: RestoredCollection;
  batch: Buffer[];
  bytes: number;
  task: ProgressTask;
}

async function copyDocuments(
  db: Db,
  events: AsyncGenerator<ArchiveEvent, void, undefined>,
  wanted: ArchivePreludeCollection[],
  options: RestoreOptions,
  rawOptions: RawInsertOptions,
): Promise<RestoredCollection[]> {
  const batchSize = options.batchSize ?? 1000;
  const batchBytes = options.batchBytes ?? 8 * 1024 * 1024;
  const pending = new Map<string, Pending>();
  for (const c of wanted) {
    const total = options.expected?.get(c.collection);
    pending.set(c.collection, {
      result: { name: c.collection, expected: 0, inserted: 0, found: 0, failed: 0, failures: [] },
      batch: [],
      bytes: 0,
      task: options.progress.task(`restore:${c.collection}`, {
        label: c.collection,
        unit: 'docs',
        ...(total === undefined ? {} : { total }),
      }),
    });
  }
  const flush = async (p: Pending) => {
    if (options.signal?.aborted) throw new NsctlError('INTERRUPTED', 'restore interrupted');
    const outcome = await insertRawBatch(db, p.result.name, p.batch, rawOptions);
    p.result.inserted += outcome.inserted;
    p.result.failed += outcome.failures.length;
    const room = MAX_REPORTED_FAILURES - p.result.failures.length;
    if (room > 0) p.result.failures.push(...outcome.failures.slice(0, room));
    p.batch = [];
    p.bytes = 0;
    p.task.update(p.result.inserted + p.result.failed);
  };
  for await (const event of events) {
    if (event.kind === 'prelude') continue;
    const p = pending.get(event.collection);
    if (!p) continue;
    if (event.kind === 'document') {
      // A view into the stream's chunk: chunks are never reused, and a batch
      // holds at most a few of them.
      p.batch.push(event.document);
      p.bytes += event.document.length;
      p.result.expected++;
      if (p.batch.length >= batchSize || p.bytes >= batchBytes) await flush(p);
    } else {
      await flush(p);
      p.task.finish();
    }
  }
  return [...pending.values()].map((p) => p.result);
}
