/**
 * A mongodump directory as one side of a comparison: each collection's
 * `.bson` (or `.bson.gz`) file read start to end, one after another, with
 * the collection's options and indexes from its `.metadata.json`.
 */
import { readBsonFile } from '../../adapters/dump-dir/bson-file.js';
import {
  type DumpCollection,
  type DumpDirectory,
  readDumpMetadata,
} from '../../adapters/dump-dir/dump-dir.js';
import type { SourceCollectionInfo } from '../../core/migrate/plan.js';
import type { DocumentSource, SourceCollection } from './document-source.js';

const ID_INDEX = { v: 2, key: { _id: 1 }, name: '_id_' };

export async function describeDumpCollection(
  collection: DumpCollection,
): Promise<SourceCollectionInfo> {
  const metadata = await readDumpMetadata(collection);
  const type = metadata?.type ?? (collection.bsonFile ? 'collection' : 'view');
  return {
    name: collection.name,
    type,
    options: metadata?.options ?? {},
    // Without its metadata file a collection still has the index every collection has.
    indexes: metadata?.indexes ?? (type === 'collection' ? [ID_INDEX] : []),
    ...(collection.bsonFile && !collection.gzip ? { bytes: collection.fileBytes } : {}),
  };
}

/** The collection's documents in file order, after the first `skip`. */
export async function* readDumpCollection(
  collection: DumpCollection | undefined,
  skip: number,
  signal?: AbortSignal,
): AsyncGenerator<Buffer> {
  if (!collection?.bsonFile) return;
  let left = skip;
  for await (const doc of readBsonFile(collection.bsonFile, {
    gzip: collection.gzip,
    ...(signal ? { signal } : {}),
  })) {
    if (left > 0) {
      left--;
      continue;
    }
    yield doc;
  }
}

export function createDumpDocumentSource(dump: DumpDirectory, description: string): DocumentSource {
  const byName = new Map(dump.collections.map((c) => [c.name, c]));
  return {
    description,
    async listCollections(): Promise<SourceCollection[]> {
      const infos = await Promise.all(dump.collections.map(describeDumpCollection));
      return infos.map(({ name, type, options, indexes }) => ({ name, type, options, indexes }));
    },
    async *readDocuments(names, signal) {
      for (const name of names) {
        for await (const document of readDumpCollection(byName.get(name), 0, signal)) {
          yield { collection: name, document };
        }
      }
    },
    close: async () => {},
  };
}
