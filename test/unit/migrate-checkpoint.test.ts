import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { ObjectId } from 'bson';

import { NsctlError } from '../../src/core/errors.js';
import {
  alignCollections,
  createCheckpoint,
  decodeStoredId,
  describeMismatch,
  encodeId,
  parseCheckpoint,
} from '../../src/core/migrate/checkpoint.js';
import { createCheckpointStore, readCheckpoint } from '../../src/ops/migrate/checkpoint.js';
import { idBytesOfValue } from '../../src/ops/migrate/ids.js';

const identity = {
  source: { kind: 'mongodb', description: 'mongodb://user:***@atlas.example.net/nightscout' },
  target: { description: 'mongodb://127.0.0.1:27017/nightscout', database: 'nightscout' },
  paging: 'id-order' as const,
};

test('a state file round-trips, keeping any _id type exactly', () => {
  const state = createCheckpoint(
    identity,
    ['entries', 'treatments'],
    new Date('2026-12-01T00:00:00Z'),
  );
  const id = idBytesOfValue(new ObjectId('5f1e0000000000000000000a'));
  const entries = state.collections[0];
  assert.ok(entries);
  entries.lastId = encodeId(id);
  entries.documents = 1000;
  const back = parseCheckpoint(JSON.stringify(state), 'state.json');
  assert.deepEqual(back, state);
  assert.deepEqual(Buffer.from(decodeStoredId(back.collections[0]?.lastId ?? '')), Buffer.from(id));
});

test('a file that is not a state file is refused with its path', () => {
  for (const text of ['not json', '{"format":"something else"}', '{}']) {
    assert.throws(
      () => parseCheckpoint(text, '/x/state.json'),
      (error: unknown) => error instanceof NsctlError && error.where === '/x/state.json',
    );
  }
});

test('a state file of another source, target or reading order cannot resume', () => {
  const state = createCheckpoint(identity, ['entries'], new Date());
  assert.equal(describeMismatch(state, identity), undefined);
  const other = { ...identity, source: { kind: 'mongodb', description: 'mongodb://elsewhere/ns' } };
  assert.match(describeMismatch(state, other) ?? '', /for source mongodb:\/\/user/);
  assert.match(describeMismatch(state, { ...identity, paging: 'natural' }) ?? '', /id-order order/);
});

test('resuming keeps the state of known collections and adds new ones', () => {
  const state = createCheckpoint(identity, ['entries'], new Date());
  (state.collections[0] as { documents: number }).documents = 5;
  const aligned = alignCollections(state, ['entries', 'food']);
  assert.deepEqual(
    aligned.collections.map((c) => [c.name, c.documents, c.state]),
    [
      ['entries', 5, 'pending'],
      ['food', 0, 'pending'],
    ],
  );
});

test('the store writes atomically, coalesces saves and reads back what it wrote', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nsctl-state-'));
  const path = join(dir, 'sub', 'migrate.state.json');
  assert.equal(await readCheckpoint(path), undefined);
  const state = createCheckpoint(identity, ['entries'], new Date());
  const store = createCheckpointStore(path, state);
  for (let i = 1; i <= 50; i++) {
    (state.collections[0] as { documents: number }).documents = i;
    store.save();
  }
  await store.flush();
  const back = await readCheckpoint(path);
  assert.equal(back?.collections[0]?.documents, 50);
  assert.deepEqual(await readdir(join(dir, 'sub')), ['migrate.state.json']);
  await writeFile(path, '{"torn":');
  await assert.rejects(readCheckpoint(path), NsctlError);
  assert.match(await readFile(path, 'utf8'), /torn/);
});

test('a state file that is not JSON or not a state file is MIGRATE_STATE_INVALID, naming the file', () => {
  for (const text of ['{"collections": [', '{"hello": "world"}', '[]']) {
    assert.throws(
      () => parseCheckpoint(text, '/tmp/x.state.json'),
      (error: unknown) =>
        error instanceof NsctlError &&
        error.code === 'MIGRATE_STATE_INVALID' &&
        error.message.startsWith('/tmp/x.state.json ') &&
        /--state/.test(error.hint),
    );
  }
});
