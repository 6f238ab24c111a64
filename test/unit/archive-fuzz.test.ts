/**
 * Damage at random: every prefix of a valid archive and thousands of
 * randomly damaged copies, fed in random chunk sizes. Each must end either in
 * a clean read of exactly the original documents or in an NsctlError with an
 * archive code; never another exception, never a hang.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { serialize } from 'bson';

import { createArchiveParser } from '../../src/core/archive/archive-parser.js';
import { buildCollectionMetadata } from '../../src/core/archive/metadata.js';
import { createArchiveWriter } from '../../src/core/archive/writer.js';
import { isNsctlError } from '../../src/core/errors.js';

/** mulberry32: a small seeded PRNG so that any failure can be replayed. */
function createRandom(seed: number): (below: number) => number {
  let state = seed >>> 0;
  return (below) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * below);
  };
}

async function buildArchive(): Promise<{ archive: Buffer; documents: string[] }> {
  const names = ['entries', 'treatments', 'empty'];
  const writer = createArchiveWriter({
    header: { serverVersion: '7.0.14', toolVersion: 'fuzz', concurrentCollections: 2 },
    collections: names.map((collection) => ({
      db: 'ns',
      collection,
      metadata: buildCollectionMetadata({
        collectionName: collection,
        indexes: [{ v: 2, key: { _id: 1 }, name: '_id_' }],
      }),
    })),
  });
  const documents: string[] = [];
  const entries = writer.namespace('ns', 'entries');
  const treatments = writer.namespace('ns', 'treatments');
  for (let i = 0; i < 6; i++) {
    const doc = Buffer.from(serialize({ _id: i, sgv: 90 + i, note: 'n'.repeat(i * 3) }));
    documents.push(`${i % 2 === 0 ? 'entries' : 'treatments'} ${doc.toString('hex')}`);
    await (i % 2 === 0 ? entries : treatments).write(doc);
  }
  treatments.end();
  writer.namespace('ns', 'empty').end();
  entries.end();
  writer.finish();
  const chunks: Buffer[] = [];
  for await (const chunk of writer.stream) chunks.push(chunk);
  return { archive: Buffer.concat(chunks), documents };
}

type Outcome = { documents: string[] } | { code: string };

function parseInChunks(bytes: Buffer, random: (below: number) => number): Outcome {
  const parser = createArchiveParser();
  const documents: string[] = [];
  try {
    for (let at = 0; at < bytes.length; ) {
      const size = 1 + random(64);
      for (const event of parser.push(bytes.subarray(at, at + size))) {
        if (event.kind === 'document')
          documents.push(`${event.collection} ${event.document.toString('hex')}`);
      }
      at += size;
    }
    parser.end();
    return { documents };
  } catch (error) {
    if (!isNsctlError(error)) throw error;
    return { code: error.code };
  }
}

function damage(bytes: Buffer, random: (below: number) => number): Buffer {
  const copy = Buffer.from(bytes);
  const kind = random(4);
  if (kind === 3) {
    const at = random(copy.length);
    return Buffer.concat([copy.subarray(0, at), copy.subarray(at + 1 + random(8))]);
  }
  const flips = 1 + random(3);
  for (let i = 0; i < flips; i++) {
    const at = random(copy.length);
    copy[at] = kind === 2 ? random(256) : (copy[at] as number) ^ (1 << random(8));
  }
  return copy;
}

test('every prefix of a valid archive reads as truncated', async () => {
  const { archive } = await buildArchive();
  const random = createRandom(1);
  for (let length = 0; length < archive.length; length++) {
    const outcome = parseInChunks(archive.subarray(0, length), random);
    assert.deepEqual(outcome, { code: 'ARCHIVE_TRUNCATED' }, `prefix of ${length} bytes`);
  }
  assert.equal((parseInChunks(archive, random) as { documents: string[] }).documents.length, 6);
});

test('random bit flips, byte changes and deletions end cleanly or in an archive error', async () => {
  const { archive, documents } = await buildArchive();
  const random = createRandom(20_240_601);
  const seen = { clean: 0, ARCHIVE_CORRUPT: 0, ARCHIVE_TRUNCATED: 0 };
  for (let round = 0; round < 4000; round++) {
    const outcome = parseInChunks(damage(archive, random), random);
    if ('documents' in outcome) {
      assert.deepEqual(outcome.documents, documents, `round ${round} read altered documents`);
      seen.clean++;
    } else {
      assert.ok(outcome.code in seen, `round ${round}: ${outcome.code}`);
      seen[outcome.code as keyof typeof seen]++;
    }
  }
  assert.ok(seen.ARCHIVE_CORRUPT > 0 && seen.ARCHIVE_TRUNCATED > 0, JSON.stringify(seen));
});
