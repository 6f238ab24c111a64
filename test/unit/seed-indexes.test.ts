import assert from 'node:assert/strict';
import { test } from 'node:test';

import { nightscoutCollectionsSchema } from '../../src/core/config/schema.js';
import { indexName, nightscoutIndexes } from '../../src/core/nightscout/indexes.js';

const indexes = nightscoutIndexes(nightscoutCollectionsSchema.parse({}));
const names = (key: keyof typeof indexes) => indexes[key].map((i) => i.name);

test('every Nightscout collection has an entry', () => {
  assert.deepEqual(Object.keys(indexes).sort(), [
    'activity',
    'authRoles',
    'authSubjects',
    'devicestatus',
    'entries',
    'food',
    'profile',
    'settings',
    'treatments',
  ]);
});

test("entries get Nightscout's single-field and compound indexes, with default names", () => {
  for (const name of [
    'date_1',
    'sgv_1',
    'sysTime_1',
    'type_1_date_-1_dateString_1',
    'srvModified_1',
  ]) {
    assert.ok(names('entries').includes(name), name);
  }
});

test('an index asked for by both APIs appears once', () => {
  const identifier = names('treatments').filter((n) => n === 'identifier_1');
  assert.equal(identifier.length, 1);
});

test('authorization collections are indexed by name; settings only by API v3', () => {
  assert.deepEqual(names('authRoles'), ['name_1']);
  assert.deepEqual(names('settings'), ['identifier_1', 'srvModified_1', 'isValid_1']);
  assert.ok(names('treatments').includes('boluscalc.foods._id_1'));
});

test('index names follow MongoDB, keys in order', () => {
  assert.equal(
    indexName({ eventType: 1, duration: 1, created_at: 1 }),
    'eventType_1_duration_1_created_at_1',
  );
  assert.equal(indexName({ startDate: -1, _id: -1 }), 'startDate_-1__id_-1');
});
