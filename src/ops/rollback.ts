/**
 * Rollback points are backups with a label and kind `rollback-point`, made
 * before anything destructive. Going back to one verifies it first, restores
 * it over the database (itself making a rollback point of what is replaced),
 * and verifies the result against the point's checksums.
 */
import type { Db } from 'mongodb';

import type { MongoTarget } from '../adapters/mongo/connect.js';
import type { BackupTarget } from '../adapters/storage/target.js';
import type { Manifest } from '../core/backup/manifest.js';
import { NsctlError } from '../core/errors.js';
import type { Progress } from '../core/progress.js';
import { openBackupArchive } from './backup/archive-source.js';
import type { DecryptionKeys } from './backup/layers.js';
import type { BackupEncryption } from './backup/naming.js';
import { runBackup } from './backup/run.js';
import {
  type CollectionCheck,
  compareWithManifest,
  describeCheck,
  verifyBackup,
} from './backup/verify.js';
import { type RestoreResult, restoreArchive } from './restore.js';
import { digestDatabase } from './restore-drill.js';

export interface RollbackContext {
  target: BackupTarget;
  instance: string;
  compression: 'gzip' | 'none';
  encryption: BackupEncryption;
  keys: DecryptionKeys;
  progress: Progress;
  toolVersion: string;
  signal?: AbortSignal;
}

/** Backs up the named collections of `db` as a rollback point; returns its id. */
export async function createRollbackPoint(
  context: RollbackContext,
  source: MongoTarget,
  label: string,
  collections?: string[],
): Promise<string> {
  const result = await runBackup({
    source,
    instance: context.instance,
    target: context.target,
    compression: context.compression,
    encryption: context.encryption,
    ...(collections ? { selection: { include: collections } } : {}),
    kind: 'rollback-point',
    label,
    progress: context.progress,
    ...(context.signal ? { signal: context.signal } : {}),
    toolVersion: context.toolVersion,
  });
  return result.manifest.id;
}

/** The callback restore uses before it drops anything. */
export function rollbackPointMaker(context: RollbackContext, uri: string, label: string) {
  return (db: Db, collections: string[]) =>
    createRollbackPoint(context, { uri, database: db.databaseName }, label, collections);
}

export interface RollbackResult {
  point: string;
  restore: RestoreResult;
  checks: CollectionCheck[];
  ok: boolean;
  problems: string[];
}

export async function rollbackTo(
  context: RollbackContext,
  point: Manifest,
  destination: MongoTarget,
): Promise<RollbackResult> {
  const verified = await verifyBackup({
    target: context.target,
    manifest: point,
    keys: context.keys,
    progress: context.progress,
  });
  if (!verified.ok) {
    throw new NsctlError(
      'CHECKSUM_MISMATCH',
      `rollback point ${point.id} failed verification: ${verified.problems[0]}`,
      {
        hint: 'The point is damaged; choose another with `nsctl rollback list`. Nothing was changed.',
        details: { problems: verified.problems },
      },
    );
  }
  const archive = await openBackupArchive(context.target, point, context.keys);
  const restore = await restoreArchive({
    archive,
    expected: new Map(point.collections.map((c) => [c.name, c.documents])),
    destination,
    drop: true,
    dryRun: false,
    progress: context.progress,
    createRollbackPoint: rollbackPointMaker(
      context,
      destination.uri,
      `before-rollback-to-${point.id}`,
    ),
  });
  const { connectMongo } = await import('../adapters/mongo/connect.js');
  const connection = await connectMongo(destination);
  try {
    const digests = await digestDatabase(
      connection.db,
      point.collections.map((c) => c.name),
    );
    const checks = compareWithManifest(point, digests);
    const problems = checks.filter((c) => !c.ok).map(describeCheck);
    return { point: point.id, restore, checks, ok: restore.ok && problems.length === 0, problems };
  } finally {
    await connection.close();
  }
}
