/**
 * An archive as the source: an nsctl backup or a `mongodump --archive`
 * file (plain, gzip or age). An archive interleaves its collections and is
 * read start to end, so the copy takes all collections in one pass, and a
 * resumed copy skips, per collection, the documents it handled before (the
 * archive's order never changes). Each pass re-opens the file.
 */
import type { ArchivePreludeCollection } from '../../core/archive/archive-parser.js';
import { readIdElement } from '../../core/compare/bson-elements.js';
import { NsctlError } from '../../core/errors.js';
import type { SourceCollectionInfo } from '../../core/migrate/plan.js';
import type { OpenedArchive } from '../backup/archive-source.js';
import {
  checkManifestCollections,
  checkManifestCount,
  createArchiveDocumentSource,
} from '../compare/archive-document-source.js';
import { collectByIds, type MigrationSource, type TaggedDocument } from './source.js';

export interface ArchiveSourceOptions {
  kind: 'backup' | 'archive';
  description: string;
  open: () => Promise<OpenedArchive>;
  /** From a backup's manifest. */
  expected?: ReadonlyMap<string, { documents: number; bytes: number }>;
  expectedSha256?: string;
}

async function readPrelude(
  archive: OpenedArchive,
  description: string,
  expected: ReadonlyMap<string, number> | undefined,
) {
  const first = await archive.events.next();
  if (first.done || first.value.kind !== 'prelude') {
    throw new NsctlError('ARCHIVE_CORRUPT', `${description} has no prelude`);
  }
  checkManifestCollections(first.value.collections, expected, description);
  return first.value.collections;
}

function toInfo(
  entry: ArchivePreludeCollection,
  expected: ArchiveSourceOptions['expected'],
): SourceCollectionInfo {
  const known = expected?.get(entry.collection);
  return {
    name: entry.collection,
    type: entry.type || entry.parsedMetadata?.type || 'collection',
    options: entry.parsedMetadata?.options ?? {},
    indexes: entry.parsedMetadata?.indexes ?? [],
    ...(known ? { documents: known.documents, bytes: known.bytes } : {}),
  };
}

export function createArchiveSource(options: ArchiveSourceOptions): MigrationSource {
  const expectedDocuments = options.expected
    ? new Map([...options.expected].map(([name, e]) => [name, e.documents]))
    : undefined;

  async function* readAll(
    names: readonly string[],
    signal?: AbortSignal,
  ): AsyncGenerator<TaggedDocument> {
    const wanted = new Set(names);
    const archive = await options.open();
    try {
      await readPrelude(archive, options.description, expectedDocuments);
      for await (const event of { [Symbol.asyncIterator]: () => archive.events }) {
        if (signal?.aborted) throw signal.reason;
        checkManifestCount(event, expectedDocuments, options.description);
        if (event.kind === 'document' && wanted.has(event.collection)) {
          yield { collection: event.collection, document: event.document };
        }
      }
    } finally {
      await archive.events.return(undefined).catch(() => undefined);
    }
  }

  async function* documentsOf(name: string, signal?: AbortSignal) {
    for await (const tagged of readAll([name], signal)) yield tagged.document;
  }

  return {
    kind: options.kind,
    description: options.description,
    paging: 'stream',
    pagingReason: 'the archive is read once, start to end, all collections together',
    async listCollections() {
      const archive = await options.open();
      try {
        const prelude = await readPrelude(archive, options.description, expectedDocuments);
        return prelude
          .filter((entry) => !entry.collection.startsWith('system.'))
          .map((entry) => toInfo(entry, options.expected));
      } finally {
        await archive.events.return(undefined).catch(() => undefined);
      }
    },
    readAll,
    findByIds: (name, ids, signal) => collectByIds(documentsOf(name, signal), ids, readIdElement),
    async openVerifySource() {
      return createArchiveDocumentSource(await options.open(), {
        description: options.description,
        ...(expectedDocuments ? { expectedDocuments } : {}),
        ...(options.expectedSha256 ? { expectedSha256: options.expectedSha256 } : {}),
      });
    },
    close: async () => {},
  };
}
