/**
 * Migrate benchmark, one run, two FerretDB servers (source and target, as
 * a migration between two hosts), the same seeded data:
 *   (a) baseline: read every document and insertMany it into the target,
 *       the plain loop a script would write (no indexes, no checks)
 *   (b) nsctl migrate: parallel raw-BSON copy with state file, indexes
 *       after the data, then a convergence pass that verifies everything
 *   (c) `nsctl verify` of the source against (b)'s copy, the standalone command
 *   (d) baseline for (c): the driver draining both databases at once
 * and peak RSS of (b) and (c) on a small and on the large data set.
 *
 * Usage: node --import tsx bench/migrate.ts
 *   BENCH_LARGE_DAYS (default 1200, about 1.1 GB), BENCH_SMALL_DAYS (default 50);
 *   NSCTL_BENCH_SOURCE_URI and NSCTL_BENCH_TARGET_URI to use your own servers;
 *   BENCH_WRITE_REPORT=0 to leave docs/benchmarks.md alone;
 *   BENCH_ONLY=verify to run (c) and (d) alone against the copies an earlier
 *   run left on the target (their own section in docs/benchmarks.md).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MongoClient } from 'mongodb';

import { configSchema } from '../src/core/config/schema.js';
import { silentProgress } from '../src/core/progress.js';
import { acquireTestServer, type TestServer } from '../src/devserver/test-server.js';
import { runMigration } from '../src/ops/migrate/index.js';
import {
  bsonSize,
  CLI,
  describeServer,
  dropDatabases,
  loadAverages,
  type Measured,
  machine,
  markdownTable,
  mb,
  measure,
  node,
  seedOnce,
  withDb,
} from './lib.js';
import { writeReport } from './report.js';

/** `bench/migrate.ts child <from> <to> <state>`: one migration, its result as JSON. */
async function runChild(from: string, to: string, statePath: string): Promise<void> {
  const config = configSchema.parse({ instance: 'bench', backup: { dir: tmpdir() } });
  const result = await runMigration({
    from,
    to,
    statePath,
    sourceContext: { config, cwd: tmpdir() },
    nightscout: { collections: config.nightscout.collections },
    progress: silentProgress,
  });
  const indexMs = result.collections.reduce((n, c) => n + (c.indexes?.durationMs ?? 0), 0);
  console.log(JSON.stringify({ ok: result.ok, durations: result.durations, indexMs }));
}

/** An error's message and its causes' messages, without the driver's result objects. */
function describeChain(error: unknown): string {
  const lines: string[] = [];
  for (let e = error, depth = 0; e && depth < 5; depth++) {
    const { name, code, message } = e as { name?: string; code?: unknown; message?: string };
    lines.push(
      `${name ?? 'Error'}${code === undefined ? '' : ` [${String(code)}]`}: ${message ?? String(e)}`,
    );
    e = (e as { cause?: unknown }).cause;
  }
  return lines.join('\n  caused by ');
}

if (process.argv[2] === 'child') {
  const [from, to, state] = process.argv.slice(3) as [string, string, string];
  try {
    await runChild(from, to, state);
  } catch (error) {
    console.error(describeChain(error));
    process.exit(1);
  }
  process.exit(0);
}

const largeDays = Number(process.env.BENCH_LARGE_DAYS ?? 1200);
const smallDays = Number(process.env.BENCH_SMALL_DAYS ?? 50);

async function server(env: string | undefined): Promise<TestServer> {
  if (env) return { uri: env, kind: 'external', stop: async () => {} };
  return acquireTestServer({ onStatus: (m) => console.error(m) });
}

/** Documents per the server's collection statistics (exact; their sizes are not BSON bytes). */
async function documentCount(uri: string): Promise<number> {
  const client = await MongoClient.connect(uri);
  let docs = 0;
  for (const { name } of await client.db().listCollections({}, { nameOnly: true }).toArray())
    docs += Number((await client.db().command({ collStats: name })).count);
  await client.close();
  return docs;
}

const verifyOnly = process.env.BENCH_ONLY === 'verify';
if (process.env.BENCH_ONLY !== undefined && !verifyOnly)
  throw new Error(`BENCH_ONLY=${process.env.BENCH_ONLY}: only "verify" is known`);

const verify = (from: string, to: string) =>
  measure(process.execPath, [CLI, '--quiet', 'verify', '--source', from, '--target', to]);

/** (c) and (d) on the large set, then (c) on the small one; (b)'s copies must be on the target. */
async function runVerifyScenarios(large: string, small: string, largeDocs: number) {
  console.error('running (c) nsctl verify…');
  const verified = await verify(large, withDb(target.uri, 'bench_migrated'));
  console.error('running (d) drain both sides at once…');
  const drained = await measure(
    ...node('bench/scenarios/drain.ts', [large, withDb(target.uri, 'bench_migrated')]),
  );
  // Both sides are equal (verified), so each holds half of what was drained.
  const both = JSON.parse(drained.stdout) as { docs: number; bytes: number };
  const data = { docs: both.docs / 2, bytes: both.bytes / 2 };
  if (data.docs !== largeDocs)
    throw new Error(`drained ${both.docs} documents from two sides of ${largeDocs} each`);
  console.error('running (c) on the small data set…');
  const smallVerify = await verify(small, withDb(target.uri, 'bench_migrated_small'));
  return { verified, drained, data, smallVerify };
}

type Data = { docs: number; bytes: number };

/** A scenario's table row: time, rates over `data`, peak RSS. */
function scenarioRow(label: string, run: Measured, data: Data): string[] {
  return [
    label,
    run.seconds.toFixed(1),
    (data.docs / run.seconds).toFixed(0),
    (data.bytes / 1024 ** 2 / run.seconds).toFixed(1),
    run.peakRssMb.toFixed(0),
  ];
}

/** The ratio rows of verify: its time against the drain, its peak RSS large against small. */
function verifyRatios(
  runs: { verified: Measured; drained: Measured; smallVerify: Measured; data: Data },
  smallBytes: number,
): string[][] {
  return [
    [
      'time of (c) / time of (d)',
      (runs.verified.seconds / runs.drained.seconds).toFixed(2),
      '≤ 1.3',
    ],
    [
      `peak RSS of (c): ${mb(runs.data.bytes)} MB data / ${mb(smallBytes)} MB data`,
      (runs.verified.peakRssMb / runs.smallVerify.peakRssMb).toFixed(2),
      '≤ 1.2 (flat)',
    ],
  ];
}

/** BENCH_ONLY=verify: (c) and (d) again, into their own section. */
async function reportVerifyOnly(large: string, small: string, docs: number, smallBytes: number) {
  const copied = await documentCount(withDb(target.uri, 'bench_migrated'));
  if (copied !== docs)
    throw new Error(
      `BENCH_ONLY=verify needs the copy a full run leaves on the target (bench_migrated holds ${copied} of ${docs} documents): run the benchmark once without BENCH_ONLY`,
    );
  const loadBefore = loadAverages();
  const runs = await runVerifyScenarios(large, small, docs);
  const { data, smallVerify } = runs;
  const table = markdownTable([
    ['scenario', 'seconds', 'docs/s', 'MB/s', 'peak RSS MB'],
    scenarioRow('(c) nsctl verify, source vs copy (both sides read)', runs.verified, data),
    scenarioRow('(d) driver drains both sides at once', runs.drained, data),
    [
      `(c) on the small set (${mb(smallBytes)} MB)`,
      smallVerify.seconds.toFixed(1),
      '',
      '',
      smallVerify.peakRssMb.toFixed(0),
    ],
  ]);
  const ratios = markdownTable([['ratio', 'value', 'target'], ...verifyRatios(runs, smallBytes)]);
  const body = [
    `Scenarios (c) and (d) of the section above, run alone (\`BENCH_ONLY=verify\`) on the copies its last full run left: ${data.docs} documents, ${mb(data.bytes)} MB of BSON (small set ${smallDays} days). Servers: ${await describeServer(source.uri)} and ${await describeServer(target.uri)}. Load average (1 / 5 / 15 min) before: ${loadBefore}; after: ${loadAverages()}.`,
    '',
    table,
    '',
    ratios,
  ].join('\n');
  if (process.env.BENCH_WRITE_REPORT !== '0')
    await writeReport(
      'migrate-verify',
      `Migrate, verify only (${new Date().toISOString().slice(0, 10)}, ${machine()})`,
      body,
    );
  console.log(body);
}

const source = await server(process.env.NSCTL_BENCH_SOURCE_URI);
const target = await server(process.env.NSCTL_BENCH_TARGET_URI);
const work = await mkdtemp(join(tmpdir(), 'nsctl-bench-migrate-'));
try {
  const large = withDb(source.uri, 'bench_large');
  const small = withDb(source.uri, 'bench_small');
  if (!verifyOnly)
    await dropDatabases(target.uri, ['bench_loop', 'bench_migrated', 'bench_migrated_small']);
  await seedOnce(small, smallDays);
  await seedOnce(large, largeDays);
  const largeDocs = await documentCount(large);
  const smallData = await bsonSize(small);
  console.error(`data: ${largeDocs} documents (small: ${mb(smallData.bytes)} MB)`);
  if (verifyOnly) {
    await reportVerifyOnly(large, small, largeDocs, smallData.bytes);
  } else {
    const migrate = (from: string, db: string) =>
      measure(
        ...node('bench/migrate.ts', [
          'child',
          from,
          withDb(target.uri, db),
          join(work, `${db}.state.json`),
        ]),
      );
    const loadBefore = loadAverages();
    console.error('running (a) read + insertMany loop…');
    const loop = await measure(
      ...node('bench/scenarios/insert-loop.ts', [large, withDb(target.uri, 'bench_loop')]),
    );
    console.error('running (b) nsctl migrate…');
    const full = await migrate(large, 'bench_migrated');
    const fullResult = JSON.parse(full.stdout) as {
      ok: boolean;
      durations: { copyMs: number; convergeMs: number };
      indexMs: number;
    };
    if (!fullResult.ok) throw new Error('the benchmark migration did not verify equal');
    console.error('running (b) on the small data set…');
    const smallRun = await migrate(small, 'bench_migrated_small');

    const { verified, drained, data, smallVerify } = await runVerifyScenarios(
      large,
      small,
      largeDocs,
    );

    const loadAfter = loadAverages();
    const copySeconds = fullResult.durations.copyMs / 1000;
    const rate = (seconds: number) => [
      (data.docs / seconds).toFixed(0),
      (data.bytes / 1024 ** 2 / seconds).toFixed(1),
    ];
    const table = markdownTable([
      ['scenario', 'seconds', 'docs/s', 'MB/s', 'peak RSS MB'],
      scenarioRow('(a) read + insertMany loop', loop, data),
      scenarioRow('(b) nsctl migrate, whole command', full, data),
      ['(b) of which: copy with indexes', copySeconds.toFixed(1), ...rate(copySeconds), ''],
      ['(b) of which: index builds (summed)', (fullResult.indexMs / 1000).toFixed(1), '', '', ''],
      [
        '(b) of which: convergence + verification',
        (fullResult.durations.convergeMs / 1000).toFixed(1),
        '',
        '',
        '',
      ],
      scenarioRow('(c) nsctl verify, source vs copy (both sides read)', verified, data),
      scenarioRow('(d) driver drains both sides at once', drained, data),
    ]);
    const ratios = markdownTable([
      ['ratio', 'value', 'target'],
      [
        'copy throughput of (b) / throughput of (a)',
        (loop.seconds / copySeconds).toFixed(2),
        '≥ 0.9',
      ],
      [
        'whole (b) / (a), verification included',
        (loop.seconds / full.seconds).toFixed(2),
        '(informative)',
      ],
      [
        `peak RSS of (b): ${mb(data.bytes)} MB data / ${mb(smallData.bytes)} MB data`,
        (full.peakRssMb / smallRun.peakRssMb).toFixed(2),
        '≤ 1.2 (flat)',
      ],
      ...verifyRatios({ verified, drained, smallVerify, data }, smallData.bytes),
    ]);
    const body = [
      `Data: ${largeDays} days of one seeded Nightscout site (\`nsctl dev seed --seed 7\`), ${data.docs} documents, ${mb(data.bytes)} MB of BSON; small set ${smallDays} days, ${mb(smallData.bytes)} MB. Source and target: two servers on the same machine, ${await describeServer(source.uri)} and ${await describeServer(target.uri)}. (b) ran with its defaults: 2 collections at once, batches of 1000 documents or 8 MB. Load average (1 / 5 / 15 min) before the first scenario: ${loadBefore}; after the last: ${loadAfter}.`,
      '',
      table,
      '',
      `Peak RSS on the small set: (b) ${smallRun.peakRssMb.toFixed(0)} MB, (c) ${smallVerify.peakRssMb.toFixed(0)} MB; on the large set: (b) ${full.peakRssMb.toFixed(0)} MB, (c) ${verified.peakRssMb.toFixed(0)} MB. Rates of (c) and (d) count the data once, though both sides are read.`,
      '',
      ratios,
    ].join('\n');
    // BENCH_WRITE_REPORT=0 for a trial run that must not replace the recorded numbers.
    if (process.env.BENCH_WRITE_REPORT !== '0')
      await writeReport(
        'migrate',
        `Migrate (${new Date().toISOString().slice(0, 10)}, ${machine()})`,
        body,
      );
    console.log(body);
  }
} finally {
  await source.stop();
  await target.stop();
  await rm(work, { recursive: true, force: true });
}
