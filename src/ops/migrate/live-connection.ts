/**
 * A connection that can be replaced while in use. After a dropped
 * connection the driver's server monitor can stay stuck on a socket the
 * peer already closed (seen with servers that are polled rather than
 * streamed, such as FerretDB), so server selection keeps failing after the
 * server is back. When retries see that, the client is replaced; code that
 * reads `db` for each operation then uses the new one, and operations still
 * on the old client fail once (closed topology), which is retried too.
 */
import type { Db, MongoClient } from 'mongodb';

import {
  type Connection,
  type ConnectOptions,
  connectMongo,
  type MongoTarget,
} from '../../adapters/mongo/connect.js';

export interface LiveConnection {
  readonly safeUri: string;
  /** The current database handle; read it for each operation. */
  readonly db: Db;
  readonly client: MongoClient;
  /** Connects a new client and swaps it in; keeps the old one when the server is still away. */
  reconnect(): Promise<void>;
  close(): Promise<void>;
}

export function createLiveConnection(
  first: Connection,
  target: MongoTarget,
  options: ConnectOptions,
): LiveConnection {
  let current = first;
  let replacing: Promise<void> | undefined;
  const retired: Connection[] = [];
  const replace = async () => {
    const next = await connectMongo(target, options);
    retired.push(current);
    current = next;
  };
  return {
    safeUri: first.safeUri,
    get db() {
      return current.db;
    },
    get client() {
      return current.client;
    },
    async reconnect() {
      replacing ??= replace()
        .catch(() => undefined)
        .finally(() => {
          replacing = undefined;
        });
      await replacing;
    },
    async close() {
      await replacing;
      await Promise.all([current, ...retired].map((c) => c.close().catch(() => undefined)));
    },
  };
}

export async function openLiveConnection(
  target: MongoTarget,
  options: ConnectOptions,
): Promise<LiveConnection> {
  return createLiveConnection(await connectMongo(target, options), target, options);
}
