/**
 * `nsctl migrate` refuses before writing anything: an unreachable side, a
 * refused login, a URI without a database, a source that is no Nightscout
 * database, a target that already holds data (unless --drop, which makes a
 * rollback point first); and --dry-run writes nothing at all.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { type Document, deserialize, serialize } from 'bson';

import { configSchema } from '../../src/core/config/schema.js';
import { type ErrorCode, NsctlError } from '../../src/core/errors.js';
import { createProgress, silentProgress } from '../../src/core/progress.js';
import { readCatalogue } from '../../src/ops/backup/catalogue.js';
import { type MigrateOptions, runMigration } from '../../src/ops/migrate/index.js';
import { openTestDatabase, withDatabase } from '../helpers/db.js';
import { localRollbackPoints } from '../helpers/rollback.js';

const t = await openTestDatabase(import.meta.url);
const dir = await mkdtemp(join(tmpdir(), 'nsctl-migrate-pre-'));
after(() => rm(dir, { recursive: true, force: true }));
const config = configSchema.parse({ instance: 'migtest', backup: { dir } });

await t.db.collection('entries').insertMany(
  Array.from({ length: 300 }, (_, i) => ({
    type: 'sgv',
    sgv: 90 + (i % 50),
    date: 1.7e12 + i * 3e5,
  })),
);
await t.db.collection('auth_subjects').insertOne({ name: 'follower', roles: ['readable'] });

function migrate(from: string, to: string, extra: Partial<MigrateOptions> = {}) {
  return runMigration({
    from,
    to,
    sourceContext: { config, cwd: dir },
    nightscout: { collections: config.nightscout.collections },
    progress: silentProgress,
    serverSelectionTimeoutMS: 1500,
    retry: { retries: 1, baseDelayMs: 50, maxDelayMs: 100 },
    ...extra,
  });
}

const isCode = (code: ErrorCode) => (error: unknown) =>
  error instanceof NsctlError && error.code === code;

async function collectionNames(uri: string): Promise<string[]> {
  const name = new URL(uri).pathname.slice(1);
  return (await t.client.db(name).listCollections({}, { nameOnly: true }).toArray()).map(
    (c) => c.name,
  );
}

/** A server that answers the handshake and refuses every login, as a real one with a wrong password does. */
async function startRefusingServer(): Promise<{ uri: string; server: Server }> {
  const answer = (socket: Socket, request: Buffer, doc: Document) => {
    const body = serialize(doc);
    const legacy = request.readInt32LE(12) === 2004;
    const out = Buffer.alloc(16 + (legacy ? 20 : 5) + body.length);
    out.writeInt32LE(out.length, 0);
    out.writeInt32LE(request.readInt32LE(4), 8);
    out.writeInt32LE(legacy ? 1 : 2013, 12);
    if (legacy) out.writeInt32LE(1, 32);
    out.set(body, legacy ? 36 : 21);
    socket.write(out);
  };
  const server = createServer((socket) => {
    let pending = Buffer.alloc(0);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
        const request = pending.subarray(0, pending.readInt32LE(0));
        pending = pending.subarray(request.length);
        const legacy = request.readInt32LE(12) === 2004;
        const command = deserialize(request.subarray(legacy ? request.indexOf(0, 20) + 9 : 21));
        const name = Object.keys(command)[0] ?? '';
        answer(
          socket,
          request,
          /^sasl|authenticate/.test(name)
            ? {
                ok: 0,
                errmsg: 'Authentication failed.',
                code: 18,
                codeName: 'AuthenticationFailed',
              }
            : {
                ok: 1,
                isWritablePrimary: true,
                ismaster: true,
                helloOk: true,
                maxWireVersion: 21,
                minWireVersion: 0,
                maxBsonObjectSize: 16777216,
                maxMessageSizeBytes: 48000000,
                maxWriteBatchSize: 100000,
                localTime: new Date(),
                logicalSessionTimeoutMinutes: 30,
                saslSupportedMechs: ['SCRAM-SHA-256'],
              },
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { uri: `mongodb://nightscout:wrong-password@127.0.0.1:${port}/nightscout`, server };
}

test('an unreachable source or target fails with MONGO_UNREACHABLE before anything is written', async () => {
  const target = await t.scratch('unreachable');
  await assert.rejects(
    migrate('mongodb://127.0.0.1:1/nightscout', target.dbUri),
    isCode('MONGO_UNREACHABLE'),
  );
  assert.deepEqual(await collectionNames(target.dbUri), []);
  await assert.rejects(
    migrate(t.dbUri, 'mongodb://127.0.0.1:1/nightscout'),
    isCode('MONGO_UNREACHABLE'),
  );
  const stateFiles = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.state.json'));
  assert.deepEqual(stateFiles, [], 'no state file is written before the target answers');
});

test('refused credentials on either side fail with MONGO_AUTH_FAILED, password masked', async () => {
  const refusing = await startRefusingServer();
  const target = await t.scratch('auth');
  await assert.rejects(migrate(refusing.uri, target.dbUri), (error: unknown) => {
    assert.ok(isCode('MONGO_AUTH_FAILED')(error));
    assert.doesNotMatch((error as Error).message, /wrong-password/);
    return true;
  });
  assert.deepEqual(await collectionNames(target.dbUri), []);
  await assert.rejects(migrate(t.dbUri, refusing.uri), isCode('MONGO_AUTH_FAILED'));
});

test('a URI without a database (which would mean `test`) is refused on either side', async () => {
  const bare = new URL(t.uri);
  bare.pathname = '/';
  await assert.rejects(
    migrate(bare.toString(), withDatabase(t.uri, 'x')),
    isCode('MONGO_URI_NO_DATABASE'),
  );
  await assert.rejects(migrate(t.dbUri, bare.toString()), isCode('MONGO_URI_NO_DATABASE'));
  // Both at once: both named in one error, not one after the other.
  await assert.rejects(migrate(bare.toString(), bare.toString(), { dryRun: true }), (error) => {
    assert.ok(isCode('MONGO_URI_NO_DATABASE')(error));
    assert.match(
      (error as Error).message,
      /^source: .*names no database; target: .*names no database/,
    );
    return true;
  });
});

test('a source without any Nightscout collection is refused: probably the wrong database', async () => {
  const other = await t.scratch('not-nightscout');
  await other.db.collection('orders').insertOne({ item: 1 });
  const target = await t.scratch('not-nightscout-target');
  await assert.rejects(migrate(other.dbUri, target.dbUri), (error: unknown) => {
    assert.ok(isCode('MIGRATE_REFUSED')(error));
    assert.match((error as Error).message, /none of Nightscout's collections/);
    return true;
  });
});

test('--dry-run reports the plan and writes nothing, not even the state file', async () => {
  const target = await t.scratch('dry');
  const statePath = join(dir, 'dry.state.json');
  const result = await migrate(t.dbUri, target.dbUri, { dryRun: true, statePath });
  assert.equal(result.dryRun, true);
  assert.deepEqual(
    result.preflight.collections.map((c) => [c.name, c.documents]),
    [
      ['entries', 300],
      ['auth_subjects', 1],
    ],
  );
  assert.equal(result.preflight.targetAction, 'none');
  assert.equal(result.preflight.paging.mode, t.isFerretDB ? 'natural' : 'id-order');
  assert.ok(result.preflight.space.note.length > 0);
  assert.deepEqual(await collectionNames(target.dbUri), []);
  assert.equal(existsSync(statePath), false);
});

test('a target holding other data is refused; --drop makes a rollback point, then replaces it', async () => {
  const target = await t.scratch('occupied');
  await target.db.collection('entries').insertMany([{ sgv: 1 }, { sgv: 2 }]);
  await target.db.collection('notes').insertOne({ text: 'keep me in the rollback point' });
  const statePath = join(dir, 'occupied.state.json');
  await assert.rejects(migrate(t.dbUri, target.dbUri, { statePath }), (error: unknown) => {
    assert.ok(isCode('MIGRATE_REFUSED')(error));
    assert.match((error as Error).message, /already holds data in entries \(2\), notes \(1\)/);
    const preflight = (error as NsctlError).details?.preflight as { problems: string[] };
    assert.equal(preflight.problems.length, 1);
    return true;
  });
  assert.equal(await target.db.collection('entries').countDocuments(), 2);
  assert.equal(existsSync(statePath), false);

  const { store, maker } = localRollbackPoints(dir, 'migtest', target.dbUri);
  const result = await migrate(t.dbUri, target.dbUri, {
    statePath,
    drop: true,
    createRollbackPoint: maker,
  });
  assert.equal(result.ok, true, JSON.stringify(result.verification?.totals));
  assert.ok(result.rollbackPoint);
  const point = (await readCatalogue(store)).backups.find((b) => b.id === result.rollbackPoint);
  assert.equal(point?.kind, 'rollback-point');
  assert.deepEqual(point?.collections.map((c) => [c.name, c.documents]).sort(), [
    ['entries', 2],
    ['notes', 1],
  ]);
  assert.equal(await target.db.collection('entries').countDocuments(), 300);
  assert.deepEqual((await collectionNames(target.dbUri)).sort(), ['auth_subjects', 'entries']);
});

test('a --drop run stopped mid-copy: the resumed run still names the rollback point it made', async () => {
  const target = await t.scratch('drop-resume');
  await target.db.collection('entries').insertOne({ sgv: 7 });
  const statePath = join(dir, 'drop-resume.state.json');
  const { store, maker } = localRollbackPoints(dir, 'migtest', target.dbUri);
  const controller = new AbortController();
  let fired = false;
  await assert.rejects(
    migrate(t.dbUri, target.dbUri, {
      statePath,
      drop: true,
      createRollbackPoint: maker,
      batchSize: 50,
      signal: controller.signal,
      progress: createProgress((event) => {
        if (!fired && event.task === 'migrate:all' && event.done >= 100) {
          fired = true;
          controller.abort(new Error('SIGINT'));
        }
      }),
    }),
    (error: unknown) => {
      assert.ok(isCode('INTERRUPTED')(error));
      assert.match(
        (error as NsctlError).hint,
        /run the same command with --resume in place of --drop/,
      );
      return true;
    },
  );
  const saved = JSON.parse(await readFile(statePath, 'utf8')) as { rollbackPoint?: string };
  const points = (await readCatalogue(store)).backups.filter((b) => b.kind === 'rollback-point');
  assert.ok(saved.rollbackPoint && points.some((p) => p.id === saved.rollbackPoint));
  // Running --drop again instead of --resume: warned that the new point holds a partial copy.
  const dry = await migrate(t.dbUri, target.dbUri, { statePath, drop: true, dryRun: true });
  assert.match(
    dry.preflight.warnings.join('\n'),
    new RegExp(
      `did not finish .*--resume would continue it; --drop starts over, and its rollback point holds that run's partial copy; what the target held before that run is in rollback point ${saved.rollbackPoint}`,
    ),
  );
  const result = await migrate(t.dbUri, target.dbUri, { statePath, resume: true });
  assert.equal(result.ok, true, JSON.stringify(result.verification?.totals));
  assert.equal(result.rollbackPoint, saved.rollbackPoint);
});
