/** When a migration builds a collection's indexes: by target server, and never a TTL index early. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { canBuildBeforeData, indexTimingFor } from '../../src/ops/migrate/collection-setup.js';

test('MongoDB targets get indexes after the data, FerretDB targets before it', () => {
  assert.equal(indexTimingFor({ isFerretDB: false }), 'after-data');
  assert.equal(indexTimingFor({ isFerretDB: true }), 'before-data');
});

test('a TTL index waits for the data (it would delete what is copied); others need not', () => {
  assert.equal(canBuildBeforeData({ name: 'date_1', key: { date: 1 } }), true);
  assert.equal(
    canBuildBeforeData({ name: 'identifier_1', key: { identifier: 1 }, unique: true }),
    true,
  );
  assert.equal(
    canBuildBeforeData({ name: 'created_at_1', key: { created_at: 1 }, expireAfterSeconds: 0 }),
    false,
  );
  assert.equal(
    canBuildBeforeData({ name: 'x_1', key: { x: 1 }, expireAfterSeconds: 86_400 }),
    false,
  );
});
