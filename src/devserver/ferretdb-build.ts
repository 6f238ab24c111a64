/**
 * Builds (once) and locates the FerretDB test server: a small Go program in
 * tools/ferretdb-server that embeds FerretDB with its SQLite backend. The
 * binary is cached outside the repository, keyed by a hash of the Go sources,
 * so a warm machine never rebuilds it.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { NsctlError } from '../core/errors.js';

const SOURCE_FILES = ['go.mod', 'go.sum', 'main.go'];

/** tools/ferretdb-server, found from both src/ (tsx) and dist/ (built). */
export function ferretdbSourceDir(): string {
  return fileURLToPath(new URL('../../tools/ferretdb-server/', import.meta.url));
}

export function nsctlCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(base, 'nsctl');
}

async function sourceHash(dir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const name of SOURCE_FILES) {
    hash.update(name).update(await readFile(join(dir, name)));
  }
  return hash.digest('hex').slice(0, 16);
}

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', (error) => resolve({ code: -1, output: String(error) }));
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

export interface BuildOptions {
  /** Called with a line of text while a (slow, first-time) build runs. */
  onStatus?: (message: string) => void;
}

/** Returns the path of the FerretDB server binary, building it if needed. */
export async function ensureFerretdbBinary(options: BuildOptions = {}): Promise<string> {
  const sourceDir = ferretdbSourceDir();
  if (!existsSync(join(sourceDir, 'main.go'))) {
    throw new NsctlError(
      'TEST_SERVER_UNAVAILABLE',
      `FerretDB server sources missing at ${sourceDir}`,
    );
  }
  const binDir = join(nsctlCacheDir(), 'bin');
  const binary = join(binDir, `ferretdb-server-${await sourceHash(sourceDir)}`);
  if (existsSync(binary)) return binary;

  const go = await run('go', ['version'], sourceDir);
  if (go.code !== 0) {
    throw new NsctlError(
      'TEST_SERVER_UNAVAILABLE',
      'Go is not installed, so FerretDB cannot be built',
    );
  }
  await mkdir(binDir, { recursive: true });
  options.onStatus?.('building the FerretDB test server (first run only, about a minute)');
  // Built under a unique name and renamed: concurrent builds never see a
  // half-written binary.
  const partial = `${binary}.partial-${process.pid}`;
  let result = await run('go', ['build', '-o', partial, '.'], sourceDir);
  if (result.code !== 0 && /linkname/.test(result.output)) {
    // Newer Go releases restrict go:linkname; this flag is the documented escape.
    result = await run('go', ['build', '-ldflags=-checklinkname=0', '-o', partial, '.'], sourceDir);
  }
  if (result.code !== 0) {
    await rm(partial, { force: true });
    throw new NsctlError('TEST_SERVER_UNAVAILABLE', 'building the FerretDB test server failed', {
      details: { output: result.output.slice(-4000) },
    });
  }
  await rename(partial, binary);
  return binary;
}
