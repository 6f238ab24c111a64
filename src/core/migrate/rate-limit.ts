/**
 * A token bucket for `--rate-limit <docs/s>`, shared by every collection
 * copied at once. A batch larger than the bucket is let through and paid
 * for by waiting afterwards (the bucket goes into debt), so any batch size
 * works with any rate and the long-run rate is exact.
 */

export interface RateBucket {
  /** Documents per second. */
  rate: number;
  /** Documents that may pass now without waiting; negative when in debt. */
  available: number;
  /** Milliseconds, on the caller's clock, when `available` was computed. */
  at: number;
}

export function createRateBucket(rate: number, now: number): RateBucket {
  if (!(rate > 0)) throw new RangeError(`rate must be positive, got ${rate}`);
  return { rate, available: rate, at: now };
}

/** Takes `count` documents from the bucket: the new bucket and how long to wait first. */
export function takeFromBucket(
  bucket: RateBucket,
  count: number,
  now: number,
): { bucket: RateBucket; waitMs: number } {
  // At most one second of unused rate is saved up, so a pause is not followed by a burst.
  const refilled = Math.min(
    bucket.rate,
    bucket.available + ((now - bucket.at) * bucket.rate) / 1000,
  );
  const available = refilled - count;
  const waitMs = available >= 0 ? 0 : Math.ceil((-available * 1000) / bucket.rate);
  return { bucket: { rate: bucket.rate, available, at: now }, waitMs };
}
