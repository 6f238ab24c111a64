/** `--rate-limit` across all collections copied at once, on the token bucket in core. */
import { setTimeout as sleep } from 'node:timers/promises';

import {
  createRateBucket,
  type RateBucket,
  takeFromBucket,
} from '../../core/migrate/rate-limit.js';

export interface RateLimiter {
  /** Resolves when `count` more documents may be written. */
  take(count: number): Promise<void>;
}

export function createRateLimiter(
  docsPerSecond: number | undefined,
  signal?: AbortSignal,
): RateLimiter {
  if (docsPerSecond === undefined) return { take: async () => {} };
  let bucket: RateBucket = createRateBucket(docsPerSecond, Date.now());
  return {
    async take(count) {
      const taken = takeFromBucket(bucket, count, Date.now());
      bucket = taken.bucket;
      if (taken.waitMs > 0) {
        await sleep(taken.waitMs, undefined, signal ? { signal } : {}).catch(() => undefined);
      }
    },
  };
}
