/**
 * A MongoDB database as the source. On MongoDB each collection is read in
 * `_id` order, one short query per page (`$gt` on the last `_id`, bracket
 * by bracket for mixed `_id` types): every page is an index range scan, no
 * cursor lives long enough to time out on a free Atlas cluster, and a
 * dropped connection costs one page. On FerretDB (SQLite) a range filter is
 * not pushed down and a sort is done in memory, so every page would scan
 * and sort the whole collection (measured: 4–10 s per 1000-document page
 * of a 100k collection, against 7 s for the whole collection read once);
 * there the collection is read in one natural-order pass, which FerretDB
 * keeps in insertion order, and a resumed or retried read skips to the
 * last `_id` handled.
 */
import type { Collection, Db, Document } from 'mongodb';

import { listCollectionSpecs, readRawDocuments } from '../../adapters/mongo/collections.js';
import { connectMongo, type MongoTarget, type ServerInfo } from '../../adapters/mongo/connect.js';
import { readIdElement } from '../../core/compare/bson-elements.js';
import { decodeId } from '../../core/compare/id-format.js';
import {
  advanceCursor,
  type IdCursor,
  pageFilter,
  resumeCursor,
} from '../../core/migrate/id-brackets.js';
import type { SourceCollectionInfo } from '../../core/migrate/plan.js';
import { createMongoDocumentSource } from '../compare/mongo-document-source.js';
import { readClusterTime, startChangeCapture } from './change-capture.js';
import type { LiveConnection } from './live-connection.js';
import { createRetrier, type RetryContext, withRetry } from './retry.js';
import { collectByIds, type MigrationSource, type ReadFrom } from './source.js';

export interface MongoSourceOptions {
  /** Documents per page and cursor batch. */
  pageSize: number;
  /** A page stops early once it holds this many bytes. */
  pageBytes: number;
  retry: RetryContext;
  /** Told when a resumed natural-order read cannot find its place by `_id`. */
  onNote?: (message: string) => void;
  serverSelectionTimeoutMS?: number;
  /** Overrides the choice by server kind; for tests and benchmarks. */
  paging?: 'id-order' | 'natural';
}

/**
 * `_id`s per `$in` query. FerretDB scans the collection for any query by
 * `_id`, one `_id` or a list alike, so beyond one list it is cheaper to
 * read the collection once.
 */
const IN_CHUNK = 1000;

async function describeCollections(db: Db): Promise<SourceCollectionInfo[]> {
  const specs = await listCollectionSpecs(db);
  const out: SourceCollectionInfo[] = [];
  for (const spec of specs) {
    const info: SourceCollectionInfo = {
      name: spec.name,
      type: spec.type,
      options: spec.options,
      indexes: spec.indexes,
    };
    if (spec.type !== 'view') Object.assign(info, await readStats(db, spec.name));
    out.push(info);
  }
  return out;
}

/** collStats answers at once on both servers; FerretDB counts documents by scanning. */
async function readStats(db: Db, name: string): Promise<Partial<SourceCollectionInfo>> {
  try {
    const stats = await db.command({ collStats: name });
    return {
      documents: Number(stats.count),
      bytes: Number(stats.size),
      storageBytes: Number(stats.storageSize ?? 0) + Number(stats.totalIndexSize ?? 0),
    };
  } catch {
    return { documents: await db.collection(name).estimatedDocumentCount() };
  }
}

interface Page {
  docs: Buffer[];
  lastId: Uint8Array | undefined;
  exhausted: boolean;
}

async function readPage(
  coll: Collection,
  cursor: IdCursor,
  options: MongoSourceOptions,
): Promise<Page> {
  const find = coll.find(pageFilter(cursor), {
    raw: true,
    sort: { _id: 1 },
    limit: options.pageSize,
    batchSize: options.pageSize,
  });
  const docs: Buffer[] = [];
  let bytes = 0;
  let cut = false;
  try {
    for await (const raw of find) {
      const doc = raw as unknown as Buffer;
      docs.push(doc);
      bytes += doc.length;
      if (bytes >= options.pageBytes && docs.length < options.pageSize) {
        cut = true;
        break;
      }
    }
  } finally {
    await find.close().catch(() => undefined);
  }
  const last = docs[docs.length - 1];
  return {
    docs,
    lastId: last ? readIdElement(last) : cursor.lastId,
    exhausted: !cut && docs.length < options.pageSize,
  };
}

/**
 * A server without a BSON type (FerretDB has no MinKey, MaxKey or
 * JavaScript) refuses its `$type` alias; it can hold no such `_id`.
 */
function isUnknownType(error: unknown, cursor: IdCursor): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return !cursor.lastId && e.code === 2 && /type name alias/i.test(String(e.message));
}

async function readBracketPage(coll: Collection, at: IdCursor, options: MongoSourceOptions) {
  try {
    return await readPage(coll, at, options);
  } catch (error) {
    if (isUnknownType(error, at)) return { docs: [], lastId: undefined, exhausted: true };
    throw error;
  }
}

/** The collection on the current client, fetched for each query (the client can be replaced). */
type CollectionHandle = () => Collection;

async function* readByIdOrder(
  name: string,
  coll: CollectionHandle,
  from: ReadFrom,
  options: MongoSourceOptions,
) {
  let cursor: IdCursor | undefined = resumeCursor(from.lastId);
  while (cursor) {
    const at: IdCursor = cursor;
    const page = await withRetry(
      `read ${name}`,
      () => readBracketPage(coll(), at, options),
      options.retry,
    );
    yield* page.docs;
    cursor = advanceCursor(at, page.lastId, page.exhausted);
  }
}

const sameId = (doc: Buffer, id: Uint8Array) => Buffer.from(readIdElement(doc) ?? []).equals(id);

async function* readNatural(
  name: string,
  database: () => Db,
  from: ReadFrom,
  options: MongoSourceOptions,
) {
  const retrier = createRetrier(`read ${name}`, options.retry);
  let handled = from.documents;
  let marker = from.lastId;
  let byMarker = marker !== undefined;
  for (;;) {
    let position = 0;
    let skipping = handled > 0;
    try {
      for await (const doc of readRawDocuments(database(), name, { batchSize: options.pageSize })) {
        position++;
        if (skipping) {
          skipping = byMarker ? !sameId(doc, marker as Uint8Array) : position < handled;
          continue;
        }
        yield doc;
        handled++;
        marker = readIdElement(doc);
        byMarker = marker !== undefined;
        retrier.reset();
      }
      if (!skipping || !byMarker) return;
      // The last document handled is gone from the source: find the place by position
      // instead; what that misses is copied by the convergence pass.
      options.onNote?.(
        `${name}: the last document copied before is no longer on the source; continuing after document ${handled}`,
      );
      byMarker = false;
    } catch (error) {
      await retrier.recover(error);
    }
  }
}

async function findByIds(
  db: Db,
  name: string,
  ids: readonly Uint8Array[],
  isFerretDB: boolean,
): Promise<Buffer[]> {
  const coll = db.collection(name);
  if (isFerretDB && ids.length > IN_CHUNK) {
    const all = coll.find({}, { raw: true, batchSize: 1000 }) as unknown as AsyncIterable<Buffer>;
    return collectByIds(all, ids, readIdElement);
  }
  const found: Buffer[] = [];
  for (let i = 0; i < ids.length; i += IN_CHUNK) {
    const part = ids.slice(i, i + IN_CHUNK).map(decodeId);
    const docs = await coll.find({ _id: { $in: part } } as Document, { raw: true }).toArray();
    found.push(...(docs as unknown as Buffer[]));
  }
  return found;
}

export function createMongoSource(
  connection: LiveConnection,
  target: MongoTarget,
  server: ServerInfo,
  options: MongoSourceOptions,
): MigrationSource {
  const retry = { ...options.retry, reconnect: () => connection.reconnect() };
  const opts = { ...options, retry };
  const natural = options.paging ? options.paging === 'natural' : server.isFerretDB;
  return {
    kind: 'mongodb',
    description: `${connection.safeUri}${target.database ? ` (database ${target.database})` : ''}`,
    paging: natural ? 'natural' : 'id-order',
    pagingReason: options.paging
      ? `${options.paging} order, as asked`
      : natural
        ? 'FerretDB pushes no _id range down and sorts in memory, so each collection is read in one natural-order pass'
        : 'pages of documents in _id order, one short query each, bracket by bracket for mixed _id types',
    server,
    listCollections: () => describeCollections(connection.db),
    readCollection: (name, from) =>
      natural
        ? readNatural(name, () => connection.db, from, opts)
        : readByIdOrder(name, () => connection.db.collection(name), from, opts),
    async captureChanges(names, from) {
      if (!server.supportsChangeStreams) return undefined;
      const db = connection.db;
      const start = from ?? (await readClusterTime(db));
      return start ? { capture: startChangeCapture(db, names, start), from: start } : undefined;
    },
    findByIds: (name, ids) =>
      withRetry(
        `look up documents in ${name}`,
        () => findByIds(connection.db, name, ids, natural),
        retry,
      ),
    async openVerifySource() {
      const again = await connectMongo(target, {
        appName: 'nsctl migrate',
        ...(options.serverSelectionTimeoutMS
          ? { serverSelectionTimeoutMS: options.serverSelectionTimeoutMS }
          : {}),
      });
      return createMongoDocumentSource(again);
    },
    close: () => connection.close(),
  };
}
