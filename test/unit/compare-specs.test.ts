import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Double, Int32, Long } from 'bson';

import { compareCollectionOptions } from '../../src/core/compare/collection-options.js';
import { compareIndexSpecs, normalizeIndexSpec } from '../../src/core/compare/index-specs.js';

test('server-added index fields are dropped and numbers compare by value', () => {
  assert.deepEqual(
    normalizeIndexSpec({
      v: 2,
      key: { date: new Int32(-1) },
      name: 'date_-1',
      ns: 'db.c',
      background: true,
    }),
    { key: { date: -1 }, name: 'date_-1' },
  );
  const archived = [
    {
      v: new Int32(2),
      key: { date: new Double(1) },
      name: 'date_1',
      expireAfterSeconds: Long.fromNumber(60),
    },
  ];
  const live = [{ v: 2, name: 'date_1', expireAfterSeconds: 60, key: { date: 1 } }];
  assert.deepEqual(compareIndexSpecs(archived, live), []);
});

test('key order matters, option order does not', () => {
  const a = [{ key: { type: 1, date: -1 }, name: 'i', unique: true, sparse: true }];
  assert.deepEqual(
    compareIndexSpecs(a, [{ name: 'i', sparse: true, unique: true, key: { type: 1, date: -1 } }]),
    [],
  );
  const swapped = compareIndexSpecs(a, [
    { key: { date: -1, type: 1 }, name: 'i', unique: true, sparse: true },
  ]);
  assert.deepEqual(
    swapped.map((d) => d.kind),
    ['different'],
  );
});

test('indexes are matched by name: missing, extra, different', () => {
  const source = [
    { key: { _id: 1 }, name: '_id_' },
    { key: { a: 1 }, name: 'a_1' },
    { key: { b: 1 }, name: 'b_1' },
  ];
  const target = [
    { key: { _id: 1 }, name: '_id_' },
    { key: { a: 1 }, name: 'a_1', unique: true },
    { key: { c: 1 }, name: 'c_1' },
  ];
  assert.deepEqual(
    compareIndexSpecs(source, target).map((d) => [d.name, d.kind]),
    [
      ['a_1', 'different'],
      ['b_1', 'missing'],
      ['c_1', 'extra'],
    ],
  );
});

test('collection options compare by meaning; the kind counts', () => {
  const capped = { capped: true, size: new Int32(4096), max: Long.fromNumber(10) };
  assert.equal(
    compareCollectionOptions(
      { type: 'collection', options: capped },
      { type: 'collection', options: { max: 10, size: 4096, capped: true } },
    ),
    undefined,
  );
  assert.ok(
    compareCollectionOptions(
      { type: 'collection', options: capped },
      { type: 'collection', options: {} },
    ),
  );
  assert.ok(
    compareCollectionOptions({ type: 'view', options: {} }, { type: 'collection', options: {} }),
  );
  assert.equal(
    compareCollectionOptions({ type: '', options: {} }, { type: 'collection', options: {} }),
    undefined,
  );
});
