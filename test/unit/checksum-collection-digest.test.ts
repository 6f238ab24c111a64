import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';

import { serialize } from 'bson';

import { createCollectionDigest } from '../../src/core/checksum/collection-digest.js';

const DOCS = Array.from({ length: 50 }, (_, i) => Buffer.from(serialize({ _id: i, sgv: 80 + i })));

function digestOf(docs: Buffer[]): string {
  const digest = createCollectionDigest();
  for (const doc of docs) digest.add(doc);
  return digest.digest();
}

/** The sum computed independently, with BigInt. */
function expectedSum(docs: Buffer[]): string {
  let sum = 0n;
  for (const doc of docs) sum += BigInt(`0x${createHash('sha256').update(doc).digest('hex')}`);
  return (sum % 2n ** 256n).toString(16).padStart(64, '0');
}

test('is the count, the bytes and the sum mod 2^256 of each SHA-256', () => {
  const bytes = DOCS.reduce((n, doc) => n + doc.length, 0);
  assert.equal(digestOf(DOCS), `50:${bytes}:${expectedSum(DOCS)}`);
  assert.equal(digestOf([]), `0:0:${'0'.repeat(64)}`);
  const one = DOCS[0] as Buffer;
  const sha = createHash('sha256').update(one).digest('hex');
  assert.equal(digestOf([one]), `1:${one.length}:${sha}`);
});

test('is the same whatever order the documents arrive in', () => {
  const reversed = [...DOCS].reverse();
  const interleaved = [
    ...DOCS.filter((_, i) => i % 2 === 1),
    ...DOCS.filter((_, i) => i % 2 === 0),
  ];
  assert.equal(digestOf(reversed), digestOf(DOCS));
  assert.equal(digestOf(interleaved), digestOf(DOCS));
});

test('changes when a document is duplicated, dropped or altered', () => {
  const base = digestOf(DOCS);
  assert.notEqual(digestOf([...DOCS, DOCS[3] as Buffer]), base);
  assert.notEqual(digestOf(DOCS.slice(1)), base);
  const altered = DOCS.map((doc) => Buffer.from(doc));
  const seventh = altered[7] as Buffer;
  seventh.writeUInt8(seventh.readUInt8(10) ^ 1, 10);
  assert.notEqual(digestOf(altered), base);
});

test('merges digests computed apart, and restores from a snapshot', () => {
  const left = createCollectionDigest();
  const right = createCollectionDigest();
  for (const [i, doc] of DOCS.entries()) (i < 20 ? left : right).add(doc);
  left.merge(right);
  assert.equal(left.digest(), digestOf(DOCS));

  const snapshot = JSON.parse(JSON.stringify(left));
  assert.deepEqual(Object.keys(snapshot), ['count', 'bytes', 'sum']);
  const restored = createCollectionDigest(snapshot);
  assert.equal(restored.digest(), left.digest());
  const merged = createCollectionDigest();
  merged.merge(snapshot);
  assert.equal(merged.count, 50);
  assert.throws(() => createCollectionDigest({ count: 1, bytes: 1, sum: 'zz' }), TypeError);
});

test('wraps around at 2^256 like the independent computation', () => {
  const many = Array.from({ length: 300 }, (_, i) => Buffer.from(serialize({ i })));
  assert.equal(digestOf(many).split(':')[2], expectedSum(many));
});
