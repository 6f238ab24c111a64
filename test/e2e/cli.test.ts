import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { runNsctl } from '../helpers/cli.js';

test('--help lists the commands and exits 0', async () => {
  const run = await runNsctl(['--help']);
  assert.equal(run.code, 0);
  for (const command of ['demo', 'doctor', 'config', 'backup', 'restore', 'rollback', 'dev']) {
    assert.match(run.stdout, new RegExp(`\\n  ${command}\\b`));
  }
});

test('every command has --help with an example', async () => {
  for (const args of [
    ['doctor'],
    ['config', 'validate'],
    ['config', 'schema'],
    ['dev', 'seed'],
    ['demo'],
  ]) {
    const run = await runNsctl([...args, '--help']);
    assert.equal(run.code, 0, args.join(' '));
    assert.match(run.stdout, /Example/, `${args.join(' ')} --help has no example`);
  }
});

test('a mistyped required option is named as unknown, with a suggestion; a missing one is still reported', async () => {
  const typo = await runNsctl(['migrate', '--form', 'mongodb://a/b', '--to', 'mongodb://c/d']);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /unknown option '--form'/);
  assert.match(typo.stderr, /Did you mean --from\?/);
  const missing = await runNsctl(['verify', '--source', 'mongodb://a/b']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /required option '--target <uri>' not specified/);
  const json = await runNsctl(['--json', 'rollback', 'create']);
  assert.equal(json.code, 2);
  assert.match(JSON.parse(json.stdout).error.message, /required option '--label <text>'/);
  assert.equal(
    JSON.parse(json.stdout).command,
    'rollback create',
    'named as a result of it would be',
  );
  const bad = await runNsctl(['--json', 'migrate', '--parallel', '0', '--from', 'a', '--to', 'b']);
  assert.equal(JSON.parse(bad.stdout).command, 'migrate');
});

test('an unknown command exits 2 with a suggestion', async () => {
  const run = await runNsctl(['doctr']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /Did you mean doctor\?/);
});

test('config validate: file, line, key and a fix; exit 2; no stack trace', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nsctl-e2e-'));
  const file = join(dir, 'nsctl.yaml');
  await writeFile(
    file,
    'instance: home\nbackup:\n  compresion: gzip\n  retention:\n    keepDaily: -3\n',
  );
  const run = await runNsctl(['config', 'validate', '--config', file]);
  assert.equal(run.code, 2);
  assert.match(
    run.stdout,
    new RegExp(`${file}:3: error: backup.compresion: unknown key.*\n  fix: remove it`),
  );
  assert.match(
    run.stdout,
    new RegExp(`${file}:5: error: backup.retention.keepDaily: .*\n  fix: set it to a number ≥ 0\n`),
  );
  assert.doesNotMatch(run.stdout + run.stderr, /\n\s+at /);
});

test('--json gives one parsable document, also for errors', async () => {
  const ok = await runNsctl(['config', 'validate', '--json'], { cwd: tmpdir() });
  assert.equal(ok.code, 0);
  assert.equal(JSON.parse(ok.stdout).result.valid, true);

  const bad = await runNsctl(['doctor', '--json', '--config', '/nonexistent.yaml']);
  assert.equal(bad.code, 2);
  const doc = JSON.parse(bad.stdout);
  assert.equal(doc.ok, false);
  assert.equal(doc.error.code, 'CONFIG_NOT_FOUND');
  assert.ok(doc.error.hint.length > 0);
});

test('doctor reports an unreachable server as a failed check with a fix (exit 1)', async () => {
  const run = await runNsctl(['doctor', '--uri', 'mongodb://127.0.0.1:9/ns'], { cwd: tmpdir() });
  assert.equal(run.code, 1);
  assert.match(run.stdout, /FAIL mongodb/);
  assert.match(run.stdout, /fix: /);
});

test('doctor with an invalid config says so, and does not call a configured URI unset', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nsctl-e2e-'));
  const file = join(dir, 'nsctl.yaml');
  await writeFile(
    file,
    'mongodb:\n  uri: mongodb://127.0.0.1:9/ns\nbackup:\n  retention:\n    keepDaily: -3\n',
  );
  const run = await runNsctl(['doctor', '--config', file]);
  assert.equal(run.code, 1);
  assert.match(run.stdout, new RegExp(`FAIL config +${file}:5: backup.retention.keepDaily: `));
  assert.match(run.stdout, /fix: set it to a number ≥ 0/);
  assert.match(run.stdout, /skip mongodb +not checked: the config is invalid/);
  assert.doesNotMatch(run.stdout, /no MongoDB configured|set mongodb\.uri/);
});

test('backup schedule --print emits a timer, a service and a crontab line from the config', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nsctl-e2e-'));
  const file = join(dir, 'nsctl.yaml');
  await writeFile(
    file,
    'timezone: Europe/London\nbackup:\n  schedule:\n    cron: "15 3 * * *"\n  retention:\n    keepDaily: 7\n',
  );
  const run = await runNsctl(['backup', 'schedule', '--print', '--config', file]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /OnCalendar=\*-\*-\* 03:15:00 Europe\/London/);
  assert.match(run.stdout, /ExecStart=nsctl --config \S+ --quiet backup run/);
  assert.match(run.stdout, /ExecStartPost=nsctl --config \S+ --quiet backup prune/);
  assert.match(run.stdout, /CRON_TZ=Europe\/London\n15 3 \* \* \* nsctl/);
});

test('backup schedule without a schedule in the config says which key to set (exit 2)', async () => {
  const run = await runNsctl(['backup', 'schedule', '--print'], { cwd: tmpdir() });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /backup\.schedule is not set/);
});
