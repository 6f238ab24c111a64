/**
 * Writing one collection's batches: rate limit, write (retried with a check
 * for what a half-done attempt left behind), then the collection's state,
 * progress and failures. The state only ever records batches that are
 * fully written, so the state file on disk is always a safe place to
 * resume from. A batch written again on resume (after a crash between its
 * write and its state) is inserted as usual: the target refuses the `_id`s
 * it holds, and only those are looked up and compared. Looking a resumed
 * batch up first would cost FerretDB a scan of the collection per `_id`.
 */
import type { InsertFailure } from '../../adapters/mongo/raw-insert.js';
import { describeRawId } from '../../adapters/mongo/raw-insert.js';
import { readIdElement } from '../../core/compare/bson-elements.js';
import {
  type CollectionState,
  encodeId,
  MAX_RECORDED_FAILURES,
} from '../../core/migrate/checkpoint.js';
import type { SourceCollectionInfo } from '../../core/migrate/plan.js';
import type { Progress, ProgressTask } from '../../core/progress.js';
import type { CheckpointStore } from './checkpoint.js';
import type { FailureLedger } from './failure-ledger.js';
import type { RateLimiter } from './rate-limiter.js';
import { type RetryContext, throwIfAborted, withRetry } from './retry.js';
import type { TargetWriter } from './target-writer.js';

export interface CopyContext {
  writer: TargetWriter;
  store: CheckpointStore;
  limiter: RateLimiter;
  retry: RetryContext;
  /** Documents per batch. Default 1000. */
  batchSize: number;
  /** A batch is written once it holds this many bytes. Default 8 MiB. */
  batchBytes: number;
  progress: Progress;
  overall: ProgressCounter;
  failures: FailureLedger;
  /** Copy time per collection in this run, filled in as collections finish. */
  timings: Map<string, number>;
  /** Documents inserted or replaced per collection in this run (not those already there). */
  copied: Map<string, number>;
  signal?: AbortSignal;
}

export interface ProgressCounter {
  add(documents: number, bytes: number): void;
}

export interface BatchWriter {
  write(docs: Buffer[]): Promise<void>;
  /** Marks the collection's documents complete. */
  finish(): void;
}

function recordFailures(
  ctx: CopyContext,
  state: CollectionState,
  docs: Buffer[],
  failures: InsertFailure[],
): void {
  if (failures.length === 0) return;
  const byText = new Map(docs.map((doc) => [describeRawId(doc), doc]));
  for (const failure of failures) {
    const doc = byText.get(failure.id);
    const id = doc ? readIdElement(doc) : undefined;
    if (id) ctx.failures.add(state.name, id, failure);
    noteFailure(state, failure);
  }
}

/** Lists a refused document in the collection's state (the first ones; the count is in `failed`). */
export function noteFailure(state: CollectionState, failure: InsertFailure): void {
  if (state.failures.length >= MAX_RECORDED_FAILURES) return;
  state.failures.push({
    id: failure.id,
    ...(failure.code === undefined ? {} : { code: failure.code }),
    message: failure.message,
  });
}

export function createBatchWriter(
  ctx: CopyContext,
  info: SourceCollectionInfo,
  state: CollectionState,
): BatchWriter {
  // A resumed collection counts this run's documents only, so its rate and
  // ETA are not inflated by what an earlier run copied.
  const before = { documents: state.documents, bytes: state.bytes };
  const task: ProgressTask = ctx.progress.task(`migrate:${info.name}`, {
    label: before.documents > 0 ? `${info.name} after ${before.documents}` : info.name,
    unit: 'docs',
    ...(info.documents === undefined
      ? {}
      : { total: Math.max(0, info.documents - before.documents) }),
  });
  const started = Date.now();

  return {
    async write(docs) {
      if (docs.length === 0) return;
      throwIfAborted(ctx.signal);
      await ctx.limiter.take(docs.length);
      const outcome = await withRetry(
        `write to ${info.name}`,
        (attempt) => ctx.writer.writeBatch(info.name, docs, attempt > 0),
        ctx.retry,
      );
      const bytes = docs.reduce((sum, doc) => sum + doc.length, 0);
      const lastId = readIdElement(docs[docs.length - 1] as Buffer);
      state.state = 'copying';
      state.documents += docs.length;
      state.inserted += outcome.inserted;
      state.alreadyPresent += outcome.alreadyPresent;
      state.replaced += outcome.replaced;
      state.failed += outcome.failures.length;
      state.bytes += bytes;
      const copied = outcome.inserted + outcome.replaced;
      ctx.copied.set(info.name, (ctx.copied.get(info.name) ?? 0) + copied);
      if (lastId) state.lastId = encodeId(lastId);
      recordFailures(ctx, state, docs, outcome.failures);
      ctx.store.save();
      task.update(state.documents - before.documents, state.bytes - before.bytes);
      ctx.overall.add(docs.length, bytes);
    },
    finish() {
      ctx.timings.set(info.name, Date.now() - started);
      state.state = 'copied';
      ctx.store.save();
      task.finish();
    },
  };
}

/** Groups documents into batches of at most `size` documents or about `bytes` bytes. */
export async function* batchDocuments(
  docs: AsyncIterable<Buffer>,
  size: number,
  bytes: number,
): AsyncGenerator<Buffer[]> {
  let batch: Buffer[] = [];
  let batchBytes = 0;
  for await (const doc of docs) {
    batch.push(doc);
    batchBytes += doc.length;
    if (batch.length >= size || batchBytes >= bytes) {
      yield batch;
      batch = [];
      batchBytes = 0;
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * Starts reading the next item as soon as the current one is handed out,
 * so reading the source overlaps writing the target.
 */
export async function* readAhead<T>(items: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = items[Symbol.asyncIterator]();
  let next = iterator.next();
  try {
    for (;;) {
      const current = await next;
      if (current.done) return;
      next = iterator.next();
      // Awaited on the next turn; this only keeps an early rejection from going unhandled.
      next.catch(() => undefined);
      yield current.value;
    }
  } finally {
    await next.catch(() => undefined);
    await iterator.return?.(undefined);
  }
}
