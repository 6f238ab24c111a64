/**
 * Connecting to MongoDB with errors users can act on: an unparsable URI, a
 * URI without a database, an unreachable server and refused credentials each
 * become their own NsctlError, with the URI redacted.
 */
import { type Db, MongoClient, type MongoClientOptions } from 'mongodb';
import { NsctlError } from '../../core/errors.js';
import { CONNECTION_LOST } from '../../core/migrate/retry-policy.js';
import { databaseFromUri } from '../../core/mongo-uri.js';
import { redact, registerUriSecrets } from '../../core/redact.js';

export { databaseFromUri };

export interface MongoTarget {
  uri: string;
  /** Overrides the database named in the URI. */
  database?: string;
}

export interface Connection {
  client: MongoClient;
  db: Db;
  /** The URI with the password masked, for messages and manifests. */
  safeUri: string;
  close(): Promise<void>;
}

// MongoDB's rules for database names (the stricter Windows set, as mongod applies everywhere).
const INVALID_DB_NAME = /[/\\. "$*<>:|?\0]/;
const MAX_DB_NAME_BYTES = 63;

export function resolveDatabaseName(target: MongoTarget): string {
  if (!/^mongodb(\+srv)?:\/\//.test(target.uri)) {
    throw new NsctlError(
      'MONGO_URI_INVALID',
      `not a MongoDB connection string: ${redact(target.uri)}`,
    );
  }
  const name = target.database ?? databaseFromUri(target.uri);
  if (
    name !== undefined &&
    (INVALID_DB_NAME.test(name) || Buffer.byteLength(name) > MAX_DB_NAME_BYTES)
  ) {
    throw new NsctlError('USAGE', `"${name}" is not a valid MongoDB database name`, {
      hint: 'Use up to 63 letters, digits, "_" or "-"; no spaces, dots, slashes or "$".',
    });
  }
  if (!name) {
    throw new NsctlError(
      'MONGO_URI_NO_DATABASE',
      `the connection string ${redact(target.uri)} names no database`,
    );
  }
  return name;
}

function causedByNetworkLoss(error: unknown): boolean {
  let cause = (error as { cause?: unknown } | null)?.cause;
  for (let depth = 0; cause instanceof Error && depth < 4; depth++) {
    if (/^Mongo(Network|PoolCleared|TopologyClosed)/.test(cause.name)) return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

const SCRAM_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-1'];

/** What to try when the server refuses a sign-in mechanism: never the one it just refused. */
export function mechanismHint(message: string, safeUri: string): string {
  const inUri = /[?&]authMechanism=([^&#\s]+)/i.exec(safeUri)?.[1];
  const refused = (/mechanism\W+([A-Z][A-Z0-9_-]*)/i.exec(message)?.[1] ?? inUri)?.toUpperCase();
  const others = SCRAM_MECHANISMS.filter((m) => m !== refused).map((m) => `authMechanism=${m}`);
  const start = `The server does not accept the way the driver signs in${refused ? ` (${refused})` : ''}: `;
  return inUri
    ? `${start}remove authMechanism=${inUri} from the URI so the driver negotiates one the server offers, or try ${others.join(' or ')}.`
    : `${start}name one it supports in the URI, e.g. ?${others.join(' or ?')}.`;
}

export function translateMongoError(error: unknown, safeUri: string): NsctlError {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  if (/unsupported authentication mechanism/i.test(message)) {
    return new NsctlError(
      'MONGO_AUTH_FAILED',
      `authentication to ${safeUri} failed: ${redact(message)}`,
      {
        hint: mechanismHint(message, safeUri),
        cause: error,
      },
    );
  }
  if (code === 18 || /auth(entication)? failed/i.test(message)) {
    return new NsctlError('MONGO_AUTH_FAILED', `authentication to ${safeUri} failed`, {
      cause: error,
    });
  }
  if (
    name === 'MongoParseError' ||
    name === 'MongoAPIError' ||
    /Invalid scheme|URI/i.test(message)
  ) {
    return new NsctlError('MONGO_URI_INVALID', `invalid connection string: ${redact(message)}`, {
      cause: error,
    });
  }
  if (
    /^Mongo(ServerSelection|Network|PoolCleared|TopologyClosed)/.test(name) ||
    /ENOTFOUND|querySrv|ECONNREFUSED/.test(message) ||
    // A bulk write that lost its connection is a MongoBulkWriteError whose
    // message is the network error's; so is a cause further down.
    CONNECTION_LOST.test(message) ||
    causedByNetworkLoss(error)
  ) {
    return new NsctlError(
      'MONGO_UNREACHABLE',
      `cannot reach MongoDB at ${safeUri}: ${redact(message)}`,
      {
        cause: error,
      },
    );
  }
  return new NsctlError(
    'MONGO_OPERATION_FAILED',
    `MongoDB error at ${safeUri}: ${redact(message)}`,
    {
      cause: error,
    },
  );
}

/**
 * For errors escaping an operation on an open connection: driver errors
 * become NsctlErrors (a dropped server is MONGO_UNREACHABLE, not a bug);
 * anything else passes through unchanged.
 */
export function asNsctlError(error: unknown, safeUri: string): unknown {
  if (error instanceof NsctlError) return error;
  if (error instanceof Error && error.name.startsWith('Mongo'))
    return translateMongoError(error, safeUri);
  return error;
}

export interface ConnectOptions {
  serverSelectionTimeoutMS?: number;
  appName?: string;
  driver?: MongoClientOptions;
}

export async function connectMongo(
  target: MongoTarget,
  options: ConnectOptions = {},
): Promise<Connection> {
  registerUriSecrets(target.uri);
  const safeUri = redact(target.uri);
  const dbName = resolveDatabaseName(target);
  let client: MongoClient;
  try {
    // A timeout in the URI counts unless the caller sets one.
    const timeout =
      options.serverSelectionTimeoutMS ??
      (/[?&]serverSelectionTimeoutMS=/i.test(target.uri) ? undefined : 10_000);
    client = new MongoClient(target.uri, {
      ...(timeout === undefined ? {} : { serverSelectionTimeoutMS: timeout }),
      appName: options.appName ?? 'nsctl',
      ...options.driver,
    });
  } catch (error) {
    // The constructor only parses; whatever it throws is about the URI.
    const message = error instanceof Error ? error.message : String(error);
    throw new NsctlError(
      'MONGO_URI_INVALID',
      `invalid connection string ${safeUri}: ${redact(message)}`,
      {
        ...(/:\/\/[^/?]*@[^/?]*@/.test(target.uri)
          ? {
              hint: 'The URI has more than one "@" before its host: an "@", ":" or "/" in the user name or password must be percent-encoded ("@" is %40, ":" is %3A, "/" is %2F).',
            }
          : {}),
        cause: error,
      },
    );
  }
  try {
    await client.connect();
    // connect() alone can succeed lazily; a ping proves auth and reachability.
    await client.db(dbName).command({ ping: 1 });
  } catch (error) {
    // An open client keeps the process alive: close it before reporting.
    await client.close().catch(() => undefined);
    throw translateMongoError(error, safeUri);
  }
  return {
    client,
    db: client.db(dbName),
    safeUri,
    close: () => client.close(),
  };
}

export interface ServerInfo {
  version: string;
  /** Set when the server is FerretDB; its own version. */
  ferretdbVersion?: string;
  isFerretDB: boolean;
  /** Replica set name, when the server is a member of one. */
  replicaSet?: string;
  /** Whether change streams can be opened (replica set or sharded cluster, not FerretDB). */
  supportsChangeStreams: boolean;
}

export async function readServerInfo(connection: Connection): Promise<ServerInfo> {
  const admin = connection.client.db('admin');
  const build = await admin.command({ buildInfo: 1 });
  const hello = await admin.command({ hello: 1 }).catch(() => admin.command({ isMaster: 1 }));
  const ferretdbVersion =
    typeof build.ferretdbVersion === 'string' ? build.ferretdbVersion : undefined;
  const replicaSet = typeof hello.setName === 'string' ? hello.setName : undefined;
  return {
    version: String(build.version),
    ...(ferretdbVersion ? { ferretdbVersion } : {}),
    isFerretDB: ferretdbVersion !== undefined,
    ...(replicaSet ? { replicaSet } : {}),
    supportsChangeStreams:
      !ferretdbVersion && (replicaSet !== undefined || hello.msg === 'isdbgrid'),
  };
}
