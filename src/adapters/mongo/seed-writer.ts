/**
 * Writes a seed plan into MongoDB: refuses a database whose Nightscout
 * collections already hold documents (unless told to drop them), streams each
 * collection in bounded insertMany batches with one batch in flight while the
 * next is built, so memory stays flat however many days are seeded. Nightscout's
 * own indexes are created first, as Nightscout does at boot.
 */
import { calculateObjectSize } from 'bson';
import type { Collection } from 'mongodb';

import type { NightscoutCollections } from '../../core/config/schema.js';
import { NsctlError } from '../../core/errors.js';
import { nightscoutIndexes } from '../../core/nightscout/indexes.js';
import type { Progress } from '../../core/progress.js';
import type { SeedCollectionKey, SeedCollectionPlan, SeedDocument } from '../../core/seed/types.js';
import { type Connection, translateMongoError } from './connect.js';
import { retryStaleSchema } from './retry-stale-schema.js';

export const DEFAULT_BATCH_DOCS = 1000;
/** Well under the 16 MiB document and 48 MB message limits, and kind to small servers. */
export const DEFAULT_BATCH_BYTES = 4 * 1024 * 1024;

export interface SeedWriteOptions {
  connection: Connection;
  collections: NightscoutCollections;
  plan: SeedCollectionPlan[];
  /** Drop the Nightscout collections first instead of refusing when they hold data. */
  drop?: boolean;
  /** Documents per insertMany; default 1000. */
  batchDocs?: number;
  /** BSON bytes per insertMany; default 4 MiB. */
  batchBytes?: number;
  progress: Progress;
  signal?: AbortSignal;
}

export interface SeededCollection {
  collection: SeedCollectionKey;
  name: string;
  documents: number;
  /** Sum of the documents' BSON sizes. */
  bytes: number;
  indexes: number;
  elapsedMs: number;
}

export async function writeSeed(options: SeedWriteOptions): Promise<SeededCollection[]> {
  const { connection } = options;
  try {
    if (options.drop) await dropCollections(options);
    else await refuseNonEmpty(options);
    const indexes = await createIndexes(options);
    const results: SeededCollection[] = [];
    // One collection at a time: FerretDB's SQLite backend serialises writes,
    // and two collections in parallel measured no faster.
    for (const plan of options.plan) results.push(await writeCollection(options, plan));
    for (const result of results) result.indexes = indexes[result.collection] ?? 0;
    return results;
  } catch (error) {
    if (error instanceof NsctlError) throw error;
    throw translateMongoError(error, connection.safeUri);
  }
}

/**
 * Indexes go in first, as Nightscout creates them at boot: keeping them up
 * while inserting costs far less than building them over the data afterwards
 * (FerretDB scans the whole collection once per index).
 */
async function createIndexes(
  options: SeedWriteOptions,
): Promise<Partial<Record<SeedCollectionKey, number>>> {
  const all = nightscoutIndexes(options.collections);
  const counts: Partial<Record<SeedCollectionKey, number>> = {};
  for (const { key } of options.plan) {
    const specs = all[key].map(({ key: fields, name }) => ({ key: fields, name }));
    const collection = options.connection.db.collection(options.collections[key]);
    // One at a time: FerretDB 1.x, refused part-way through a list, keeps the
    // indexes it built but stops listing them, and those names then fail for good.
    for (const spec of specs) await retryStaleSchema(() => collection.createIndexes([spec]));
    counts[key] = specs.length;
  }
  return counts;
}

function names(options: SeedWriteOptions): string[] {
  return options.plan.map((p) => options.collections[p.key]);
}

async function refuseNonEmpty(options: SeedWriteOptions): Promise<void> {
  for (const name of names(options)) {
    const found = await options.connection.db
      .collection(name)
      .findOne({}, { projection: { _id: 1 } });
    if (found) {
      throw new NsctlError(
        'USAGE',
        `collection ${name} already holds documents; refusing to seed over them`,
        {
          where: name,
          hint: 'Seed into an empty database, or pass --drop to drop the Nightscout collections first.',
        },
      );
    }
  }
}

async function dropCollections(options: SeedWriteOptions): Promise<void> {
  const existing = new Set(
    (await options.connection.db.listCollections({}, { nameOnly: true }).toArray()).map(
      (c) => c.name,
    ),
  );
  for (const name of names(options)) {
    if (existing.has(name)) await options.connection.db.collection(name).drop();
  }
}

async function writeCollection(
  options: SeedWriteOptions,
  plan: SeedCollectionPlan,
): Promise<SeededCollection> {
  const name = options.collections[plan.key];
  const collection = options.connection.db.collection<SeedDocument>(name);
  const started = Date.now();
  const task = options.progress.task(`collection:${plan.key}`, {
    label: name,
    total: plan.count(),
    unit: 'docs',
  });
  const maxDocs = options.batchDocs ?? DEFAULT_BATCH_DOCS;
  const maxBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
  let batch: SeedDocument[] = [];
  let batchBytes = 0;
  let documents = 0;
  let bytes = 0;
  // One insert runs while the next batch is built; its failure is kept (not
  // left unhandled) and rethrown at the next wait.
  let inFlight: Promise<void> = Promise.resolve();
  let failure: { error: unknown } | undefined;
  const settle = async () => {
    await inFlight;
    if (failure) throw failure.error;
  };
  const flush = async () => {
    const docs = batch;
    const size = batchBytes;
    batch = [];
    batchBytes = 0;
    await settle();
    throwIfAborted(options.signal, name);
    inFlight = insert(collection, docs).then(
      () => {
        documents += docs.length;
        bytes += size;
        task.update(documents, bytes);
      },
      (error: unknown) => {
        failure = { error };
      },
    );
  };
  for await (const doc of plan.documents()) {
    const size = calculateObjectSize(doc);
    if (batch.length > 0 && (batch.length >= maxDocs || batchBytes + size > maxBytes))
      await flush();
    batch.push(doc);
    batchBytes += size;
  }
  if (batch.length > 0) await flush();
  await settle();
  task.finish();
  return {
    collection: plan.key,
    name,
    documents,
    bytes,
    indexes: 0,
    elapsedMs: Date.now() - started,
  };
}

async function insert(collection: Collection<SeedDocument>, docs: SeedDocument[]): Promise<void> {
  // Unordered: the server may apply the batch in any order, which is faster.
  await collection.insertMany(docs, { ordered: false });
}

function throwIfAborted(signal: AbortSignal | undefined, name: string): void {
  if (!signal?.aborted) return;
  throw new NsctlError(
    'INTERRUPTED',
    `seeding stopped while writing ${name}; the database holds part of the data`,
    {
      where: name,
      hint: 'Run the command again with --drop to start over.',
    },
  );
}
