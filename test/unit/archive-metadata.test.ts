import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Binary, Double, EJSON, Int32, Long, UUID } from 'bson';

import {
  buildCollectionMetadata,
  parseCollectionMetadata,
} from '../../src/core/archive/metadata.js';
import { isNsctlError } from '../../src/core/errors.js';

const ENTRIES = {
  collectionName: 'entries',
  type: 'collection',
  options: { validator: { sgv: { $gte: new Int32(0) } }, validationLevel: 'moderate' },
  indexes: [
    { v: new Int32(2), key: { _id: new Int32(1) }, name: '_id_' },
    { v: new Int32(2), key: { date: new Int32(-1), type: new Int32(1) }, name: 'date_-1_type_1' },
    {
      v: new Int32(2),
      key: { created_at: new Double(1) },
      name: 'ttl',
      expireAfterSeconds: Long.fromNumber(7776000),
    },
  ],
  uuid: new UUID('3f0a2b4c-5d6e-4f70-8192-a3b4c5d6e7f8'),
};

test('writes fields in mongodump order, numbers in canonical Extended JSON', () => {
  const text = buildCollectionMetadata(ENTRIES);
  assert.deepEqual(Object.keys(JSON.parse(text)), [
    'options',
    'indexes',
    'uuid',
    'collectionName',
    'type',
  ]);
  assert.match(text, /"uuid":"3f0a2b4c5d6e4f708192a3b4c5d6e7f8"/);
  assert.match(text, /"key":\{"created_at":\{"\$numberDouble":"1\.0"\}\}/);
  assert.match(text, /"expireAfterSeconds":\{"\$numberLong":"7776000"\}/);
});

test('leaves out empty options, unknown UUIDs and types, never the indexes array', () => {
  const text = buildCollectionMetadata({ collectionName: 'food', options: {}, type: '' });
  assert.equal(text, '{"indexes":[],"collectionName":"food"}');
  const legacy = new Binary(Buffer.alloc(16, 1), 3);
  assert.equal(buildCollectionMetadata({ collectionName: 'food', uuid: legacy }), text);
  assert.throws(() => buildCollectionMetadata({ collectionName: 'food', uuid: 'abc' }), TypeError);
});

test('describes a view the way mongodump does', () => {
  const text = buildCollectionMetadata({
    collectionName: 'recent',
    type: 'view',
    options: { viewOn: 'entries', pipeline: [{ $match: { type: 'sgv' } }] },
  });
  assert.equal(
    text,
    '{"options":{"viewOn":"entries","pipeline":[{"$match":{"type":"sgv"}}]},"indexes":[],"collectionName":"recent","type":"view"}',
  );
});

test('parses back to values that build the same text', () => {
  const text = buildCollectionMetadata(ENTRIES);
  const parsed = parseCollectionMetadata(text);
  assert.equal(parsed.collectionName, 'entries');
  assert.equal(parsed.uuid, '3f0a2b4c5d6e4f708192a3b4c5d6e7f8');
  assert.ok(parsed.indexes[0]?.v instanceof Int32);
  assert.equal(buildCollectionMetadata(parsed), text);
  assert.deepEqual(
    EJSON.parse(text, { relaxed: false }),
    EJSON.parse(buildCollectionMetadata(parsed), { relaxed: false }),
  );
});

test('accepts metadata of old mongodumps that lack fields', () => {
  assert.deepEqual(parseCollectionMetadata('{"indexes":[]}'), { indexes: [], collectionName: '' });
});

test('refuses text that is not collection metadata, naming where it came from', () => {
  for (const [text, pattern] of [
    ['{"indexes":[', /not valid Extended JSON/],
    ['[1,2]', /not a JSON object/],
    ['{"indexes":{"$numberInt":"1"}}', /`indexes` that is not an array/],
    ['{"indexes":[],"options":{"$numberInt":"1"}}', /`options` that is not an object/],
    ['{"indexes":[],"collectionName":5}', /`collectionName` that is not a string/],
  ] as const) {
    assert.throws(
      () => parseCollectionMetadata(text, 'dump/ns/entries.metadata.json'),
      (error: unknown) =>
        isNsctlError(error) &&
        error.code === 'ARCHIVE_CORRUPT' &&
        error.where === 'dump/ns/entries.metadata.json' &&
        pattern.test(error.message),
      text,
    );
  }
});
