/**
 * Rollback points and migration state files, as a new user met them: no
 * nsctl.yaml, the commands nsctl prints copied as they are.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { runNsctl } from '../helpers/cli.js';
import { openTestDatabase } from '../helpers/db.js';

const t = await openTestDatabase(import.meta.url);
await t.db
  .collection('entries')
  .insertMany(Array.from({ length: 30 }, (_, i) => ({ sgv: 100 + i })));
await t.db.collection('profile').insertOne({ defaultProfile: 'Default' });

async function occupiedTarget(label: string) {
  const target = await t.scratch(label);
  await target.db.collection('entries').insertOne({ sgv: 1, old: true });
  return target;
}

/** The `nsctl rollback to …` command a run printed, as arguments. */
function printedRollback(stdout: string): { id: string; uri: string; line: string } {
  const match = /return with: (nsctl rollback to (\S+) --uri '([^']+)')/.exec(stdout);
  assert.ok(match, `no rollback command in:\n${stdout}`);
  return { line: match[1] ?? '', id: match[2] ?? '', uri: match[3] ?? '' };
}

test('migrate --drop: the printed rollback command names the target and works as printed', async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'nsctl-rb-trial-'));
  const target = await occupiedTarget('drop');
  const run = await runNsctl(['migrate', '--from', t.dbUri, '--to', target.dbUri, '--drop'], {
    cwd,
  });
  assert.equal(run.code, 0, run.stderr);
  const printed = printedRollback(run.stdout);
  assert.equal(printed.uri, target.dbUri.replace(/\/$/, ''));
  // No config: the files go to ./backups, and the run says so when it starts.
  assert.match(run.stderr, new RegExp(`state file: ${join(cwd, 'backups')}/migrate-`));
  assert.match(run.stderr, /rollback points go to .*backups/);
  // A plain rollback point of medical data is not made silently.
  assert.match(run.stderr, new RegExp(`rollback point ${printed.id}: backups are not encrypted`));
  assert.match(run.stderr, /NSCTL_BACKUP_PASSPHRASE/);

  // The printed command, run as printed, with the host spelled another way.
  const back = await runNsctl(
    ['rollback', 'to', printed.id, '--uri', printed.uri.replace('127.0.0.1', 'localhost')],
    { cwd },
  );
  assert.equal(back.code, 0, back.stderr);
  const docs = await target.db.collection('entries').find({}).toArray();
  assert.deepEqual(
    docs.map((d) => d.sgv),
    [1],
  );
});

test('rollback to refuses a database other than the point came from, and says which', async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'nsctl-rb-trial-'));
  const target = await occupiedTarget('origin');
  const other = await t.scratch('other');
  await other.db.collection('entries').insertOne({ sgv: 7, unrelated: true });
  const made = await runNsctl(
    ['rollback', 'create', '--label', 'x', '--uri', target.dbUri, '--json'],
    { cwd },
  );
  assert.equal(made.code, 0, made.stderr);
  const id = JSON.parse(made.stdout).result.id as string;
  const origin = target.db.databaseName;

  const none = await runNsctl(['rollback', 'to', id], { cwd });
  assert.equal(none.code, 2, none.stderr);
  assert.match(none.stderr, new RegExp(`made from database ${origin} on 127\\.0\\.0\\.1:\\d+`));
  assert.match(none.stderr, new RegExp(`--uri '${target.dbUri.replace(/\/$/, '')}'`));

  const elsewhere = await runNsctl(['rollback', 'to', id], {
    cwd,
    env: { NSCTL_MONGODB_URI: other.dbUri },
  });
  assert.equal(elsewhere.code, 2, elsewhere.stderr);
  assert.match(elsewhere.stderr, new RegExp(`made from database ${origin} `));
  assert.match(elsewhere.stderr, new RegExp(`not database ${other.db.databaseName} `));
  assert.match(elsewhere.stderr, /--into-other/);
  const untouched = await other.db.collection('entries').find({}).toArray();
  assert.deepEqual(
    untouched.map((d) => d.sgv),
    [7],
  );

  const forced = await runNsctl(['rollback', 'to', id, '--into-other'], {
    cwd,
    env: { NSCTL_MONGODB_URI: other.dbUri },
  });
  assert.equal(forced.code, 0, forced.stderr);

  const text = await runNsctl(['rollback', 'create', '--label', 'y', '--uri', target.dbUri], {
    cwd,
  });
  assert.match(
    text.stdout,
    new RegExp(`return to it with: nsctl rollback to \\S+ --uri '${target.dbUri}'`),
  );
  const help = await runNsctl(['rollback', 'to', '--help']);
  assert.match(help.stdout, /--into-other/);
});

test('restore --drop names the target in its rollback command and warns the point is plain', async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'nsctl-rb-trial-'));
  const target = await occupiedTarget('restore');
  const backup = await runNsctl(['backup', 'run', '--uri', t.dbUri], { cwd });
  assert.equal(backup.code, 0, backup.stderr);
  const run = await runNsctl(['restore', 'latest', '--uri', target.dbUri, '--drop'], { cwd });
  assert.equal(run.code, 0, run.stderr);
  const printed = printedRollback(run.stdout);
  assert.equal(printed.uri, target.dbUri.replace(/\/$/, ''));
  assert.match(run.stderr, new RegExp(`rollback point ${printed.id}: backups are not encrypted`));
});

test('a fresh migrate refuses to overwrite the state file of another migration', async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'nsctl-rb-trial-'));
  const state = join(cwd, 'one.state.json');
  const first = await t.scratch('state-a');
  const second = await t.scratch('state-b');
  const a = await runNsctl(['migrate', '--from', t.dbUri, '--to', first.dbUri, '--state', state], {
    cwd,
  });
  assert.equal(a.code, 0, a.stderr);
  const before = await readFile(state, 'utf8');

  const b = await runNsctl(['migrate', '--from', t.dbUri, '--to', second.dbUri, '--state', state], {
    cwd,
  });
  assert.equal(b.code, 2, b.stderr);
  assert.match(b.stderr, /MIGRATE_REFUSED.*belongs to another migration/);
  assert.match(b.stderr, /another --state/);
  assert.equal(await readFile(state, 'utf8'), before);
  assert.equal(await second.db.collection('entries').countDocuments(), 0);

  // The same migration again is a restart, and may replace its own file.
  const again = await runNsctl(
    ['migrate', '--from', t.dbUri, '--to', first.dbUri, '--state', state, '--drop'],
    { cwd },
  );
  assert.equal(again.code, 0, again.stderr);
});

test('the default state file is named by target server and database, and --resume finds it', async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'nsctl-rb-trial-'));
  const target = await t.scratch('default-state');
  const name = target.db.databaseName;
  const args = ['migrate', '--from', t.dbUri, '--to', target.dbUri];
  const fresh = await runNsctl(args, { cwd });
  assert.equal(fresh.code, 0, fresh.stderr);
  const files = await readdir(join(cwd, 'backups'));
  assert.deepEqual(files, [`${files[0]}`]);
  assert.match(files[0] ?? '', new RegExp(`^migrate-${name}-[0-9a-f]{8}\\.state\\.json$`));

  const resumed = await runNsctl([...args, '--resume'], { cwd });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /\(resumed\)/);
  assert.match(resumed.stdout, new RegExp(`state: ${join(cwd, 'backups', files[0] ?? '')}`));
});

test('--resume still finds a state file named the way older nsctl named it', async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'nsctl-rb-trial-'));
  const target = await t.scratch('legacy-state');
  const args = ['migrate', '--from', t.dbUri, '--to', target.dbUri];
  assert.equal((await runNsctl(args, { cwd })).code, 0);
  const [made] = await readdir(join(cwd, 'backups'));
  const legacy = join(cwd, 'backups', `migrate-${target.db.databaseName}.state.json`);
  await writeFile(legacy, await readFile(join(cwd, 'backups', made ?? ''), 'utf8'));
  const { rm } = await import('node:fs/promises');
  await rm(join(cwd, 'backups', made ?? ''));

  const resumed = await runNsctl([...args, '--resume'], { cwd });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /\(resumed\)/);
  assert.match(resumed.stdout, new RegExp(`state: ${legacy}`));
});

test('rollback list names the database and server each point was made from', async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'nsctl-rb-trial-'));
  const first = await occupiedTarget('list-a');
  const second = await occupiedTarget('list-b');
  for (const [label, target] of [
    ['a', first],
    ['b', second],
  ] as const) {
    const made = await runNsctl(['rollback', 'create', '--label', label, '--uri', target.dbUri], {
      cwd,
    });
    assert.equal(made.code, 0, made.stderr);
  }
  const server = /^mongodb:\/\/(?:[^@/]*@)?([^/?]+)/.exec(first.dbUri)?.[1] ?? '';

  const text = await runNsctl(['rollback', 'list'], { cwd });
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^id +label +database +server +created +size$/m);
  for (const [label, target] of [
    ['a', first],
    ['b', second],
  ] as const) {
    const row = new RegExp(
      `^nightscout-\\S+ +${label} +${target.db.databaseName} +${server} `,
      'm',
    );
    assert.match(text.stdout, row);
  }

  const json = await runNsctl(['rollback', 'list', '--json'], { cwd });
  const points = JSON.parse(json.stdout).result.points as { database: string; server: string }[];
  assert.deepEqual(
    points.map((p) => [p.database, p.server]),
    [
      [first.db.databaseName, server],
      [second.db.databaseName, server],
    ],
  );
});

test('"latest" in a folder of rollback points only, and an unknown id, point at the list that helps', async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'nsctl-rb-trial-'));
  const target = await occupiedTarget('latest-points');
  const made = await runNsctl(['rollback', 'create', '--label', 'l', '--uri', target.dbUri], {
    cwd,
  });
  assert.equal(made.code, 0, made.stderr);
  const latest = await runNsctl(['backup', 'verify', 'latest'], { cwd });
  assert.equal(latest.code, 2, latest.stderr);
  assert.match(
    latest.stderr,
    /1 rollback point, which "latest" never names: `nsctl rollback list`/,
  );
  const unknown = await runNsctl(['rollback', 'to', 'nope-123', '--uri', target.dbUri], { cwd });
  assert.equal(unknown.code, 2, unknown.stderr);
  assert.match(
    unknown.stderr,
    /`nsctl rollback list` the rollback points; for another folder, pass --dir/,
  );
});

test('restore --dry-run into a database that holds data exits 2, as the real run is refused', async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'nsctl-rb-trial-'));
  const target = await occupiedTarget('dry-refused');
  const backup = await runNsctl(['backup', 'run', '--uri', t.dbUri], { cwd });
  assert.equal(backup.code, 0, backup.stderr);
  const dry = await runNsctl(['restore', 'latest', '--uri', target.dbUri, '--dry-run'], { cwd });
  assert.match(dry.stdout, /would REFUSE/);
  assert.equal(dry.code, 2, dry.stdout);
  const real = await runNsctl(['restore', 'latest', '--uri', target.dbUri], { cwd });
  assert.equal(real.code, 2, real.stderr);
});
