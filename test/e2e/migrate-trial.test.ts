/**
 * `nsctl migrate` as a new user ran it: what the dry run prints and the
 * exit codes of refusals, the built binary run as typed.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { runNsctl } from '../helpers/cli.js';
import { openTestDatabase } from '../helpers/db.js';

const t = await openTestDatabase(import.meta.url);
await t.db
  .collection('entries')
  .insertMany(Array.from({ length: 20 }, (_, i) => ({ type: 'sgv', sgv: 100 + i })));
await t.db.collection('profile').insertOne({ defaultProfile: 'Default' });
const cwd = await mkdtemp(join(tmpdir(), 'nsctl-migrate-trial-'));
after(() => rm(cwd, { recursive: true, force: true }));

test('a refused dry run exits 2 like a refused run, and says what the target holds (findings 3, 4)', async () => {
  const target = await t.scratch('occupied');
  await target.db.collection('entries').insertMany([{ sgv: 1 }, { sgv: 2 }]);
  const run = await runNsctl(['migrate', '--from', t.dbUri, '--to', target.dbUri, '--dry-run'], {
    cwd,
  });
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stdout, /^target: holds entries \(2\)$/m);
  assert.doesNotMatch(run.stdout, /target: empty/);
  assert.match(run.stdout, /^REFUSED: the target database .* already holds data in entries \(2\)/m);

  const same = await runNsctl(
    ['migrate', '--from', t.dbUri, '--to', t.dbUri.replace('127.0.0.1', 'localhost'), '--dry-run'],
    { cwd },
  );
  assert.equal(same.code, 2, same.stderr);
  assert.match(same.stdout, /REFUSED: the source and the target are the same database/);
});

test('from a backup the run ends without a --final step (finding 10)', async () => {
  const env = { NSCTL_MONGODB_URI: t.dbUri };
  const backup = await runNsctl(['backup', 'run', '--dir', 'backups'], { cwd, env });
  assert.equal(backup.code, 0, backup.stderr);
  const target = await t.scratch('from-backup');
  const run = await runNsctl(
    ['migrate', '--from', 'backup:latest', '--dir', 'backups', '--to', target.dbUri],
    { cwd, env },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /IDENTICAL/);
  assert.doesNotMatch(run.stdout, /--final/);
  assert.match(run.stdout, /^next: point Nightscout's MONGODB_URI/m);
});
