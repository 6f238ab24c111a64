/**
 * A MongoDB-wire server for tests and the demo, from the first source that
 * works: NSCTL_TEST_MONGODB_URI, a `mongod` on PATH, or the FerretDB test
 * server (SQLite backend) built from tools/ferretdb-server.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { makeDirectory } from '../adapters/fs/make-directory.js';
import { NsctlError } from '../core/errors.js';
import { ensureFerretdbBinary } from './ferretdb-build.js';

export type TestServerKind = 'external' | 'mongod' | 'ferretdb';

export interface TestServer {
  uri: string;
  kind: TestServerKind;
  /** Stops the process (if we started one) and removes its data directory. */
  stop(): Promise<void>;
}

export interface AcquireOptions {
  env?: NodeJS.ProcessEnv;
  /** Where data files go; a fresh temporary directory when omitted. */
  dataDir?: string;
  /** Keep the data directory after stop (the demo does). */
  keepData?: boolean;
  /** TCP port on 127.0.0.1; a free one when omitted. */
  port?: number;
  onStatus?: (message: string) => void;
}

export async function acquireTestServer(options: AcquireOptions = {}): Promise<TestServer> {
  const env = options.env ?? process.env;
  const external = env.NSCTL_TEST_MONGODB_URI;
  if (external) {
    return { uri: external, kind: 'external', stop: async () => {} };
  }
  return startLocalServer(options);
}

/**
 * Starts a server on this machine, ignoring NSCTL_TEST_MONGODB_URI: a
 * `mongod` found on PATH, otherwise FerretDB (built once and cached).
 */
export async function startLocalServer(options: AcquireOptions = {}): Promise<TestServer> {
  const mongod = findOnPath('mongod', options.env ?? process.env);
  if (mongod) return startMongod(mongod, options);
  return startFerretdb(options);
}

function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

async function prepareDataDir(options: AcquireOptions): Promise<string> {
  if (options.dataDir) {
    await makeDirectory(options.dataDir);
    return options.dataDir;
  }
  return mkdtemp(join(tmpdir(), 'nsctl-db-'));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

function stopper(child: ChildProcess, dataDir: string, keepData: boolean): () => Promise<void> {
  let stopped: Promise<void> | undefined;
  return () => {
    stopped ??= new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    }).then(async () => {
      if (!keepData) await rm(dataDir, { recursive: true, force: true });
    });
    return stopped;
  };
}

async function startFerretdb(options: AcquireOptions): Promise<TestServer> {
  const binary = await ensureFerretdbBinary(options.onStatus ? { onStatus: options.onStatus } : {});
  const dataDir = await prepareDataDir(options);
  // stdin stays open as a lifeline: when this process dies, the server's
  // stdin closes and it exits, so no server outlives its owner.
  const listen = `127.0.0.1:${options.port ?? 0}`;
  const child = spawn(binary, ['-dir', dataDir, '-listen', listen, '-watch-stdin'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const uri = await readFirstLine(child, 'FerretDB');
  child.stdout?.resume();
  return {
    uri: withDefaultOptions(uri),
    kind: 'ferretdb',
    stop: stopper(child, dataDir, options.keepData ?? false),
  };
}

async function startMongod(mongod: string, options: AcquireOptions): Promise<TestServer> {
  const dataDir = await prepareDataDir(options);
  const port = options.port ?? (await freePort());
  const child = spawn(
    mongod,
    ['--dbpath', dataDir, '--port', String(port), '--bind_ip', '127.0.0.1'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await waitForLine(child, /Waiting for connections|waiting for connections/, 'mongod');
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    kind: 'mongod',
    stop: stopper(child, dataDir, options.keepData ?? false),
  };
}

function withDefaultOptions(uri: string): string {
  return uri.endsWith('/') ? uri : `${uri}/`;
}

function readFirstLine(child: ChildProcess, name: string): Promise<string> {
  return waitForLine(child, /^mongodb:\/\//, name);
}

function waitForLine(child: ChildProcess, pattern: RegExp, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(`${name} did not start within 60 s`);
    }, 60_000);
    const fail = (message: string) => {
      clearTimeout(timer);
      reject(
        new NsctlError('TEST_SERVER_UNAVAILABLE', message, {
          details: { stderr: stderr.slice(-2000) },
        }),
      );
    };
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', (error) => fail(`${name} could not be started: ${error.message}`));
    child.on('exit', (code) => fail(`${name} exited with code ${code} before it was ready`));
    child.stdout?.on('data', function onData(chunk: Buffer) {
      buffered += chunk.toString();
      for (const line of buffered.split('\n')) {
        const match = pattern.test(line.trim());
        if (match) {
          clearTimeout(timer);
          child.removeAllListeners('exit');
          child.stdout?.off('data', onData);
          child.stdout?.resume();
          resolve(line.trim());
          return;
        }
      }
    });
  });
}
