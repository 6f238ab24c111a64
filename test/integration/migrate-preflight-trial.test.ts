/**
 * What a new user's trial of `nsctl migrate` and `nsctl verify` found
 * wrong before anything is written: a target that is the source itself,
 * mistyped collection names, database names and URIs, a `--report` path
 * that cannot be written, errors that did not say which side failed; and
 * after the copy, a report file that fails or a damaged archive.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { createLocalDirTarget } from '../../src/adapters/storage/local-dir-target.js';
import { configSchema } from '../../src/core/config/schema.js';
import { type ErrorCode, EXIT, NsctlError } from '../../src/core/errors.js';
import { silentProgress } from '../../src/core/progress.js';
import { runBackup } from '../../src/ops/backup/run.js';
import { runVerify } from '../../src/ops/compare/run-verify.js';
import { type MigrateOptions, runMigration } from '../../src/ops/migrate/index.js';
import { openTestDatabase, withDatabase } from '../helpers/db.js';
import { localRollbackPoints } from '../helpers/rollback.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

const t = await openTestDatabase(import.meta.url);
const dir = await mkdtemp(join(tmpdir(), 'nsctl-migrate-trial-'));
after(() => rm(dir, { recursive: true, force: true }));
const config = configSchema.parse({ instance: 'migtrial', backup: { dir } });
const sourceContext = { config, cwd: dir };

await t.db
  .collection('entries')
  .insertMany(Array.from({ length: 40 }, (_, i) => ({ type: 'sgv', sgv: 90 + i })));
await t.db.collection('profile').insertOne({ defaultProfile: 'Default' });
await t.db.collection('food').insertOne({ name: 'apple', carbs: 15 });
await t.db.collection('auth_subjects').insertOne({ name: 'follower', roles: ['readable'] });

function migrate(from: string, to: string, extra: Partial<MigrateOptions> = {}) {
  return runMigration({
    from,
    to,
    sourceContext,
    nightscout: { collections: config.nightscout.collections },
    progress: silentProgress,
    serverSelectionTimeoutMS: 1500,
    retry: { retries: 1, baseDelayMs: 50, maxDelayMs: 100 },
    ...extra,
  });
}

function verify(
  source: string,
  target: string,
  extra: { collections?: string[]; report?: string } = {},
) {
  return runVerify({
    source,
    target,
    sourceContext,
    ...(extra.collections ? { selection: { include: extra.collections } } : {}),
    ...(extra.report ? { reportFile: extra.report } : {}),
    nightscout: { collections: config.nightscout.collections },
    progress: silentProgress,
  });
}

/** Asserts the error's code and that its message matches. */
const failsWith = (code: ErrorCode, message: RegExp) => (error: unknown) => {
  assert.ok(error instanceof NsctlError, String(error));
  assert.equal(error.code, code, error.message);
  assert.match(error.message, message);
  return true;
};

async function collectionNames(db: {
  listCollections(): { toArray(): Promise<{ name: string }[]> };
}) {
  return (await db.listCollections().toArray()).map((c) => c.name).sort();
}

test('a target that is the source itself is refused, by its URI or by what the server says (finding 1)', async () => {
  const alias = t.dbUri.replace('127.0.0.1', 'localhost');
  const dry = await migrate(t.dbUri, alias, { dryRun: true });
  assert.equal(dry.ok, false);
  assert.match(
    dry.preflight.problems.join('\n'),
    /the source and the target are the same database/,
  );

  await assert.rejects(
    migrate(t.dbUri, alias, { drop: true }),
    failsWith('MIGRATE_REFUSED', /same database/),
  );
  assert.equal(await t.db.collection('entries').countDocuments(), 40);

  // Another port, the same server: only the server's own answer tells.
  const proxy = await startTcpProxy(t.dbUri);
  try {
    const proxied = await migrate(t.dbUri, proxy.uri, { dryRun: true });
    assert.match(proxied.preflight.problems.join('\n'), /same database/);
  } finally {
    await proxy.close();
  }

  const other = await t.scratch('not-same');
  const fine = await migrate(t.dbUri, other.dbUri, { dryRun: true });
  assert.deepEqual(fine.preflight.problems, []);

  // verify refuses it too: an IDENTICAL of a database with itself would prove nothing.
  await assert.rejects(
    verify(t.dbUri, alias),
    (error: NsctlError) => error.code === 'USAGE' && /same database/.test(error.message),
  );
});

test('a mistyped name in --collections or --exclude is refused with the closest name (finding 2)', async () => {
  const target = await t.scratch('typo');
  const dry = await migrate(t.dbUri, target.dbUri, {
    dryRun: true,
    selection: { include: ['entries', 'entires', 'bar'] },
  });
  assert.equal(dry.ok, false);
  assert.match(
    dry.preflight.problems.join('\n'),
    /no collection "entires" \(did you mean "entries"\?\), "bar" on the source/,
  );
  await assert.rejects(
    migrate(t.dbUri, target.dbUri, { selection: { exclude: ['entires'] } }),
    failsWith('MIGRATE_REFUSED', /"entires" \(did you mean "entries"\?\)/),
  );
  assert.deepEqual(await collectionNames(target.db), []);

  await assert.rejects(
    verify(t.dbUri, target.dbUri, { collections: ['entries', 'profil'] }),
    failsWith('USAGE', /no collection "profil" \(did you mean "profile"\?\)/),
  );
});

test('--report to a missing folder or a folder is refused before any work (finding 5)', async () => {
  const target = await t.scratch('report');
  for (const [file, why] of [
    [join(dir, 'no-such-folder', 'report.json'), /does not exist/],
    [dir, /is a folder/],
  ] as const) {
    await assert.rejects(
      migrate(t.dbUri, target.dbUri, { reportFile: file }),
      failsWith('USAGE', why),
    );
    await assert.rejects(verify(t.dbUri, target.dbUri, { report: file }), failsWith('USAGE', why));
  }
  assert.deepEqual(await collectionNames(target.db), []);
});

test('a report that cannot be written at the end is a warning; the finished copy stands (finding 5)', async () => {
  const target = await t.scratch('report-late');
  const folder = await mkdtemp(join(dir, 'reports-'));
  const result = await migrate(t.dbUri, target.dbUri, {
    reportFile: join(folder, 'report.json'),
    onEvent: (event) => {
      // The folder turns into a file while the copy runs.
      if (event.kind === 'phase' && event.phase === 'converge')
        void rm(folder, { recursive: true, force: true }).then(() => writeFile(folder, 'x'));
    },
  });
  assert.equal(result.ok, true);
  assert.equal(result.reportFile, undefined);
  assert.match(result.warnings.join('\n'), /the report .*report\.json was not written/);
  assert.doesNotMatch(result.nextSteps.join('\n'), /--resume/);
});

test('a mistyped URI is not taken for a missing file (finding 6)', async () => {
  const target = await t.scratch('uri-typo');
  for (const spec of [
    'mongdb://127.0.0.1:27101/nightscout',
    'mongodb:/127.0.0.1:27101/nightscout',
    '127.0.0.1:27101/nightscout',
  ]) {
    await assert.rejects(
      migrate(spec, target.dbUri),
      failsWith(
        'MONGO_URI_INVALID',
        /^source: not a MongoDB URI \(did you mean mongodb:\/\/127\.0\.0\.1:27101\/nightscout\?\) nor an existing file/,
      ),
    );
    await assert.rejects(verify(spec, target.dbUri), failsWith('MONGO_URI_INVALID', /^source: /));
  }
  await assert.rejects(
    verify(t.dbUri, '127.0.0.1:27101/nightscout'),
    failsWith('USAGE', /did you mean mongodb:\/\/127\.0\.0\.1:27101\/nightscout\?/),
  );
  // A plain missing file is still a missing file.
  await assert.rejects(migrate('./nightscout.archive.gz', target.dbUri), (error: unknown) => {
    assert.doesNotMatch((error as Error).message, /not a MongoDB URI/);
    return true;
  });
});

test('a server that cannot be reached is named as the source or the target (finding 7)', async () => {
  const target = await t.scratch('sides');
  await assert.rejects(
    migrate('mongodb://127.0.0.1:1/nightscout', target.dbUri),
    failsWith('MONGO_UNREACHABLE', /^source: cannot reach MongoDB/),
  );
  await assert.rejects(
    migrate(t.dbUri, 'mongodb://127.0.0.1:1/nightscout'),
    failsWith('MONGO_UNREACHABLE', /^target: cannot reach MongoDB/),
  );
  await assert.rejects(
    verify(t.dbUri, 'mongodb://127.0.0.1:1/nightscout?serverSelectionTimeoutMS=1500'),
    failsWith('MONGO_UNREACHABLE', /^target: cannot reach MongoDB/),
  );
});

test('an empty or missing source database asks whether its name is right (finding 8)', async () => {
  const missing = await t.scratch('nightscot');
  const target = await t.scratch('empty-target');
  const dry = await migrate(missing.dbUri, target.dbUri, { dryRun: true });
  const problems = dry.preflight.problems.join('\n');
  assert.match(problems, /is empty or does not exist: is the database name in --from right\?/);
  assert.match(
    problems,
    new RegExp(`databases on this server that hold collections: .*${t.db.databaseName}`),
  );
  assert.doesNotMatch(problems, /after --collections/);
});

test('only Nightscout collections missing from the source are warned about, not those left out (finding 9)', async () => {
  const target = await t.scratch('selection');
  const dry = await migrate(t.dbUri, target.dbUri, {
    dryRun: true,
    selection: { include: ['food', 'profile'] },
  });
  assert.deepEqual(dry.preflight.problems, []);
  const warning = dry.warnings.find((w) => /Nightscout creates them/.test(w)) ?? '';
  assert.match(warning, /treatments/);
  assert.doesNotMatch(warning, /entries|auth_subjects/);
});

test('from a backup: no --final step; a truncated archive hints no --resume (findings 10, 11)', async () => {
  const backup = await runBackup({
    source: { uri: t.dbUri },
    instance: 'migtrial',
    target: createLocalDirTarget(dir),
    compression: 'gzip',
    encryption: { type: 'none' },
    progress: silentProgress,
    toolVersion: '0.0.0-test',
  });
  const target = await t.scratch('from-backup');
  const result = await migrate('backup:latest', target.dbUri, {
    statePath: join(dir, 'from-backup.state.json'),
  });
  assert.equal(result.ok, true);
  assert.doesNotMatch(result.nextSteps.join('\n'), /--final/);
  assert.match(result.nextSteps.join('\n'), /point Nightscout's MONGODB_URI/);

  const bytes = await readFile(join(dir, backup.manifest.archive.name));
  const truncated = join(dir, 'trunc.archive.gz');
  await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.8)));
  const partial = await t.scratch('from-truncated');
  await assert.rejects(
    migrate(truncated, partial.dbUri, { statePath: join(dir, 'trunc.state.json') }),
    (error: unknown) => {
      assert.ok(error instanceof NsctlError, String(error));
      assert.equal(error.exitCode, EXIT.integrity, error.message);
      assert.doesNotMatch(error.hint, /--resume/);
      assert.match(error.hint, /partial copy: run again from a good source with --drop/);
      return true;
    },
  );
  // Doing what the hint says: the good source's run replaces the damaged one's state file.
  const again = await migrate('backup:latest', partial.dbUri, {
    statePath: join(dir, 'trunc.state.json'),
    drop: true,
    createRollbackPoint: localRollbackPoints(dir, 'migtrial', partial.dbUri).maker,
  });
  assert.equal(again.ok, true, JSON.stringify(again.verification?.totals));
  assert.match(
    again.warnings.join('\n'),
    /state file .* of an earlier migration into this database .* is replaced/,
  );
});

test('--resume without a state file says it starts fresh, and copies everything', async () => {
  const target = await t.scratch('resume-fresh');
  const dry = await migrate(t.dbUri, target.dbUri, {
    resume: true,
    dryRun: true,
    statePath: join(dir, 'never-written.state.json'),
  });
  assert.match(
    dry.warnings.join('\n'),
    /--resume: there is no state file at .*a real run would start afresh/,
  );
  const notes: string[] = [];
  const result = await migrate(t.dbUri, target.dbUri, {
    resume: true,
    statePath: join(dir, 'never-written.state.json'),
    onEvent: (event) => {
      if (event.kind === 'note') notes.push(event.message);
    },
  });
  assert.equal(result.ok, true);
  assert.ok(
    notes.some((n) =>
      /no state file at .*never-written\.state\.json, so this is a fresh start/.test(n),
    ),
    notes.join('\n'),
  );
  assert.equal(await target.db.collection('entries').countDocuments(), 40);
});

test('verify refuses two databases that both hold nothing (mistyped names), and still compares one empty side', async () => {
  const nowhere = withDatabase(t.uri, 'nightscuot_missing_a');
  const elsewhere = withDatabase(t.uri, 'nightscuot_missing_b');
  await assert.rejects(
    verify(nowhere, elsewhere),
    failsWith(
      'USAGE',
      /neither .*nightscuot_missing_a.* nor .*nightscuot_missing_b.* holds any collection/,
    ),
  );
  const oneSide = await verify(t.dbUri, elsewhere);
  assert.equal(oneSide.equal, false);
});

test('verify with a --work-dir that is missing or a file says so, as a usage error', async () => {
  const file = join(dir, 'a-file');
  await writeFile(file, 'x');
  const other = await t.scratch('work-dir');
  for (const [workDir, problem] of [
    [join(dir, 'nope', 'x'), /does not exist/],
    [file, /is not a folder/],
  ] as const) {
    await assert.rejects(
      runVerify({
        source: t.dbUri,
        target: other.dbUri,
        sourceContext,
        workDir,
        nightscout: { collections: config.nightscout.collections },
        progress: silentProgress,
      }),
      failsWith('USAGE', problem),
    );
  }
});

test('--state in a folder that does not exist is refused before anything is written, like --report', async () => {
  const target = await t.scratch('state-folder');
  const missing = join(dir, 'no-such-folder', 'migrate.state.json');
  for (const dryRun of [true, false])
    await assert.rejects(
      migrate(t.dbUri, target.dbUri, { statePath: missing, dryRun }),
      failsWith('USAGE', /--state .*the folder .*no-such-folder does not exist/),
    );
  assert.deepEqual(await collectionNames(target.db), []);
});
