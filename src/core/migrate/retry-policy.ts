/**
 * Which errors are worth retrying, and how long to wait. A copy off a free
 * Atlas cluster meets dropped connections, primary elections, a cleared
 * connection pool and `operation exceeded time limit` under throttling; all
 * of them pass if the same read or write is tried again a little later.
 * Refused credentials, bad queries and documents the server rejects do not.
 */

export interface RetryPolicy {
  /** Attempts after the first failure; 0 disables retrying. Default 8. */
  retries: number;
  /** Wait before the first retry; doubled each time. Default 500 ms. */
  baseDelayMs: number;
  /** Upper bound of one wait. Default 30 s. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 8,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
};

const TRANSIENT_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoPoolClearedError',
  'MongoServerClosedError',
  // An operation still on a client that was replaced after a dropped connection.
  'MongoTopologyClosedError',
  // A bulk insert that lost its connection midway (see ops/migrate/target-writer.ts).
  'IncompleteBatchError',
]);

/** Server error codes for elections, shutdowns, network trouble and time limits. */
const TRANSIENT_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  43, // CursorNotFound (a cursor that timed out is re-opened)
  50, // MaxTimeMSExpired
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

const TRANSIENT_LABELS = ['RetryableWriteError', 'TransientTransactionError', 'ResetPool'];

/** A connection that was open and went away, as drivers and sockets word it. */
export const CONNECTION_LOST = /connection .*(closed|reset)|ECONNRESET|EPIPE|socket hang up/i;

const TRANSIENT_MESSAGE = new RegExp(
  `operation exceeded time limit|${CONNECTION_LOST.source}|ECONNREFUSED|ETIMEDOUT|not (writable )?primary`,
  'i',
);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  errorLabels?: unknown;
  cause?: unknown;
}

function labelsOf(error: ErrorLike): string[] {
  const labels = error.errorLabels;
  if (Array.isArray(labels)) return labels.map(String);
  if (labels instanceof Set) return [...labels].map(String);
  return [];
}

/** True when trying the same operation again later may succeed. */
export function isTransientError(error: unknown, depth = 0): boolean {
  if (error === null || typeof error !== 'object' || depth > 3) return false;
  const e = error as ErrorLike;
  if (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
  if (typeof e.code === 'number' && TRANSIENT_CODES.has(e.code)) return true;
  if (labelsOf(e).some((label) => TRANSIENT_LABELS.includes(label))) return true;
  if (typeof e.message === 'string' && TRANSIENT_MESSAGE.test(e.message)) return true;
  // An NsctlError wrapping a driver error keeps it as its cause.
  return isTransientError(e.cause, depth + 1);
}

/**
 * The wait before retry `attempt` (0 for the first): exponential, capped,
 * with the upper half jittered so parallel copies do not retry in step.
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
