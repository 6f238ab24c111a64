/**
 * What a migration reads from: a MongoDB database, an nsctl backup, a
 * mongodump archive file or a mongodump directory. Each tells how it is
 * read (and so how a resumed copy finds its place), lists its collections,
 * streams documents as raw BSON, finds documents by `_id` for convergence,
 * and opens itself as a side for the verification engine.
 */
import type { ServerInfo } from '../../adapters/mongo/connect.js';
import type { PagingMode } from '../../core/migrate/checkpoint.js';
import type { SourceCollectionInfo } from '../../core/migrate/plan.js';
import type { DocumentSource } from '../compare/document-source.js';
import type { ChangeCapture, ClusterTime } from './change-capture.js';

export type SourceKind = 'mongodb' | 'backup' | 'archive' | 'dump-dir';

/** Where a collection's read resumes: after this many documents, the last with this `_id`. */
export interface ReadFrom {
  documents: number;
  /** `_id` type byte and value bytes of the last document handled. */
  lastId?: Uint8Array;
}

export interface TaggedDocument {
  collection: string;
  document: Buffer;
}

export interface MigrationSource {
  readonly kind: SourceKind;
  /** Credentials masked; for messages, the state file and the report. */
  readonly description: string;
  readonly paging: PagingMode;
  /** Why this paging was chosen, for the plan. */
  readonly pagingReason: string;
  /** The server, for MongoDB sources. */
  readonly server?: ServerInfo;
  listCollections(): Promise<SourceCollectionInfo[]>;
  /** One collection's documents from `from` on; several may be read at once. Absent for archives. */
  readCollection?(name: string, from: ReadFrom, signal?: AbortSignal): AsyncIterable<Buffer>;
  /** Archives: the documents of all named collections in one pass, in archive order. */
  readAll?(names: readonly string[], signal?: AbortSignal): AsyncIterable<TaggedDocument>;
  /** The current documents with these `_id`s; those no longer there are left out. */
  findByIds(name: string, ids: readonly Uint8Array[], signal?: AbortSignal): Promise<Buffer[]>;
  /**
   * Starts collecting the `_id`s written on the source from `from` (default:
   * now); undefined when the source has no change streams.
   */
  captureChanges?(
    names: readonly string[],
    from: ClusterTime | undefined,
  ): Promise<{ capture: ChangeCapture; from: ClusterTime } | undefined>;
  /** A fresh reader of the same data for the verification engine; the caller closes it. */
  openVerifySource(): Promise<DocumentSource>;
  close(): Promise<void>;
}

/** Picks, in one pass over a stream, the documents whose `_id` is in `ids`. */
export async function collectByIds(
  docs: AsyncIterable<Buffer>,
  ids: readonly Uint8Array[],
  readId: (doc: Buffer) => Uint8Array | undefined,
): Promise<Buffer[]> {
  const wanted = new Set(ids.map((id) => Buffer.from(id).toString('latin1')));
  const found: Buffer[] = [];
  for await (const doc of docs) {
    const id = readId(doc);
    if (id && wanted.has(Buffer.from(id).toString('latin1'))) found.push(Buffer.from(doc));
    if (found.length === wanted.size) break;
  }
  return found;
}
