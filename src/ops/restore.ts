/**
 * `nsctl restore`: an archive (an nsctl backup, or a mongodump --archive
 * file) into a database. It refuses to mix with existing data unless told to
 * drop it, and before any drop it has a rollback point made. Documents go in
 * as raw BSON in unordered batches; indexes are built after the data; every
 * document that fails is reported and makes the restore fail.
 */
import type { Db } from 'mongodb';

import { estimateCount } from '../adapters/mongo/collections.js';
import { asNsctlError, connectMongo, type MongoTarget } from '../adapters/mongo/connect.js';
import { type InsertFailure, insertRawBatch } from '../adapters/mongo/raw-insert.js';
import type { ArchiveEvent, ArchivePreludeCollection } from '../core/archive/archive-parser.js';
import { rollbackCommand } from '../core/backup/rollback-command.js';
import { NsctlError } from '../core/errors.js';
import type { Progress, ProgressTask } from '../core/progress.js';
import type { OpenedArchive } from './backup/archive-source.js';
import { buildIndexes, type IndexResult } from './restore-indexes.js';

export interface RestorePlanItem {
  name: string;
  /** Documents in the archive, when known before reading (from a manifest). */
  documents?: number;
  /** Documents already in the destination collection. */
  existing: number;
}

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
  /** Makes a rollback point of the named destination collections; returns its id. */
  createRollbackPoint?: (database: Db, collections: string[]) => Promise<string>;
  batchSize?: number;
  batchBytes?: number;
}

const MAX_REPORTED_FAILURES = 100;

export async function restoreArchive(options: RestoreOptions): Promise<RestoreResult> {
  const events = options.archive.events;
  const first = await events.next();
  if (first.done || first.value.kind !== 'prelude') {
    throw new NsctlError('ARCHIVE_CORRUPT', 'the archive has no prelude');
  }
  const wanted = selectPrelude(first.value.collections, options.collections);
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
      collections = await copyDocuments(db, events, wanted, options);
      indexes = await buildIndexes(db, wanted);
    } catch (error) {
      throw rollbackPoint
        ? partlyRestored(
            asNsctlError(error, connection.safeUri),
            rollbackPoint,
            rollbackCommand(rollbackPoint, options.destination.uri, { database: db.databaseName }),
          )
        : error;
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

/** After a drop, a failure leaves the database half replaced: say how to go back. */
function partlyRestored(error: unknown, rollbackPoint: string, command: string): unknown {
  if (!(error instanceof NsctlError)) return error;
  return new NsctlError(error.code, `${error.message}; the database is now partly restored`, {
    hint: `Return to the data as it was before the restore with: ${command}`,
    details: { ...error.details, rollbackPoint },
    cause: error,
  });
}

function selectPrelude(collections: ArchivePreludeCollection[], only: string[] | undefined) {
  if (!only || only.length === 0) return collections;
  const known = new Set(collections.map((c) => c.collection));
  const unknown = only.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new NsctlError(
      'USAGE',
      `the archive has no collection ${unknown.map((n) => `"${n}"`).join(', ')}`,
      {
        hint: `It holds: ${[...known].join(', ')}`,
      },
    );
  }
  return collections.filter((c) => only.includes(c.collection));
}

async function planRestore(
  db: Db,
  wanted: ArchivePreludeCollection[],
  expected: Map<string, number> | undefined,
): Promise<RestorePlanItem[]> {
  const existingNames = new Set(
    (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name),
  );
  const plan: RestorePlanItem[] = [];
  for (const c of wanted) {
    const existing = existingNames.has(c.collection)
      ? await db.collection(c.collection).countDocuments()
      : 0;
    const documents = expected?.get(c.collection);
    plan.push({ name: c.collection, ...(documents === undefined ? {} : { documents }), existing });
  }
  return plan;
}

function refuseOccupied(database: string, occupied: RestorePlanItem[]): NsctlError {
  const list = occupied.map((p) => `${p.name} (${p.existing} documents)`).join(', ');
  return new NsctlError('USAGE', `database ${database} already holds data in ${list}`, {
    hint: 'Restore --into a new database, or pass --drop to replace it (a rollback point of what is there is made first).',
    details: { occupied },
  });
}

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
    await db.createCollection(c.collection, options);
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
    const outcome = await insertRawBatch(db, p.result.name, p.batch);
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
