import assert from 'node:assert/strict';
import { test } from 'node:test';

import { openTestDatabase } from '../helpers/db.js';

const t = await openTestDatabase(import.meta.url);

test('the harness server stores and returns real documents', async () => {
  const coll = t.db.collection('entries');
  await coll.insertMany([
    { sgv: 120, date: 1_700_000_000_000, type: 'sgv' },
    { sgv: 95, date: 1_700_000_300_000, type: 'sgv' },
  ]);
  const docs = await coll.find({}, { sort: { date: 1 } }).toArray();
  assert.deepEqual(
    docs.map((d) => d.sgv),
    [120, 95],
  );
});

test('each test file gets its own database', async () => {
  assert.match(t.db.databaseName, /^t_test_server_[0-9a-f]{6}$/);
});
