/**
 * Where a MongoDB URI points: its servers and database, normalised so that
 * two spellings of one place compare equal (`localhost` and `127.0.0.1`, a
 * missing port and 27017, host order, letter case). Credentials and options
 * are left out, so a redacted URI gives the same location as the real one.
 */
import { createHash } from 'node:crypto';

import { databaseFromUri } from './mongo-uri.js';

export interface MongoLocation {
  /** `host:port` of each server, or `srv:<name>` for mongodb+srv; sorted. */
  hosts: string[];
  database?: string;
  /** The servers as the URI writes them, for messages. */
  shown: string;
}

const DEFAULT_PORT = '27017';
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[?::1\]?|\[?0:0:0:0:0:0:0:1\]?)$/;

function normaliseHost(entry: string, srv: boolean): string {
  const text = entry.trim().toLowerCase();
  if (srv) return `srv:${text}`;
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(text);
  const host = match?.[1] ?? text;
  const port = match?.[2] ?? DEFAULT_PORT;
  return `${LOOPBACK.test(host) ? 'localhost' : host}:${Number(port)}`;
}

/** The servers and database a MongoDB URI names; `database` overrides the URI's path. */
export function parseMongoLocation(uri: string, database?: string): MongoLocation | undefined {
  const match = /^mongodb(\+srv)?:\/\/([^/?]*)/.exec(uri);
  if (!match) return undefined;
  // The last '@' before the path ends the credentials.
  const authority = (match[2] ?? '').replace(/^.*@/, '');
  const hosts = authority
    .split(',')
    .filter((h) => h.trim() !== '')
    .map((h) => normaliseHost(h, match[1] !== undefined));
  const name = database ?? databaseFromUri(uri);
  return {
    hosts: [...new Set(hosts)].sort(),
    ...(name ? { database: name } : {}),
    shown: authority,
  };
}

/** "database nightscout on 127.0.0.1:27017", for messages. */
export function describeMongoLocation(location: MongoLocation): string {
  return `database ${location.database ?? '(none)'} on ${location.shown || '(no host)'}`;
}

/**
 * Whether two locations are one database on one server. Replica-set URIs
 * may list different members of one set, so sharing one host is enough.
 */
export function isSameMongoLocation(a: MongoLocation, b: MongoLocation): boolean {
  return a.database === b.database && a.hosts.some((host) => b.hosts.includes(host));
}

/** A short, stable hex tag of a location, for file names. */
export function mongoLocationTag(location: MongoLocation): string {
  const key = `${location.hosts.join(',')}/${location.database ?? ''}`;
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** The URI with its path set to `database`, keeping credentials and options. */
export function uriWithDatabase(uri: string, database: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]*)(?:\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!match) return uri;
  return `${match[1]}/${encodeURIComponent(database)}${match[2] ?? ''}`;
}
