import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Binary, Double, Int32, Long, ObjectId, serialize, UUID } from 'bson';

import { listElements, readIdElement } from '../../src/core/compare/bson-elements.js';

test('readIdElement gives the type byte and the value bytes of _id', () => {
  const oid = new ObjectId('65f0c6d4e8b3a2c1d0e9f8a7');
  const id = readIdElement(serialize({ _id: oid, a: 1 }));
  assert.deepEqual(Buffer.from(id ?? []), Buffer.concat([Buffer.of(0x07), Buffer.from(oid.id)]));
});

test('readIdElement tells Int32 1 from Double 1.0 and Int64 1', () => {
  const ids = [new Int32(1), new Double(1), Long.fromNumber(1)].map((v) =>
    Buffer.from(readIdElement(serialize({ _id: v })) ?? []).toString('hex'),
  );
  assert.equal(new Set(ids).size, 3);
});

test('readIdElement finds _id where it is not the first field', () => {
  const id = readIdElement(serialize({ a: { _id: 'inner' }, list: [1, 2], _id: 'outer' }));
  assert.deepEqual(
    Buffer.from(id ?? [])
      .subarray(5, -1)
      .toString(),
    'outer',
  );
});

test('readIdElement returns undefined without _id', () => {
  assert.equal(readIdElement(serialize({ a: 1 })), undefined);
});

test('listElements walks every BSON type', () => {
  const doc = Buffer.from(
    serialize({
      s: 'x',
      d: new Double(2.5),
      o: { n: null },
      a: [true, new Date(0)],
      b: new Binary(Buffer.from('ab'), 0),
      u: new UUID(),
      r: /ab+c/i,
      l: Long.fromNumber(5),
      i: new Int32(3),
      oid: new ObjectId(),
    }),
  );
  const names = listElements(doc).map((e) => doc.toString('utf8', e.nameStart, e.nameEnd));
  assert.deepEqual(names, ['s', 'd', 'o', 'a', 'b', 'u', 'r', 'l', 'i', 'oid']);
});

test('a truncated document is refused', () => {
  const doc = Buffer.from(serialize({ s: 'hello world' }));
  doc.writeInt32LE(100, 4 + 1 + 2);
  assert.throws(() => listElements(doc), /malformed BSON/);
});
