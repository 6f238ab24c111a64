import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ObjectId, serialize } from 'bson';

import {
  checkAuthSubjects,
  checkNightscoutLayout,
  readAuthSubject,
} from '../../src/core/compare/nightscout-checks.js';
import { nightscoutCollectionsSchema } from '../../src/core/config/schema.js';
import { nightscoutIndexes } from '../../src/core/nightscout/indexes.js';

const SECRET = 'this is my long pass phrase';
const subject = (id: unknown, name: string) =>
  readAuthSubject(serialize({ _id: id, name, roles: ['readable'] }));

test('auth subjects read as Nightscout sees them', () => {
  const s = subject(new ObjectId('5f0c6d4e8b3a2c1d0e9f8a7b'), 'Phone');
  assert.equal(s.idText, '5f0c6d4e8b3a2c1d0e9f8a7b');
  assert.equal(s.name, 'Phone');
});

test('unchanged subjects keep their _ids and tokens', () => {
  const subjects = [subject(new ObjectId(), 'Phone'), subject(new ObjectId(), 'Watch')];
  const check = checkAuthSubjects(subjects, [...subjects].reverse(), SECRET);
  assert.equal(check.idsUnchanged, true);
  assert.equal(check.tokens?.equal, true);
  assert.equal(check.tokens?.sourceFingerprint, check.tokens?.targetFingerprint);
  assert.doesNotMatch(JSON.stringify(check), /phone-[0-9a-f]{16}/);
});

test('a subject with a new _id is reported, with its token', () => {
  const kept = subject(new ObjectId(), 'Watch');
  const before = subject(new ObjectId(), 'Phone');
  const after = subject(new ObjectId(), 'Phone');
  const check = checkAuthSubjects([kept, before], [kept, after], SECRET);
  assert.equal(check.idsUnchanged, false);
  assert.deepEqual(
    check.missing.map((m) => m.name),
    ['Phone'],
  );
  assert.deepEqual(
    check.extra.map((m) => m.name),
    ['Phone'],
  );
  assert.equal(check.tokens?.equal, false);
  assert.deepEqual(check.tokens?.changedSubjects, ['Phone']);
});

test('an ObjectId turned into a string of the same hex is a changed _id', () => {
  const oid = new ObjectId();
  const check = checkAuthSubjects([subject(oid, 'P')], [subject(oid.toHexString(), 'P')], SECRET);
  assert.equal(check.idsUnchanged, false);
  // Nightscout hashes _id.toString(), so the token itself survives.
  assert.equal(check.tokens?.equal, true);
});

test('tokens are not derived without a secret', () => {
  assert.equal(checkAuthSubjects([], []).tokens, undefined);
});

test('the layout check finds missing collections and Nightscout indexes, by configured name', () => {
  const collections = nightscoutCollectionsSchema.parse({ entries: 'sgv_entries' });
  const expected = nightscoutIndexes(collections);
  const targetIndexes = new Map<string, Record<string, unknown>[]>([
    [
      'sgv_entries',
      expected.entries
        .filter((s) => s.name !== 'sgv_1')
        .map((s) => ({ key: s.key, name: `custom_${s.name}` })),
    ],
    ['treatments', expected.treatments.map((s) => ({ key: s.key, name: s.name }))],
  ]);
  const check = checkNightscoutLayout(
    collections,
    new Set(['sgv_entries', 'treatments', 'profile']),
    targetIndexes,
  );
  assert.deepEqual(check.missingCollections, ['profile']);
  assert.deepEqual(check.missingIndexes, [
    { collection: 'sgv_entries', name: 'sgv_1', key: { sgv: 1 } },
  ]);
});
