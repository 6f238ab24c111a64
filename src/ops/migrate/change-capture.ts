/**
 * Writes on a MongoDB source while it is copied. A change stream opened at
 * the cluster time from before the copy collects the `_id` of every
 * document inserted, updated, replaced or deleted; after the copy those
 * documents are read again from the source and written to the target as
 * they are now (or deleted), which is right whatever order the changes
 * came in. Only `_id`s are held, never documents, and only up to a bound;
 * past it (or if the oplog no longer reaches back far enough) the
 * convergence passes find the rest.
 *
 * Needs a replica set or sharded cluster (Atlas always is); FerretDB and a
 * standalone mongod have no change streams, so there only convergence runs.
 */
import { type Db, type Document, Timestamp } from 'mongodb';

import { idBytesOfValue } from './ids.js';
import { describeError } from './retry.js';
import type { MigrationSource } from './source.js';
import type { TargetWriter } from './target-writer.js';

const MAX_TRACKED_IDS = 200_000;
const REPLAY_CHUNK = 1000;
const DECODE = {
  promoteValues: false,
  promoteLongs: false,
  promoteBuffers: false,
  bsonRegExp: true,
};

export interface ClusterTime {
  t: number;
  i: number;
}

export interface ChangeCapture {
  /** Takes the `_id`s changed since the last call, per collection. */
  take(): Map<string, Uint8Array[]>;
  readonly events: number;
  /** Why capture stopped early or lost track; the convergence passes cover it. */
  readonly note: string | undefined;
  stop(): Promise<void>;
}

/** The cluster time now, from a replica set member; undefined elsewhere. */
export async function readClusterTime(db: Db): Promise<ClusterTime | undefined> {
  const reply = await db.command({ ping: 1 });
  const time = reply.operationTime ?? reply.$clusterTime?.clusterTime;
  return time instanceof Timestamp ? { t: time.t, i: time.i } : undefined;
}

/**
 * Collects the `_id`s named by change events, per collection, up to
 * `limit` distinct `_id`s between two `take()`s. Events that name no
 * document (a collection dropped or renamed, an invalidate) are noted, and
 * so is passing the limit: the convergence passes then compare whole.
 */
export class ChangeTracker {
  #changed = new Map<string, Map<string, Uint8Array>>();
  #tracked = 0;
  #events = 0;
  #note: string | undefined;

  constructor(private readonly limit = MAX_TRACKED_IDS) {}

  record(change: Document): void {
    this.#events++;
    const coll = change.ns?.coll as string | undefined;
    if (!coll) {
      this.#note ??= `a ${change.operationType} event on the source during the copy; the convergence passes compare every collection whole`;
      return;
    }
    if (!change.documentKey || !('_id' in change.documentKey)) {
      this.#note ??= `${coll}: ${change.operationType} on the source during the copy; the convergence passes compare it whole`;
      return;
    }
    const id = idBytesOfValue(change.documentKey._id);
    const key = Buffer.from(id).toString('latin1');
    const ids = this.#changed.get(coll) ?? new Map<string, Uint8Array>();
    if (ids.has(key)) return;
    if (this.#tracked >= this.limit) {
      this.#note ??= `more than ${this.limit} documents changed during the copy; the convergence passes find the rest`;
      return;
    }
    this.#changed.set(coll, ids);
    ids.set(key, id);
    this.#tracked++;
  }

  /** The `_id`s changed since the last call, per collection; starts afresh. */
  take(): Map<string, Uint8Array[]> {
    const taken = new Map([...this.#changed].map(([coll, ids]) => [coll, [...ids.values()]]));
    this.#changed = new Map();
    this.#tracked = 0;
    return taken;
  }

  get events(): number {
    return this.#events;
  }

  get note(): string | undefined {
    return this.#note;
  }

  /** Records why capture ended early, unless an earlier note already says more. */
  stoppedBy(reason: string): void {
    this.#note ??= reason;
  }
}

/**
 * Feeds `events` (a change stream, or any source of change events) into a
 * tracker until the stream ends or `stop()` is called.
 */
export function captureFrom(
  events: AsyncIterable<Document>,
  close: () => Promise<void>,
  tracker = new ChangeTracker(),
): ChangeCapture {
  let stopped = false;
  const running = (async () => {
    try {
      for await (const change of events) tracker.record(change);
      if (!stopped)
        tracker.stoppedBy(
          'the change stream ended during the copy (the source database was dropped or renamed?)',
        );
    } catch (error) {
      if (!stopped) tracker.stoppedBy(`change capture stopped: ${describeError(error)}`);
    }
  })();
  return {
    take: () => tracker.take(),
    get events() {
      return tracker.events;
    },
    get note() {
      return tracker.note;
    },
    async stop() {
      stopped = true;
      await close().catch(() => undefined);
      await running;
    },
  };
}

// Opening the stream itself needs a replica set: FerretDB has none, so this
// call is only exercised by the replica-set test in migrate-faults, which
// skips here. The tracker and the replay are tested on every server.
export function startChangeCapture(
  db: Db,
  names: readonly string[],
  from: ClusterTime,
): ChangeCapture {
  const pipeline: Document[] = [
    // Events naming no collection (dropDatabase) pass too, to be noted.
    { $match: { $or: [{ 'ns.coll': { $in: [...names] } }, { 'ns.coll': { $exists: false } }] } },
    { $project: { operationType: 1, ns: 1, documentKey: 1 } },
  ];
  const stream = db.watch(pipeline, {
    startAtOperationTime: new Timestamp(from),
    batchSize: 1000,
    ...DECODE,
  });
  return captureFrom(stream as AsyncIterable<Document>, () => stream.close());
}

/** Writes the current source version of every changed document to the target. */
export async function replayChanges(
  changes: Map<string, Uint8Array[]>,
  source: MigrationSource,
  writer: TargetWriter,
): Promise<number> {
  let written = 0;
  for (const [coll, ids] of changes) {
    for (let i = 0; i < ids.length; i += REPLAY_CHUNK) {
      const part = ids.slice(i, i + REPLAY_CHUNK);
      const docs = await source.findByIds(coll, part);
      const outcome = await writer.replaceByIds(coll, part, docs);
      written += outcome.inserted + outcome.replaced + (part.length - docs.length);
    }
  }
  return written;
}
