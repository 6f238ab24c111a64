/**
 * Writing one collection's batches: rate limit, write (retried with a check
 * for what a half-done attempt left behind), then the collection's state,
 * progress and failures. The state only ever records batches that are
 * fully written, so the state file on disk is always a safe place to
 * resume from; a batch written again on resume is checked against what the
 * target already holds.
 */
import type { InsertFailure } from '../../adapters/mongo/raw-insert.js';
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
import { describeInsertId, type TargetWriter } from './target-writer.js';

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
  const byText = new Map(docs.map((doc) => [describeInsertId(readIdElement(doc)), doc]));
  for (const failure of failures) {
    const doc = byText.get(failure.id);
    const id = doc ? readIdElement(doc) : undefined;
    if (id) ctx.failures.add(state.name, id, failure);
    if (state.failures.length < MAX_RECORDED_FAILURES) {
      state.failures.push({
        id: failure.id,
        ...(failure.code === undefined ? {} : { code: failure.code }),
        message: failure.message,
      });
    }
  }
}

export function createBatchWriter(
  ctx: CopyContext,
  info: SourceCollectionInfo,
  state: CollectionState,
): BatchWriter {
  const task: ProgressTask = ctx.progress.task(`migrate:${info.name}`, {
    label: info.name,
    unit: 'docs',
    ...(info.documents === undefined ? {} : { total: Math.max(info.documents, state.documents) }),
  });
  task.update(state.documents, state.bytes);
  const started = Date.now();
  // A resumed collection may hold documents written after the last saved
  // state; check against the target until a batch finds none of its own.
  let checkExisting = state.state !== 'pending';

  return {
    async write(docs) {
      if (docs.length === 0) return;
      throwIfAborted(ctx.signal);
      await ctx.limiter.take(docs.length);
      const outcome = await withRetry(
        `write to ${info.name}`,
        (attempt) => ctx.writer.writeBatch(info.name, docs, checkExisting || attempt > 0),
        ctx.retry,
      );
      checkExisting = outcome.alreadyPresent + outcome.replaced > 0;
      const bytes = docs.reduce((sum, doc) => sum + doc.length, 0);
      const lastId = readIdElement(docs[docs.length - 1] as Buffer);
      state.state = 'copying';
      state.documents += docs.length;
      state.inserted += outcome.inserted;
      state.alreadyPresent += outcome.alreadyPresent;
      state.replaced += outcome.replaced;
      state.failed += outcome.failures.length;
      state.bytes += bytes;
      if (lastId) state.lastId = encodeId(lastId);
      recordFailures(ctx, state, docs, outcome.failures);
      ctx.store.save();
      task.update(state.documents, state.bytes);
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
