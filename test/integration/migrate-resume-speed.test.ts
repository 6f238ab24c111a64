/**
 * What a resumed copy costs, by the queries it sends: a resumed batch is
 * inserted without looking anything up, a batch the target already half
 * holds (a crash between its write and its state) is looked up in one
 * `$in` query, never one `_id` at a time (FerretDB scans the collection
 * for each), and a resumed read yields only what was not copied.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { CommandStartedEvent, Document } from 'mongodb';

import { connectMongo } from '../../src/adapters/mongo/connect.js';
import { readIdElement } from '../../src/core/compare/bson-elements.js';
import { createCollectionState } from '../../src/core/migrate/checkpoint.js';
import { createProgress, type ProgressEvent, silentProgress } from '../../src/core/progress.js';
import { type CopyContext, createBatchWriter } from '../../src/ops/migrate/batch-writer.js';
import { createFailureLedger } from '../../src/ops/migrate/failure-ledger.js';
import { createLiveConnection } from '../../src/ops/migrate/live-connection.js';
import { createMongoSource } from '../../src/ops/migrate/mongo-source.js';
import { createRateLimiter } from '../../src/ops/migrate/rate-limiter.js';
import { createTargetWriter } from '../../src/ops/migrate/target-writer.js';
import { openTestDatabase } from '../helpers/db.js';

const t = await openTestDatabase(import.meta.url);
const DOCS = 120;
await t.db
  .collection('devicestatus')
  .insertMany(Array.from({ length: DOCS }, (_, i) => ({ i, device: 'loop' })));

const monitored = await connectMongo({ uri: t.dbUri }, { driver: { monitorCommands: true } });
const commands: CommandStartedEvent[] = [];
monitored.client.on('commandStarted', (event) => commands.push(event));
test.after(() => monitored.close());

async function sourceDocs(): Promise<Buffer[]> {
  const docs = await t.db.collection('devicestatus').find({}, { raw: true }).toArray();
  return docs as unknown as Buffer[];
}

const NO_RETRY = { retries: 0, baseDelayMs: 1, maxDelayMs: 1 };
const sent = (name: string) => commands.filter((c) => c.commandName === name);

function copyContext(events: ProgressEvent[] = [], watch = false): CopyContext {
  return {
    writer: createTargetWriter(() => monitored.db, t.isFerretDB),
    store: { path: '', state: {} as never, save() {}, flush: async () => {} },
    limiter: createRateLimiter(undefined),
    retry: { policy: NO_RETRY },
    batchSize: 1000,
    batchBytes: 1 << 23,
    progress: watch ? createProgress((e) => events.push(e)) : silentProgress,
    overall: { add() {} },
    failures: createFailureLedger(),
    timings: new Map(),
    copied: new Map(),
  };
}

function resumedState(name: string, documents: number) {
  return { ...createCollectionState(name), state: 'copying' as const, documents };
}

test('a resumed batch the target does not hold is inserted with no lookup', async () => {
  const [target, docs] = [`resume_fresh`, await sourceDocs()];
  const events: ProgressEvent[] = [];
  const ctx = copyContext(events, true);
  const writer = createBatchWriter(
    ctx,
    { name: target, type: 'collection', options: {}, indexes: [], documents: DOCS + 40 },
    resumedState(target, 40),
  );
  commands.length = 0;
  await writer.write(docs);
  assert.equal(sent('insert').length, 1);
  assert.equal(sent('find').length, 0, 'no _id lookups for a batch the target does not hold');
  assert.equal(ctx.copied.get(target), DOCS);
  // Progress of a resumed collection counts this run's documents against what is left.
  const last = events.at(-1) as ProgressEvent;
  assert.equal(last.label, `${target} after 40`);
  assert.deepEqual([last.done, last.total], [DOCS, DOCS]);
});

test('a resumed batch the target half holds is looked up in one $in query', async () => {
  const [target, docs] = ['resume_half', await sourceDocs()];
  // As after kill -9 between a batch's write and its state: the first half is there.
  const half = await t.db
    .collection('devicestatus')
    .find()
    .limit(DOCS / 2)
    .toArray();
  await t.db.collection(target).insertMany(half);
  const ctx = copyContext();
  const writer = createBatchWriter(
    ctx,
    { name: target, type: 'collection', options: {}, indexes: [] },
    resumedState(target, 0),
  );
  commands.length = 0;
  await writer.write(docs);
  const finds = sent('find');
  assert.equal(finds.length, 1, 'one lookup for the whole batch, not one per _id');
  const filter = finds[0]?.command.filter as Document;
  assert.equal(filter._id.$in.length, DOCS / 2, 'only the duplicates are looked up');
  assert.equal(ctx.copied.get(target), DOCS / 2);
  assert.equal(await t.db.collection(target).countDocuments(), DOCS);
});

for (const paging of ['natural', 'id-order'] as const) {
  test(`a resumed ${paging} read yields only the documents after the last one copied`, async () => {
    const live = createLiveConnection(monitored, { uri: t.dbUri }, {});
    const source = createMongoSource(
      live,
      { uri: t.dbUri },
      { version: '7.0', isFerretDB: t.isFerretDB, supportsChangeStreams: false },
      { pageSize: 50, pageBytes: 1 << 20, retry: { policy: NO_RETRY }, paging },
    );
    const order = paging === 'natural' ? await sourceDocs() : await sortedById();
    const last = order[69] as Buffer;
    commands.length = 0;
    const read = source.readCollection?.(
      'devicestatus',
      { documents: 70, lastId: readIdElement(last) as Uint8Array },
      undefined,
    );
    const got: Buffer[] = [];
    for await (const doc of read ?? []) got.push(doc);
    assert.deepEqual(got, order.slice(70));
    const first = sent('find')[0]?.command ?? {};
    if (paging === 'id-order') assert.ok(first.filter._id.$gt, 'an _id range, not a reread');
    else assert.equal(sent('find').length, 1, 'one pass over the collection');
  });
}

async function sortedById(): Promise<Buffer[]> {
  const docs = await t.db.collection('devicestatus').find({}, { raw: true, sort: { _id: 1 } });
  return (await docs.toArray()) as unknown as Buffer[];
}
