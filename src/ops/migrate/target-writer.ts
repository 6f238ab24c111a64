/**
 * Writing batches of raw documents into the target so that a batch can be
 * written twice without harm. A document whose `_id` is already there is
 * counted as present only when its bytes are identical; with other bytes
 * it is replaced (the source is the truth); a duplicate key on any other
 * unique index is a failure reported by `_id`. Documents the server or the
 * driver rejects (too large, invalid) are isolated one by one, so one bad
 * document never costs its batch.
 *
 * FerretDB (SQLite) scans the collection for every query by `_id`: one
 * `_id` (a document not there costs a whole scan; measured 90–170 ms each
 * on 3000 devicestatus documents), `$in` and deletes alike. So lookups and
 * deletes go in as few `$in` calls as possible, never one `_id` at a time.
 */
import type { Db, Document } from 'mongodb';

import {
  describeRawId,
  type InsertFailure,
  insertRawBatch,
} from '../../adapters/mongo/raw-insert.js';
import { readIdElement } from '../../core/compare/bson-elements.js';
import { decodeId } from '../../core/compare/id-format.js';

export interface BatchOutcome {
  inserted: number;
  /** Already on the target with identical bytes. */
  alreadyPresent: number;
  /** On the target with other bytes, replaced by the source's. */
  replaced: number;
  failures: InsertFailure[];
}

export interface TargetWriter {
  writeBatch(collection: string, docs: Buffer[], checkExisting: boolean): Promise<BatchOutcome>;
  /** Makes the target hold exactly `docs` for these `_id`s (deleting those not among them). */
  replaceByIds(collection: string, ids: Uint8Array[], docs: Buffer[]): Promise<BatchOutcome>;
  deleteByIds(collection: string, ids: Uint8Array[]): Promise<number>;
}

const DUPLICATE_KEY = 11000;
/** `_id`s per `$in` lookup (a batch's worth); FerretDB deletes take as many as it is given. */
const IN_CHUNK = 1000;
const FERRET_DELETE_CHUNK = 20_000;

const keyOf = (id: Uint8Array) => Buffer.from(id).toString('latin1');

/**
 * A bulk insert cut off by a lost connection comes back as a bulk write
 * error without per-document errors: neither inserted nor refused. Raised
 * as transient, so the batch is written again, checking what arrived.
 */
export class IncompleteBatchError extends Error {
  override readonly name = 'IncompleteBatchError';
  constructor(collection: string, settled: number, total: number) {
    super(
      `${collection}: the server settled ${settled} of ${total} documents of a batch (connection lost?)`,
    );
  }
}

function emptyOutcome(): BatchOutcome {
  return { inserted: 0, alreadyPresent: 0, replaced: 0, failures: [] };
}

/**
 * Errors the driver raises for one document before sending (larger than
 * 16 MiB, not serialisable): worth isolating. Anything else (no permission,
 * a full disk) would fail every document alike and stops the copy.
 */
function isDocumentRefusal(error: unknown): boolean {
  const name = error instanceof Error ? error.name : '';
  return (
    name === 'MongoInvalidArgumentError' || name === 'BSONError' || error instanceof RangeError
  );
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** `database` is called for each operation, so a replaced client is picked up. */
export function createTargetWriter(database: () => Db, isFerretDB: boolean): TargetWriter {
  const rawOptions = { textMustBeUtf8: isFerretDB };
  async function findExisting(collection: string, ids: Uint8Array[]): Promise<Map<string, Buffer>> {
    const found = new Map<string, Buffer>();
    const coll = database().collection(collection);
    for (const part of chunk(ids, IN_CHUNK)) {
      const docs = await coll
        .find({ _id: { $in: part.map(decodeId) } } as Document, { raw: true })
        .toArray();
      for (const doc of docs as unknown as Buffer[]) {
        const id = readIdElement(doc);
        if (id) found.set(keyOf(id), doc);
      }
    }
    return found;
  }

  async function deleteByIds(collection: string, ids: Uint8Array[]): Promise<number> {
    let deleted = 0;
    for (const part of chunk(ids, isFerretDB ? FERRET_DELETE_CHUNK : IN_CHUNK)) {
      const result = await database()
        .collection(collection)
        .deleteMany({ _id: { $in: part.map(decodeId) } } as Document);
      deleted += result.deletedCount;
    }
    return deleted;
  }

  /** One at a time, when the batch as a whole was refused before reaching the server. */
  async function insertEachAlone(collection: string, docs: Buffer[]): Promise<BatchOutcome> {
    const outcome = emptyOutcome();
    for (const doc of docs) {
      try {
        const one = await insertRawBatch(database(), collection, [doc], rawOptions);
        outcome.inserted += one.inserted;
        outcome.failures.push(...one.failures);
      } catch (error) {
        if (!isDocumentRefusal(error)) throw error;
        outcome.failures.push({
          id: describeRawId(doc),
          code: undefined,
          message: error instanceof Error ? error.message : String(error),
        });
      }
    }
    return outcome;
  }

  async function insert(collection: string, docs: Buffer[]): Promise<BatchOutcome> {
    if (docs.length === 0) return emptyOutcome();
    try {
      const result = await insertRawBatch(database(), collection, docs, rawOptions);
      if (result.inserted + result.failures.length < docs.length) {
        throw new IncompleteBatchError(
          collection,
          result.inserted + result.failures.length,
          docs.length,
        );
      }
      return { ...emptyOutcome(), inserted: result.inserted, failures: result.failures };
    } catch (error) {
      if (!isDocumentRefusal(error)) throw error;
      return insertEachAlone(collection, docs);
    }
  }

  /** Sorts duplicate-key failures into present (same bytes), replaced (other bytes) and real. */
  async function resolveDuplicates(
    collection: string,
    docs: Buffer[],
    outcome: BatchOutcome,
  ): Promise<BatchOutcome> {
    const duplicates = outcome.failures.filter((f) => f.code === DUPLICATE_KEY);
    if (duplicates.length === 0) return outcome;
    const byText = new Map(docs.map((doc) => [describeRawId(doc), doc]));
    const suspects = duplicates
      .map((f) => byText.get(f.id))
      .filter((doc): doc is Buffer => doc !== undefined);
    const split = await splitByExisting(collection, suspects);
    const stillFailing = new Set(split.absent.map((doc) => describeRawId(doc)));
    const replaced = await replaceDocs(collection, split.different);
    return {
      inserted: outcome.inserted,
      alreadyPresent: outcome.alreadyPresent + split.identical,
      replaced: outcome.replaced + replaced.inserted,
      failures: [
        ...outcome.failures.filter((f) => f.code !== DUPLICATE_KEY || stillFailing.has(f.id)),
        ...replaced.failures,
      ],
    };
  }

  async function splitByExisting(collection: string, docs: Buffer[]) {
    const ids = docs.map((doc) => readIdElement(doc) ?? new Uint8Array());
    const existing = await findExisting(collection, ids);
    const absent: Buffer[] = [];
    const different: Buffer[] = [];
    let identical = 0;
    docs.forEach((doc, i) => {
      const there = existing.get(keyOf(ids[i] as Uint8Array));
      if (!there) absent.push(doc);
      else if (there.equals(doc)) identical++;
      else different.push(doc);
    });
    return { absent, different, identical };
  }

  async function replaceDocs(collection: string, docs: Buffer[]): Promise<BatchOutcome> {
    if (docs.length === 0) return emptyOutcome();
    await deleteByIds(
      collection,
      docs.map((doc) => readIdElement(doc) ?? new Uint8Array()),
    );
    return insert(collection, docs);
  }

  return {
    async writeBatch(collection, docs, checkExisting) {
      if (!checkExisting)
        return resolveDuplicates(collection, docs, await insert(collection, docs));
      const split = await splitByExisting(collection, docs);
      const replaced = await replaceDocs(collection, split.different);
      const fresh = await resolveDuplicates(
        collection,
        split.absent,
        await insert(collection, split.absent),
      );
      return {
        inserted: fresh.inserted,
        alreadyPresent: split.identical + fresh.alreadyPresent,
        replaced: replaced.inserted + fresh.replaced,
        failures: [...replaced.failures, ...fresh.failures],
      };
    },
    async replaceByIds(collection, ids, docs) {
      await deleteByIds(collection, ids);
      const outcome = await insert(collection, docs);
      return { ...outcome, replaced: outcome.inserted, inserted: 0 };
    },
    deleteByIds,
  };
}
