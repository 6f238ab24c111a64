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

export function startChangeCapture(
  db: Db,
  names: readonly string[],
  from: ClusterTime,
): ChangeCapture {
  const pipeline: Document[] = [
    { $match: { 'ns.coll': { $in: [...names] } } },
    { $project: { operationType: 1, ns: 1, documentKey: 1 } },
  ];
  const stream = db.watch(pipeline, {
    startAtOperationTime: new Timestamp(from),
    batchSize: 1000,
    ...DECODE,
  });
  let changed = new Map<string, Map<string, Uint8Array>>();
  let tracked = 0;
  let events = 0;
  let note: string | undefined;
  let stopped = false;

  const record = (change: Document) => {
    events++;
    const coll = change.ns?.coll as string | undefined;
    if (!coll) return;
    if (!('documentKey' in change)) {
      note ??= `${coll}: ${change.operationType} on the source during the copy; the convergence passes compare it whole`;
      return;
    }
    if (tracked >= MAX_TRACKED_IDS) {
      note ??= `more than ${MAX_TRACKED_IDS} documents changed during the copy; the convergence passes find the rest`;
      return;
    }
    const id = idBytesOfValue(change.documentKey._id);
    const ids = changed.get(coll) ?? new Map<string, Uint8Array>();
    changed.set(coll, ids);
    const key = Buffer.from(id).toString('latin1');
    if (!ids.has(key)) tracked++;
    ids.set(key, id);
  };

  const running = (async () => {
    try {
      for await (const change of stream) record(change as Document);
    } catch (error) {
      if (!stopped) note ??= `change capture stopped: ${describeError(error)}`;
    }
  })();

  return {
    take() {
      const taken = new Map([...changed].map(([coll, ids]) => [coll, [...ids.values()]]));
      changed = new Map();
      tracked = 0;
      return taken;
    },
    get events() {
      return events;
    },
    get note() {
      return note;
    },
    async stop() {
      stopped = true;
      await stream.close().catch(() => undefined);
      await running;
    },
  };
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
