import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Binary, Decimal128, Double, Int32, Long, ObjectId, UUID } from 'bson';
import { describeInsertId } from '../../src/adapters/mongo/raw-insert.js';
import { idToExtendedJson } from '../../src/core/compare/id-format.js';
import { idBytesOfExtendedJson, idBytesOfValue } from '../../src/ops/migrate/ids.js';

const values = [
  new ObjectId('5f1e0000000000000000000a'),
  'text',
  new Int32(7),
  new Double(7),
  Long.fromNumber(7),
  Decimal128.fromString('7.0'),
  new UUID('f1e2d3c4-b5a6-4789-8abc-def012345678'),
  new Binary(Buffer.from('raw'), 0),
  new Date(-86_400_000),
  { a: new Int32(1), b: 'x' },
  null,
  true,
];

test('an _id survives bytes → Extended JSON → bytes with its type', () => {
  for (const value of values) {
    const bytes = idBytesOfValue(value);
    const back = idBytesOfExtendedJson(idToExtendedJson(bytes));
    assert.deepEqual(Buffer.from(back), Buffer.from(bytes), String(value));
  }
  assert.notDeepEqual(
    Buffer.from(idBytesOfValue(new Int32(7))),
    Buffer.from(idBytesOfValue(new Double(7))),
  );
});

test('insert failures are traced back by the _id text the raw insert reports', () => {
  assert.equal(
    describeInsertId(idBytesOfValue(new ObjectId('5f1e0000000000000000000a'))),
    '"5f1e0000000000000000000a"',
  );
  assert.equal(describeInsertId(idBytesOfValue('abc')), '"abc"');
  assert.equal(describeInsertId(idBytesOfValue(new Int32(3))), '3');
  assert.equal(describeInsertId(undefined), '(no _id)');
});
