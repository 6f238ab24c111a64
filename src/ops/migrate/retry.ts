/**
 * Running one read or write again after transient failures, waiting longer
 * each time. When the retries are used up the last error is raised as
 * MONGO_UNREACHABLE; the caller's state file is current at that point, so
 * the message can send the user to `--resume`.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { NsctlError } from '../../core/errors.js';
import {
  isTransientError,
  type RetryPolicy,
  retryDelayMs,
} from '../../core/migrate/retry-policy.js';
import { redact } from '../../core/redact.js';

export interface RetryEvent {
  /** What was being done, e.g. `read entries`. */
  what: string;
  /** 1 for the first retry. */
  attempt: number;
  delayMs: number;
  message: string;
}

export interface RetryContext {
  policy: RetryPolicy;
  signal?: AbortSignal;
  onRetry?: (event: RetryEvent) => void;
  /** Replaces the connection when the server cannot be selected twice in a row. */
  reconnect?: () => Promise<void>;
}

function isSelectionFailure(error: unknown): boolean {
  for (let e = error as { name?: unknown; cause?: unknown } | undefined, i = 0; e && i < 4; i++) {
    if (e.name === 'MongoServerSelectionError') return true;
    e = e.cause as typeof e;
  }
  return false;
}

export function describeError(error: unknown): string {
  return redact(error instanceof Error ? error.message : String(error));
}

function interrupted(signal: AbortSignal): NsctlError {
  return new NsctlError('INTERRUPTED', 'migration interrupted', {
    hint: 'Run the same command again with --resume to continue where it stopped.',
    cause: signal.reason,
  });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw interrupted(signal);
}

export interface Retrier {
  /** Failures since the last success. */
  readonly attempt: number;
  /** Call after progress, so a later failure starts with a short wait again. */
  reset(): void;
  /** Waits before the next attempt, or throws when `error` is not transient or retries are used up. */
  recover(error: unknown): Promise<void>;
}

export function createRetrier(what: string, context: RetryContext): Retrier {
  let attempt = 0;
  return {
    get attempt() {
      return attempt;
    },
    reset() {
      attempt = 0;
    },
    async recover(error) {
      if (context.signal?.aborted) throw interrupted(context.signal);
      if (!isTransientError(error)) throw error;
      if (attempt >= context.policy.retries) {
        throw new NsctlError(
          'MONGO_UNREACHABLE',
          `${what} failed ${attempt + 1} times: ${describeError(error)}`,
          { cause: error },
        );
      }
      if (attempt >= 1 && isSelectionFailure(error)) await context.reconnect?.();
      const delayMs = retryDelayMs(attempt, context.policy);
      attempt++;
      context.onRetry?.({ what, attempt, delayMs, message: describeError(error) });
      await sleep(delayMs, undefined, context.signal ? { signal: context.signal } : {}).catch(
        () => undefined,
      );
      throwIfAborted(context.signal);
    },
  };
}

/** Calls `run` until it succeeds, a non-transient error occurs, or the retries are used up. */
export async function withRetry<T>(
  what: string,
  run: (attempt: number) => Promise<T>,
  context: RetryContext,
): Promise<T> {
  const retrier = createRetrier(what, context);
  for (;;) {
    throwIfAborted(context.signal);
    try {
      return await run(retrier.attempt);
    } catch (error) {
      await retrier.recover(error);
    }
  }
}
