/** A MongoDB database as one side of a comparison: natural-order scans, no server-side sort. */
import type { Document } from 'mongodb';

import {
  estimateCount,
  listCollectionSpecs,
  readRawDocuments,
} from '../../adapters/mongo/collections.js';
import {
  type Connection,
  connectMongo,
  type MongoTarget,
  translateMongoError,
} from '../../adapters/mongo/connect.js';
import { decodeId } from '../../core/compare/id-format.js';
import { NsctlError } from '../../core/errors.js';
import type { DocumentSource, SourceCollection } from './document-source.js';

/** `_id` lookups per call, at most; they are for showing a few differing documents. */
const LOOKUP_LIMIT = 20;

async function withMongoErrors<T>(connection: Connection, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof NsctlError) throw error;
    throw translateMongoError(error, connection.safeUri);
  }
}

async function listWithCounts(connection: Connection): Promise<SourceCollection[]> {
  const specs = await listCollectionSpecs(connection.db);
  const collections: SourceCollection[] = [];
  for (const spec of specs) {
    const count = spec.type === 'view' ? undefined : await estimateCount(connection.db, spec.name);
    collections.push({
      name: spec.name,
      type: spec.type,
      options: spec.options,
      indexes: spec.indexes,
      ...(count === undefined ? {} : { expectedDocuments: count }),
    });
  }
  return collections;
}

async function* readCollections(
  connection: Connection,
  names: readonly string[],
  signal?: AbortSignal,
) {
  for (const name of names) {
    try {
      for await (const document of readRawDocuments(
        connection.db,
        name,
        signal ? { signal } : {},
      )) {
        yield { collection: name, document };
      }
    } catch (error) {
      if (error instanceof NsctlError || signal?.aborted) throw error;
      throw translateMongoError(error, connection.safeUri);
    }
  }
}

/**
 * One equality lookup per `_id`: FerretDB uses its `_id` index for
 * `{_id: x}` (0.2 s in a 30k-document collection) but scans for `$in`
 * (2.5 s, half a full scan); MongoDB is fast either way.
 */
async function findByIds(
  connection: Connection,
  collection: string,
  ids: readonly Uint8Array[],
): Promise<Buffer[]> {
  const found: Buffer[] = [];
  for (const id of ids.slice(0, LOOKUP_LIMIT)) {
    const filter: Document = { _id: decodeId(id) };
    const doc = await connection.db.collection(collection).findOne(filter, { raw: true });
    if (doc) found.push(doc as unknown as Buffer);
  }
  return found;
}

/** A document source over an open connection; closing it closes the connection. */
export function createMongoDocumentSource(connection: Connection): DocumentSource {
  return {
    description: connection.safeUri,
    listCollections: () => withMongoErrors(connection, () => listWithCounts(connection)),
    readDocuments: (names, signal) => readCollections(connection, names, signal),
    findDocuments: (collection, ids) =>
      withMongoErrors(connection, () => findByIds(connection, collection, ids)),
    close: () => connection.close(),
  };
}

/** Connects and returns the database as a document source. */
export async function openMongoDocumentSource(target: MongoTarget): Promise<DocumentSource> {
  return createMongoDocumentSource(await connectMongo(target, { appName: 'nsctl verify' }));
}
