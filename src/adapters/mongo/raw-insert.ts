/**
 * Inserting documents that arrive as raw BSON (from an archive or another
 * server) without changing them: decoded with every value kept in its BSON
 * wrapper (Int32, Int64, Double, Decimal128, Binary subtype, RegExp flags)
 * and in its field order, so the driver writes back the same bytes.
 */
import type { Document } from 'bson';
import { type Db, MongoBulkWriteError } from 'mongodb';

import { decodeRaw } from '../../core/bson-raw.js';

export { decodeRaw };

export interface InsertFailure {
  /** The failed document's `_id`, as Extended JSON text. */
  id: string;
  code: number | undefined;
  message: string;
}

export interface InsertBatchResult {
  inserted: number;
  failures: InsertFailure[];
}

function describeId(doc: Document | undefined): string {
  if (!doc || !('_id' in doc)) return '(no _id)';
  try {
    return JSON.stringify(doc._id?.toJSON?.() ?? doc._id);
  } catch {
    return String(doc._id);
  }
}

/**
 * Unordered insert of one batch: every document that fails is reported with
 * its `_id`, none is skipped silently, and the others are still written.
 */
export async function insertRawBatch(
  db: Db,
  collection: string,
  batch: readonly Uint8Array[],
): Promise<InsertBatchResult> {
  if (batch.length === 0) return { inserted: 0, failures: [] };
  const docs = batch.map(decodeRaw);
  try {
    const result = await db
      .collection(collection)
      .insertMany(docs, { ordered: false, forceServerObjectId: false });
    return { inserted: result.insertedCount, failures: [] };
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError)) throw error;
    const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
    // Without per-document errors the batch failed as a whole (a dropped
    // connection): reporting "0 inserted, 0 failed" would lose it silently.
    if (writeErrors.length === 0) throw error;
    const failures = writeErrors.map((writeError) => ({
      id: describeId(docs[writeError.index]),
      code: writeError.code,
      message: writeError.errmsg ?? 'write failed',
    }));
    return { inserted: error.result.insertedCount, failures };
  }
}
