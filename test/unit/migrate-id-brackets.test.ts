import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Binary, Double, Int32, Long, MaxKey, MinKey, ObjectId } from 'bson';

import {
  advanceCursor,
  bracketOfId,
  ID_BRACKETS,
  pageFilter,
  resumeCursor,
} from '../../src/core/migrate/id-brackets.js';
import { idBytesOfValue } from '../../src/ops/migrate/ids.js';

const bracketName = (value: unknown) => ID_BRACKETS[bracketOfId(idBytesOfValue(value))]?.name;

test('every _id type falls into the bracket MongoDB sorts it in', () => {
  assert.equal(bracketName(new MinKey()), 'minKey');
  assert.equal(bracketName(null), 'null');
  for (const n of [new Int32(1), new Double(1.5), Long.fromNumber(7)])
    assert.equal(bracketName(n), 'number');
  assert.equal(bracketName('abc'), 'string');
  assert.equal(bracketName({ a: 1 }), 'object');
  assert.equal(bracketName(new Binary(Buffer.alloc(16), 4)), 'binData');
  assert.equal(bracketName(new ObjectId()), 'objectId');
  assert.equal(bracketName(true), 'bool');
  assert.equal(bracketName(new Date(0)), 'date');
  assert.equal(bracketName(new MaxKey()), 'maxKey');
});

test('the first page of a bracket selects it by $type; later pages continue with $gt', () => {
  assert.deepEqual(pageFilter({ bracket: 3 }), { _id: { $type: ['string'] } });
  const last = idBytesOfValue('m');
  assert.deepEqual(pageFilter({ bracket: 3, lastId: last }), { _id: { $gt: 'm' } });
  const filter = pageFilter({ bracket: 2, lastId: idBytesOfValue(new Int32(5)) });
  assert.ok((filter._id.$gt as Int32).value === 5 && filter._id.$gt instanceof Int32);
});

test('after a NaN _id the rest of the numbers are selected with $gte -Infinity', () => {
  const filter = pageFilter({ bracket: 2, lastId: idBytesOfValue(new Double(Number.NaN)) });
  assert.deepEqual(filter, { _id: { $type: ['number'], $gte: -Infinity } });
});

test('a short page moves to the next bracket; the last bracket ends the collection', () => {
  const id = idBytesOfValue(new ObjectId());
  assert.deepEqual(advanceCursor({ bracket: 6 }, id, false), { bracket: 6, lastId: id });
  assert.deepEqual(advanceCursor({ bracket: 6, lastId: id }, id, true), { bracket: 7 });
  assert.equal(advanceCursor({ bracket: ID_BRACKETS.length - 1 }, undefined, true), undefined);
});

test('resuming starts in the bracket of the last _id, after it', () => {
  const id = idBytesOfValue('x');
  assert.deepEqual(resumeCursor(id), { bracket: 3, lastId: id });
  assert.deepEqual(resumeCursor(undefined), { bracket: 0 });
});
