/**
 * Verify benchmark: `verifyDatabases` on two equal databases of ~100 MB
 * against the raw speed of the server, i.e. draining both sides with
 * readRawDocuments and discarding every document (one side after the other,
 * and both at once, as verify reads them). Runs are interleaved; the best
 * and the median of each are reported, the ratio verify / drain (target
 * ≤ 1.3) from the best, which a busy machine disturbs least. The CPU time
 * of this process shows nsctl's own work apart from the server's.
 *
 * Usage: node --import tsx bench/verify-vs-drain.ts
 *   BENCH_VERIFY_MB (default 100) sizes each database;
 *   BENCH_RUNS (default 3); NSCTL_BENCH_MONGODB_URI to use your own server.
 */
import { cpus, loadavg, totalmem } from 'node:os';

import { Int32, ObjectId } from 'bson';
import { type Db, MongoClient } from 'mongodb';

import { readRawDocuments } from '../src/adapters/mongo/collections.js';
import { nightscoutCollectionsSchema } from '../src/core/config/schema.js';
import { silentProgress } from '../src/core/progress.js';
import { acquireTestServer } from '../src/devserver/test-server.js';
import { openMongoDocumentSource } from '../src/ops/compare/mongo-document-source.js';
import { verifyDatabases } from '../src/ops/compare/verify-databases.js';

const targetMb = Number(process.env.BENCH_VERIFY_MB ?? 100);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const server = process.env.NSCTL_BENCH_MONGODB_URI
  ? { uri: process.env.NSCTL_BENCH_MONGODB_URI, kind: 'external', stop: async () => {} }
  : await acquireTestServer({ onStatus: (m) => console.error(m) });
const client = await MongoClient.connect(server.uri);
const uriOf = (db: string) => Object.assign(new URL(server.uri), { pathname: `/${db}` }).toString();

/** Entries (~250 B) and devicestatus (~3 KB) in Nightscout's proportions of bytes. */
function generate(bytes: number): { entries: object[]; devicestatus: object[] } {
  const loop = {
    iob: { iob: 1.25, basaliob: 0.5 },
    predicted: { values: Array.from({ length: 48 }, (_, i) => 100 + i) },
  };
  const pad = 'x'.repeat(2200);
  const entries: object[] = [];
  const devicestatus: object[] = [];
  for (let i = 0, size = 0; size < bytes; i++) {
    const date = 1_700_000_000_000 + i * 300_000;
    entries.push({
      _id: new ObjectId(),
      type: 'sgv',
      sgv: new Int32(90 + (i % 120)),
      date,
      dateString: new Date(date).toISOString(),
      direction: 'Flat',
      device: 'xDrip-DexcomG6',
      noise: new Int32(1),
    });
    devicestatus.push({
      _id: new ObjectId(),
      created_at: new Date(date).toISOString(),
      device: 'openaps://phone',
      openaps: { suggested: loop, enacted: loop },
      pump: { battery: { percent: 80 }, reservoir: 123.4 },
      uploader: { battery: 55 },
      notes: pad,
    });
    size += 3000;
  }
  return { entries, devicestatus };
}

async function fill(db: Db, data: Record<string, object[]>): Promise<void> {
  for (const [name, docs] of Object.entries(data)) {
    for (let i = 0; i < docs.length; i += 1000) {
      await db.collection(name).insertMany(
        docs.slice(i, i + 1000).map((d) => ({ ...d })),
        { ordered: false },
      );
    }
  }
}

/** Fills both databases alike; returns the documents in each. The generated data is garbage afterwards. */
async function seed(a: Db, b: Db): Promise<number> {
  const data = generate(targetMb * 1e6);
  await fill(a, data);
  await fill(b, data);
  return data.entries.length + data.devicestatus.length;
}

async function drain(db: Db): Promise<number> {
  let bytes = 0;
  for (const name of ['devicestatus', 'entries'])
    for await (const doc of readRawDocuments(db, name)) bytes += doc.length;
  return bytes;
}

interface Measured<T> {
  seconds: number;
  /** CPU seconds of this process (user + system): nsctl's own work, apart from the server's. */
  cpuSeconds: number;
  peakRssMb: number;
  value: T;
}

async function measure<T>(run: () => Promise<T>): Promise<Measured<T>> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = await run();
  const used = process.cpuUsage(cpu);
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, peakRssMb: peak / 2 ** 20, value };
}

async function verify(ignoreFieldOrder: boolean): Promise<boolean> {
  const source = await openMongoDocumentSource({ uri: uriOf('bench_verify_a') });
  const target = await openMongoDocumentSource({ uri: uriOf('bench_verify_b') });
  try {
    const result = await verifyDatabases({
      source,
      target,
      ignoreFieldOrder,
      nightscout: { collections: nightscoutCollectionsSchema.parse({}) },
      progress: silentProgress,
    });
    return result.collections.every(
      (c) => c.documents.missing + c.documents.extra + c.documents.different === 0,
    );
  } finally {
    await source.close();
    await target.close();
  }
}

type Samples = Map<string, { seconds: number[]; cpu: number[]; rss: number[] }>;

function printTable(samples: Samples, data: string): void {
  const best = (name: string) => Math.min(...(samples.get(name)?.seconds ?? []));
  const [atOnce, oneByOne] = [best('drain A and B at once'), best('drain A then B')];
  const machine = `${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average ${loadavg()[0]?.toFixed(1)}`;
  console.log(`\n## verify vs drain, ${new Date().toISOString().slice(0, 10)}`);
  console.log(`${machine}, server ${server.kind}; ${data}; ${runs} runs\n`);
  console.log(
    '| case | best s | median s | nsctl CPU s | peak RSS MiB | best ÷ drain at once | best ÷ drain one after other |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const [name, s] of samples) {
    const min = Math.min(...s.seconds);
    const cells = [
      name,
      min.toFixed(1),
      median(s.seconds).toFixed(1),
      median(s.cpu).toFixed(2),
      median(s.rss).toFixed(0),
      (min / atOnce).toFixed(2),
      (min / oneByOne).toFixed(2),
    ];
    console.log(`| ${cells.join(' | ')} |`);
  }
}

const median = (values: number[]) =>
  [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? Number.NaN;

try {
  const [a, b] = [client.db('bench_verify_a'), client.db('bench_verify_b')];
  await a.dropDatabase();
  await b.dropDatabase();
  const documents = await seed(a, b);
  const size = await drain(a);
  const cases: Record<string, () => Promise<unknown>> = {
    'drain A then B': async () => (await drain(a)) + (await drain(b)),
    'drain A and B at once': () => Promise.all([drain(a), drain(b)]),
    verify: () => verify(false),
    'verify --ignore-field-order': () => verify(true),
  };
  const samples: Samples = new Map();
  for (let run = 0; run < runs; run++) {
    for (const [name, body] of Object.entries(cases)) {
      const m = await measure(body);
      if (m.value === false)
        throw new Error(`${name}: the equal databases were reported different`);
      const s = samples.get(name) ?? { seconds: [], cpu: [], rss: [] };
      s.seconds.push(m.seconds);
      s.rss.push(m.peakRssMb);
      s.cpu.push(m.cpuSeconds);
      samples.set(name, s);
      console.error(
        `run ${run + 1} ${name}: ${m.seconds.toFixed(2)} s, CPU ${m.cpuSeconds.toFixed(2)} s`,
      );
    }
  }
  printTable(samples, `2 × ${(size / 2 ** 20).toFixed(0)} MiB (${documents} documents each)`);
} finally {
  await client
    .db('bench_verify_a')
    .dropDatabase()
    .catch(() => undefined);
  await client
    .db('bench_verify_b')
    .dropDatabase()
    .catch(() => undefined);
  await client.close();
  await server.stop();
}
