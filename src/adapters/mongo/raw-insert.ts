/**
 * Inserting documents that arrive as raw BSON (from an archive or another
 * server) without changing them.
 *
 * The bytes go to the server as they are: an `insert` command whose
 * documents travel as an OP_MSG document sequence (a kind-1 section, the
 * form the driver itself uses for inserts) made of the buffers in hand.
 * Nothing is decoded, so a batch costs its bytes and no objects; decoding
 * a devicestatus document makes hundreds of number wrappers that the
 * driver would then encode again.
 *
 * The driver builds such sections only from its own internal class
 * (`DocumentSequence`, not public API). It is loaded from the installed
 * driver and checked once against bytes built by hand; if it is missing
 * or builds anything else, documents are decoded with every value kept in
 * its BSON wrapper and field order and inserted through `insertMany`,
 * which writes back the same bytes, only slower and with more memory.
 */
import { createRequire } from 'node:module';

import type { Document } from 'bson';
import { type Db, MongoBulkWriteError, MongoServerError } from 'mongodb';

import { decodeRaw } from '../../core/bson-raw.js';
import { checkDocument, findInvalidUtf8, readIdElement } from '../../core/compare/bson-elements.js';
import { decodeId } from '../../core/compare/id-format.js';

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

/** The server's limit on one document (MongoDB and FerretDB alike). */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;
/** Below the servers' 48 MB message limit, leaving room for the command itself. */
const MAX_MESSAGE_DOCUMENT_BYTES = 40 * 1024 * 1024;
/** The servers' `maxWriteBatchSize`. */
const MAX_DOCUMENTS_PER_COMMAND = 100_000;

/** The `_id` of a raw document as Extended JSON text, as failures report it. */
export function describeInsertId(id: Uint8Array | undefined): string {
  if (!id) return '(no _id)';
  const value = decodeId(id) as { toJSON?: () => unknown } | null;
  try {
    return JSON.stringify(value?.toJSON?.() ?? value);
  } catch {
    return String(value);
  }
}

/** The `_id` text of a raw document, even a damaged one. */
export function describeRawId(doc: Uint8Array | undefined): string {
  if (!doc) return '(no _id)';
  try {
    return describeInsertId(readIdElement(doc));
  } catch {
    return '(unreadable _id)';
  }
}

/**
 * Why the server must not be sent this document, or undefined when it may:
 * over 16 MiB, or bytes that are not one well-formed BSON document (a
 * damaged dump). Sent anyway, the first would cost the whole batch; the
 * second makes MongoDB refuse the whole message and FerretDB drop the
 * connection.
 */
export function unsendableReason(
  doc: Uint8Array,
  options: RawInsertOptions = {},
): string | undefined {
  if (doc.length > MAX_DOCUMENT_BYTES) {
    const mib = (doc.length / (1024 * 1024)).toFixed(1);
    return `document is ${mib} MiB, larger than the server's 16 MiB limit`;
  }
  try {
    checkDocument(doc);
  } catch (error) {
    const problem = error instanceof Error ? error.message : String(error);
    return `document is not valid BSON (${problem.replace(/^malformed BSON: /, '')})`;
  }
  const badText = options.textMustBeUtf8 ? findInvalidUtf8(doc) : undefined;
  return badText === undefined
    ? undefined
    : `document holds text that is not valid UTF-8 (at byte ${badText}); this server would store it altered (FerretDB replaces such bytes), so it was not sent: fix it at the source, or use a MongoDB server, which keeps it as it is`;
}

export interface RawInsertOptions {
  /**
   * Refuse documents with text that is not valid UTF-8 instead of sending
   * them: for servers that would store such text altered (FerretDB), where
   * the copy would otherwise differ from the source without an error.
   */
  textMustBeUtf8?: boolean;
}

interface SequenceSection {
  push(document: unknown, bytes: Uint8Array): number;
  toBin(): Uint8Array;
}
type SequenceClass = new (field: string) => SequenceSection;

let sequenceClass: SequenceClass | null | undefined;

/** The bytes a kind-1 section must have: kind, length, field name, documents. */
function expectedSection(field: string, docs: readonly Uint8Array[]): Buffer {
  const name = Buffer.from(`${field}\0`, 'utf8');
  const body = Buffer.concat(docs);
  const head = Buffer.alloc(5);
  head[0] = 1;
  head.writeInt32LE(4 + name.length + body.length, 1);
  return Buffer.concat([head, name, body]);
}

function loadSequenceClass(): SequenceClass | null {
  try {
    const require = createRequire(import.meta.url);
    const commands = require('mongodb/lib/cmap/commands.js') as { DocumentSequence?: unknown };
    const Sequence = commands.DocumentSequence;
    if (typeof Sequence !== 'function') return null;
    const probe = [
      Buffer.from([5, 0, 0, 0, 0]),
      Buffer.from([12, 0, 0, 0, 16, 0x61, 0, 7, 0, 0, 0, 0]),
    ];
    const section = new (Sequence as SequenceClass)('documents');
    for (const doc of probe) section.push({}, doc);
    const built = Buffer.from(section.toBin());
    return built.equals(expectedSection('documents', probe)) ? (Sequence as SequenceClass) : null;
  } catch {
    return null;
  }
}

/** Whether inserts send the documents' bytes as they are (false: decoded and encoded again). */
export function sendsRawBytes(): boolean {
  if (sequenceClass === undefined) sequenceClass = loadSequenceClass();
  return sequenceClass !== null;
}

interface WriteErrorReply {
  index: number;
  code?: number;
  errmsg?: string;
}

/** One `insert` command carrying `docs` as a document sequence. */
async function insertAsSequence(
  db: Db,
  Sequence: SequenceClass,
  collection: string,
  docs: readonly Uint8Array[],
): Promise<InsertBatchResult> {
  const section = new Sequence('documents');
  for (const doc of docs) section.push(null, doc);
  const reply = await db.command({ insert: collection, documents: section, ordered: false });
  const writeErrors = (reply.writeErrors ?? []) as WriteErrorReply[];
  if (reply.writeConcernError) {
    throw new MongoServerError({
      ...(reply.writeConcernError as Document),
      errmsg: `write concern: ${(reply.writeConcernError as { errmsg?: string }).errmsg ?? 'failed'}`,
    });
  }
  return {
    inserted: typeof reply.n === 'number' ? reply.n : 0,
    failures: writeErrors.map((writeError) => ({
      id: describeRawId(docs[writeError.index]),
      code: writeError.code,
      message: writeError.errmsg ?? 'write failed',
    })),
  };
}

/** Splits a batch so that no command goes over the servers' message or count limits. */
function* commandSlices(batch: readonly Uint8Array[]): Generator<readonly Uint8Array[]> {
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < batch.length; i++) {
    const size = (batch[i] as Uint8Array).length;
    const full =
      i - start >= MAX_DOCUMENTS_PER_COMMAND || bytes + size > MAX_MESSAGE_DOCUMENT_BYTES;
    if (i > start && full) {
      yield batch.slice(start, i);
      start = i;
      bytes = 0;
    }
    bytes += size;
  }
  if (start < batch.length) yield batch.slice(start);
}

/** The fallback: decoded with types and field order kept, inserted by `insertMany`. */
export async function insertDecodedBatch(
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
      id: describeRawId(batch[writeError.index]),
      code: writeError.code,
      message: writeError.errmsg ?? 'write failed',
    }));
    return { inserted: error.result.insertedCount, failures };
  }
}

/**
 * Unordered insert of one batch: every document that fails is reported with
 * its `_id`, none is skipped silently, and the others are still written.
 * Documents the server must not get (unsendableReason) are reported the
 * same way without being sent.
 */
export async function insertRawBatch(
  db: Db,
  collection: string,
  batch: readonly Uint8Array[],
  options: RawInsertOptions = {},
): Promise<InsertBatchResult> {
  if (batch.length === 0) return { inserted: 0, failures: [] };
  if (!sendsRawBytes()) return insertDecodedBatch(db, collection, batch);
  const total: InsertBatchResult = { inserted: 0, failures: [] };
  const sendable: Uint8Array[] = [];
  for (const doc of batch) {
    const reason = unsendableReason(doc, options);
    if (reason === undefined) sendable.push(doc);
    else total.failures.push({ id: describeRawId(doc), code: undefined, message: reason });
  }
  for (const slice of commandSlices(sendable)) {
    const result = await insertAsSequence(db, sequenceClass as SequenceClass, collection, slice);
    total.inserted += result.inserted;
    total.failures.push(...result.failures);
  }
  return total;
}
