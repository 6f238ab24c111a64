/**
 * The fixed parts of the mongodump `--archive` format (mongo-tools,
 * common/archive/spec.md) and the small BSON documents that frame it: the
 * archive header, one prelude entry per collection, and namespace headers.
 * Field names, order and BSON types follow what mongodump marshals, so that
 * `mongorestore --archive` reads our archives as its own.
 */
import { type Document, deserialize, Int32, serialize } from 'bson';

/** Written little-endian as the first four bytes of every archive. */
export const ARCHIVE_MAGIC = 0x8199e26d;
/** Ends the prelude and every namespace segment (0xffffffff read as int32). */
export const TERMINATOR_INT32 = -1;
export const TERMINATOR_BYTES: Buffer = Buffer.from([0xff, 0xff, 0xff, 0xff]);
export const ARCHIVE_FORMAT_VERSION = '0.1';
/** An empty BSON document: a length and a trailing zero byte. */
export const MIN_DOCUMENT_BYTES = 5;
/** mongorestore refuses anything larger (mongo-tools db.MaxBSONSize). */
export const MAX_WRITE_DOCUMENT_BYTES = 16 * 1024 * 1024;
/** Reading is more lenient than writing: the wire protocol's message limit. */
export const MAX_READ_DOCUMENT_BYTES = 48 * 1024 * 1024;

/** The document that follows the magic number. */
export interface ArchiveHeader {
  /** mongodump's --numParallelCollections; mongorestore restores at least this many at once. */
  concurrentCollections: number;
  /** Archive format version; always "0.1" so far. */
  version: string;
  serverVersion: string;
  toolVersion: string;
}

/** One prelude entry: a collection the archive holds, with its metadata.json. */
export interface ArchiveCollection {
  db: string;
  collection: string;
  /** The collection's metadata.json as canonical Extended JSON; may be empty. */
  metadata: string;
  /** Uncompressed bytes; informative only (mongodump writes 0). */
  size: number;
  /** "collection", "view" or "timeseries"; empty in archives of old mongodumps. */
  type: string;
}

/** Opens a segment of a namespace's documents, or (eof) closes the namespace. */
export interface NamespaceHeader {
  db: string;
  collection: string;
  eof: boolean;
  /** Signed, as mongodump stores `int64(crc)`; 0 unless eof. */
  crc: bigint;
}

/**
 * The collection whose documents carry a prelude entry's data: a time-series
 * collection's live in its buckets collection.
 */
export function getDataCollection(entry: Pick<ArchiveCollection, 'collection' | 'type'>): string {
  return entry.type === 'timeseries' ? `system.buckets.${entry.collection}` : entry.collection;
}

export function encodeArchiveHeader(header: ArchiveHeader): Uint8Array {
  return serialize({
    concurrent_collections: new Int32(header.concurrentCollections),
    version: header.version,
    server_version: header.serverVersion,
    tool_version: header.toolVersion,
  });
}

export function encodeArchiveCollection(entry: ArchiveCollection): Uint8Array {
  return serialize({
    db: entry.db,
    collection: entry.collection,
    metadata: entry.metadata,
    size: encodeGoInt(entry.size),
    type: entry.type,
  });
}

export function encodeNamespaceHeader(header: NamespaceHeader): Uint8Array {
  return serialize({
    db: header.db,
    collection: header.collection,
    EOF: header.eof,
    CRC: BigInt.asIntN(64, header.crc),
  });
}

// Go marshals a plain `int` field as int32 when it fits, else as int64.
function encodeGoInt(value: number): Int32 | bigint {
  const fitsInt32 = Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31;
  return fitsInt32 ? new Int32(value) : BigInt(Math.trunc(value));
}

/** Throws a plain Error naming the first field that does not fit. */
export function decodeArchiveHeader(bytes: Uint8Array): ArchiveHeader {
  const doc = decodeDocument(bytes);
  return {
    concurrentCollections: readNumber(doc, 'concurrent_collections'),
    version: readString(doc, 'version'),
    serverVersion: readString(doc, 'server_version'),
    toolVersion: readString(doc, 'tool_version'),
  };
}

export function decodeArchiveCollection(bytes: Uint8Array): ArchiveCollection {
  const doc = decodeDocument(bytes);
  return {
    db: readString(doc, 'db'),
    collection: readString(doc, 'collection'),
    metadata: readString(doc, 'metadata'),
    size: readNumber(doc, 'size'),
    type: readString(doc, 'type'),
  };
}

export function decodeNamespaceHeader(bytes: Uint8Array): NamespaceHeader {
  const doc = decodeDocument(bytes);
  const eof = doc.EOF ?? false;
  if (typeof eof !== 'boolean') throw new Error('field EOF is not a boolean');
  const crc = doc.CRC ?? 0n;
  if (typeof crc !== 'bigint' && !Number.isSafeInteger(crc)) {
    throw new Error('field CRC is not an integer');
  }
  return {
    db: readString(doc, 'db'),
    collection: readString(doc, 'collection'),
    eof,
    crc: BigInt(crc),
  };
}

function decodeDocument(bytes: Uint8Array): Document {
  return deserialize(bytes, { useBigInt64: true });
}

// Go leaves a missing field at its zero value; a field of the wrong type is damage.
function readString(doc: Document, field: string): string {
  const value = doc[field] ?? '';
  if (typeof value !== 'string') throw new Error(`field ${field} is not a string`);
  return value;
}

function readNumber(doc: Document, field: string): number {
  const value = doc[field] ?? 0;
  const number = typeof value === 'bigint' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) {
    throw new Error(`field ${field} is not an integer`);
  }
  return number;
}
