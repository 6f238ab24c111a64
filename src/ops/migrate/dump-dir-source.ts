/**
 * A mongodump directory as the source. Every collection is its own file,
 * so several are read at once; a resumed copy skips the documents it
 * handled before (a file's order never changes). Its verification side is
 * the same directory read by the comparison engine.
 */
import type { DumpDirectory } from '../../adapters/dump-dir/dump-dir.js';
import { readIdElement } from '../../core/compare/bson-elements.js';
import {
  createDumpDocumentSource,
  describeDumpCollection,
  readDumpCollection,
} from '../compare/dump-document-source.js';
import { collectByIds, type MigrationSource } from './source.js';

export function createDumpDirSource(dump: DumpDirectory): MigrationSource {
  const byName = new Map(dump.collections.map((c) => [c.name, c]));
  const description = `mongodump directory ${dump.path}`;
  return {
    kind: 'dump-dir',
    description,
    paging: 'stream',
    pagingReason: 'each .bson file is read start to end; a resumed copy skips what it handled',
    listCollections: () => Promise.all(dump.collections.map(describeDumpCollection)),
    readCollection: (name, from, signal) =>
      readDumpCollection(byName.get(name), from.documents, signal),
    findByIds: (name, ids, signal) =>
      collectByIds(readDumpCollection(byName.get(name), 0, signal), ids, readIdElement),
    openVerifySource: async () => createDumpDocumentSource(dump, description),
    close: async () => {},
  };
}
