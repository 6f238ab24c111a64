/**
 * Writes the mongodump `--archive` format as a byte stream, the way
 * mongodump's multiplexer does (mongo-tools, common/archive/multiplexer.go):
 * prelude first, then segments of raw BSON documents framed by namespace
 * headers, each namespace closed by a header that carries its CRC-64. The
 * output restores with `mongorestore --archive` (add --gzip once gzipped).
 */
import type { Readable } from 'node:stream';
import { type ChunkSinkOptions, createChunkSink } from './chunk-sink.js';
import { type Crc64, createCrc64 } from './crc64.js';
import {
  ARCHIVE_FORMAT_VERSION,
  ARCHIVE_MAGIC,
  type ArchiveCollection,
  encodeArchiveCollection,
  encodeArchiveHeader,
  encodeNamespaceHeader,
  getDataCollection,
  TERMINATOR_BYTES,
} from './format.js';
import { formatNamespace } from './namespace-tracker.js';
import { checkDocument } from './writer-checks.js';

export interface ArchiveWriterOptions extends ChunkSinkOptions {
  header: {
    serverVersion: string;
    toolVersion: string;
    /**
     * How many namespaces may be open (started, not ended) at once; default 1.
     * mongorestore needs at least this many restore workers or it deadlocks,
     * so the writer refuses to open more.
     */
    concurrentCollections?: number;
  };
  /** Every collection the archive will hold, in prelude order. */
  collections: ArchiveCollectionInput[];
}

export interface ArchiveCollectionInput {
  db: string;
  collection: string;
  /** metadata.json text from {@link buildCollectionMetadata}; "" for none. */
  metadata: string;
  /** Uncompressed bytes, informative only; default 0, as mongodump writes. */
  size?: number;
  /** Default "collection". */
  type?: string;
}

export interface NamespaceSummary {
  db: string;
  collection: string;
  documents: number;
  bytes: number;
  /** CRC-64/ECMA of the documents, unsigned. */
  crc: bigint;
}

export interface ArchiveNamespaceWriter {
  readonly db: string;
  readonly collection: string;
  /**
   * Appends one raw BSON document (copied; the buffer may be reused at once).
   * Resolves at once unless the stream's reader has fallen behind; throws at
   * once on a malformed document, misuse, or a stream that has failed.
   */
  write(document: Uint8Array): Promise<void>;
  /** Closes the namespace; a namespace that never got a document is written empty. */
  end(): NamespaceSummary;
}

export interface ArchiveWriter {
  /** The archive bytes, in chunks of `chunkBytes`. */
  readonly stream: Readable;
  /** The writer for a collection listed in `collections`; the same one on every call. */
  namespace(db: string, collection: string): ArchiveNamespaceWriter;
  /** Ends the stream; every namespace must have ended. */
  finish(): void;
  /** Fails the stream with `error` so that no one keeps a partial archive. */
  abort(error: Error): void;
}

interface Slot {
  readonly entry: ArchiveCollection;
  readonly dataCollection: string;
  readonly openHeader: Uint8Array;
  readonly crc: Crc64;
  documents: number;
  bytes: number;
  state: 'unopened' | 'open' | 'ended';
  writer?: ArchiveNamespaceWriter;
}

export function createArchiveWriter(options: ArchiveWriterOptions): ArchiveWriter {
  const sink = createChunkSink(options);
  const concurrency = options.header.concurrentCollections ?? 1;
  const slots = createSlots(options.collections);
  let current: Slot | undefined;
  let openCount = 0;

  writePrelude(sink.append, options, slots);

  function checkUsable(slot: Slot): void {
    if (sink.failure !== undefined) throw sink.failure;
    if (slot.state === 'ended') throw new Error(`${nameOf(slot)} was already ended.`);
  }

  function enter(slot: Slot): void {
    if (current === slot) return;
    if (slot.state === 'unopened') {
      if (openCount >= concurrency) {
        throw new Error(`Opening ${nameOf(slot)} exceeds concurrentCollections (${concurrency}).`);
      }
      openCount++;
      slot.state = 'open';
    }
    if (current !== undefined) sink.append(TERMINATOR_BYTES);
    sink.append(slot.openHeader);
    current = slot;
  }

  function write(slot: Slot, document: Uint8Array): Promise<void> {
    checkUsable(slot);
    checkDocument(document, nameOf(slot));
    enter(slot);
    sink.append(document);
    slot.crc.update(document);
    slot.documents++;
    slot.bytes += document.length;
    return sink.ready();
  }

  // As mongodump: an empty namespace still gets a (document-less) segment,
  // which mongorestore needs to create an empty collection or a view.
  function end(slot: Slot): NamespaceSummary {
    checkUsable(slot);
    if (slot.state === 'unopened') enter(slot);
    if (current !== undefined) sink.append(TERMINATOR_BYTES);
    current = undefined;
    const crc = slot.crc.digest();
    const { db } = slot.entry;
    sink.append(encodeNamespaceHeader({ db, collection: slot.dataCollection, eof: true, crc }));
    sink.append(TERMINATOR_BYTES);
    slot.state = 'ended';
    openCount--;
    return {
      db,
      collection: slot.entry.collection,
      documents: slot.documents,
      bytes: slot.bytes,
      crc,
    };
  }

  return {
    stream: sink.stream,
    namespace(db, collection) {
      const slot = slots.get(formatNamespace(db, collection));
      if (slot === undefined)
        throw new Error(`${formatNamespace(db, collection)} is not in the prelude.`);
      slot.writer ??= { db, collection, write: (doc) => write(slot, doc), end: () => end(slot) };
      return slot.writer;
    },
    finish() {
      if (sink.failure !== undefined) throw sink.failure;
      const open = [...slots.values()].filter((slot) => slot.state !== 'ended').map(nameOf);
      if (open.length > 0) throw new Error(`Namespaces not ended: ${open.join(', ')}.`);
      sink.close();
    },
    abort(error) {
      sink.destroy(error);
    },
  };
}

function createSlots(collections: ArchiveCollectionInput[]): Map<string, Slot> {
  const slots = new Map<string, Slot>();
  for (const input of collections) {
    const entry: ArchiveCollection = { size: 0, type: 'collection', ...input };
    const name = formatNamespace(entry.db, entry.collection);
    if (slots.has(name)) throw new Error(`${name} is listed twice.`);
    const dataCollection = getDataCollection(entry);
    const header = { db: entry.db, collection: dataCollection, eof: false, crc: 0n };
    const openHeader = encodeNamespaceHeader(header);
    const slot: Slot = {
      entry,
      dataCollection,
      openHeader,
      crc: createCrc64(),
      documents: 0,
      bytes: 0,
      state: 'unopened',
    };
    slots.set(name, slot);
  }
  return slots;
}

function writePrelude(
  append: (bytes: Uint8Array) => void,
  options: ArchiveWriterOptions,
  slots: Map<string, Slot>,
): void {
  const magic = Buffer.allocUnsafe(4);
  magic.writeUInt32LE(ARCHIVE_MAGIC, 0);
  append(magic);
  const { serverVersion, toolVersion, concurrentCollections = 1 } = options.header;
  const version = ARCHIVE_FORMAT_VERSION;
  append(encodeArchiveHeader({ concurrentCollections, version, serverVersion, toolVersion }));
  for (const slot of slots.values()) append(encodeArchiveCollection(slot.entry));
  append(TERMINATOR_BYTES);
}

function nameOf(slot: Slot): string {
  return formatNamespace(slot.entry.db, slot.entry.collection);
}
