/** `nsctl dev …`: tools for development, tests, benchmarks and the demo. */
import type { Command } from 'commander';

import type { SeedResult } from '../../ops/seed.js';
import type { CommandContext, CommandResult } from '../context.js';
import { action, type ProgramState, usageError } from '../program.js';
import { formatBytes, formatDuration } from '../progress-renderer.js';

export interface SeedFlags {
  /** MongoDB URI naming the database; defaults to mongodb.uri from the config. */
  uri?: string;
  /** Days of history; default 14. */
  days?: string;
  /** Seed text; default '1'. */
  seed?: string;
  /** ISO time of the newest slot; default now, rounded down to 5 minutes. */
  end?: string;
  /** Drop the Nightscout collections first instead of refusing when they hold data. */
  drop?: boolean;
  /** Documents per insert batch; default 1000. */
  batchSize?: string;
}

export function registerDevCommands(program: Command, state: ProgramState): void {
  const dev = program
    .command('dev')
    .description('development tools: a throwaway local server, realistic Nightscout data')
    .addHelpText(
      'after',
      '\nExamples:\n  $ nsctl dev server --port 27017\n' +
        '  $ nsctl dev seed --uri mongodb://127.0.0.1:27017/nightscout --days 30',
    );
  dev
    .command('server')
    .description(
      'run a throwaway MongoDB-compatible server on 127.0.0.1 until Ctrl-C (mongod from PATH, else FerretDB with SQLite, built once with Go)',
    )
    .option('--port <n>', 'TCP port (default: a free one, printed at start)')
    .option(
      '--dir <path>',
      'keep the data in this folder (default: a temporary folder, removed at exit)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ nsctl dev server --port 27017\n' +
        '  $ nsctl dev server --port 27018 --dir ./target-db    # a second one, data kept\n\n' +
        'For trying nsctl (migrate between two local servers, restore drills); not for real data.',
    )
    .action(action(state, 'dev server', runDevServer));
  dev
    .command('seed')
    .description(
      'write deterministic, realistic Nightscout data (entries, treatments, devicestatus…) into MongoDB',
    )
    .option(
      '--uri <uri>',
      'connection string naming the database (default: mongodb.uri from the config)',
    )
    .option('--days <n>', 'days of history', '14')
    .option('--seed <text>', 'the same seed, --days and --end give identical documents', '1')
    .option(
      '--end <time>',
      'ISO time of the newest reading (default: now, rounded down to 5 minutes)',
    )
    .option('--drop', 'drop the Nightscout collections first when they already hold documents')
    .option('--batch-size <n>', 'documents per insert batch (batches also stop at 4 MiB)', '1000')
    .addHelpText(
      'after',
      '\nExamples:\n  $ nsctl dev seed --uri mongodb://127.0.0.1:27017/nightscout --days 30\n' +
        '  $ nsctl dev seed --uri mongodb://127.0.0.1:27017/bench --days 365 --seed 7 --end 2025-01-01T00:00:00Z --drop',
    )
    .action(action(state, 'dev seed', runSeed));
}

export interface DevServerFlags {
  port?: string;
  dir?: string;
}

export interface DevServerResult {
  uri: string;
  kind: string;
  dataDir: string | null;
}

/** The `dev server` handler: prints the URI at once, serves until interrupted. */
export async function runDevServer(
  flags: DevServerFlags,
  context: CommandContext,
): Promise<CommandResult<DevServerResult>> {
  const port = flags.port === undefined ? undefined : parseCount('--port', flags.port, 65_535);
  if (port !== undefined) await assertPortFree(port);
  const { resolve } = await import('node:path');
  const { startLocalServer } = await import('../../devserver/test-server.js');
  const dataDir = flags.dir === undefined ? undefined : resolve(context.io.cwd, flags.dir);
  const server = await startLocalServer({
    ...(port !== undefined ? { port } : {}),
    ...(dataDir !== undefined ? { dataDir, keepData: true } : {}),
    onStatus: (message) => context.log.info('dev.server.status', message),
  });
  const data: DevServerResult = { uri: server.uri, kind: server.kind, dataDir: dataDir ?? null };
  // The URI goes out now, not with the result, so scripts can read it and go on.
  context.io.stdout.write(
    context.globals.json
      ? `${JSON.stringify({ event: 'ready', ...data })}\n`
      : `${server.kind} listening: ${server.uri}\n` +
          `${dataDir ? `data kept in ${dataDir}` : 'data in a temporary folder, removed at exit'}; Ctrl-C stops it.\n`,
  );
  await new Promise<void>((done) => {
    if (context.signal.aborted) return done();
    context.signal.addEventListener('abort', () => done(), { once: true });
  });
  await server.stop();
  return { data, text: `${server.kind} stopped.` };
}

async function assertPortFree(port: number): Promise<void> {
  const { createServer } = await import('node:net');
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        usageError(
          `port ${port} on 127.0.0.1 is already in use${error.code === 'EADDRINUSE' ? '' : ` (${error.code})`}`,
          'Choose another --port, or leave it out to get a free one.',
        ),
      ),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

function parseCount(flag: string, value: string, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw usageError(`${flag} must be a whole number from 1 to ${max}, got "${value}"`);
  }
  return Number(value);
}

function parseEnd(value: string | undefined, now: number, round: (ms: number) => number): number {
  if (value === undefined) return round(now);
  const end = Date.parse(value);
  if (!Number.isFinite(end)) {
    throw usageError(`--end must be an ISO time such as 2025-01-01T00:00:00Z, got "${value}"`);
  }
  return end;
}

/** The `dev seed` handler; tests call it directly. */
export async function runSeed(
  flags: SeedFlags,
  context: CommandContext,
): Promise<CommandResult<SeedResult>> {
  const { defaultSeedEnd } = await import('../../core/seed/types.js');
  const days = parseCount('--days', flags.days ?? '14', 36_500);
  const batchDocs = parseCount('--batch-size', flags.batchSize ?? '1000', 100_000);
  const end = parseEnd(flags.end, Date.now(), defaultSeedEnd);
  const seed = flags.seed ?? '1';
  const config = await context.config();
  const uri = flags.uri ?? config.mongodb.uri;
  if (!uri) {
    throw usageError(
      'no MongoDB to seed',
      'Pass --uri mongodb://host:27017/dbname, or set mongodb.uri in nsctl.yaml.',
    );
  }
  const database = flags.uri === undefined ? config.mongodb.database : undefined;
  const { seedDatabase } = await import('../../ops/seed.js');
  const result = await seedDatabase({
    target: { uri, ...(database ? { database } : {}) },
    collections: config.nightscout.collections,
    days,
    seed,
    end,
    drop: flags.drop === true,
    batchDocs,
    progress: context.progress,
    signal: context.signal,
  });
  return { data: result, text: formatSeedResult(result) };
}

function formatSeedResult(result: SeedResult): string {
  const row = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(16) : cell.padStart(12))).join(' ');
  const seconds = (ms: number) => formatDuration(ms / 1000);
  const lines = [
    `Seeded ${result.database}: ${result.days} days up to ${result.end}, seed "${result.seed}".`,
    '',
    row(['collection', 'documents', 'size', 'indexes', 'time']),
    ...result.collections.map((c) =>
      row([
        c.name,
        c.documents.toLocaleString('en'),
        formatBytes(c.bytes),
        String(c.indexes),
        seconds(c.elapsedMs),
      ]),
    ),
    row([
      'total',
      result.totalDocuments.toLocaleString('en'),
      formatBytes(result.totalBytes),
      String(result.collections.reduce((sum, c) => sum + c.indexes, 0)),
      seconds(result.elapsedMs),
    ]),
  ];
  return lines.join('\n');
}
