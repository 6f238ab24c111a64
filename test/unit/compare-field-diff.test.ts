import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Binary, Double, Int32, ObjectId, serialize, UUID } from 'bson';

import { readIdElement } from '../../src/core/compare/bson-elements.js';
import { fingerprintDocument } from '../../src/core/compare/document-fingerprint.js';
import { diffDocumentFields } from '../../src/core/compare/field-diff.js';
import { decodeId, formatId, idToExtendedJson } from '../../src/core/compare/id-format.js';

test('field differences name paths, type changes, removals, additions and order', () => {
  const source = serialize({
    _id: 1,
    sgv: new Int32(120),
    nested: { a: 1, b: 'x' },
    gone: true,
    p: 1,
    q: 2,
  });
  const target = serialize({
    _id: 1,
    sgv: new Double(120),
    nested: { a: 1, b: 'y' },
    q: 2,
    p: 1,
    added: null,
  });
  const diff = diffDocumentFields(source, target);
  assert.deepEqual(diff.changed, [
    { path: 'sgv', sourceType: 'int', targetType: 'double' },
    { path: 'nested.b', sourceType: 'string', targetType: 'string' },
  ]);
  assert.deepEqual(diff.removed, ['gone']);
  assert.deepEqual(diff.added, ['added']);
  assert.deepEqual(diff.reordered, ['(top level)']);
});

test('identical documents have no field differences', () => {
  const doc = serialize({ _id: new ObjectId(), a: [1, { b: 2 }] });
  assert.deepEqual(diffDocumentFields(doc, doc), {
    changed: [],
    removed: [],
    added: [],
    reordered: [],
  });
});

const idOf = (value: unknown) => readIdElement(serialize({ _id: value })) as Uint8Array;

test('ids read back with their types and print readably', () => {
  const oid = new ObjectId('65f0c6d4e8b3a2c1d0e9f8a7');
  const uuid = new UUID('0e0f4d6a-1c7b-4a39-9b1e-2f6d3c4b5a69');
  assert.equal(formatId(idOf(oid)), "ObjectId('65f0c6d4e8b3a2c1d0e9f8a7')");
  assert.equal(formatId(idOf('abc')), '"abc"');
  assert.equal(formatId(idOf(new Int32(42))), '42');
  assert.equal(formatId(idOf(uuid)), "UUID('0e0f4d6a-1c7b-4a39-9b1e-2f6d3c4b5a69')");
  assert.equal(formatId(idOf(new Double(42))), '{"$numberDouble":"42.0"}');
  assert.deepEqual(idToExtendedJson(idOf(new Int32(7))), { $numberInt: '7' });
  assert.deepEqual(idToExtendedJson(idOf(oid)), { $oid: '65f0c6d4e8b3a2c1d0e9f8a7' });
  assert.ok((decodeId(idOf(new Binary(Buffer.from('x'), 0))) as Binary).buffer);
});

test('a document without _id has a stable stand-in id', () => {
  const print = fingerprintDocument(serialize({ a: 1 }));
  assert.equal(formatId(print.id), '(no _id)');
  assert.equal(idToExtendedJson(print.id), null);
});
