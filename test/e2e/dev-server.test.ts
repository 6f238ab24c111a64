/** `nsctl dev server`: a local server that answers, keeps data only when asked, and stops on Ctrl-C. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { MongoClient } from 'mongodb';

import { CLI_PATH, runNsctl } from '../helpers/cli.js';

const work = await mkdtemp(join(tmpdir(), 'nsctl-devserver-'));
after(() => rm(work, { recursive: true, force: true }));

/** Starts `nsctl dev server`, resolves with the JSON ready event and the child. */
function start(args: string[]) {
  const child = spawn(process.execPath, [CLI_PATH, '--json', 'dev', 'server', ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<{ uri: string; dataDir: string | null }>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line) resolve(JSON.parse(line));
    });
    child.on('exit', (code) => reject(new Error(`dev server exited early (${code}): ${stdout}`)));
  });
  return { child, ready, exited, output: () => stdout };
}

test('dev server serves on the port asked for, keeps --dir data, and exits 0 on SIGINT', async () => {
  const dir = join(work, 'data');
  const server = start(['--dir', dir]);
  const { uri, dataDir } = await server.ready;
  assert.equal(dataDir, dir);
  const client = await MongoClient.connect(uri, { serverSelectionTimeoutMS: 10_000 });
  try {
    await client.db('trial').collection('entries').insertOne({ sgv: 120 });
    assert.equal(await client.db('trial').collection('entries').countDocuments(), 1);
  } finally {
    await client.close();
  }
  server.child.kill('SIGINT');
  assert.equal(await server.exited, 0);
  const [, ...rest] = server.output().split('\n');
  const result = JSON.parse(rest.join('\n'));
  assert.equal(result.ok, true);
  assert.ok(existsSync(dir) && (await readdir(dir)).length > 0, 'the data folder stays');
});

test('dev server refuses a port in use and a port that is not a number, with exit 2', async () => {
  const first = start([]);
  const { uri } = await first.ready;
  const port = new URL(uri).port;
  const busy = await runNsctl(['dev', 'server', '--port', port]);
  assert.equal(busy.code, 2);
  assert.match(busy.stderr, new RegExp(`port ${port} on 127.0.0.1 is already in use`));
  const bad = await runNsctl(['dev', 'server', '--port', 'http']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--port must be a whole number/);
  first.child.kill('SIGTERM');
  assert.equal(await first.exited, 0);
});
