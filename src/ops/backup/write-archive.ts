/**
 * The streaming heart of a backup: collections read as raw BSON (a few at a
 * time), written into the archive writer, through the gzip and age layers,
 * into a storage write; per-collection counts, bytes and checksums on the way.
 */
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import type { Db } from 'mongodb';
import {
  type CollectionSpec,
  estimateCount,
  readRawDocuments,
} from '../../adapters/mongo/collections.js';
import type { ServerInfo } from '../../adapters/mongo/connect.js';
import type { WriteHandle } from '../../adapters/storage/target.js';
import { buildCollectionMetadata } from '../../core/archive/metadata.js';
import { type ArchiveWriter, createArchiveWriter } from '../../core/archive/writer.js';
import type { ManifestCollection } from '../../core/backup/manifest.js';
import { createCollectionDigest } from '../../core/checksum/collection-digest.js';
import type { Progress } from '../../core/progress.js';
import { createByteTap } from './byte-tap.js';
import type { BackupEncryption } from './naming.js';

export interface ArchiveWriteOptions {
  compression: 'gzip' | 'none';
  encryption: BackupEncryption;
  parallel?: number;
  progress: Progress;
  signal?: AbortSignal;
  toolVersion: string;
}

export interface WrittenArchive {
  bytes: number;
  sha256: string;
  collections: ManifestCollection[];
}

export async function writeArchive(
  db: Db,
  specs: CollectionSpec[],
  server: ServerInfo,
  handle: WriteHandle,
  options: ArchiveWriteOptions,
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
  options: ArchiveWriteOptions,
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
  options: ArchiveWriteOptions,
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
