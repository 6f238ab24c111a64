import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  describeVersionGap,
  findUnsupportedFeatures,
  parseMajorMinor,
} from '../../src/core/migrate/compatibility.js';

const atlas = { version: '8.0.4', isFerretDB: false };
const old = { version: '4.4.29', isFerretDB: false };
const ferret = { version: '7.0.42', isFerretDB: true };

const collection = (options = {}, indexes: object[] = [], type = 'collection') => ({
  name: 'entries',
  type,
  options,
  indexes: [{ v: 2, key: { _id: 1 }, name: '_id_' }, ...indexes],
});

test('a step down in major version is warned about; the same or newer is not', () => {
  assert.deepEqual(parseMajorMinor('4.4.29'), [4, 4]);
  assert.match(
    describeVersionGap(atlas, old) ?? '',
    /MongoDB 4\.4\.29, older than the source's 8\.0\.4/,
  );
  assert.equal(describeVersionGap(old, atlas), undefined);
  assert.equal(describeVersionGap(atlas, { version: '8.0.1', isFerretDB: false }), undefined);
  assert.equal(describeVersionGap(atlas, ferret), undefined);
});

test('FerretDB: TTL, partial, text, hashed, wildcard indexes and validators are named', () => {
  const problems = findUnsupportedFeatures(ferret, [
    collection({ validator: { sgv: { $type: 'int' } } }, [
      { key: { date: 1 }, name: 'date_1', expireAfterSeconds: 86400 },
      { key: { sgv: 1 }, name: 'sgv_1', partialFilterExpression: { sgv: { $gt: 0 } } },
      { key: { notes: 'text' }, name: 'notes_text' },
      { key: { 'a.$**': 1 }, name: 'wild' },
      { key: { type: 1 }, name: 'type_1', sparse: true },
    ]),
  ]);
  const text = problems.map((p) => p.message).join('\n');
  assert.match(text, /entries: FerretDB does not support validator/);
  assert.match(text, /date_1 uses TTL/);
  assert.match(text, /sgv_1 uses partial/);
  assert.match(text, /notes_text uses text keys/);
  assert.match(text, /wild uses wildcard keys/);
  assert.doesNotMatch(text, /type_1/);
});

test('MongoDB 4.4: time series, clustered collections and newer index options are named', () => {
  const problems = findUnsupportedFeatures(old, [
    collection({ timeseries: { timeField: 't' } }, [], 'timeseries'),
    collection({ clusteredIndex: { key: { _id: 1 }, unique: true } }),
    collection({}, [{ key: { a: 1, '$**': 1 }, name: 'compound_wild' }]),
  ]);
  const text = problems.map((p) => p.message).join('\n');
  assert.match(text, /time-series collections \(5\.0\+\)/);
  assert.match(text, /clustered collections \(5\.3\+\)/);
  assert.match(text, /compound wildcard keys \(7\.0\+\)/);
  assert.deepEqual(
    findUnsupportedFeatures(atlas, [collection({}, [{ key: { date: -1 }, name: 'd' }])]),
    [],
  );
});
