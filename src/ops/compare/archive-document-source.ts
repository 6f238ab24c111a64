/**
 * A mongodump archive (an nsctl backup or a plain `--archive` file) as one
 * side of a comparison. The archive is read once: its prelude gives the
 * collections with options and indexes, then its documents stream by in
 * archive order, each namespace checked against its CRC by the reader.
 */
import type { ArchiveEvent, ArchivePreludeCollection } from '../../core/archive/archive-parser.js';
import { NsctlError } from '../../core/errors.js';
import type { OpenedArchive } from '../backup/archive-source.js';
import type { DocumentSource, SourceCollection, SourceDocument } from './document-source.js';

export interface ArchiveSourceOptions {
  description: string;
  /** Document counts known in advance (a backup's manifest). */
  expectedDocuments?: ReadonlyMap<string, number>;
  /** SHA-256 the stored bytes must have (a backup's manifest); checked at the end. */
  expectedSha256?: string;
}

function toSourceCollection(entry: ArchivePreludeCollection, expected?: number): SourceCollection {
  return {
    name: entry.collection,
    type: entry.type || 'collection',
    options: entry.parsedMetadata?.options ?? {},
    indexes: entry.parsedMetadata?.indexes ?? [],
    ...(expected === undefined ? {} : { expectedDocuments: expected }),
  };
}

export function createArchiveDocumentSource(
  archive: OpenedArchive,
  options: ArchiveSourceOptions,
): DocumentSource {
  const events = archive.events;
  let prelude: Promise<ArchivePreludeCollection[]> | undefined;

  const readPrelude = () => {
    prelude ??= events.next().then((first: IteratorResult<ArchiveEvent>) => {
      if (first.done || first.value.kind !== 'prelude') {
        throw new NsctlError('ARCHIVE_CORRUPT', `${options.description} has no prelude`);
      }
      return first.value.collections;
    });
    return prelude;
  };

  const checkStoredBytes = () => {
    const stored = archive.stored();
    if (options.expectedSha256 && stored.sha256 !== options.expectedSha256) {
      throw new NsctlError(
        'CHECKSUM_MISMATCH',
        `${options.description}: the archive's SHA-256 does not match its manifest`,
        {
          details: { expected: options.expectedSha256, actual: stored.sha256 },
        },
      );
    }
  };

  async function* readDocuments(
    names: readonly string[],
    signal?: AbortSignal,
  ): AsyncGenerator<SourceDocument> {
    await readPrelude();
    const wanted = new Set(names);
    for await (const event of { [Symbol.asyncIterator]: () => events }) {
      if (signal?.aborted) throw signal.reason;
      // Known shortcoming: a time-series collection's data arrives as
      // `system.buckets.*` documents, which are never requested, so it
      // compares as empty here. Goes when both kinds of source read buckets.
      if (event.kind === 'document' && wanted.has(event.collection)) {
        yield { collection: event.collection, document: event.document };
      }
    }
    checkStoredBytes();
  }

  return {
    description: options.description,
    async listCollections() {
      const entries = await readPrelude();
      return entries.map((entry) =>
        toSourceCollection(entry, options.expectedDocuments?.get(entry.collection)),
      );
    },
    readDocuments,
    async close() {
      await events.return(undefined);
    },
  };
}
