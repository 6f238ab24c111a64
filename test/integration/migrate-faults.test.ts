/**
 * Faults during `nsctl migrate`, on the real server behind a proxy that cuts
 * connections: a source or target that drops and comes back (retried), one
 * that goes away for good (a clear error, then --resume finishes without
 * copying twice), Ctrl-C, and writes on the source during the copy
 * (converged). Change-stream replay needs a replica set. Documents the
 * target refuses or alters are in migrate-refused-documents.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import type { Db } from 'mongodb';

import { connectMongo, readServerInfo } from '../../src/adapters/mongo/connect.js';
import { writeSeed } from '../../src/adapters/mongo/seed-writer.js';
import { configSchema } from '../../src/core/config/schema.js';
import { type ErrorCode, NsctlError } from '../../src/core/errors.js';
import { createProgress, silentProgress } from '../../src/core/progress.js';
import { createSeedPlan } from '../../src/core/seed/seed-plan.js';
import { openMongoDocumentSource } from '../../src/ops/compare/mongo-document-source.js';
import { verifyDatabases } from '../../src/ops/compare/verify-databases.js';
import {
  type MigrateEvent,
  type MigrateOptions,
  runMigration,
} from '../../src/ops/migrate/index.js';
import { openTestDatabase, withDatabase } from '../helpers/db.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

const t = await openTestDatabase(import.meta.url);
const dir = await mkdtemp(join(tmpdir(), 'nsctl-migrate-faults-'));
after(() => rm(dir, { recursive: true, force: true }));
const config = configSchema.parse({ instance: 'migtest', backup: { dir } });
const collections = config.nightscout.collections;
const dbName = new URL(t.dbUri).pathname.slice(1);

async function seed(uri: string): Promise<void> {
  const connection = await connectMongo({ uri });
  await writeSeed({
    connection,
    collections,
    plan: createSeedPlan({ days: 1, seed: 'faults', end: Date.UTC(2026, 10, 30) }),
    drop: true,
    progress: silentProgress,
  });
  await connection.close();
}
await seed(t.dbUri);
const sourceCount = await countAll(t.db);

async function countAll(db: Db): Promise<number> {
  let n = 0;
  for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
    n += await db.collection(name).countDocuments();
  }
  return n;
}

const isCode = (code: ErrorCode) => (error: unknown) =>
  error instanceof NsctlError && error.code === code;

/** Calls `action` once, when the copy has handled `documents` documents in all. */
function progressTrigger(documents: number, action: () => void) {
  let fired = false;
  return createProgress((event) => {
    if (!fired && event.task === 'migrate:all' && event.done >= documents) {
      fired = true;
      action();
    }
  });
}

function migrate(from: string, to: string, extra: Partial<MigrateOptions> = {}) {
  return runMigration({
    from,
    to,
    sourceContext: { config, cwd: dir },
    nightscout: { collections },
    progress: silentProgress,
    batchSize: 100,
    serverSelectionTimeoutMS: 1000,
    retry: { retries: 6, baseDelayMs: 200, maxDelayMs: 1000 },
    ...extra,
  });
}

async function assertEqualToSource(sourceUri: string, targetUri: string): Promise<void> {
  const source = await openMongoDocumentSource({ uri: sourceUri });
  const target = await openMongoDocumentSource({ uri: targetUri });
  try {
    const result = await verifyDatabases({
      source,
      target,
      nightscout: { collections },
      progress: silentProgress,
    });
    assert.equal(result.equal, true, JSON.stringify(result.totals));
  } finally {
    await source.close();
    await target.close();
  }
}

/** Every document handled exactly once over all runs: nothing copied twice, nothing refused. */
function assertCopiedOnce(
  result: Awaited<ReturnType<typeof runMigration>>,
  expected = sourceCount,
): void {
  const handled = result.collections.reduce((n, c) => n + c.documents, 0);
  const written = result.collections.reduce(
    (n, c) => n + c.inserted + c.alreadyPresent + c.replaced,
    0,
  );
  assert.equal(handled, expected);
  assert.equal(written, expected);
  assert.equal(
    result.collections.reduce((n, c) => n + c.failed, 0),
    0,
  );
}

test('the source drops mid-copy and comes back: the read is retried and the copy completes', async () => {
  // _id pages on FerretDB sort the whole collection each time: the smaller collections suffice.
  const idOrder = ['entries', 'treatments', 'auth_subjects'];
  let idOrderCount = 0;
  for (const name of idOrder) idOrderCount += await t.db.collection(name).countDocuments();
  for (const paging of ['natural', 'id-order'] as const) {
    const proxy = await startTcpProxy(t.uri);
    try {
      const target = await t.scratch(`drop-${paging}`);
      const retries: MigrateEvent[] = [];
      const result = await migrate(withDatabase(proxy.uri, dbName), target.dbUri, {
        paging,
        ...(paging === 'id-order' ? { selection: { include: idOrder } } : {}),
        statePath: join(dir, `drop-${paging}.state.json`),
        progress: progressTrigger(paging === 'id-order' ? 150 : 250, () => {
          proxy.cut();
          setTimeout(() => proxy.restore(), 1500);
        }),
        onEvent: (event) => {
          if (event.kind === 'retry') retries.push(event);
        },
      });
      assert.ok(retries.length > 0, `${paging}: no retry happened`);
      assert.equal(result.ok, true, JSON.stringify(result.verification?.totals));
      assertCopiedOnce(result, paging === 'id-order' ? idOrderCount : sourceCount);
    } finally {
      await proxy.close();
    }
  }
});

test('the source goes away for good: MONGO_UNREACHABLE with the state saved; --resume finishes', async () => {
  const proxy = await startTcpProxy(t.uri);
  const target = await t.scratch('gone');
  const statePath = join(dir, 'gone.state.json');
  const from = withDatabase(proxy.uri, dbName);
  try {
    await assert.rejects(
      migrate(from, target.dbUri, {
        statePath,
        retry: { retries: 2, baseDelayMs: 50, maxDelayMs: 100 },
        progress: progressTrigger(250, () => proxy.cut()),
      }),
      (error: unknown) => {
        assert.ok(isCode('MONGO_UNREACHABLE')(error), String(error));
        assert.match((error as NsctlError).hint, /--resume/);
        assert.equal((error as NsctlError).details?.statePath, statePath);
        return true;
      },
    );
    const state = JSON.parse(await readFile(statePath, 'utf8')) as {
      collections: { documents: number }[];
    };
    const saved = state.collections.reduce((n, c) => n + c.documents, 0);
    assert.ok(saved >= 250 && saved < sourceCount, `state holds ${saved} of ${sourceCount}`);
    assert.ok((await countAll(target.db)) >= saved);
    proxy.restore();
    const result = await migrate(from, target.dbUri, { statePath, resume: true });
    assert.equal(result.resumed, true);
    assert.equal(result.ok, true, JSON.stringify(result.verification?.totals));
    assertCopiedOnce(result);
  } finally {
    await proxy.close();
  }
  await assertEqualToSource(t.dbUri, target.dbUri);
});

test('the target goes away mid-write: --resume checks the half-written batch and completes', async () => {
  const proxy = await startTcpProxy(t.uri);
  const target = await t.scratch('target-gone');
  const to = withDatabase(proxy.uri, new URL(target.dbUri).pathname.slice(1));
  const statePath = join(dir, 'target-gone.state.json');
  try {
    await assert.rejects(
      migrate(t.dbUri, to, {
        statePath,
        retry: { retries: 1, baseDelayMs: 50, maxDelayMs: 100 },
        progress: progressTrigger(300, () => proxy.cut()),
      }),
      isCode('MONGO_UNREACHABLE'),
    );
    proxy.restore();
    const result = await migrate(t.dbUri, to, { statePath, resume: true });
    assert.equal(result.ok, true, JSON.stringify(result.verification?.totals));
    assertCopiedOnce(result);
  } finally {
    await proxy.close();
  }
  await assertEqualToSource(t.dbUri, target.dbUri);
});

test('Ctrl-C mid-copy stops INTERRUPTED with the state saved; --resume continues', async () => {
  const target = await t.scratch('interrupt');
  const statePath = join(dir, 'interrupt.state.json');
  const controller = new AbortController();
  const reportFile = join(dir, 'interrupt.report.json');
  await assert.rejects(
    migrate(t.dbUri, target.dbUri, {
      statePath,
      reportFile,
      signal: controller.signal,
      progress: progressTrigger(200, () => controller.abort(new Error('SIGINT'))),
    }),
    isCode('INTERRUPTED'),
  );
  // --report is written for a stopped run too: why it stopped, and how far it got.
  const report = JSON.parse(await readFile(reportFile, 'utf8'));
  assert.equal(report.ok, false);
  assert.equal(report.stopped.code, 'INTERRUPTED');
  assert.equal(report.statePath, statePath);
  assert.ok(report.collections.length > 0);
  const result = await migrate(t.dbUri, target.dbUri, { statePath, resume: true });
  assert.equal(result.ok, true, JSON.stringify(result.verification?.totals));
  assertCopiedOnce(result);
});

test('writes on the source during the copy are found and fixed by the convergence passes', async () => {
  const source = await t.scratch('busy-source');
  await seed(source.dbUri);
  const target = await t.scratch('busy-target');
  const entries = source.db.collection('entries');
  const ids = (
    await entries
      .find({}, { projection: { _id: 1 } })
      .limit(200)
      .toArray()
  ).map((d) => d._id);
  let writing = true;
  let writes = 0;
  const writer = (async () => {
    while (writing) {
      const i = writes++;
      await entries.insertOne({
        type: 'sgv',
        sgv: 100 + (i % 40),
        date: 1.8e12 + i,
        device: 'writer',
      });
      await entries.updateOne({ _id: ids[(i * 7) % ids.length] }, { $set: { noise: i } });
      if (i % 5 === 0) await entries.deleteOne({ _id: ids[(i * 13 + 1) % ids.length] });
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  const result = await migrate(source.dbUri, target.dbUri, {
    statePath: join(dir, 'busy.state.json'),
    onEvent: (event) => {
      if (event.kind === 'phase' && event.phase === 'converge') writing = false;
    },
  });
  await writer;
  assert.ok(writes > 10, `the writer made only ${writes} writes`);
  const first = result.convergence?.passes[0];
  assert.ok(
    first && first.missing + first.extra + first.different > 0,
    'the first pass found nothing to fix',
  );
  assert.equal(result.convergence?.converged, true);
  assert.equal(result.ok, true, JSON.stringify(result.verification?.totals));
  await assertEqualToSource(source.dbUri, target.dbUri);
});

const server = await (async () => {
  const connection = await connectMongo({ uri: t.dbUri });
  try {
    return await readServerInfo(connection);
  } finally {
    await connection.close();
  }
})();

test('writes during the copy are replayed from the change stream (needs a replica set; skipped on FerretDB and a standalone mongod)', {
  skip: !server.supportsChangeStreams,
}, async () => {
  const source = await t.scratch('stream-source');
  await seed(source.dbUri);
  const target = await t.scratch('stream-target');
  const entries = source.db.collection('entries');
  let writing = true;
  const writer = (async () => {
    for (let i = 0; writing; i++) {
      await entries.insertOne({ type: 'sgv', sgv: 120, date: 1.8e12 + i, device: 'stream-writer' });
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  const result = await migrate(source.dbUri, target.dbUri, {
    statePath: join(dir, 'stream.state.json'),
    onEvent: (event) => {
      if (event.kind === 'phase' && event.phase === 'replay') writing = false;
    },
  });
  await writer;
  assert.ok((result.changeCapture?.events ?? 0) > 0);
  assert.ok((result.changeCapture?.replayed ?? 0) > 0);
  assert.equal(result.ok, true, JSON.stringify(result.verification?.totals));
  await assertEqualToSource(source.dbUri, target.dbUri);
});
