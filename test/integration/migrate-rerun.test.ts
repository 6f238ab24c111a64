/**
 * Running a migration again once it is over, and migrating only some
 * collections: a finished migration is not "continued" (its target may be
 * Nightscout's live database by then, and a convergence pass would delete
 * what Nightscout wrote there); a partial run neither drops nor counts the
 * target's other collections, and does not advise the switch-over.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { serialize } from 'bson';

import { renderResult } from '../../src/cli/commands/migrate-render.js';
import { configSchema } from '../../src/core/config/schema.js';
import { NsctlError } from '../../src/core/errors.js';
import { createProgress, silentProgress } from '../../src/core/progress.js';
import {
  type MigrateOptions,
  migrationLockPath,
  runMigration,
} from '../../src/ops/migrate/index.js';
import { openTestDatabase } from '../helpers/db.js';
import { localRollbackPoints } from '../helpers/rollback.js';

const t = await openTestDatabase(import.meta.url);
const dir = await mkdtemp(join(tmpdir(), 'nsctl-migrate-rerun-'));
after(() => rm(dir, { recursive: true, force: true }));
const config = configSchema.parse({ instance: 'rerun', backup: { dir } });

await t.db
  .collection('entries')
  .insertMany(Array.from({ length: 30 }, (_, i) => ({ type: 'sgv', sgv: 100 + i })));
await t.db.collection('food').insertMany([{ name: 'apple' }, { name: 'pear' }]);
await t.db.collection('auth_subjects').insertOne({ name: 'follower', roles: ['readable'] });

function migrate(to: string, extra: Partial<MigrateOptions> = {}) {
  return runMigration({
    from: t.dbUri,
    to,
    sourceContext: { config, cwd: dir },
    nightscout: { collections: config.nightscout.collections },
    progress: silentProgress,
    ...extra,
  });
}

const refused = (message: RegExp) => (error: unknown) => {
  assert.ok(error instanceof NsctlError, String(error));
  assert.equal(error.code, 'MIGRATE_REFUSED', error.message);
  assert.match(error.message, message);
  return true;
};

test('a migration finished with --final is not continued: what Nightscout wrote to the target since is kept', async () => {
  const target = await t.scratch('final');
  const statePath = join(dir, 'final.state.json');
  assert.equal((await migrate(target.dbUri, { statePath })).ok, true);
  const last = await migrate(target.dbUri, { statePath, final: true });
  assert.equal(last.ok, true);
  const state = JSON.parse(await readFile(statePath, 'utf8')) as { finalAt?: string };
  assert.ok(state.finalAt, 'the state file records the finished migration');

  // Nightscout, now pointed at the target, writes a new reading there.
  await target.db.collection('entries').insertOne({ type: 'sgv', sgv: 222, after: 'switch' });
  for (const again of [{ resume: true }, { final: true }, {}])
    await assert.rejects(
      migrate(target.dbUri, { statePath, ...again }),
      refused(/finished with --final at .*nsctl verify.*--drop/),
    );
  assert.equal(await target.db.collection('entries').countDocuments({ after: 'switch' }), 1);
});

test('a migration from a dump folder is over after one run; the refusal does not speak of --final', async () => {
  const dump = join(dir, 'dump', 'nightscout');
  await mkdir(dump, { recursive: true });
  for (const name of ['entries', 'food', 'auth_subjects']) {
    const docs = await t.db.collection(name).find({}).toArray();
    await writeFile(join(dump, `${name}.bson`), Buffer.concat(docs.map((d) => serialize(d))));
  }
  const target = await t.scratch('from-dump');
  const statePath = join(dir, 'from-dump.state.json');
  const first = await migrate(target.dbUri, { from: dump, statePath });
  assert.equal(first.ok, true, JSON.stringify(first.verification?.collections[0]));
  await assert.rejects(
    migrate(target.dbUri, { from: dump, statePath, resume: true }),
    (error: unknown) => {
      refused(/this migration was finished at .*nsctl verify/)(error);
      assert.doesNotMatch((error as Error).message, /--final/);
      return true;
    },
  );
});

test('a migration that has not had its --final run yet can still be continued', async () => {
  const target = await t.scratch('notfinal');
  const statePath = join(dir, 'notfinal.state.json');
  assert.equal((await migrate(target.dbUri, { statePath })).ok, true);
  const state = JSON.parse(await readFile(statePath, 'utf8')) as { finalAt?: string };
  assert.equal(state.finalAt, undefined);
  assert.equal((await migrate(target.dbUri, { statePath, resume: true })).ok, true);
});

test('--collections with --drop replaces only the named collections and does not advise the switch-over', async () => {
  const target = await t.scratch('partial');
  await target.db.collection('food').insertOne({ name: 'stale' });
  await target.db.collection('custom_notes').insertMany([{ n: 1 }, { n: 2 }]);
  const { maker } = localRollbackPoints(dir, 'rerun', target.dbUri);
  const result = await migrate(target.dbUri, {
    statePath: join(dir, 'partial.state.json'),
    selection: { include: ['food'] },
    drop: true,
    createRollbackPoint: maker,
    final: true,
  });
  assert.equal(result.ok, true);
  assert.deepEqual(
    result.preflight.target.occupied.map((c) => c.name),
    ['food'],
  );
  assert.equal(await target.db.collection('custom_notes').countDocuments(), 2);
  assert.deepEqual(
    (
      await target.db
        .collection('food')
        .find({}, { projection: { _id: 0 } })
        .toArray()
    )
      .map((d) => d.name)
      .sort(),
    ['apple', 'pear'],
  );
  assert.deepEqual(result.preflight.source.leftOut?.sort(), ['auth_subjects', 'entries']);
  const next = result.nextSteps.join('\n');
  assert.doesNotMatch(next, /MONGODB_URI/);
  assert.match(next, /only some collections were migrated \(left out: .*entries/);
});

test('--collections into a target whose other collections hold data is not refused for them', async () => {
  const target = await t.scratch('partial-occupied');
  await target.db.collection('custom_notes').insertOne({ n: 1 });
  const result = await migrate(target.dbUri, {
    statePath: join(dir, 'partial-occupied.state.json'),
    selection: { include: ['food'] },
  });
  assert.equal(result.ok, true);
  assert.equal(await target.db.collection('custom_notes').countDocuments(), 1);
  assert.equal(await target.db.collection('food').countDocuments(), 2);
});

test('a verification that finds only an index differing says so, not "0 missing, 0 extra, 0 different"', async () => {
  await t.db.collection('entries').createIndex({ sgv: 1 }, { name: 'sgv_1' });
  const target = await t.scratch('index-gone');
  const statePath = join(dir, 'index-gone.state.json');
  assert.equal((await migrate(target.dbUri, { statePath })).ok, true);
  // Another definition under the same name: --resume builds missing indexes, never replaces one.
  await target.db.collection('entries').dropIndex('sgv_1');
  await target.db.collection('entries').createIndex({ sgv: -1 }, { name: 'sgv_1' });
  const again = await migrate(target.dbUri, { statePath, resume: true });
  assert.equal(again.ok, false, 'the changed index is found');
  const text = renderResult(again);
  assert.match(
    text,
    /verification: DIFFERENT \(0 missing, 0 extra, 0 different documents; 1 index difference/,
  );
});

test('the summary table says what the target holds after convergence, not only what the copy did', async () => {
  const target = await t.scratch('table');
  const statePath = join(dir, 'table.state.json');
  assert.equal((await migrate(target.dbUri, { statePath })).ok, true);
  // Nightscout writes to the source after the copy; the next pass brings them over.
  await t.db.collection('food').insertOne({ name: 'plum' });
  try {
    const again = await migrate(target.dbUri, { statePath, resume: true });
    assert.equal(again.ok, true);
    const row = renderResult(again)
      .split('\n')
      .find((line) => line.startsWith('food '));
    const header = renderResult(again)
      .split('\n')
      .find((line) => line.startsWith('collection '));
    assert.match(header ?? '', /documents\s+on target\s+inserted/);
    // Copied 2 documents in the first run; the target now holds 3.
    assert.match(row ?? '', /^food\s+2\s+3\s/);
  } finally {
    await t.db.collection('food').deleteOne({ name: 'plum' });
  }
});

test('a second run into the same database while the first runs is refused, even with its own state file; a lock left by a killed run is taken over', async () => {
  const target = await t.scratch('locked');
  const statePath = join(dir, 'locked.state.json');
  const lockPath = migrationLockPath(target.dbUri, new URL(target.dbUri).pathname.slice(1));
  let second: Promise<unknown> | undefined;
  const first = migrate(target.dbUri, {
    statePath,
    batchSize: 5,
    progress: createProgress((event) => {
      if (!second && event.task === 'migrate:all' && event.done >= 5)
        // Another folder, another state file: the same target database.
        second = migrate(target.dbUri, { statePath: join(dir, 'elsewhere.state.json') }).then(
          () => assert.fail('the second run was let through'),
          (error: unknown) => error,
        );
    }),
  });
  assert.equal((await first).ok, true);
  const error = await second;
  refused(/another migration into this database is in progress \(process \d+/)(error);
  assert.equal(existsSync(`${lockPath}`), false, 'the lock is released at the end');

  // A run killed with -9 leaves its lock: no process has that id, so the next run goes ahead.
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  await writeFile(
    `${lockPath}`,
    JSON.stringify({ pid: Number(dead.stdout), host: hostname(), startedAt: 'then' }),
  );
  assert.equal((await migrate(target.dbUri, { statePath, resume: true })).ok, true);

  // A dry run takes no lock, but says when a real run would be refused for one.
  const running = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  try {
    await writeFile(
      `${lockPath}`,
      JSON.stringify({ pid: running.pid, host: hostname(), startedAt: 'now' }),
    );
    const dry = await migrate(target.dbUri, { statePath, resume: true, dryRun: true });
    assert.equal(dry.ok, false);
    assert.match(
      dry.preflight.problems[0] ?? '',
      new RegExp(`another migration into this database is in progress \\(process ${running.pid}`),
    );
  } finally {
    running.kill();
    await rm(`${lockPath}`, { force: true });
  }
});

test('the downtime way: a first run with --final copies, verifies and marks the migration finished', async () => {
  const target = await t.scratch('final-first');
  const statePath = join(dir, 'final-first.state.json');
  const result = await migrate(target.dbUri, { statePath, final: true });
  assert.equal(result.ok, true, JSON.stringify(result.verification?.totals));
  assert.equal(result.resumed, false);
  assert.equal(await target.db.collection('entries').countDocuments(), 30);
  const state = JSON.parse(await readFile(statePath, 'utf8')) as { finalAt?: string };
  assert.ok(state.finalAt);
  assert.ok(
    result.nextSteps.every((step) => !/--final/.test(step)),
    result.nextSteps.join('\n'),
  );
});

test('after a finished migration, --drop of one collection keeps it finished: a later --resume cannot delete what Nightscout wrote to the others', async () => {
  const target = await t.scratch('finished-partial');
  const statePath = join(dir, 'finished-partial.state.json');
  assert.equal((await migrate(target.dbUri, { statePath, final: true })).ok, true);
  await target.db.collection('food').insertOne({ name: 'written by Nightscout since' });
  const { maker } = localRollbackPoints(dir, 'rerun', target.dbUri);
  const partial = await migrate(target.dbUri, {
    statePath,
    drop: true,
    selection: { include: ['entries'] },
    createRollbackPoint: maker,
  });
  assert.equal(partial.ok, true, JSON.stringify(partial.verification?.totals));
  assert.match(
    partial.warnings.join('\n'),
    /finished at .*--drop copies entries again and it stays finished/,
  );
  await assert.rejects(
    migrate(target.dbUri, { statePath, resume: true }),
    refused(/this migration was finished/),
  );
  assert.equal(
    await target.db.collection('food').countDocuments({ name: 'written by Nightscout since' }),
    1,
  );
});
