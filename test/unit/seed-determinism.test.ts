import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';

import { serialize } from 'bson';

import { createSeedPlan } from '../../src/core/seed/seed-plan.js';
import type { SeedOptions } from '../../src/core/seed/types.js';

const END = Date.UTC(2025, 0, 15, 12, 0);

/** One SHA-256 over every document's BSON bytes, per collection. */
async function digests(options: SeedOptions): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const plan of createSeedPlan(options)) {
    const hash = createHash('sha256');
    for await (const doc of plan.documents()) hash.update(serialize(doc));
    result[plan.key] = hash.digest('hex');
  }
  return result;
}

test('the same seed, days and end give byte-identical BSON, ObjectIds included', async () => {
  const options = { days: 3, seed: 'same', end: END };
  assert.deepEqual(await digests(options), await digests(options));
});

test('a different seed changes every time-series collection', async () => {
  const a = await digests({ days: 3, seed: '1', end: END });
  const b = await digests({ days: 3, seed: '2', end: END });
  for (const key of ['entries', 'treatments', 'devicestatus', 'profile', 'activity']) {
    assert.notEqual(a[key], b[key], key);
  }
});

test('a different end changes the data', async () => {
  const a = await digests({ days: 2, seed: '1', end: END });
  const b = await digests({ days: 2, seed: '1', end: END + 5 * 60_000 });
  assert.notEqual(a.entries, b.entries);
});

test('count() matches what documents() yields, for every collection', async () => {
  for (const plan of createSeedPlan({ days: 4, seed: 'count', end: END })) {
    let yielded = 0;
    for await (const _ of plan.documents()) yielded++;
    assert.equal(plan.count(), yielded, plan.key);
  }
});

test('ObjectIds are unique within each collection', async () => {
  for (const plan of createSeedPlan({ days: 6, seed: 'ids', end: END })) {
    const seen = new Set<string>();
    for await (const doc of plan.documents()) {
      const id = String(doc._id);
      assert.ok(!seen.has(id), `${plan.key}: duplicate _id ${id}`);
      seen.add(id);
    }
  }
});

test('days must be a positive whole number', () => {
  assert.throws(() => createSeedPlan({ days: 0, seed: '1', end: END }), RangeError);
  assert.throws(() => createSeedPlan({ days: 1.5, seed: '1', end: END }), RangeError);
});
