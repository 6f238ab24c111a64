/**
 * `migrate` and `verify` from a backup hold its archive to its manifest, as
 * `backup verify` does: a count that differs (the archive or the manifest
 * changed after the backup) fails with CHECKSUM_MISMATCH, not IDENTICAL.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { createLocalDirTarget } from '../../src/adapters/storage/local-dir-target.js';
import { configSchema } from '../../src/core/config/schema.js';
import { EXIT, NsctlError } from '../../src/core/errors.js';
import { silentProgress } from '../../src/core/progress.js';
import { manifestNameFor } from '../../src/ops/backup/naming.js';
import { runBackup } from '../../src/ops/backup/run.js';
import { runVerify } from '../../src/ops/compare/run-verify.js';
import { runMigration } from '../../src/ops/migrate/index.js';
import { openTestDatabase } from '../helpers/db.js';

const t = await openTestDatabase(import.meta.url);
const dir = await mkdtemp(join(tmpdir(), 'nsctl-migrate-manifest-'));
after(() => rm(dir, { recursive: true, force: true }));
const config = configSchema.parse({ instance: 'manifest', backup: { dir } });
const sourceContext = { config, cwd: dir };
const nightscout = { collections: config.nightscout.collections };

await t.db
  .collection('entries')
  .insertMany(Array.from({ length: 25 }, (_, i) => ({ type: 'sgv', sgv: 80 + i })));
await t.db.collection('food').insertOne({ name: 'apple' });

const backup = await runBackup({
  source: { uri: t.dbUri },
  instance: 'manifest',
  target: createLocalDirTarget(dir),
  compression: 'gzip',
  encryption: { type: 'none' },
  progress: silentProgress,
  toolVersion: '0.0.0-test',
});
const manifestPath = join(dir, manifestNameFor(backup.manifest.id));
const original = await readFile(manifestPath, 'utf8');

async function withManifest(
  edit: (m: { collections: { name: string; documents: number }[] }) => void,
) {
  const manifest = JSON.parse(original);
  edit(manifest);
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2));
}

const mismatch = (message: RegExp) => (error: unknown) => {
  assert.ok(error instanceof NsctlError, String(error));
  assert.equal(error.code, 'CHECKSUM_MISMATCH', error.message);
  assert.equal(error.exitCode, EXIT.integrity);
  assert.match(error.message, message);
  return true;
};

test('a backup whose manifest count differs from its archive is neither migrated as good nor verified identical', async () => {
  await withManifest((m) => {
    const entries = m.collections.find((c) => c.name === 'entries');
    assert.ok(entries);
    entries.documents = 20;
  });
  const target = await t.scratch('edited');
  await assert.rejects(
    runMigration({
      from: 'backup:latest',
      to: target.dbUri,
      statePath: join(dir, 'edited.state.json'),
      sourceContext,
      nightscout,
      progress: silentProgress,
    }),
    mismatch(/entries holds 25 documents, its manifest says 20/),
  );
  await assert.rejects(
    runVerify({
      source: 'backup:latest',
      target: t.dbUri,
      sourceContext,
      nightscout,
      progress: silentProgress,
    }),
    mismatch(/entries holds 25 documents, its manifest says 20/),
  );
});

test('a manifest naming a collection the archive lacks is refused', async () => {
  await withManifest((m) => {
    m.collections.push({
      ...(m.collections[0] as { name: string; documents: number }),
      name: 'treatments',
    });
  });
  await assert.rejects(
    runVerify({
      source: 'backup:latest',
      target: t.dbUri,
      sourceContext,
      nightscout,
      progress: silentProgress,
    }),
    mismatch(/manifest lists treatments, which the archive does not hold/),
  );
});

test('the untouched backup still migrates and verifies identical', async () => {
  await writeFile(manifestPath, original);
  const target = await t.scratch('untouched');
  const result = await runMigration({
    from: 'backup:latest',
    to: target.dbUri,
    statePath: join(dir, 'untouched.state.json'),
    sourceContext,
    nightscout,
    progress: silentProgress,
  });
  assert.equal(result.ok, true);
  const verified = await runVerify({
    source: 'backup:latest',
    target: target.dbUri,
    sourceContext,
    nightscout,
    progress: silentProgress,
  });
  assert.equal(verified.equal, true);
});
