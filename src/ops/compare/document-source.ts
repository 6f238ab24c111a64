/**
 * One side of a comparison, whatever holds it: a MongoDB database, an nsctl
 * backup or a mongodump archive file. An archive interleaves its
 * collections and can be read only once, start to end, so a source yields
 * the documents of all requested collections in one pass, each tagged with
 * its collection, rather than one stream per collection.
 */
import type { Document } from 'mongodb';

export interface SourceCollection {
  name: string;
  /** "collection", "view" or "timeseries". */
  type: string;
  options: Document;
  /** Index specs as listIndexes (or an archive's metadata) gives them. */
  indexes: Document[];
  /** Expected document count, when the source knows it in advance. */
  expectedDocuments?: number;
}

export interface SourceDocument {
  collection: string;
  /** Raw BSON; valid after the next document is read. */
  document: Buffer;
}

export interface DocumentSource {
  /** Where the documents come from, credentials masked; for messages and reports. */
  readonly description: string;
  /** Every collection with its options and indexes (system collections included). */
  listCollections(): Promise<SourceCollection[]>;
  /** The documents of the named collections, once each, in whatever order the source holds them. */
  readDocuments(
    collections: readonly string[],
    signal?: AbortSignal,
  ): AsyncIterable<SourceDocument>;
  /**
   * A few documents of a collection by `_id` (type byte then value bytes),
   * to show which fields differ; absent for sources that cannot look up.
   */
  findDocuments?(collection: string, ids: readonly Uint8Array[]): Promise<Buffer[]>;
  close(): Promise<void>;
}
