/**
 * Bugs found by trying nsctl as a new user, each with the test that shows
 * it fixed.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { runNsctl } from '../helpers/cli.js';
import { openTestDatabase } from '../helpers/db.js';

const t = await openTestDatabase(import.meta.url);
await t.db
  .collection('entries')
  .insertMany(Array.from({ length: 200 }, (_, i) => ({ sgv: 90 + i })));
await t.db.collection('profile').insertOne({ defaultProfile: 'Default' });
const dir = await mkdtemp(join(tmpdir(), 'nsctl-regress-'));
const backups = join(dir, 'backups');
const env = { NSCTL_MONGODB_URI: t.dbUri };

test('an error after connecting ends the process at once (it used to hang)', async () => {
  const run = await runNsctl(['backup', 'run', '--dir', backups, '--collections', 'entriez'], {
    env,
    timeoutMs: 30_000,
  });
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /no collection "entriez"/);
});

test('an invalid database name is a usage error before connecting', async () => {
  const run = await runNsctl(['restore', 'latest', '--dir', backups, '--into', 'a/b'], {
    env,
    timeoutMs: 30_000,
  });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /not a valid MongoDB database name/);
});

test('"latest" is never a rollback point; a damaged newest manifest is reported, not skipped', async () => {
  assert.equal((await runNsctl(['backup', 'run', '--dir', backups], { env })).code, 0);
  const point = await runNsctl(['rollback', 'create', '--label', 'x', '--dir', backups, '--json'], {
    env,
  });
  const pointId = JSON.parse(point.stdout).result.id as string;
  const show = await runNsctl(['backup', 'show', 'latest', '--dir', backups, '--json'], { env });
  const latest = JSON.parse(show.stdout).result;
  assert.equal(latest.kind, 'backup');
  assert.notEqual(latest.id, pointId);
  assert.equal(
    latest.source.uri,
    t.dbUri.replace(/\/$/, ''),
    'a URI without a password is not masked',
  );

  const second = JSON.parse(
    (await runNsctl(['backup', 'run', '--dir', backups, '--json'], { env })).stdout,
  ).result.manifest.id;
  const file = join(backups, `${second}.manifest.json`);
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.slice(0, 100));
  const verify = await runNsctl(['backup', 'verify', 'latest', '--dir', backups], { env });
  assert.equal(verify.code, 4);
  assert.match(verify.stderr, /MANIFEST_INVALID/);
  await writeFile(file, text);
});

test('restore --drop of a damaged backup changes nothing', async () => {
  const id = JSON.parse(
    (await runNsctl(['backup', 'run', '--dir', backups, '--json'], { env })).stdout,
  ).result.manifest.id;
  const manifest = JSON.parse(await readFile(join(backups, `${id}.manifest.json`), 'utf8'));
  const archive = join(backups, manifest.archive.name);
  const bytes = await readFile(archive);
  const damaged = Buffer.from(bytes);
  const at = Math.floor(bytes.length * 0.6);
  damaged[at] = (damaged[at] ?? 0) ^ 0xff;
  await writeFile(archive, damaged);
  await t.db.collection('entries').insertOne({ marker: 'still here' });
  const run = await runNsctl(['restore', id, '--drop', '--dir', backups], { env });
  assert.equal(run.code, 4, run.stderr);
  assert.match(run.stderr, /nothing was changed/);
  assert.equal(await t.db.collection('entries').countDocuments({ marker: 'still here' }), 1);
  await writeFile(archive, bytes);
});

test('config schema prints valid JSON (redaction used to break it)', async () => {
  const run = await runNsctl(['config', 'schema'], { cwd: dir });
  assert.equal(run.code, 0);
  assert.ok(JSON.parse(run.stdout).properties.nightscout);
});

test('--json usage errors are JSON on stdout', async () => {
  const run = await runNsctl(['backup', 'run', '--bogus', '--json']);
  assert.equal(run.code, 2);
  assert.equal(JSON.parse(run.stdout).error.code, 'USAGE');
});

test('a relative backup.dir is relative to the config file, not to where nsctl runs', async () => {
  const configDir = await mkdtemp(join(tmpdir(), 'nsctl-reldir-'));
  await writeFile(join(configDir, 'nsctl.yaml'), 'backup:\n  dir: ./bk\n');
  const run = await runNsctl(['backup', 'list', '--config', join(configDir, 'nsctl.yaml')], {
    cwd: tmpdir(),
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, new RegExp(`${join(configDir, 'bk')}`));
});

test('verify --source backup:… finds backups in a backup.dir relative to the config file', async () => {
  const configDir = await mkdtemp(join(tmpdir(), 'nsctl-relsrc-'));
  const config = join(configDir, 'nsctl.yaml');
  await writeFile(config, 'backup:\n  dir: ./bk\n');
  const elsewhere = await mkdtemp(join(tmpdir(), 'nsctl-cwd-'));
  const backup = await runNsctl(['backup', 'run', '--config', config], { env, cwd: elsewhere });
  assert.equal(backup.code, 0, backup.stderr);
  const run = await runNsctl(
    ['verify', '--config', config, '--source', 'backup:latest', '--target', t.dbUri],
    { env, cwd: elsewhere },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /equal/i);
});
