import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createRateBucket, takeFromBucket } from '../../src/core/migrate/rate-limit.js';

test('within the rate nothing waits', () => {
  let bucket = createRateBucket(1000, 0);
  let total = 0;
  for (let t = 0; t < 5000; t += 100) {
    const taken = takeFromBucket(bucket, 100, t);
    bucket = taken.bucket;
    total += taken.waitMs;
  }
  assert.equal(total, 0);
});

test('batches larger than the bucket pay by waiting, and the long-run rate is exact', () => {
  let bucket = createRateBucket(100, 0);
  let now = 0;
  for (let i = 0; i < 20; i++) {
    const taken = takeFromBucket(bucket, 1000, now);
    bucket = taken.bucket;
    now += taken.waitMs;
  }
  // 20 000 documents at 100/s: 200 s, less the first second the bucket held.
  assert.ok(Math.abs(now - 199_000) <= 20, `took ${now} ms`);
});

test('an idle pause saves up at most one second of rate', () => {
  const bucket = createRateBucket(50, 0);
  const idle = takeFromBucket(bucket, 0, 60_000).bucket;
  assert.equal(idle.available, 50);
  assert.equal(takeFromBucket(idle, 150, 60_000).waitMs, 2000);
  assert.throws(() => createRateBucket(0, 0), RangeError);
});
