/**
 * Each way an archive can be damaged or cut short must end in one NsctlError
 * that names the problem and the byte offset where it was found.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { type Document, Int32, Long, serialize } from 'bson';

import { type ArchiveEvent, createArchiveParser } from '../../src/core/archive/archive-parser.js';
import { computeCrc64 } from '../../src/core/archive/crc64.js';
import { isNsctlError } from '../../src/core/errors.js';

const MAGIC = Buffer.from([0x6d, 0xe2, 0x99, 0x81]);
const TERMINATOR = Buffer.from([0xff, 0xff, 0xff, 0xff]);
const bson = (doc: Document) => Buffer.from(serialize(doc));
const DOC_A = bson({ _id: 1, sgv: 120 });
const DOC_B = bson({ _id: 2, sgv: 95 });

function prelude(names: string[], metadata = ''): Buffer {
  const header = bson({
    concurrent_collections: new Int32(1),
    version: '0.1',
    server_version: '7.0.14',
    tool_version: 'test',
  });
  const entries = names.map((collection) =>
    bson({ db: 'ns', collection, metadata, size: new Int32(0), type: 'collection' }),
  );
  return Buffer.concat([MAGIC, header, ...entries, TERMINATOR]);
}

function open(collection: string): Buffer {
  return bson({ db: 'ns', collection, EOF: false, CRC: Long.ZERO });
}

function close(collection: string, docs: Buffer[], crc?: bigint): Buffer {
  const value = crc ?? BigInt.asIntN(64, computeCrc64(Buffer.concat(docs)));
  return Buffer.concat([
    bson({ db: 'ns', collection, EOF: true, CRC: Long.fromBigInt(value) }),
    TERMINATOR,
  ]);
}

const VALID = Buffer.concat([
  prelude(['entries']),
  open('entries'),
  DOC_A,
  DOC_B,
  TERMINATOR,
  close('entries', [DOC_A, DOC_B]),
]);

function parse(bytes: Buffer, options = {}): ArchiveEvent[] {
  const parser = createArchiveParser(options);
  const events = parser.push(bytes);
  parser.end();
  return events;
}

function assertFails(bytes: Buffer, code: string, pattern: RegExp, offset?: number): void {
  assert.throws(
    () => parse(bytes),
    (error: unknown) => {
      assert.ok(isNsctlError(error), `not an NsctlError: ${error}`);
      assert.equal(error.code, code);
      assert.match(error.message, pattern);
      if (offset !== undefined) assert.equal(error.details?.offset, offset);
      return true;
    },
  );
}

test('the valid archive of these tests reads cleanly', () => {
  assert.equal(parse(VALID).length, 4);
});

test('refuses bytes that do not start with the magic number', () => {
  assertFails(Buffer.from('not an archive at all'), 'ARCHIVE_CORRUPT', /magic number/, 0);
});

test('reports an empty input as truncated', () => {
  assertFails(Buffer.alloc(0), 'ARCHIVE_TRUNCATED', /empty/, 0);
});

test('reports an input cut inside a document as truncated, at its end', () => {
  const cut = VALID.subarray(0, VALID.length - 30);
  assertFails(cut, 'ARCHIVE_TRUNCATED', /stops inside/, cut.length);
});

test('reports an input cut between blocks as truncated, naming the open namespace', () => {
  const cut = VALID.subarray(0, VALID.length - close('entries', [DOC_A, DOC_B]).length);
  assertFails(cut, 'ARCHIVE_TRUNCATED', /before the end of ns\.entries/);
});

test('refuses a CRC that does not match the documents', () => {
  const damaged = Buffer.from(VALID);
  const at = VALID.indexOf(DOC_B) + DOC_B.length - 2;
  damaged[at] = (damaged[at] as number) ^ 0x01;
  assertFails(damaged, 'ARCHIVE_CORRUPT', /CRC of ns\.entries/);
});

test('reports a CRC mismatch as data when asked to', () => {
  const bad = Buffer.concat([
    prelude(['entries']),
    open('entries'),
    DOC_A,
    TERMINATOR,
    close('entries', [], 42n),
  ]);
  const end = parse(bad, { crcMismatch: 'report' }).at(-1);
  assert.ok(end?.kind === 'namespace-end');
  assert.equal(end.crcOk, false);
  assert.equal(end.crc, 42n);
});

test('refuses a length that is neither a BSON document nor a terminator', () => {
  const start = prelude(['entries']).length + open('entries').length;
  const damaged = Buffer.from(VALID);
  damaged.writeInt32LE(3, start);
  assertFails(damaged, 'ARCHIVE_CORRUPT', /3 is neither/, start);
  damaged.writeInt32LE(64 * 1024 * 1024, start);
  assertFails(damaged, 'ARCHIVE_CORRUPT', /67108864 is neither/, start);
});

test('refuses a document that does not end with a zero byte', () => {
  const damaged = Buffer.from(VALID);
  const at = VALID.indexOf(DOC_A);
  damaged[at + DOC_A.length - 1] = 7;
  assertFails(damaged, 'ARCHIVE_CORRUPT', /zero byte/, at);
});

test('refuses a namespace the prelude does not list', () => {
  const bad = Buffer.concat([prelude(['entries']), open('secrets'), DOC_A, TERMINATOR]);
  assertFails(bad, 'ARCHIVE_CORRUPT', /ns\.secrets is not listed/, prelude(['entries']).length);
});

test('refuses documents after the end of their namespace', () => {
  const bad = Buffer.concat([prelude(['entries']), close('entries', []).subarray(0, -4), DOC_A]);
  assertFails(bad, 'ARCHIVE_CORRUPT', /follows the end/);
});

test('refuses a namespace that continues after its end', () => {
  const bad = Buffer.concat([
    prelude(['entries']),
    close('entries', []),
    open('entries'),
    DOC_A,
    TERMINATOR,
  ]);
  assertFails(bad, 'ARCHIVE_CORRUPT', /continues after its end/);
});

test('refuses two terminators in a row', () => {
  const bad = Buffer.concat([prelude(['entries']), TERMINATOR]);
  assertFails(bad, 'ARCHIVE_CORRUPT', /terminator follows another/);
});

test('refuses header documents whose fields have the wrong types', () => {
  const badHeader = bson({ db: 'ns', collection: 'entries', EOF: 'yes', CRC: Long.ZERO });
  assertFails(
    Buffer.concat([prelude(['entries']), badHeader]),
    'ARCHIVE_CORRUPT',
    /EOF is not a boolean/,
  );
  const badPrelude = Buffer.concat([MAGIC, bson({ version: 1 }), TERMINATOR]);
  assertFails(badPrelude, 'ARCHIVE_CORRUPT', /archive header does not decode/, 4);
});

test('refuses a prelude that lists a namespace twice or carries broken metadata', () => {
  assertFails(prelude(['entries', 'entries']), 'ARCHIVE_CORRUPT', /lists ns\.entries twice/);
  assertFails(prelude(['entries'], '{"indexes": ['), 'ARCHIVE_CORRUPT', /metadata of ns\.entries/);
});

test('names the archive label in the message and keeps failing after a failure', () => {
  const parser = createArchiveParser({ label: 'archive nightly.archive' });
  assert.throws(
    () => parser.push(Buffer.from('garbage!')),
    /archive nightly\.archive is damaged at byte 0/,
  );
  assert.throws(() => parser.push(VALID), /magic number/);
  assert.throws(() => parser.end(), /magic number/);
});
