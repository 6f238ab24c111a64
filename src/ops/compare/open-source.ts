/**
 * From what a user types to a document source: a MongoDB URI, `backup:<id>`
 * (an nsctl backup; `latest` and id prefixes work), the path of a
 * mongodump archive file (plain, gzip or age) or of a mongodump directory.
 */
import { NsctlError } from '../../core/errors.js';
import {
  BACKUP_PREFIX,
  findSourceBackup,
  isMongoUri,
  refuseMistypedUri,
  resolveSourceSettings as resolveSettings,
  type SourceContext,
} from '../backup/source-spec.js';
import { createArchiveDocumentSource } from './archive-document-source.js';
import type { DocumentSource } from './document-source.js';
import { openMongoDocumentSource } from './mongo-document-source.js';

async function openBackup(idOrPrefix: string, context: SourceContext): Promise<DocumentSource> {
  const { openBackupArchive } = await import('../backup/archive-source.js');
  const { manifest, settings } = await findSourceBackup(idOrPrefix, context);
  const archive = await openBackupArchive(settings.target, manifest, settings.keys);
  return createArchiveDocumentSource(archive, {
    description: `backup ${manifest.id}`,
    expectedDocuments: new Map(manifest.collections.map((c) => [c.name, c.documents])),
    expectedSha256: manifest.archive.sha256,
  });
}

async function openFile(path: string, context: SourceContext): Promise<DocumentSource> {
  const { resolve } = await import('node:path');
  const { openArchiveFile } = await import('../backup/archive-source.js');
  const settings = await resolveSettings(context);
  const absolute = resolve(context.cwd, path);
  const { access } = await import('node:fs/promises');
  const exists = await access(absolute).then(
    () => true,
    () => false,
  );
  if (!exists) refuseMistypedUri(path, 'source');
  const { isDirectory, openDumpDir } = await import('../../adapters/dump-dir/dump-dir.js');
  if (await isDirectory(absolute)) {
    const { createDumpDocumentSource } = await import('./dump-document-source.js');
    return createDumpDocumentSource(await openDumpDir(absolute), `mongodump directory ${absolute}`);
  }
  const archive = await openArchiveFile(absolute, settings.keys);
  return createArchiveDocumentSource(archive, { description: `archive ${absolute}` });
}

/** Opens a source named by a URI, `backup:<id>`, an archive path or a dump directory. */
export async function openDocumentSource(
  spec: string,
  context: SourceContext,
): Promise<DocumentSource> {
  if (isMongoUri(spec)) return openMongoDocumentSource({ uri: spec });
  if (spec.startsWith(BACKUP_PREFIX)) {
    const id = spec.slice(BACKUP_PREFIX.length);
    if (id === '') throw new NsctlError('USAGE', 'backup: needs an id, e.g. backup:latest');
    return openBackup(id, context);
  }
  return openFile(spec, context);
}

export { isMongoUri, type SourceContext };
