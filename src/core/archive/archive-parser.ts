/**
 * A push parser for the mongodump archive format: feed it chunks of any size
 * and it returns what they completed. It never waits and never reads ahead,
 * so it can be driven by a stream, a test or a fuzzer alike. Each step takes
 * at least four bytes, so damaged input always ends in an NsctlError rather
 * than a loop.
 */
import { createCorruptError, createTruncatedError } from './archive-errors.js';
import {
  type ArchiveCollection,
  type ArchiveHeader,
  decodeArchiveCollection,
  decodeArchiveHeader,
  decodeNamespaceHeader,
} from './format.js';
import { createItemReader, TERMINATOR } from './item-reader.js';
import { type CollectionMetadata, parseCollectionMetadata } from './metadata.js';
import {
  createNamespaceTracker,
  formatNamespace,
  type NamespaceState,
  readArchiveCrc,
} from './namespace-tracker.js';

export interface ArchivePreludeCollection extends ArchiveCollection {
  /** `metadata` parsed; undefined when the archive carries none for it. */
  parsedMetadata: CollectionMetadata | undefined;
}

export type ArchiveEvent =
  /** First, once: the archive header and every collection it holds. */
  | { kind: 'prelude'; header: ArchiveHeader; collections: ArchivePreludeCollection[] }
  /** Raw BSON, never decoded: a view of the input chunk when it lay in one. */
  | { kind: 'document'; db: string; collection: string; document: Buffer }
  /** A namespace is complete and its documents match the CRC it records. */
  | {
      kind: 'namespace-end';
      db: string;
      collection: string;
      documents: number;
      bytes: number;
      /** The CRC the archive records (signed, as stored). */
      crc: bigint;
      /** Always true unless `crcMismatch` is 'report'. */
      crcOk: boolean;
    };

export interface ArchiveParserOptions {
  /** Names the archive in error messages, e.g. `archive nightly.archive.gz`; default "archive". */
  label?: string;
  /** 'throw' (default) fails on a CRC mismatch; 'report' sets `crcOk: false` and goes on. */
  crcMismatch?: 'throw' | 'report';
}

export interface ArchiveParser {
  /** Takes the next chunk; returns the events it completed, in order. */
  push(chunk: Uint8Array): ArchiveEvent[];
  /** Declares the input finished; throws ARCHIVE_TRUNCATED if the archive is not complete. */
  end(): void;
}

type Phase = 'prelude-header' | 'prelude-body' | 'block-start' | 'block-body' | 'block-end';

export function createArchiveParser(options: ArchiveParserOptions = {}): ArchiveParser {
  const label = options.label ?? 'archive';
  const items = createItemReader(label);
  const namespaces = createNamespaceTracker();
  const collections: ArchivePreludeCollection[] = [];
  let phase: Phase | 'magic' = 'magic';
  let header: ArchiveHeader | undefined;
  let current: NamespaceState | undefined;
  let events: ArchiveEvent[] = [];

  const corrupt = (problem: string, cause?: unknown) =>
    createCorruptError({ label, offset: items.itemOffset }, problem, cause);

  function decode<T>(what: string, decoder: (bytes: Buffer) => T, bytes: Buffer): T {
    try {
      return decoder(bytes);
    } catch (error) {
      throw corrupt(`the ${what} does not decode (${(error as Error).message})`, error);
    }
  }

  function readPreludeEntry(bytes: Buffer): void {
    const entry = decode('prelude entry', decodeArchiveCollection, bytes);
    const name = formatNamespace(entry.db, entry.collection);
    if (!namespaces.register(entry)) throw corrupt(`the prelude lists ${name} twice`);
    let parsedMetadata: CollectionMetadata | undefined;
    try {
      parsedMetadata = entry.metadata === '' ? undefined : parseCollectionMetadata(entry.metadata);
    } catch (error) {
      throw corrupt(`the metadata of ${name} is not valid Extended JSON`, error);
    }
    collections.push({ ...entry, parsedMetadata });
  }

  function openBlock(bytes: Buffer): void {
    const ns = decode('namespace header', decodeNamespaceHeader, bytes);
    const name = formatNamespace(ns.db, ns.collection);
    const state = namespaces.find(ns.db, ns.collection);
    if (state === undefined) throw corrupt(`namespace ${name} is not listed in the prelude`);
    if (state.status === 'closed') throw corrupt(`namespace ${name} continues after its end`);
    if (!ns.eof) {
      state.status = 'open';
      current = state;
      phase = 'block-body';
      return;
    }
    const actual = readArchiveCrc(state);
    const crcOk = actual === ns.crc;
    if (!crcOk && options.crcMismatch !== 'report') {
      throw corrupt(`the CRC of ${name} is ${actual}, the archive records ${ns.crc}`);
    }
    state.status = 'closed';
    phase = 'block-end';
    const { db, collection, documents, bytes: size } = state;
    events.push({
      kind: 'namespace-end',
      db,
      collection,
      documents,
      bytes: size,
      crc: ns.crc,
      crcOk,
    });
  }

  function addDocument(state: NamespaceState, document: Buffer): void {
    state.crc.update(document);
    state.documents++;
    state.bytes += document.length;
    events.push({ kind: 'document', db: state.db, collection: state.collection, document });
  }

  function handleTerminator(): void {
    switch (phase) {
      case 'prelude-header':
        throw corrupt('the archive header is missing');
      case 'prelude-body':
        events.push({ kind: 'prelude', header: header as ArchiveHeader, collections });
        phase = 'block-start';
        break;
      case 'block-start':
        throw corrupt('a terminator follows another terminator');
      case 'block-body':
        current = undefined;
        phase = 'block-start';
        break;
      case 'block-end':
        phase = 'block-start';
        break;
    }
  }

  function handleDocument(bytes: Buffer): void {
    switch (phase) {
      case 'prelude-header':
        header = decode('archive header', decodeArchiveHeader, bytes);
        phase = 'prelude-body';
        break;
      case 'prelude-body':
        readPreludeEntry(bytes);
        break;
      case 'block-start':
        openBlock(bytes);
        break;
      case 'block-body':
        addDocument(current as NamespaceState, bytes);
        break;
      case 'block-end':
        throw corrupt('a document follows the end of its namespace');
    }
  }

  function step(): boolean {
    if (phase === 'magic') {
      if (!items.readMagic()) return false;
      phase = 'prelude-header';
      return true;
    }
    const item = items.readItem();
    if (item === undefined) return false;
    if (item === TERMINATOR) handleTerminator();
    else handleDocument(item);
    return true;
  }

  function checkComplete(): void {
    const at = { label, offset: items.offset + items.pending };
    if (at.offset === 0) throw createTruncatedError(at, 'it is empty');
    if (phase !== 'block-start' || items.pending > 0) {
      throw createTruncatedError(at, `it stops inside ${describePhase(phase)}`);
    }
    const unfinished = namespaces.listUnfinished();
    if (unfinished.length > 0) {
      throw createTruncatedError(at, `it stops before the end of ${unfinished.join(', ')}`);
    }
  }

  // After a failure the parser's position means nothing: it keeps failing.
  let failure: unknown;
  function guard<T>(action: () => T): T {
    if (failure !== undefined) throw failure;
    try {
      return action();
    } catch (error) {
      failure = error;
      throw error;
    }
  }

  return {
    push(chunk) {
      return guard(() => {
        events = [];
        items.push(chunk);
        while (step()) {}
        return events;
      });
    },
    end() {
      guard(checkComplete);
    },
  };
}

function describePhase(phase: Phase | 'magic'): string {
  if (phase === 'magic' || phase === 'prelude-header') return 'its header';
  if (phase === 'prelude-body') return 'its prelude';
  if (phase === 'block-body') return 'the documents of a namespace';
  return 'a namespace header';
}
