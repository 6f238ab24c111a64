/**
 * What a server tells about itself beyond its version: who it is (to find
 * a source and target that are one database under two names) and which
 * databases it holds (to help with a mistyped database name). Both are
 * optional: a user without the privilege gets undefined, never an error.
 */
import type { MongoClient } from 'mongodb';

import type { ServerIdentity } from '../../core/migrate/same-database.js';

const SYSTEM_DATABASES = new Set(['admin', 'local', 'config']);

export async function readServerIdentity(client: MongoClient): Promise<ServerIdentity | undefined> {
  const admin = client.db('admin');
  const identity: ServerIdentity = {};
  const hello = await admin.command({ hello: 1 }).catch(() => undefined);
  const processId = hello?.topologyVersion?.processId;
  if (processId) identity.processId = String(processId);
  // FerretDB has no topologyVersion; its serverStatus names host, pid and uptime.
  const status = await admin.command({ serverStatus: 1 }).catch(() => undefined);
  if (status) {
    if (typeof status.host === 'string') identity.host = status.host;
    if (typeof status.pid === 'number' || typeof status.pid === 'bigint')
      identity.pid = Number(status.pid);
    if (typeof status.process === 'string') identity.process = status.process;
    const uptimeMs = Number(status.uptimeMillis);
    if (status.localTime instanceof Date && Number.isFinite(uptimeMs))
      identity.startedMs = status.localTime.getTime() - uptimeMs;
  }
  return Object.keys(identity).length > 0 ? identity : undefined;
}

/** The non-system databases on the server, when listDatabases is allowed. */
export async function listDatabaseNames(client: MongoClient): Promise<string[] | undefined> {
  try {
    const answer = await client
      .db('admin')
      .command({ listDatabases: 1, nameOnly: true, authorizedDatabases: true });
    const names = (answer.databases as { name: string }[]).map((d) => d.name);
    return names.filter((name) => !SYSTEM_DATABASES.has(name)).sort();
  } catch {
    return undefined;
  }
}
