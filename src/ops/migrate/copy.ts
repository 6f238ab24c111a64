/**
 * The copy phase: every collection's documents and its indexes, built
 * before or after the documents as the target prefers. Sources
 * that can read collections separately (MongoDB, a dump directory) run
 * `parallel` collections at once, each reading its next batch while the
 * previous one is written. An archive is read once for all collections;
 * its documents are sorted into per-collection batches, with at most
 * `parallel` batches being written at a time and one per collection, so
 * each collection's state stays a clean prefix of its documents.
 */
import type { Db } from 'mongodb';

import { type CollectionState, decodeStoredId } from '../../core/migrate/checkpoint.js';
import type { SourceCollectionInfo } from '../../core/migrate/plan.js';
import {
  type BatchWriter,
  batchDocuments,
  type CopyContext,
  createBatchWriter,
  readAhead,
} from './batch-writer.js';
import {
  canBuildBeforeData,
  type IndexOutcome,
  type IndexTiming,
  recreateIndexes,
} from './collection-setup.js';
import { throwIfAborted } from './retry.js';
import type { MigrationSource } from './source.js';

export interface CopyPhaseInput {
  ctx: CopyContext;
  source: MigrationSource;
  /** The target database, read for each operation (its client can be replaced). */
  database: () => Db;
  collections: SourceCollectionInfo[];
  states: Map<string, CollectionState>;
  parallel: number;
  indexTiming: IndexTiming;
  /** Stops the other collections' copies after a failure (aborts `ctx.signal`). */
  stop(): void;
  /** Called when a collection's indexes are built (all of them, whenever that was). */
  onIndexes(name: string, outcome: IndexOutcome, durationMs: number): void;
}

/** Indexes built before a collection's data in this run, by collection. */
type EarlyIndexes = Map<string, { outcome: IndexOutcome; durationMs: number }>;

function stateOf(input: CopyPhaseInput, name: string): CollectionState {
  const state = input.states.get(name);
  if (!state) throw new Error(`no state for collection ${name}`);
  return state;
}

/** Before the data, where the target prefers it: the indexes that may exist during the copy. */
async function buildEarlyIndexes(
  input: CopyPhaseInput,
  info: SourceCollectionInfo,
  early: EarlyIndexes,
): Promise<void> {
  if (input.indexTiming !== 'before-data') return;
  const started = Date.now();
  const outcome = await recreateIndexes(input.database, info, input.ctx.retry, canBuildBeforeData);
  early.set(info.name, { outcome, durationMs: Date.now() - started });
}

/**
 * The indexes not built before the data (all of them when none were, e.g.
 * on resuming a collection whose data was done), then the collection is done.
 */
async function finishCollection(
  input: CopyPhaseInput,
  info: SourceCollectionInfo,
  early: EarlyIndexes,
) {
  const state = stateOf(input, info.name);
  const before = early.get(info.name);
  const started = Date.now();
  const late = await recreateIndexes(
    input.database,
    info,
    input.ctx.retry,
    before ? (spec) => !canBuildBeforeData(spec) : undefined,
  );
  state.state = 'finished';
  input.ctx.store.save();
  const outcome = {
    created: [...(before?.outcome.created ?? []), ...late.created],
    failed: [...(before?.outcome.failed ?? []), ...late.failed],
  };
  input.onIndexes(info.name, outcome, (before?.durationMs ?? 0) + Date.now() - started);
}

async function copyOne(
  input: CopyPhaseInput,
  info: SourceCollectionInfo,
  early: EarlyIndexes,
): Promise<void> {
  const state = stateOf(input, info.name);
  if (state.state === 'finished') return;
  if (state.state !== 'copied') {
    const { ctx, source } = input;
    await buildEarlyIndexes(input, info, early);
    const writer = createBatchWriter(ctx, info, state);
    const from = {
      documents: state.documents,
      ...(state.lastId ? { lastId: decodeStoredId(state.lastId) } : {}),
    };
    const docs = (source.readCollection as NonNullable<MigrationSource['readCollection']>)(
      info.name,
      from,
      ctx.signal,
    );
    for await (const batch of readAhead(batchDocuments(docs, ctx.batchSize, ctx.batchBytes))) {
      await writer.write(batch);
    }
    writer.finish();
  }
  await finishCollection(input, info, early);
}

async function copyEachCollection(input: CopyPhaseInput, early: EarlyIndexes): Promise<void> {
  const queue = input.collections.filter((c) => c.type !== 'view');
  let first: unknown;
  const workers = Array.from({ length: Math.min(input.parallel, queue.length) }, async () => {
    for (let info = queue.shift(); info; info = queue.shift()) {
      throwIfAborted(input.ctx.signal);
      await copyOne(input, info, early).catch((error: unknown) => {
        first ??= error;
        input.stop();
        throw error;
      });
    }
  });
  // Every worker settles before the first failure is raised, so none writes after the state is final.
  await Promise.allSettled(workers);
  if (first !== undefined) throw first;
}

interface StreamEntry {
  info: SourceCollectionInfo;
  writer: BatchWriter;
  skip: number;
  batch: Buffer[];
  bytes: number;
  writing: Promise<void> | undefined;
}

async function copyFromStream(input: CopyPhaseInput, early: EarlyIndexes): Promise<void> {
  const { ctx, source } = input;
  const entries = new Map<string, StreamEntry>();
  for (const info of input.collections) {
    const state = stateOf(input, info.name);
    if (info.type === 'view' || state.state === 'copied' || state.state === 'finished') continue;
    await buildEarlyIndexes(input, info, early);
    const writer = createBatchWriter(ctx, info, state);
    entries.set(info.name, {
      info,
      writer,
      skip: state.documents,
      batch: [],
      bytes: 0,
      writing: undefined,
    });
  }
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  const dispatch = async (entry: StreamEntry) => {
    if (entry.writing) await entry.writing;
    while (inFlight.size >= input.parallel) await Promise.race(inFlight);
    if (failure !== undefined) throw failure;
    const batch = entry.batch;
    entry.batch = [];
    entry.bytes = 0;
    const writing = entry.writer.write(batch).catch((error: unknown) => {
      failure ??= error;
      input.stop();
    });
    entry.writing = writing;
    inFlight.add(writing);
    void writing.finally(() => inFlight.delete(writing));
  };
  try {
    if (entries.size > 0) {
      const read = (source.readAll as NonNullable<MigrationSource['readAll']>)(
        [...entries.keys()],
        ctx.signal,
      );
      for await (const { collection, document } of read) {
        const entry = entries.get(collection);
        if (!entry) continue;
        if (entry.skip > 0) {
          entry.skip--;
          continue;
        }
        entry.batch.push(document);
        entry.bytes += document.length;
        if (entry.batch.length >= ctx.batchSize || entry.bytes >= ctx.batchBytes)
          await dispatch(entry);
        if (failure !== undefined) throw failure;
      }
      for (const entry of entries.values()) if (entry.batch.length > 0) await dispatch(entry);
    }
  } finally {
    await Promise.allSettled(inFlight);
  }
  if (failure !== undefined) throw failure;
  for (const entry of entries.values()) entry.writer.finish();
  for (const info of input.collections) {
    if (info.type !== 'view' && stateOf(input, info.name).state !== 'finished')
      await finishCollection(input, info, early);
  }
}

/** Copies every collection's documents and builds its indexes; views are left to the caller. */
export async function copyCollections(input: CopyPhaseInput): Promise<void> {
  const early: EarlyIndexes = new Map();
  if (input.source.readCollection) await copyEachCollection(input, early);
  else await copyFromStream(input, early);
}
