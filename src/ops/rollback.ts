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
import { rollbackCommand } from '../core/backup/rollback-command.js';
import { NsctlError } from '../core/errors.js';
import {
  describeMongoLocation,
  isSameMongoLocation,
  parseMongoLocation,
} from '../core/mongo-location.js';
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
  /** The backup settings' warnings (e.g. not encrypted), reported for each point made. */
  warnings?: readonly string[];
  onWarning?: (message: string) => void;
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
  const id = result.manifest.id;
  for (const warning of context.warnings ?? [])
    context.onWarning?.(`rollback point ${id}: ${warning}`);
  return id;
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

/** Where a point was made from, for messages: "database nightscout on localhost:27017". */
export function describePointSource(point: Manifest): string {
  const from = parseMongoLocation(point.source.uri, point.source.database);
  return from ? describeMongoLocation(from) : `database ${point.source.database}`;
}

/** The database and servers a point was made from, for `rollback list`. */
export interface PointSource {
  database: string;
  /** The servers as the point's URI writes them, without credentials; "unknown" if unreadable. */
  server: string;
}

/** Where `point` was made from, as its manifest records it (every manifest does). */
export function pointSource(point: Manifest): PointSource {
  const from = parseMongoLocation(point.source.uri, point.source.database);
  return {
    database: point.source.database || 'unknown',
    server: from?.shown || 'unknown',
  };
}

/** The command that restores `point` into the database it was made from. */
export function pointCommand(point: Manifest, dir?: string): string {
  return rollbackCommand(point.id, point.source.uri, {
    database: point.source.database,
    ...(dir ? { dir } : {}),
  });
}

/**
 * Refuses to restore a point anywhere but the database it was made from:
 * --uri or NSCTL_MONGODB_URI naming another database would silently mix
 * the point's data into unrelated data. `intoOther` is the user saying so.
 */
export function checkRollbackDestination(
  point: Manifest,
  destination: MongoTarget,
  intoOther = false,
): void {
  const from = parseMongoLocation(point.source.uri, point.source.database);
  const into = parseMongoLocation(destination.uri, destination.database);
  if (intoOther || !from || !into || isSameMongoLocation(from, into)) return;
  throw new NsctlError(
    'USAGE',
    `rollback point ${point.id} was made from ${describeMongoLocation(from)}, not ${describeMongoLocation(into)}; nothing was changed`,
    {
      hint: `Name the database it came from: ${pointCommand(point)}. To restore it into the other database anyway, add --into-other.`,
    },
  );
}

/** Verifies `point`, restores it over `destination` and verifies the result. */
export async function rollbackTo(
  context: RollbackContext,
  point: Manifest,
  destination: MongoTarget,
  options: { intoOther?: boolean } = {},
): Promise<RollbackResult> {
  checkRollbackDestination(point, destination, options.intoOther);
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
