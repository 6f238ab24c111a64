import assert from 'node:assert/strict';
import { test } from 'node:test';

import { nightscoutCollectionsSchema } from '../../src/core/config/schema.js';
import { buildMigrationPlan, checkSpace } from '../../src/core/migrate/plan.js';

const nightscout = nightscoutCollectionsSchema.parse({});
const c = (name: string, bytes?: number, type = 'collection') => ({
  name,
  type,
  options: {},
  indexes: [],
  ...(bytes === undefined ? {} : { bytes, documents: Math.round(bytes / 100) }),
});

test('largest collections first, views last; occupied target collections and missing ones listed', () => {
  const plan = buildMigrationPlan({
    source: [
      c('entries', 1000),
      c('recent', undefined, 'view'),
      c('devicestatus', 5000),
      c('profile', 10),
    ],
    target: [
      { name: 'entries', documents: 3 },
      { name: 'food', documents: 0 },
    ],
    nightscout,
  });
  assert.deepEqual(
    plan.collections.map((x) => x.name),
    ['devicestatus', 'entries', 'profile', 'recent'],
  );
  assert.deepEqual(plan.occupied, [{ name: 'entries', documents: 3 }]);
  assert.deepEqual(plan.nightscout.present, ['entries', 'devicestatus', 'profile']);
  assert.ok(plan.nightscout.missing.includes('auth_subjects'));
});

test('free space: fits, does not fit, or cannot be told', () => {
  const mb = 1024 * 1024;
  const data = [{ ...c('entries', 100 * mb), storageBytes: 40 * mb }];
  const fits = checkSpace(data, { usedBytes: 900 * mb, totalBytes: 1000 * mb });
  assert.equal(fits.fits, true);
  assert.equal(fits.neededBytes, 40 * mb);
  assert.equal(checkSpace(data, { usedBytes: 990 * mb, totalBytes: 1000 * mb }).fits, false);
  assert.equal(checkSpace(data, undefined).fits, undefined);
  assert.match(checkSpace(data, undefined).note, /does not report its free disk space/);
  assert.match(checkSpace([c('x')], { usedBytes: 0, totalBytes: mb }).note, /not known/);
});
