/**
 * Backup benchmark, one run on one server and the same seeded data:
 *   (a) raw drain: the driver reads every document and discards it
 *   (b) nsctl backup run, gzip + age
 *   (c) nsctl backup run, gzip only
 *   (d) @apostrophecms/mongodb-snapshot writing the same database
 *   (e) nsctl restore of (b) into an empty database, vs a plain
 *       read-and-insertMany loop between two databases
 * and peak RSS of (b) at a small and at the large size.
 *
 * Usage: npm run bench:backup   (BENCH_LARGE_DAYS, BENCH_SMALL_DAYS to resize;
 * NSCTL_BENCH_MONGODB_URI to use your own server)
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { generateAgeKeyPair } from '../src/adapters/crypto/age-keys.js';
import { acquireTestServer } from '../src/devserver/test-server.js';
import {
  bsonSize,
  CLI,
  describeServer,
  dropDatabases,
  loadAverages,
  machine,
  markdownTable,
  mb,
  measure,
  node,
  ROOT,
  seedOnce,
  withDb,
} from './lib.js';
import { writeReport } from './report.js';

const largeDays = Number(process.env.BENCH_LARGE_DAYS ?? 1200);
const smallDays = Number(process.env.BENCH_SMALL_DAYS ?? 50);

const server = process.env.NSCTL_BENCH_MONGODB_URI
  ? { uri: process.env.NSCTL_BENCH_MONGODB_URI, kind: 'external', stop: async () => {} }
  : await acquireTestServer({ onStatus: (m) => console.error(m) });
const work = await mkdtemp(join(tmpdir(), 'nsctl-bench-'));
const keys = await generateAgeKeyPair();
const config = join(work, 'nsctl.yaml');
await writeFile(
  config,
  `instance: bench\nbackup:\n  dir: ${work}/backups\n  encryption:\n    recipients: [${keys.recipient}]\n`,
);
const plainConfig = join(work, 'plain.yaml');
await writeFile(plainConfig, `instance: bench\nbackup:\n  dir: ${work}/plain-backups\n`);
await writeFile(join(work, 'key.txt'), `${keys.identity}\n`, { mode: 0o600 });

/** Documents and raw BSON bytes, counted by reading them (server size statistics differ by engine). */
/**
 * Documents a mongodb-snapshot file holds: one Extended JSON object per line,
 * documents tagged `"metaType":"doc"`. Used when the peer is stopped at the
 * time limit, to measure its rate over what it did write.
 */
async function snapshotDocs(file: string): Promise<number> {
  let docs = 0;
  const lines = createInterface({
    input: createReadStream(file),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of lines) if (line.startsWith('{"metaType":"doc"')) docs++;
  return docs;
}

function backupArgs(configFile: string, uri: string) {
  return [CLI, '--config', configFile, '--quiet', '--json', 'backup', 'run', '--uri', uri];
}

try {
  await dropDatabases(server.uri, ['bench_restored', 'bench_loop']);
  const small = await seedOnce(withDb(server.uri, 'bench_small'), smallDays);
  const large = await seedOnce(withDb(server.uri, 'bench_large'), largeDays);
  const smallSize = await bsonSize(small.uri);
  const loadBefore = loadAverages();

  const rows: Array<{
    name: string;
    seconds: number;
    peakRssMb: number;
    timedOut?: boolean;
    /** For a run stopped at the limit: documents it had written by then. */
    docsDone?: number;
  }> = [];
  const record = async (name: string, command: [string, string[]], timeoutMs?: number) => {
    console.error(`running ${name}…`);
    const result = await measure(command[0], command[1], {}, timeoutMs);
    rows.push({
      name,
      seconds: result.seconds,
      peakRssMb: result.peakRssMb,
      ...(result.timedOut ? { timedOut: true } : {}),
    });
    console.error(
      `  ${result.seconds.toFixed(1)} s, peak RSS ${result.peakRssMb.toFixed(0)} MB${result.timedOut ? ' (stopped at the limit)' : ''}`,
    );
    return result;
  };
  const snapshotLimitMs = Number(process.env.BENCH_SNAPSHOT_LIMIT_S ?? 600) * 1000;

  // The drain counts what the benchmark reads: documents and raw BSON bytes.
  const drained = await record(
    '(a) raw drain (driver, raw BSON)',
    node('bench/scenarios/drain.ts', [large.uri]),
  );
  const size = JSON.parse(drained.stdout) as { docs: number; bytes: number };
  console.error(
    `data: ${size.docs} documents, ${mb(size.bytes)} MB (small: ${mb(smallSize.bytes)} MB)`,
  );
  const b = await record('(b) nsctl backup run, gzip + age', [
    process.execPath,
    backupArgs(config, large.uri),
  ]);
  await record('(c) nsctl backup run, gzip, no encryption', [
    process.execPath,
    backupArgs(plainConfig, large.uri),
  ]);
  const snapshotFile = join(work, 'snapshot.snapshot');
  const snapshot = await record(
    '(d) @apostrophecms/mongodb-snapshot write',
    [
      `${ROOT}node_modules/.bin/mongodb-snapshot-write`,
      [`--from=${large.uri}`, `--to=${snapshotFile}`],
    ],
    snapshotLimitMs,
  );
  if (snapshot.timedOut) {
    const row = rows[rows.length - 1] as (typeof rows)[number];
    row.docsDone = await snapshotDocs(snapshotFile).catch(() => 0);
    console.error(`  it had written ${row.docsDone} of ${size.docs} documents`);
  }
  await rm(snapshotFile, { force: true });
  const backupId = JSON.parse(b.stdout).result.manifest.id as string;
  await record('(e) nsctl restore of (b) into an empty database', [
    process.execPath,
    [
      CLI,
      '--config',
      config,
      '--quiet',
      '--json',
      'restore',
      backupId,
      '--uri',
      withDb(server.uri, 'bench_restored'),
      '--identity',
      join(work, 'key.txt'),
    ],
  ]);
  await record(
    '(e) baseline: read + insertMany loop',
    node('bench/scenarios/insert-loop.ts', [large.uri, withDb(server.uri, 'bench_loop')]),
  );
  const smallRun = await measure(process.execPath, backupArgs(config, small.uri));

  const byName = (prefix: string) =>
    rows.find((r) => r.name.startsWith(prefix)) as (typeof rows)[number];
  const rate = (seconds: number) => [
    (size.docs / seconds).toFixed(0),
    (size.bytes / 1024 ** 2 / seconds).toFixed(1),
  ];
  const table = markdownTable([
    ['scenario', 'seconds', 'docs/s', 'MB/s', 'peak RSS MB'],
    ...rows.map((r) =>
      r.timedOut
        ? [
            `${r.name} (stopped at the limit: ${r.docsDone ?? 0} of ${size.docs} documents written)`,
            `> ${r.seconds.toFixed(0)}`,
            `${((r.docsDone ?? 0) / r.seconds).toFixed(1)} (over what it wrote)`,
            '–',
            r.peakRssMb.toFixed(0),
          ]
        : [r.name, r.seconds.toFixed(1), ...rate(r.seconds), r.peakRssMb.toFixed(0)],
    ),
  ]);
  const a = byName('(a)');
  const bb = byName('(b)');
  const d = byName('(d)');
  const e = byName('(e) nsctl');
  const loop = byName('(e) baseline');
  const ratios = markdownTable([
    ['ratio', 'value', 'target'],
    ['(b) throughput / (a) throughput', (a.seconds / bb.seconds).toFixed(2), '≥ 0.9'],
    [
      d.timedOut
        ? '(b) docs/s / (d) docs/s over the part (d) wrote'
        : '(b) throughput / (d) throughput',
      d.timedOut
        ? d.docsDone
          ? (size.docs / bb.seconds / (d.docsDone / d.seconds)).toFixed(0)
          : `> ${(d.seconds / bb.seconds).toFixed(2)} (it wrote no document)`
        : (d.seconds / bb.seconds).toFixed(2),
      '≥ 3',
    ],
    [
      'restore throughput / insertMany loop throughput',
      (loop.seconds / e.seconds).toFixed(2),
      '(informative)',
    ],
    [
      `peak RSS of (b): ${mb(size.bytes)} MB data / ${mb(smallSize.bytes)} MB data`,
      (bb.peakRssMb / smallRun.peakRssMb).toFixed(2),
      '≤ 1.2, both ≤ 200 MB',
    ],
  ]);
  const body = [
    `Data: ${largeDays} days of one seeded Nightscout site (\`nsctl dev seed --seed 7\`), ${size.docs} documents, ${mb(size.bytes)} MB of BSON; small set ${smallDays} days, ${mb(smallSize.bytes)} MB. Server: ${await describeServer(server.uri)} on the same machine${server.kind === 'external' ? ', given by NSCTL_BENCH_MONGODB_URI' : ''}.${large.reused ? '' : ` Seeding took ${large.seconds.toFixed(0)} s.`} Load average (1 / 5 / 15 min) before the first scenario: ${loadBefore}; after the last: ${loadAverages()}.`,
    '',
    table,
    '',
    `Peak RSS of (b) on the small set: ${smallRun.peakRssMb.toFixed(0)} MB; on the large set: ${bb.peakRssMb.toFixed(0)} MB.`,
    '',
    ratios,
  ].join('\n');
  await writeReport(
    'backup',
    `Backup (${new Date().toISOString().slice(0, 10)}, ${machine()})`,
    body,
  );
  console.log(body);
} finally {
  await server.stop();
  await rm(work, { recursive: true, force: true });
}
