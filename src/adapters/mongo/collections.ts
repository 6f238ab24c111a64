/**
 * Reading a database for backup, verify and migrate: which collections exist
 * with their options and indexes, and every document as raw BSON bytes in
 * bounded batches (views of the server's replies; nothing is decoded).
 */
import type { Db, Document } from 'mongodb';

import { findClosestName } from '../../core/closest-name.js';
import { findRawBatches } from './raw-batches.js';

export interface IndexSpec {
  name: string;
  key: Document;
  [option: string]: unknown;
}

export interface CollectionSpec {
  name: string;
  type: 'collection' | 'view' | 'timeseries';
  options: Document;
  /** The collection UUID as 32 hex digits, when the server reports one. */
  uuid?: string;
  indexes: IndexSpec[];
}

export interface CollectionSelection {
  /** Only these collections (all when empty or absent). */
  include?: readonly string[];
  exclude?: readonly string[];
}

const SYSTEM_COLLECTION = /^system\./;

export function selectCollections(
  names: readonly string[],
  selection: CollectionSelection,
): string[] {
  const include =
    selection.include && selection.include.length > 0 ? new Set(selection.include) : undefined;
  const exclude = new Set(selection.exclude ?? []);
  return names
    .filter((name) => !SYSTEM_COLLECTION.test(name))
    .filter((name) => (include ? include.has(name) : true) && !exclude.has(name))
    .sort();
}

export interface UnknownCollection {
  name: string;
  /** The existing collection the name most likely meant. */
  suggestion?: string;
}

/** Names in `include` or `exclude` that match no collection: typos, not an empty selection. */
export function findUnknownCollections(
  names: readonly string[],
  selection: CollectionSelection,
): UnknownCollection[] {
  const existing = names.filter((name) => !SYSTEM_COLLECTION.test(name));
  const known = new Set(existing);
  const asked = [...new Set([...(selection.include ?? []), ...(selection.exclude ?? [])])];
  return asked
    .filter((name) => !known.has(name))
    .map((name) => {
      const suggestion = findClosestName(name, existing);
      return suggestion ? { name, suggestion } : { name };
    });
}

/** `no collection "entires" (did you mean "entries"?), "foo"`. */
export function describeUnknownCollections(unknown: readonly UnknownCollection[]): string {
  const names = unknown.map(
    (u) => `"${u.name}"${u.suggestion ? ` (did you mean "${u.suggestion}"?)` : ''}`,
  );
  return `no collection ${names.join(', ')}`;
}

export async function listCollectionSpecs(
  db: Db,
  selection: CollectionSelection = {},
): Promise<CollectionSpec[]> {
  // promoteValues: false keeps each number's BSON type (Int32 vs Double vs
  // Int64) so options and index specs restore exactly as they were.
  const infos = await db.listCollections({}, { nameOnly: false, promoteValues: false }).toArray();
  const byName = new Map(infos.map((info) => [info.name as string, info]));
  const names = selectCollections([...byName.keys()], selection);
  const specs: CollectionSpec[] = [];
  for (const name of names) {
    const info = byName.get(name) as Document;
    const type = (info.type ?? 'collection') as CollectionSpec['type'];
    const uuid = info.info?.uuid;
    const indexes =
      type === 'view' ? [] : ((await db.collection(name).listIndexes().toArray()) as IndexSpec[]);
    specs.push({
      name,
      type,
      options: (info.options ?? {}) as Document,
      ...(uuid && typeof uuid.toHexString === 'function'
        ? { uuid: uuid.toHexString(false) as string }
        : {}),
      indexes,
    });
  }
  return specs;
}

export interface RawReadOptions {
  batchSize?: number;
  signal?: AbortSignal;
}

/**
 * Every document of a collection as its raw BSON bytes, in natural order.
 * The buffers are views of the server's reply and stay valid after the next
 * document is read.
 */
export async function* readRawDocuments(
  db: Db,
  collection: string,
  options: RawReadOptions = {},
): AsyncGenerator<Buffer> {
  const batches = findRawBatches(db, collection, {
    batchSize: options.batchSize ?? 1000,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  for await (const batch of batches) {
    for (const doc of batch) {
      if (options.signal?.aborted) throw options.signal.reason;
      yield doc;
    }
  }
}

/**
 * A collection's document count from the storage engine's statistics, for
 * progress totals and plans. FerretDB answers `count` (and so
 * estimatedDocumentCount) by reading every document, which made a backup
 * read each collection twice; `$collStats` is instant on both servers. The
 * estimate is the fallback where `$collStats` is refused.
 */
export async function estimateCount(db: Db, collection: string): Promise<number> {
  try {
    const stats = await db
      .collection(collection)
      .aggregate([{ $collStats: { count: {} } }])
      .toArray();
    // A sharded collection gives one result per shard.
    const total = stats.reduce((sum, s) => sum + Number(s.count ?? Number.NaN), 0);
    if (stats.length > 0 && Number.isFinite(total)) return total;
  } catch {
    // Falls through to the estimate.
  }
  return db.collection(collection).estimatedDocumentCount();
}
