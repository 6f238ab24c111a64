/**
 * Test access to the real server started by scripts/run-tests.ts. Each test
 * file gets its own database, dropped when the file's tests end.
 */
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';

import { type Db, MongoClient } from 'mongodb';

export interface TestDatabase {
  client: MongoClient;
  db: Db;
  uri: string;
  /** A URI naming this test's database. */
  dbUri: string;
  isFerretDB: boolean;
  /** Another fresh database on the same server, dropped after the file. */
  scratch(label: string): Promise<{ db: Db; dbUri: string }>;
}

export function testServerUri(): string {
  const uri = process.env.NSCTL_TEST_SERVER_URI ?? process.env.NSCTL_TEST_MONGODB_URI;
  if (!uri) {
    throw new Error(
      'No test server: run tests through `npm test` (scripts/run-tests.ts), ' +
        'or set NSCTL_TEST_MONGODB_URI',
    );
  }
  return uri;
}

export function withDatabase(uri: string, dbName: string): string {
  const url = new URL(uri);
  url.pathname = `/${dbName}`;
  return url.toString();
}

function databaseName(label: string): string {
  const clean = label.replace(/\.test\.ts$/, '').replace(/[^a-zA-Z0-9]/g, '_');
  return `t_${clean.slice(0, 30)}_${randomBytes(3).toString('hex')}`;
}

/** Opens this test file's database; pass `import.meta.url`. */
export async function openTestDatabase(fileUrl: string): Promise<TestDatabase> {
  const uri = testServerUri();
  const client = await MongoClient.connect(uri, { serverSelectionTimeoutMS: 10_000 });
  const label = basename(fileURLToPath(fileUrl));
  const dbName = databaseName(label);
  const buildInfo = await client.db('admin').command({ buildInfo: 1 });
  const created: string[] = [dbName];

  after(async () => {
    for (const name of created)
      await client
        .db(name)
        .dropDatabase()
        .catch(() => {});
    await client.close();
  });

  return {
    client,
    db: client.db(dbName),
    uri,
    dbUri: withDatabase(uri, dbName),
    isFerretDB: typeof buildInfo.ferretdbVersion === 'string',
    async scratch(scratchLabel) {
      const name = databaseName(`${label}_${scratchLabel}`);
      created.push(name);
      return { db: client.db(name), dbUri: withDatabase(uri, name) };
    },
  };
}
