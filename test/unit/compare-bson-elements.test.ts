import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  Binary,
  BSONRegExp,
  Code,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  serialize,
  Timestamp,
  UUID,
} from 'bson';

import {
  checkDocument,
  findInvalidUtf8,
  listElements,
  readIdElement,
} from '../../src/core/compare/bson-elements.js';

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

test('checkDocument accepts every well-formed value, however nested', () => {
  const doc = serialize({
    _id: new ObjectId(),
    s: 'text é',
    n: [new Int32(1), new Double(2.5), Long.fromNumber(3), null, true, false],
    deep: { a: { b: { c: [{ d: new Date(0) }] } } },
    bin: new Binary(Buffer.from('xyz'), 0x80),
    uuid: new UUID(),
    re: new BSONRegExp('^a', 'i'),
    code: new Code('f()', { x: 1 }),
    plain: new Code('g()'),
    ts: new Timestamp({ t: 1, i: 2 }),
    lo: new MinKey(),
    hi: new MaxKey(),
    empty: {},
  });
  assert.doesNotThrow(() => checkDocument(doc));
  assert.doesNotThrow(() => checkDocument(serialize({})));
});

test('checkDocument names what is wrong with damaged bytes', () => {
  const base = Buffer.from(serialize({ _id: 'x', s: 'abc', b: true, sub: { v: new Int32(1) } }));
  const damage = (edit: (bytes: Buffer) => void) => {
    const bytes = Buffer.from(base);
    edit(bytes);
    return bytes;
  };
  const at = (text: string) => base.indexOf(Buffer.from(`${text}\0`, 'latin1')) + text.length + 1;
  const cases: [string, Buffer, RegExp][] = [
    [
      'unknown type',
      damage((b) => {
        b[at('sub') + 4] = 0x99;
      }),
      /unknown element type 0x99/,
    ],
    ['string length too long', damage((b) => b.writeInt32LE(200, at('s'))), /string|past the end/],
    [
      'string without NUL',
      damage((b) => {
        b[at('s') + 4 + 3] = 0x41;
      }),
      /without its NUL/,
    ],
    [
      'boolean 2',
      damage((b) => {
        b[at('b')] = 2;
      }),
      /boolean/,
    ],
    ['outer length too short', damage((b) => b.writeInt32LE(base.length - 1, 0)), /past the end/],
    ['trailing bytes', Buffer.concat([base, Buffer.of(0)]), /bytes after the document/],
    ['truncated', base.subarray(0, base.length - 3), /length|end/],
    ['empty', Buffer.alloc(0), /shorter than 5 bytes|past the end/],
  ];
  for (const [label, bytes, message] of cases) {
    assert.throws(() => checkDocument(bytes), message, label);
  }
});

test('findInvalidUtf8 finds a bad string value or field name, nested too, and passes good text', () => {
  assert.equal(findInvalidUtf8(serialize({ a: 'café', b: { c: ['naïve', '日本'] } })), undefined);
  const inValue = Buffer.from(serialize({ a: 1, b: { c: ['ok', 'caf\u00e9'] } }));
  const at = inValue.indexOf(Buffer.from([0xc3, 0xa9]));
  inValue[at] = 0xff;
  const found = findInvalidUtf8(inValue);
  assert.ok(found !== undefined && found < at && found >= at - 8, `offset ${found} near ${at}`);
  const inName = Buffer.from(serialize({ ok: 1, 'n\u00e9': 2 }));
  const nameAt = inName.indexOf(Buffer.from([0xc3, 0xa9]));
  inName[nameAt + 1] = 0x41;
  assert.equal(findInvalidUtf8(inName), nameAt - 1);
});
