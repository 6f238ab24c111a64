/**
 * `nsctl backup run`: one streaming pass from MongoDB to storage. Documents
 * go as raw BSON into the mongodump archive writer, through gzip and age, to
 * a storage write that stays invisible until committed. The manifest, the
 * mark of a complete backup, is written last; an interrupted or failed run
 * leaves nothing that looks like a good backup.
 */
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import type { Db } from 'mongodb';
import {
  type CollectionSelection,
  type CollectionSpec,
  estimateCount,
  listCollectionSpecs,
  readRawDocuments,
} from '../../adapters/mongo/collections.js';
import {
  asNsctlError,
  connectMongo,
  type MongoTarget,
  readServerInfo,
  type ServerInfo,
} from '../../adapters/mongo/connect.js';
import type { BackupTarget, WriteHandle } from '../../adapters/storage/target.js';
import { buildCollectionMetadata } from '../../core/archive/metadata.js';
import { type ArchiveWriter, createArchiveWriter } from '../../core/archive/writer.js';
import {
  createBackupId,
  type Manifest,
  type ManifestCollection,
  serializeManifest,
} from '../../core/backup/manifest.js';
import { createCollectionDigest } from '../../core/checksum/collection-digest.js';
import { isNsctlError, NsctlError } from '../../core/errors.js';
import type { Progress } from '../../core/progress.js';
import { redact } from '../../core/redact.js';
import { createByteTap } from './byte-tap.js';
import {
  archiveNameFor,
  type BackupEncryption,
  describeEncryption,
  type FailureRecord,
  failureNameFor,
  manifestNameFor,
} from './naming.js';

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

export async function runBackup(options: BackupRunOptions): Promise<BackupRunResult> {
  const now = options.now ?? (() => new Date());
  const started = now();
  const connection = await connectMongo(options.source);
  try {
    const server = await readServerInfo(connection);
    const specs = await listCollectionSpecs(connection.db, options.selection ?? {});
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
      status: 'complete',
    };
    // Serialise first: a manifest that would not parse back must not replace nothing with garbage.
    const manifestText = serializeManifest(manifest);
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

interface WrittenArchive {
  bytes: number;
  sha256: string;
  collections: ManifestCollection[];
}

async function writeArchive(
  db: Db,
  specs: CollectionSpec[],
  server: ServerInfo,
  handle: WriteHandle,
  options: BackupRunOptions,
): Promise<WrittenArchive> {
  const parallel = Math.max(1, Math.min(options.parallel ?? 2, specs.length));
  const writer = createArchiveWriter({
    header: {
      serverVersion: server.version,
      toolVersion: `nsctl ${options.toolVersion}`,
      concurrentCollections: parallel,
    },
    collections: specs.map((spec) => ({
      db: db.databaseName,
      collection: spec.name,
      metadata: buildCollectionMetadata({
        collectionName: spec.name,
        options: spec.options,
        indexes: spec.indexes,
        ...(spec.uuid ? { uuid: spec.uuid } : {}),
        type: spec.type,
      }),
    })),
  });
  const tap = createByteTap();
  const { createLayers } = await import('./layers.js');
  const layers = createLayers(options.compression, options.encryption);
  const flowing = pipeline([writer.stream, ...layers, tap.stream, handle.stream] as [
    Readable,
    ...Writable[],
  ]);
  // If storage fails, stop reading MongoDB at once rather than at the end.
  flowing.catch((error: Error) => writer.abort(error));

  try {
    const collections = await copyCollections(db, specs, writer, parallel, options);
    writer.finish();
    await flowing;
    return { bytes: tap.bytes(), sha256: tap.sha256(), collections };
  } catch (error) {
    writer.abort(error instanceof Error ? error : new Error(String(error)));
    await flowing.catch(() => undefined);
    throw error;
  }
}

async function copyCollections(
  db: Db,
  specs: CollectionSpec[],
  writer: ArchiveWriter,
  parallel: number,
  options: BackupRunOptions,
): Promise<ManifestCollection[]> {
  const results = new Map<string, ManifestCollection>();
  const queue = [...specs];
  const worker = async () => {
    for (let spec = queue.shift(); spec; spec = queue.shift()) {
      results.set(spec.name, await copyCollection(db, spec, writer, options));
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return specs.map((spec) => results.get(spec.name) as ManifestCollection);
}

const PROGRESS_EVERY = 500;

async function copyCollection(
  db: Db,
  spec: CollectionSpec,
  writer: ArchiveWriter,
  options: BackupRunOptions,
): Promise<ManifestCollection> {
  const namespace = writer.namespace(db.databaseName, spec.name);
  const digest = createCollectionDigest();
  const total = spec.type === 'collection' ? await estimateCount(db, spec.name) : 0;
  const task = options.progress.task(`collection:${spec.name}`, {
    label: spec.name,
    total,
    unit: 'docs',
  });
  if (spec.type === 'collection') {
    const readOptions = options.signal ? { signal: options.signal } : {};
    for await (const document of readRawDocuments(db, spec.name, readOptions)) {
      digest.add(document);
      await namespace.write(document);
      if (digest.count % PROGRESS_EVERY === 0) task.update(digest.count, digest.bytes);
    }
  }
  const summary = namespace.end();
  task.update(digest.count, digest.bytes);
  task.finish();
  if (summary.documents !== digest.count) {
    throw new Error(
      `archive and digest disagree on ${spec.name}: ${summary.documents} vs ${digest.count}`,
    );
  }
  return {
    name: spec.name,
    documents: digest.count,
    bytes: digest.bytes,
    checksum: digest.toJSON().sum,
    indexes: spec.indexes.map(toPlainIndex),
    options: JSON.parse(JSON.stringify(spec.options)) as Record<string, unknown>,
  };
}

/** Index specs as plain JSON for the manifest (bson number wrappers become numbers). */
function toPlainIndex(
  index: CollectionSpec['indexes'][number],
): ManifestCollection['indexes'][number] {
  return JSON.parse(JSON.stringify(index)) as ManifestCollection['indexes'][number];
}
