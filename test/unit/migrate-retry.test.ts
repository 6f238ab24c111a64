import assert from 'node:assert/strict';
import { test } from 'node:test';

import { NsctlError } from '../../src/core/errors.js';
import {
  DEFAULT_RETRY_POLICY,
  isTransientError,
  retryDelayMs,
} from '../../src/core/migrate/retry-policy.js';
import { withRetry } from '../../src/ops/migrate/retry.js';

const named = (name: string, message = 'x', extra: object = {}) =>
  Object.assign(new Error(message), { name }, extra);

test('network drops, elections, pool clears and time limits are transient', () => {
  for (const error of [
    named('MongoNetworkError', 'connection 3 to 127.0.0.1:27017 closed'),
    named('MongoPoolClearedError'),
    named('MongoServerSelectionError'),
    named('MongoServerError', 'operation exceeded time limit', { code: 262 }),
    named('MongoServerError', 'not primary', { code: 10107 }),
    named('MongoServerError', 'step down', { code: 189 }),
    named('MongoServerError', 'x', { errorLabels: ['RetryableWriteError'] }),
    new NsctlError('MONGO_UNREACHABLE', 'x', { cause: named('MongoNetworkTimeoutError') }),
  ]) {
    assert.equal(isTransientError(error), true, `${error.name}: ${error.message}`);
  }
});

test('refused credentials, duplicate keys and bad input are not', () => {
  for (const error of [
    named('MongoServerError', 'Authentication failed.', { code: 18 }),
    named('MongoServerError', 'E11000 duplicate key', { code: 11000 }),
    named('MongoInvalidArgumentError', 'Document is larger than the maximum size'),
    new TypeError('x'),
    undefined,
  ]) {
    assert.equal(isTransientError(error), false);
  }
});

test('waits double, stay capped, and are jittered in their upper half', () => {
  const policy = { retries: 8, baseDelayMs: 100, maxDelayMs: 1000 };
  assert.equal(
    retryDelayMs(0, policy, () => 0),
    50,
  );
  assert.equal(
    retryDelayMs(0, policy, () => 1),
    100,
  );
  assert.equal(
    retryDelayMs(2, policy, () => 1),
    400,
  );
  assert.equal(
    retryDelayMs(10, policy, () => 1),
    1000,
  );
  assert.equal(
    retryDelayMs(10, policy, () => 0),
    500,
  );
  assert.equal(DEFAULT_RETRY_POLICY.retries, 8);
});

test('withRetry retries transient failures and gives up with MONGO_UNREACHABLE', async () => {
  const policy = { retries: 3, baseDelayMs: 1, maxDelayMs: 2 };
  let calls = 0;
  const events: number[] = [];
  const value = await withRetry(
    'read entries',
    async () => {
      calls++;
      if (calls < 3) throw named('MongoNetworkError');
      return 'ok';
    },
    { policy, onRetry: (e) => events.push(e.attempt) },
  );
  assert.equal(value, 'ok');
  assert.deepEqual(events, [1, 2]);
  await assert.rejects(
    withRetry('read entries', async () => Promise.reject(named('MongoNetworkError', 'gone')), {
      policy,
    }),
    (error: unknown) =>
      error instanceof NsctlError &&
      error.code === 'MONGO_UNREACHABLE' &&
      /read entries failed 4 times: gone/.test(error.message),
  );
  const permanent = named('MongoServerError', 'no', { code: 13 });
  await assert.rejects(
    withRetry('x', async () => Promise.reject(permanent), { policy }),
    (e) => e === permanent,
  );
});

test('an abort stops the retries at once as INTERRUPTED', async () => {
  const controller = new AbortController();
  const policy = { retries: 5, baseDelayMs: 10_000, maxDelayMs: 10_000 };
  const started = Date.now();
  const pending = withRetry('x', async () => Promise.reject(named('MongoNetworkError')), {
    policy,
    signal: controller.signal,
  });
  setTimeout(() => controller.abort(new Error('stop')), 50);
  await assert.rejects(
    pending,
    (e: unknown) => e instanceof NsctlError && e.code === 'INTERRUPTED',
  );
  assert.ok(Date.now() - started < 5000);
});
