/**
 * A mongodump directory as the source. Every collection is its own file,
 * so several are read at once; a resumed copy skips the documents it
 * handled before (a file's order never changes). It is also a side for the
 * verification engine, which reads the collections one after another.
 */
import { readBsonFile } from '../../adapters/dump-dir/bson-file.js';
import {
  type DumpCollection,
  type DumpDirectory,
  readDumpMetadata,
} from '../../adapters/dump-dir/dump-dir.js';
import { readIdElement } from '../../core/compare/bson-elements.js';
import type { SourceCollectionInfo } from '../../core/migrate/plan.js';
import type { DocumentSource, SourceCollection } from '../compare/document-source.js';
import { collectByIds, type MigrationSource, type ReadFrom } from './source.js';

async function describe(collection: DumpCollection): Promise<SourceCollectionInfo> {
  const metadata = await readDumpMetadata(collection);
  return {
    name: collection.name,
    type: metadata?.type ?? (collection.bsonFile ? 'collection' : 'view'),
    options: metadata?.options ?? {},
    indexes: metadata?.indexes ?? [],
    ...(collection.bsonFile && !collection.gzip ? { bytes: collection.fileBytes } : {}),
  };
}

async function* readFrom(
  collection: DumpCollection | undefined,
  from: ReadFrom,
  signal?: AbortSignal,
) {
  if (!collection?.bsonFile) return;
  let skip = from.documents;
  for await (const doc of readBsonFile(collection.bsonFile, {
    gzip: collection.gzip,
    ...(signal ? { signal } : {}),
  })) {
    if (skip > 0) {
      skip--;
      continue;
    }
    yield doc;
  }
}

function createDumpDocumentSource(dump: DumpDirectory, description: string): DocumentSource {
  const byName = new Map(dump.collections.map((c) => [c.name, c]));
  return {
    description,
    async listCollections(): Promise<SourceCollection[]> {
      const infos = await Promise.all(dump.collections.map(describe));
      return infos.map(({ name, type, options, indexes }) => ({ name, type, options, indexes }));
    },
    async *readDocuments(names, signal) {
      for (const name of names) {
        for await (const document of readFrom(byName.get(name), { documents: 0 }, signal)) {
          yield { collection: name, document };
        }
      }
    },
    close: async () => {},
  };
}

export function createDumpDirSource(dump: DumpDirectory): MigrationSource {
  const byName = new Map(dump.collections.map((c) => [c.name, c]));
  const description = `mongodump directory ${dump.path}`;
  return {
    kind: 'dump-dir',
    description,
    paging: 'stream',
    pagingReason: 'each .bson file is read start to end; a resumed copy skips what it handled',
    listCollections: () => Promise.all(dump.collections.map(describe)),
    readCollection: (name, from, signal) => readFrom(byName.get(name), from, signal),
    findByIds: (name, ids, signal) =>
      collectByIds(readFrom(byName.get(name), { documents: 0 }, signal), ids, readIdElement),
    openVerifySource: async () => createDumpDocumentSource(dump, description),
    close: async () => {},
  };
}
