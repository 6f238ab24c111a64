/**
 * A restore drill: restore a backup into a scratch database, read it back,
 * compare every collection's count and checksum with the manifest, and drop
 * the scratch database whatever happened.
 */
import { randomBytes } from 'node:crypto';

import type { Db } from 'mongodb';
import { readRawDocuments } from '../adapters/mongo/collections.js';
import { connectMongo, type MongoTarget } from '../adapters/mongo/connect.js';
import type { BackupTarget } from '../adapters/storage/target.js';
import type { Manifest } from '../core/backup/manifest.js';
import {
  type CollectionDigest,
  createCollectionDigest,
} from '../core/checksum/collection-digest.js';
import type { Progress } from '../core/progress.js';
import { openBackupArchive } from './backup/archive-source.js';
import type { DecryptionKeys } from './backup/layers.js';
import { type CollectionCheck, compareWithManifest, describeCheck } from './backup/verify.js';
import { restoreArchive } from './restore.js';

export interface DrillOptions {
  target: BackupTarget;
  manifest: Manifest;
  keys: DecryptionKeys;
  /** The server to drill on; its database part is ignored. */
  server: MongoTarget;
  progress: Progress;
}

export interface DrillResult {
  ok: boolean;
  database: string;
  collections: CollectionCheck[];
  problems: string[];
}

/** Digests of the named collections as they are in a database now. */
export async function digestDatabase(
  db: Db,
  collections: string[],
): Promise<Map<string, CollectionDigest>> {
  const digests = new Map<string, CollectionDigest>();
  for (const name of collections) {
    const digest = createCollectionDigest();
    for await (const document of readRawDocuments(db, name)) digest.add(document);
    digests.set(name, digest);
  }
  return digests;
}

export async function runRestoreDrill(options: DrillOptions): Promise<DrillResult> {
  const database = `nsctl_drill_${randomBytes(4).toString('hex')}`;
  const destination = { uri: options.server.uri, database };
  const { manifest } = options;
  const archive = await openBackupArchive(options.target, manifest, options.keys);
  const connection = await connectMongo(destination);
  try {
    const restored = await restoreArchive({
      archive,
      expected: new Map(manifest.collections.map((c) => [c.name, c.documents])),
      destination,
      drop: false,
      dryRun: false,
      progress: options.progress,
    });
    const digests = await digestDatabase(
      connection.db,
      manifest.collections.map((c) => c.name),
    );
    const collections = compareWithManifest(manifest, digests);
    const problems = collections
      .filter((c) => !c.ok)
      .map((c) => `restore drill: ${describeCheck(c)}`);
    for (const c of restored.collections) {
      if (c.failed > 0)
        problems.push(`restore drill: ${c.name}: ${c.failed} documents failed to insert`);
    }
    for (const i of restored.indexes) {
      for (const f of i.failed)
        problems.push(`restore drill: ${i.collection}: index ${f.name} failed: ${f.message}`);
    }
    return { ok: problems.length === 0, database, collections, problems };
  } finally {
    await connection.db.dropDatabase().catch(() => undefined);
    await connection.close();
  }
}
