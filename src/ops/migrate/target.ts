/** The target database: connecting, what it holds now, and its server's free disk space. */
import type { Db } from 'mongodb';

import {
  asNsctlError,
  type MongoTarget,
  readServerInfo,
  resolveDatabaseName,
  type ServerInfo,
} from '../../adapters/mongo/connect.js';
import type { FsUsage, TargetCollectionInfo } from '../../core/migrate/plan.js';
import { type LiveConnection, openLiveConnection } from './live-connection.js';

export interface TargetSide {
  target: MongoTarget;
  connection: LiveConnection;
  server: ServerInfo;
  database: string;
}

export async function openTarget(
  uri: string,
  serverSelectionTimeoutMS?: number,
): Promise<TargetSide> {
  const target = { uri };
  const database = resolveDatabaseName(target);
  const connection = await openLiveConnection(target, {
    appName: 'nsctl migrate',
    ...(serverSelectionTimeoutMS ? { serverSelectionTimeoutMS } : {}),
  });
  try {
    const server = await readServerInfo({
      ...connection,
      db: connection.db,
      client: connection.client,
    });
    return { target, connection, server, database };
  } catch (error) {
    await connection.close();
    throw asNsctlError(error, connection.safeUri);
  }
}

/** collStats answers from metadata on both servers; FerretDB's count() scans the collection. */
async function countDocuments(db: Db, name: string): Promise<number> {
  try {
    return Number((await db.command({ collStats: name })).count);
  } catch {
    return db.collection(name).estimatedDocumentCount();
  }
}

export async function listTargetCollections(db: Db): Promise<TargetCollectionInfo[]> {
  const infos = await db.listCollections({}, { nameOnly: false }).toArray();
  const out: TargetCollectionInfo[] = [];
  for (const info of infos) {
    if (info.name.startsWith('system.') || info.type === 'view') continue;
    out.push({ name: info.name, documents: await countDocuments(db, info.name) });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** The server's own disk, from dbStats (MongoDB 4.4+ reports it; FerretDB does not). */
export async function readTargetFs(db: Db): Promise<FsUsage | undefined> {
  try {
    const stats = await db.command({ dbStats: 1 });
    const used = Number(stats.fsUsedSize);
    const total = Number(stats.fsTotalSize);
    return Number.isFinite(used) && Number.isFinite(total) && total > 0
      ? { usedBytes: used, totalBytes: total }
      : undefined;
  } catch {
    return undefined;
  }
}
