/** Shared by the benchmarks: timing child processes with peak RSS, machine facts, tables. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI = `${ROOT}dist/cli/main.js`;

export interface Measured {
  seconds: number;
  peakRssMb: number;
  stdout: string;
}

/**
 * Runs a command under GNU time; rejects on a non-zero exit. With
 * `timeoutMs`, a command still running then is stopped and reported as
 * `timedOut` (its time is the limit) instead of failing the benchmark.
 */
export function measure(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs?: number,
): Promise<Measured & { timedOut?: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'BENCH %e %M', command, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    // GNU time reports when its child exits, so the child is stopped, not time.
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            spawn('pkill', ['-TERM', '-P', String(child.pid)]);
          }, timeoutMs);
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      const line = stderr.split('\n').find((l) => l.startsWith('BENCH '));
      const [, seconds, kb] = (line ?? '').split(' ');
      if (timedOut && line) {
        return resolve({
          seconds: (timeoutMs ?? 0) / 1000,
          peakRssMb: Number(kb) / 1024,
          stdout,
          timedOut,
        });
      }
      if (code !== 0 || !line) {
        return reject(
          new Error(`${command} ${args.join(' ')} failed (${code}):\n${stderr.slice(-3000)}`),
        );
      }
      resolve({ seconds: Number(seconds), peakRssMb: Number(kb) / 1024, stdout });
    });
  });
}

export function node(script: string, args: string[]): [string, string[]] {
  return [process.execPath, ['--import', 'tsx', `${ROOT}${script}`, ...args]];
}

export function machine(): string {
  const model = cpus()[0]?.model ?? 'unknown CPU';
  let os = 'Linux';
  try {
    os = /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os;
  } catch {}
  return `${cpus().length} × ${model}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, ${os}, Node ${process.version}`;
}

export function withDb(uri: string, db: string): string {
  const url = new URL(uri);
  url.pathname = `/${db}`;
  return url.toString();
}

export function mb(bytes: number): string {
  return (bytes / 1024 ** 2).toFixed(0);
}

export function markdownTable(rows: string[][]): string {
  const [head, ...body] = rows;
  if (!head) return '';
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...body.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

export const SEED_END = '2026-11-30T00:00:00Z';

/**
 * Seeds `days` of the benchmark site (`--seed 7`, ending at SEED_END) into the
 * database `uri` names, unless a marker in the `bench_meta` database says
 * exactly that data is already there (a server given by URI, reused between
 * benchmark runs). The marker lives in another database so backups and
 * copies of the seeded one do not see it.
 */
export async function seedOnce(
  uri: string,
  days: number,
): Promise<{ uri: string; seconds: number; reused: boolean }> {
  const { MongoClient } = await import('mongodb');
  const client = await MongoClient.connect(uri);
  try {
    const name = client.db().databaseName;
    const markers = client
      .db('bench_meta')
      .collection<{ _id: string; days: number; end: string }>('seeded');
    const marker = await markers.findOne({ _id: name });
    if (marker?.days === days && marker.end === SEED_END) {
      console.error(`${name}: reusing ${days} seeded days`);
      return { uri, seconds: 0, reused: true };
    }
    await markers.deleteOne({ _id: name });
    console.error(`seeding ${days} days into ${name}…`);
    const args = ['dev', 'seed', '--uri', uri, '--days', String(days), '--seed', '7'];
    const run = await measure(process.execPath, [
      CLI,
      ...args,
      '--end',
      SEED_END,
      '--drop',
      '--quiet',
      '--json',
    ]);
    await markers.insertOne({ _id: name, days, end: SEED_END });
    return { uri, seconds: run.seconds, reused: false };
  } finally {
    await client.close();
  }
}

/** Drops databases a previous run on the same server may have left. */
export async function dropDatabases(uri: string, names: string[]): Promise<void> {
  const { MongoClient } = await import('mongodb');
  const client = await MongoClient.connect(uri);
  try {
    for (const name of names) await client.db(name).dropDatabase();
  } finally {
    await client.close();
  }
}

/** "FerretDB 1.24.2" or "MongoDB 8.0.4", for the report. */
export async function describeServer(uri: string): Promise<string> {
  const { connectMongo, readServerInfo } = await import('../src/adapters/mongo/connect.js');
  const connection = await connectMongo({ uri, database: 'admin' });
  try {
    const info = await readServerInfo(connection);
    if (!info.ferretdbVersion) return `MongoDB ${info.version}`;
    // The test server built from tools/ferretdb-server reports "unknown": its module says which.
    if (info.ferretdbVersion !== 'unknown') return `FerretDB ${info.ferretdbVersion}`;
    const goMod = readFileSync(`${ROOT}tools/ferretdb-server/go.mod`, 'utf8');
    const built = /github\.com\/FerretDB\/FerretDB (v[\w.-]+)/.exec(goMod)?.[1];
    return `FerretDB ${built ?? 'unknown'} (SQLite, MongoDB ${info.version} wire protocol)`;
  } finally {
    await connection.close();
  }
}

/** The 1, 5 and 15 minute load averages, to show in a report how idle the machine was. */
export function loadAverages(): string {
  return loadavg()
    .map((n) => n.toFixed(1))
    .join(' / ');
}

/**
 * Documents and BSON bytes of a database, counted by reading every document
 * (FerretDB's collStats sizes are those of its SQLite storage, not of the BSON).
 */
export async function bsonSize(uri: string): Promise<{ docs: number; bytes: number }> {
  const run = await measure(...node('bench/scenarios/drain.ts', [uri]));
  return JSON.parse(run.stdout) as { docs: number; bytes: number };
}
