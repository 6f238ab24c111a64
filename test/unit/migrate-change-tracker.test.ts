import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Double, Int32, ObjectId } from 'bson';
import type { Document } from 'mongodb';

import { ChangeTracker, captureFrom } from '../../src/ops/migrate/change-capture.js';
import { idBytesOfValue } from '../../src/ops/migrate/ids.js';

// Change events as a MongoDB change stream delivers them after nsctl's
// $project (operationType, ns, documentKey), decoded with promoteValues off.
const oid = new ObjectId('5f1e0000000000000000000a');
const event = (operationType: string, coll: string | undefined, id?: unknown): Document => ({
  operationType,
  ns: coll === undefined ? { db: 'nightscout' } : { db: 'nightscout', coll },
  ...(id === undefined ? {} : { documentKey: { _id: id } }),
});
const hex = (ids: Uint8Array[] | undefined) =>
  (ids ?? []).map((id) => Buffer.from(id).toString('hex'));

test('the tracker keeps each changed _id once per collection, with its BSON type', () => {
  const tracker = new ChangeTracker();
  tracker.record(event('insert', 'entries', oid));
  tracker.record(event('update', 'entries', oid));
  tracker.record(event('delete', 'entries', 'abc'));
  tracker.record(event('replace', 'treatments', new Int32(7)));
  tracker.record(event('insert', 'treatments', new Double(7)));
  const taken = tracker.take();
  assert.equal(tracker.events, 5);
  assert.deepEqual([...taken.keys()].sort(), ['entries', 'treatments']);
  assert.deepEqual(hex(taken.get('entries')), hex([idBytesOfValue(oid), idBytesOfValue('abc')]));
  // Int32 7 and Double 7 are other bytes: both are looked up (MongoDB holds at most one).
  assert.equal(taken.get('treatments')?.length, 2);
  assert.equal(tracker.note, undefined);
  assert.equal(tracker.take().size, 0, 'take() starts afresh');
});

test('events without a document (drop, rename, dropDatabase) leave a note for convergence', () => {
  const drop = new ChangeTracker();
  drop.record(event('drop', 'entries'));
  assert.match(drop.note ?? '', /entries: drop .*compare it whole/);
  const dropDatabase = new ChangeTracker();
  dropDatabase.record(event('dropDatabase', undefined));
  assert.match(dropDatabase.note ?? '', /dropDatabase .*every collection whole/);
  assert.equal(dropDatabase.take().size, 0);
});

test('past its limit the tracker stops adding _ids, says so, and takes up again after take()', () => {
  const tracker = new ChangeTracker(2);
  tracker.record(event('insert', 'entries', 'a'));
  tracker.record(event('insert', 'entries', 'b'));
  tracker.record(event('update', 'entries', 'a')); // already held: not a new one
  assert.equal(tracker.note, undefined);
  tracker.record(event('insert', 'entries', 'c'));
  assert.match(tracker.note ?? '', /more than 2 documents changed/);
  assert.equal(tracker.take().get('entries')?.length, 2);
  tracker.record(event('insert', 'entries', 'd'));
  assert.equal(tracker.take().get('entries')?.length, 1);
});

/** A stand-in for a live change stream: yields its events, then waits until closed. */
function liveStream(list: Document[], fail?: Error) {
  let close = () => {};
  const closed = new Promise<void>((resolve) => {
    close = resolve;
  });
  async function* run(): AsyncIterable<Document> {
    for (const e of list) {
      await new Promise((resolve) => setImmediate(resolve));
      yield e;
    }
    if (fail) throw fail;
    await closed;
  }
  return { events: run(), close: async () => close() };
}
/** Waits until `done()` holds (the capture runs on its own), failing after 5 s. */
async function eventually(done: () => boolean): Promise<void> {
  const until = Date.now() + 5000;
  while (!done()) {
    if (Date.now() > until) assert.fail('the capture did not get there within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('a capture follows its stream until stopped, without a note when stopped on purpose', async () => {
  const stream = liveStream([event('insert', 'entries', 'a'), event('delete', 'entries', 'b')]);
  const capture = captureFrom(stream.events, stream.close);
  await eventually(() => capture.events === 2);
  await capture.stop();
  assert.equal(capture.note, undefined);
  assert.equal(capture.take().get('entries')?.length, 2);
});

test('a capture whose stream fails or ends early says so', async () => {
  const failing = liveStream([event('insert', 'entries', 'a')], new Error('oplog window passed'));
  const failed = captureFrom(failing.events, failing.close);
  await eventually(() => failed.note !== undefined);
  assert.match(failed.note ?? '', /change capture stopped: .*oplog window passed/);
  assert.equal(failed.take().get('entries')?.length, 1, 'what came before the failure is kept');
  await failed.stop();

  async function* ended(): AsyncIterable<Document> {
    yield event('invalidate', undefined);
  }
  const early = captureFrom(ended(), async () => {});
  await eventually(() => early.note !== undefined);
  assert.match(early.note ?? '', /invalidate/);
  await early.stop();
  const quiet = captureFrom((async function* () {})(), async () => {});
  await eventually(() => quiet.note !== undefined);
  assert.match(quiet.note ?? '', /ended during the copy/);
  await quiet.stop();
});
