/**
 * `kill -9` of `nsctl backup run` at many moments: never a good-looking
 * partial backup, and the next run succeeds and verifies.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { createLocalDirTarget } from '../../src/adapters/storage/local-dir-target.js';
import { silentProgress } from '../../src/core/progress.js';
import { readCatalogue } from '../../src/ops/backup/catalogue.js';
import { verifyBackup } from '../../src/ops/backup/verify.js';
import { CLI_PATH, runNsctl } from '../helpers/cli.js';
import { openTestDatabase } from '../helpers/db.js';

const t = await openTestDatabase(import.meta.url);
await t.db
  .collection('devicestatus')
  .insertMany(Array.from({ length: 12_000 }, (_, i) => ({ i, pad: 'k'.repeat(2500 + (i % 500)) })));
const dir = await mkdtemp(join(tmpdir(), 'nsctl-kill-'));
const target = createLocalDirTarget(dir);
const args = ['backup', 'run', '--uri', t.dbUri, '--dir', dir, '--quiet'];

function runAndKill(afterMs: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), afterMs);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function assertEveryListedBackupVerifies(): Promise<number> {
  const catalogue = await readCatalogue(target);
  for (const manifest of catalogue.backups) {
    const result = await verifyBackup({ target, manifest, keys: {}, progress: silentProgress });
    assert.equal(
      result.ok,
      true,
      `${manifest.id} is listed but fails verify: ${result.problems.join('; ')}`,
    );
  }
  return catalogue.backups.length;
}

test('kill -9 at 8 moments leaves no partial backup that looks good; the next run succeeds', async () => {
  for (const ms of [150, 400, 700, 1000, 1300, 1700, 2200, 2800]) {
    await runAndKill(ms);
    await assertEveryListedBackupVerifies();
  }
  const before = (await readCatalogue(target)).backups.length;
  const run = await runNsctl(args, { timeoutMs: 300_000 });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(await assertEveryListedBackupVerifies(), before + 1);
});

/**
 * Starts a backup and, once it reports its start, sends SIGINT at each of
 * `delaysMs`; resolves with the exit code and what it printed on stdout.
 */
function interruptBackup(delaysMs: number[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [CLI_PATH, ...args.filter((a) => a !== '--quiet'), '--json'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    let sent = false;
    child.stderr.on('data', (c: Buffer) => {
      if (!sent && c.toString().includes('"kind":"start"')) {
        sent = true;
        for (const delay of delaysMs) setTimeout(() => child.kill('SIGINT'), delay);
      }
    });
    child.on('exit', (code) => resolve({ code, stdout }));
  });
}

test('Ctrl-C (SIGINT) during a backup exits 130 with INTERRUPTED, leaving no backup', async () => {
  const before = (await readCatalogue(target)).backups.length;
  const result = await interruptBackup([0]);
  assert.equal(result.code, 130, result.stdout);
  assert.equal(JSON.parse(result.stdout).error.code, 'INTERRUPTED');
  assert.equal((await readCatalogue(target)).backups.length, before);
});

test('one Ctrl-C that arrives twice at once (a wrapper passing it on to the process group) still stops cleanly', async () => {
  const before = (await readCatalogue(target)).backups.length;
  const result = await interruptBackup([0, 20]);
  assert.equal(result.code, 130, result.stdout);
  // A hard stop would print no JSON document; the clean one reports INTERRUPTED.
  assert.equal(JSON.parse(result.stdout).error.code, 'INTERRUPTED');
  assert.equal((await readCatalogue(target)).backups.length, before);
});
