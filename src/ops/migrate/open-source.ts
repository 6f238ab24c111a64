/**
 * From `--from` to a migration source: a MongoDB URI (which must name its
 * database), `backup:<id>` (an nsctl backup; `latest` and id prefixes
 * work), a mongodump archive file, or a mongodump directory.
 */
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';

import { isDirectory, openDumpDir } from '../../adapters/dump-dir/dump-dir.js';
import { asNsctlError, readServerInfo, resolveDatabaseName } from '../../adapters/mongo/connect.js';
import { listDatabaseNames, readServerIdentity } from '../../adapters/mongo/server-facts.js';
import { NsctlError } from '../../core/errors.js';
import type { ServerIdentity } from '../../core/migrate/same-database.js';
import {
  BACKUP_PREFIX,
  findSourceBackup,
  isMongoUri,
  refuseMistypedUri,
  resolveSourceSettings as resolveSettings,
  type SourceContext,
} from '../backup/source-spec.js';
import { createArchiveSource } from './archive-source.js';
import { createDumpDirSource } from './dump-dir-source.js';
import { openLiveConnection } from './live-connection.js';
import { createMongoSource, type MongoSourceOptions } from './mongo-source.js';
import type { MigrationSource } from './source.js';

/** What pre-flight needs to know of a MongoDB source beyond what the copy reads. */
export interface LiveSourceFacts {
  uri: string;
  database: string;
  /** What the server says of itself; undefined when it does not tell. */
  identity: ServerIdentity | undefined;
  /** The server's databases, for a mistyped name; undefined when listDatabases is refused. */
  listDatabases(): Promise<string[] | undefined>;
}

export type OpenedSource = MigrationSource & { live?: LiveSourceFacts };

async function openBackup(idOrPrefix: string, context: SourceContext): Promise<MigrationSource> {
  const { openBackupArchive } = await import('../backup/archive-source.js');
  const { manifest, settings } = await findSourceBackup(idOrPrefix, context);
  return createArchiveSource({
    kind: 'backup',
    description: `backup ${manifest.id}`,
    open: () => openBackupArchive(settings.target, manifest, settings.keys),
    expected: new Map(
      manifest.collections.map((c) => [c.name, { documents: c.documents, bytes: c.bytes }]),
    ),
    expectedSha256: manifest.archive.sha256,
  });
}

async function openPath(path: string, context: SourceContext): Promise<MigrationSource> {
  const absolute = resolve(context.cwd, path);
  const exists = await access(absolute).then(
    () => true,
    () => false,
  );
  if (!exists) refuseMistypedUri(path, 'source');
  if (await isDirectory(absolute)) return createDumpDirSource(await openDumpDir(absolute));
  const { openArchiveFile } = await import('../backup/archive-source.js');
  const settings = await resolveSettings(context);
  // Opening once up front turns a missing or foreign file into a clear error now.
  const probe = await openArchiveFile(absolute, settings.keys);
  await probe.events.return(undefined);
  return createArchiveSource({
    kind: 'archive',
    description: `archive ${absolute}`,
    open: () => openArchiveFile(absolute, settings.keys),
  });
}

export async function openMigrationSource(
  spec: string,
  context: SourceContext,
  options: MongoSourceOptions,
): Promise<OpenedSource> {
  if (isMongoUri(spec)) {
    const target = { uri: spec };
    const connection = await openLiveConnection(target, {
      appName: 'nsctl migrate',
      ...(options.serverSelectionTimeoutMS
        ? { serverSelectionTimeoutMS: options.serverSelectionTimeoutMS }
        : {}),
    });
    try {
      const server = await readServerInfo({
        ...connection,
        db: connection.db,
        client: connection.client,
      });
      const identity = await readServerIdentity(connection.client);
      const live: LiveSourceFacts = {
        uri: spec,
        database: resolveDatabaseName(target),
        identity,
        listDatabases: () => listDatabaseNames(connection.client),
      };
      return Object.assign(createMongoSource(connection, target, server, options), { live });
    } catch (error) {
      await connection.close();
      throw asNsctlError(error, connection.safeUri);
    }
  }
  if (spec.startsWith(BACKUP_PREFIX)) {
    const id = spec.slice(BACKUP_PREFIX.length);
    if (id === '') throw new NsctlError('USAGE', 'backup: needs an id, e.g. backup:latest');
    return openBackup(id, context);
  }
  return openPath(spec, context);
}

export { isMongoUri, type SourceContext };
