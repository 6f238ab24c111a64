/**
 * `nsctl backup run`: one streaming pass from MongoDB to storage. The
 * archive is written under a temporary name that stays invisible until it
 * is committed; the manifest, the mark of a complete backup, is written
 * last. An interrupted or failed run leaves nothing that looks like a good
 * backup, only a small failure record.
 */
import {
  type CollectionSelection,
  type CollectionSpec,
  listCollectionSpecs,
} from '../../adapters/mongo/collections.js';
import {
  asNsctlError,
  connectMongo,
  type MongoTarget,
  readServerInfo,
} from '../../adapters/mongo/connect.js';
import type { BackupTarget } from '../../adapters/storage/target.js';
import { createBackupId, type Manifest, serializeManifest } from '../../core/backup/manifest.js';
import { isNsctlError, NsctlError } from '../../core/errors.js';
import type { Progress } from '../../core/progress.js';
import { redact } from '../../core/redact.js';
import {
  archiveNameFor,
  type BackupEncryption,
  describeEncryption,
  type FailureRecord,
  failureNameFor,
  manifestNameFor,
} from './naming.js';
import { writeArchive } from './write-archive.js';

export interface BackupRunOptions {
  source: MongoTarget;
  instance: string;
  target: BackupTarget;
  compression: 'gzip' | 'none';
  encryption: BackupEncryption;
  selection?: CollectionSelection;
  kind?: 'backup' | 'rollback-point';
  label?: string;
  /** Collections read at once (interleaved in the archive). Default 2. */
  parallel?: number;
  progress: Progress;
  signal?: AbortSignal;
  toolVersion: string;
  now?: () => Date;
}

export interface BackupRunResult {
  manifest: Manifest;
  /** Where the archive is, for people. */
  location: string;
  durationMs: number;
}

const MAX_LABEL = 200;

function isPartial(selection: CollectionSelection | undefined): boolean {
  return (selection?.include?.length ?? 0) > 0 || (selection?.exclude?.length ?? 0) > 0;
}

/** A name in --collections that matches nothing is a typo, not an empty backup. */
function checkSelection(specs: CollectionSpec[], selection: CollectionSelection | undefined): void {
  const found = new Set(specs.map((s) => s.name));
  const missing = (selection?.include ?? []).filter((name) => !found.has(name));
  if (missing.length > 0) {
    throw new NsctlError(
      'USAGE',
      `no collection ${missing.map((n) => `"${n}"`).join(', ')} in this database`,
      {
        hint: 'Check the spelling; `nsctl backup run --dry-run` lists the collections.',
      },
    );
  }
}

export async function runBackup(options: BackupRunOptions): Promise<BackupRunResult> {
  if (
    options.label !== undefined &&
    (options.label.length === 0 || options.label.length > MAX_LABEL)
  ) {
    throw new NsctlError(
      'USAGE',
      `a label must be 1 to ${MAX_LABEL} characters, got ${options.label.length}`,
    );
  }
  const now = options.now ?? (() => new Date());
  const started = now();
  const connection = await connectMongo(options.source);
  try {
    const server = await readServerInfo(connection);
    const specs = await listCollectionSpecs(connection.db, options.selection ?? {});
    checkSelection(specs, options.selection);
    if (specs.length === 0) {
      throw new NsctlError(
        'USAGE',
        `database ${connection.db.databaseName} has no collections to back up`,
        {
          hint: 'Check the database name in the connection string, and --collections/--exclude.',
        },
      );
    }
    const id = createBackupId(options.instance, started);
    const archiveName = archiveNameFor(id, options.compression, options.encryption);
    const handle = await options.target.openWrite(archiveName);
    const written = await writeArchive(connection.db, specs, server, handle, options).catch(
      async (error) => {
        await handle.abort();
        const reported = asNsctlError(error, connection.safeUri);
        await recordFailure(options, id, started, reported);
        throw reported;
      },
    );
    const manifest: Manifest = {
      formatVersion: 1,
      id,
      instance: options.instance,
      ...(options.label ? { label: options.label } : {}),
      kind: options.kind ?? 'backup',
      createdAt: started.toISOString(),
      finishedAt: now().toISOString(),
      source: { uri: connection.safeUri, database: connection.db.databaseName },
      server: {
        version: server.version,
        ...(server.ferretdbVersion ? { ferretdbVersion: server.ferretdbVersion } : {}),
      },
      tool: { name: 'nsctl', version: options.toolVersion },
      compression: options.compression,
      encryption: describeEncryption(options.encryption),
      archive: { name: archiveName, bytes: written.bytes, sha256: written.sha256 },
      collections: written.collections,
      ...(isPartial(options.selection)
        ? {
            selection: {
              ...(options.selection?.include ? { include: [...options.selection.include] } : {}),
              ...(options.selection?.exclude ? { exclude: [...options.selection.exclude] } : {}),
            },
          }
        : {}),
      status: 'complete',
    };
    let manifestText: string;
    try {
      // Before the commit: a manifest that would not parse back means no backup.
      manifestText = serializeManifest(manifest);
    } catch (error) {
      await handle.abort();
      throw error;
    }
    await handle.commit();
    try {
      await options.target.writeSmall(manifestNameFor(id), manifestText);
    } catch (error) {
      await options.target.remove(archiveName).catch(() => false);
      throw error;
    }
    return {
      manifest,
      location: `${options.target.describe()}/${archiveName}`,
      durationMs: now().getTime() - started.getTime(),
    };
  } catch (error) {
    throw asNsctlError(error, connection.safeUri);
  } finally {
    await connection.close();
  }
}

/**
 * A failed run leaves a small record so that prune holds off and monitoring
 * sees the failure; best effort, since the cause may be a full disk.
 */
async function recordFailure(
  options: BackupRunOptions,
  id: string,
  started: Date,
  error: unknown,
): Promise<void> {
  const record: FailureRecord = {
    id,
    instance: options.instance,
    kind: options.kind ?? 'backup',
    createdAt: started.toISOString(),
    failedAt: new Date().toISOString(),
    code: isNsctlError(error) ? error.code : 'INTERNAL',
    message: redact(error instanceof Error ? error.message : String(error)),
  };
  await options.target
    .writeSmall(failureNameFor(id), `${JSON.stringify(record, null, 2)}\n`)
    .catch(() => undefined);
}
