import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Double, deserialize, Int32, serialize } from 'bson';

import { fingerprintDocument } from '../../src/core/compare/document-fingerprint.js';
import { sortFieldsDeep } from '../../src/core/compare/sorted-fields.js';

test('documents that differ only in field order sort to the same bytes', () => {
  const a = serialize({ _id: 1, b: 2, a: { y: 1, x: [{ q: 1, p: 2 }] } });
  const b = serialize({ a: { x: [{ p: 2, q: 1 }], y: 1 }, _id: 1, b: 2 });
  assert.notDeepEqual(a, b);
  assert.deepEqual(sortFieldsDeep(a), sortFieldsDeep(b));
});

test('sorting keeps array order and every value', () => {
  const sorted = sortFieldsDeep(serialize({ z: [3, 1, 2], a: 'x', m: { c: 1, b: null } }));
  assert.deepEqual(deserialize(sorted), { a: 'x', m: { b: null, c: 1 }, z: [3, 1, 2] });
  assert.deepEqual(Object.keys(deserialize(sorted)), ['a', 'm', 'z']);
});

test('types still count when field order is ignored', () => {
  const int = fingerprintDocument(serialize({ _id: 1, v: new Int32(5) }), {
    ignoreFieldOrder: true,
  });
  const dbl = fingerprintDocument(serialize({ _id: 1, v: new Double(5) }), {
    ignoreFieldOrder: true,
  });
  assert.notDeepEqual(int.hash, dbl.hash);
});

test('field order counts by default and not with ignoreFieldOrder', () => {
  const a = serialize({ _id: 'x', p: 1, q: 2 });
  const b = serialize({ _id: 'x', q: 2, p: 1 });
  assert.notDeepEqual(fingerprintDocument(a).hash, fingerprintDocument(b).hash);
  const options = { ignoreFieldOrder: true };
  assert.deepEqual(fingerprintDocument(a, options).hash, fingerprintDocument(b, options).hash);
});
