/**
 * `kill -9` of `nsctl migrate` at random moments, each followed by the same
 * command with --resume: the state file is never torn, and the last run
 * leaves the target verify-equal to the source, with nothing missing and
 * nothing twice.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { connectMongo } from '../../src/adapters/mongo/connect.js';
import { writeSeed } from '../../src/adapters/mongo/seed-writer.js';
import { configSchema } from '../../src/core/config/schema.js';
import { parseCheckpoint } from '../../src/core/migrate/checkpoint.js';
import { silentProgress } from '../../src/core/progress.js';
import { createSeedPlan } from '../../src/core/seed/seed-plan.js';
import { openMongoDocumentSource } from '../../src/ops/compare/mongo-document-source.js';
import { verifyDatabases } from '../../src/ops/compare/verify-databases.js';
import { CLI_PATH } from '../helpers/cli.js';
import { openTestDatabase } from '../helpers/db.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const t = await openTestDatabase(import.meta.url);
const collections = configSchema.parse({}).nightscout.collections;
const connection = await connectMongo({ uri: t.dbUri });
await writeSeed({
  connection,
  collections,
  plan: createSeedPlan({ days: 1, seed: 'kill', end: Date.UTC(2026, 10, 30) }),
  drop: true,
  progress: silentProgress,
});
await connection.close();

const dir = await mkdtemp(join(tmpdir(), 'nsctl-migrate-kill-'));
after(() => rm(dir, { recursive: true, force: true }));
const configFile = join(dir, 'nsctl.yaml');
await writeFile(configFile, `instance: killtest\nbackup:\n  dir: ${dir}\n`);
const statePath = join(dir, 'kill.state.json');
const target = await t.scratch('kill-target');

// Until `migrate` is wired into the command tree, the same command runs from source.
const RUNNER = `
import { Command, Option } from 'commander';
import { registerMigrateCommand } from './src/cli/commands/migrate.ts';
const controller = new AbortController();
process.on('SIGINT', () => controller.abort(new Error('interrupted by SIGINT')));
const state = { io: { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }, signal: controller.signal, version: '0.0.0-e2e', exitCode: 0 };
const program = new Command('nsctl').option('-c, --config <file>').option('--json').addOption(new Option('-q, --quiet')).option('-v, --verbose').option('--no-color');
registerMigrateCommand(program, state);
await program.parseAsync(process.argv.slice(1), { from: 'user' });
process.exitCode = state.exitCode;
`;

function launcher(): string[] {
  const help = existsSync(CLI_PATH)
    ? spawnSync(process.execPath, [CLI_PATH, 'migrate', '--help'], { encoding: 'utf8' }).stdout
    : '';
  return help.includes('--from')
    ? [CLI_PATH]
    : ['--import', 'tsx', '--input-type=module', '--eval', RUNNER, '--'];
}

const command = [
  ...launcher(),
  '--config',
  configFile,
  '--quiet',
  'migrate',
  '--from',
  t.dbUri,
  '--to',
  target.dbUri,
  '--state',
  statePath,
  '--resume',
  '--batch-size',
  '50',
];

async function readState() {
  try {
    return parseCheckpoint(await readFile(statePath, 'utf8'), statePath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

const handledIn = (state: Awaited<ReturnType<typeof readState>>) =>
  state?.collections.reduce((n, c) => n + c.documents, 0) ?? 0;

/**
 * Runs the command and kills it with SIGKILL once `shouldKill` holds for the
 * state on disk (polled every few milliseconds), or lets it finish.
 */
function run(
  shouldKill?: (state: Awaited<ReturnType<typeof readState>>, elapsedMs: number) => boolean,
): Promise<{ code: number | null; killed: boolean; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, command, {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const started = Date.now();
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const poll = setInterval(() => {
      if (!shouldKill || killed) return;
      readState().then((state) => {
        if (!killed && shouldKill(state, Date.now() - started)) {
          killed = true;
          child.kill('SIGKILL');
        }
      }, reject);
    }, 20);
    child.on('exit', (code) => {
      clearInterval(poll);
      resolve({ code, killed, stderr });
    });
  });
}

/** Reproducible "random" steps: a small LCG with a fixed seed. */
function steps(count: number, from: number, to: number): number[] {
  let x = 20261130;
  return Array.from({ length: count }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return Math.round(from + (x / 2 ** 31) * (to - from));
  });
}

test('kill -9 at 6 moments (early, 4 random points of the copy, the convergence), then --resume: the target ends verify-equal to the source', async () => {
  // Once early (pre-flight or first batch), then after random amounts of progress, then in
  // the convergence pass.
  const seen: string[] = [];
  const kill = async (shouldKill: Parameters<typeof run>[0]) => {
    const result = await run(shouldKill);
    const state = await readState();
    seen.push(
      `${result.killed ? 'killed' : `exit ${result.code}`} in ${state?.phase ?? 'pre-flight'} at ${handledIn(state)}`,
    );
  };
  await kill((_, elapsedMs) => elapsedMs > 400);
  for (const step of steps(4, 60, 180)) {
    const from = handledIn(await readState());
    await kill((state) => handledIn(state) >= from + step);
  }
  await kill((state) => state?.phase === 'converge');
  assert.ok(
    seen.filter((s) => /^killed in copy at [1-9]/.test(s)).length >= 3,
    `the kills did not land in the copy: ${seen.join('; ')}`,
  );
  const last = await run();
  assert.equal(last.code, 0, last.stderr);
  const state = parseCheckpoint(await readFile(statePath, 'utf8'), statePath);
  assert.equal(state.phase, 'done');
  const handled = state.collections.reduce((n, c) => n + c.documents, 0);
  const written = state.collections.reduce(
    (n, c) => n + c.inserted + c.alreadyPresent + c.replaced,
    0,
  );
  assert.equal(written, handled, 'every handled document was written or found exactly once');

  const source = await openMongoDocumentSource({ uri: t.dbUri });
  const copy = await openMongoDocumentSource({ uri: target.dbUri });
  try {
    const result = await verifyDatabases({
      source,
      target: copy,
      nightscout: { collections },
      progress: silentProgress,
    });
    assert.equal(result.equal, true, JSON.stringify(result.totals));
  } finally {
    await source.close();
    await copy.close();
  }
});
