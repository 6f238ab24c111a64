import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSeed } from '../../src/cli/commands/dev.js';
import type { CommandContext } from '../../src/cli/context.js';
import { configSchema, type NsctlConfig } from '../../src/core/config/schema.js';
import { isNsctlError } from '../../src/core/errors.js';
import { nightscoutIndexes } from '../../src/core/nightscout/indexes.js';
import { createProgress, type ProgressEvent } from '../../src/core/progress.js';
import { createSeedPlan } from '../../src/core/seed/seed-plan.js';
import { openTestDatabase } from '../helpers/db.js';

const t = await openTestDatabase(import.meta.url);
const END = '2025-01-15T12:00:00Z';

function fakeContext(config: NsctlConfig, events: ProgressEvent[] = []): CommandContext {
  return {
    globals: { json: false, quiet: true, verbose: false, color: false },
    io: { stdout: process.stdout, stderr: process.stderr, env: {}, cwd: process.cwd() },
    log: undefined as unknown as CommandContext['log'],
    progress: createProgress((event) => events.push(event)),
    signal: new AbortController().signal,
    config: async () => config,
    loadedConfig: async () => ({ config, errors: [], warnings: [] }),
  };
}

const defaults = configSchema.parse({});

test('seeds every collection with the planned counts and creates Nightscout indexes', async () => {
  const events: ProgressEvent[] = [];
  const result = await runSeed(
    { uri: t.dbUri, days: '3', seed: '7', end: END },
    fakeContext(defaults, events),
  );

  const plan = createSeedPlan({ days: 3, seed: '7', end: Date.parse(END) });
  const indexes = nightscoutIndexes(defaults.nightscout.collections);
  for (const { key, count } of plan) {
    const name = defaults.nightscout.collections[key];
    assert.equal(await t.db.collection(name).countDocuments(), count(), name);
    const present = (await t.db.collection(name).indexes()).map((i) => i.name);
    for (const spec of indexes[key]) assert.ok(present.includes(spec.name), `${name}.${spec.name}`);
  }
  assert.equal(await t.db.collection('devicestatus').countDocuments(), 3 * 288);
  assert.ok(
    await t.db.collection('entries').findOne({ _id: { $type: 'string' } as never }),
    'string _id kept',
  );
  assert.equal(
    result.data.totalDocuments,
    plan.reduce((sum, p) => sum + p.count(), 0),
  );
  assert.ok(result.data.collections.every((c) => c.bytes > 0));
  assert.match(result.text, /devicestatus\s+864/);

  const finished = events.filter((e) => e.kind === 'finish');
  assert.equal(finished.length, plan.length);
  for (const event of finished) assert.equal(event.done, event.total, event.label);
});

test('refuses a database that already holds Nightscout data, unless --drop', async () => {
  await assert.rejects(
    runSeed({ uri: t.dbUri, days: '1', end: END }, fakeContext(defaults)),
    (error) => isNsctlError(error) && error.code === 'USAGE' && /--drop/.test(error.hint),
  );
  await runSeed({ uri: t.dbUri, days: '1', end: END, drop: true }, fakeContext(defaults));
  assert.equal(await t.db.collection('devicestatus').countDocuments(), 288);
});

test('takes the URI and collection names from the config', async () => {
  const { db, dbUri } = await t.scratch('config');
  const config = configSchema.parse({
    mongodb: { uri: dbUri },
    nightscout: { collections: { entries: 'glucose', devicestatus: 'status' } },
  });
  await runSeed({ days: '1', end: END, batchSize: '100' }, fakeContext(config));
  assert.ok((await db.collection('glucose').countDocuments()) > 250);
  assert.equal(await db.collection('status').countDocuments(), 288);
  assert.equal(await db.collection('entries').countDocuments(), 0);
});

test('rejects bad flags with a usage error', async () => {
  for (const flags of [{ days: '0' }, { days: 'x' }, { end: 'yesterday' }, { batchSize: '-1' }]) {
    await assert.rejects(
      runSeed({ uri: t.dbUri, ...flags }, fakeContext(defaults)),
      (error) => isNsctlError(error) && error.code === 'USAGE',
    );
  }
});
