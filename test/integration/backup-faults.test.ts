/**
 * Bad input and faults around backups: wrong or missing keys, truncation and
 * bit flips at many points, missing or edited manifests, a server that
 * disappears mid-backup and mid-restore, a full disk. Each ends in a clear
 * NsctlError or a failed verification, nothing that looks like a good
 * backup, and older backups untouched.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { createLocalDirTarget } from '../../src/adapters/storage/local-dir-target.js';
import { type ErrorCode, NsctlError } from '../../src/core/errors.js';
import { silentProgress } from '../../src/core/progress.js';
import { openStoredArchive } from '../../src/ops/backup/archive-source.js';
import { readCatalogue, readManifest } from '../../src/ops/backup/catalogue.js';
import { manifestNameFor } from '../../src/ops/backup/naming.js';
import { runBackup } from '../../src/ops/backup/run.js';
import { verifyBackup } from '../../src/ops/backup/verify.js';
import { restoreArchive } from '../../src/ops/restore.js';
import { openTestDatabase } from '../helpers/db.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

const t = await openTestDatabase(import.meta.url);
const PASSPHRASE = 'a-test-passphrase-of-some-length';
const passphraseEncryption = {
  type: 'passphrase' as const,
  passphrase: PASSPHRASE,
  scryptWorkFactor: 10,
};

await t.db.collection('devicestatus').insertMany(
  Array.from({ length: 6000 }, (_, i) => ({
    i,
    created_at: new Date(1_700_000_000_000 + i * 300_000).toISOString(),
    pad: 'z'.repeat(400 + (i % 97)),
  })),
);
await t.db.collection('entries').insertMany(
  Array.from({ length: 3000 }, (_, i) => ({
    sgv: 80 + (i % 120),
    date: 1_700_000_000_000 + i * 300_000,
  })),
);

async function freshTarget() {
  const dir = await mkdtemp(join(tmpdir(), 'nsctl-faults-'));
  after(() => rm(dir, { recursive: true, force: true }));
  return { dir, target: createLocalDirTarget(dir) };
}

function backupInto(target: ReturnType<typeof createLocalDirTarget>, uri = t.dbUri) {
  return runBackup({
    source: { uri },
    instance: 'faults',
    target,
    compression: 'gzip',
    encryption: passphraseEncryption,
    progress: silentProgress,
    toolVersion: '0.0.0-test',
  });
}

const isNsctl = (code: ErrorCode) => (error: unknown) =>
  error instanceof NsctlError && error.code === code;

const { dir, target } = await freshTarget();
const good = await backupInto(target);
const keys = { passphrases: [PASSPHRASE] };

test('a wrong passphrase fails verify as DECRYPT_FAILED; a missing key is no finding about the backup', async () => {
  const result = await verifyBackup({
    target,
    manifest: good.manifest,
    keys: { passphrases: ['not-the-passphrase'] },
    progress: silentProgress,
  });
  assert.equal(result.ok, false);
  assert.equal(result.failure?.code, 'DECRYPT_FAILED');
  await assert.rejects(
    verifyBackup({ target, manifest: good.manifest, keys: {}, progress: silentProgress }),
    isNsctl('DECRYPT_KEY_MISSING'),
  );
});

test('truncation at 25 points and 25 bit flips always fail verify cleanly', async () => {
  const path = join(dir, good.manifest.archive.name);
  const original = await readFile(path);
  try {
    for (let i = 1; i <= 25; i++) {
      await writeFile(path, original.subarray(0, Math.floor((original.length * i) / 26)));
      const result = await verifyBackup({
        target,
        manifest: good.manifest,
        keys,
        progress: silentProgress,
      });
      assert.equal(result.ok, false, `truncated to ${i}/26 passed verify`);
      assert.ok(result.failure, `truncated to ${i}/26: no failure code`);
    }
    for (let i = 0; i < 25; i++) {
      const damaged = Buffer.from(original);
      const at = (i * 7919 + 101) % damaged.length;
      damaged[at] = (damaged[at] ?? 0) ^ (1 << (i % 8));
      await writeFile(path, damaged);
      const result = await verifyBackup({
        target,
        manifest: good.manifest,
        keys,
        progress: silentProgress,
      });
      assert.equal(result.ok, false, `bit flip at ${at} passed verify`);
    }
  } finally {
    await writeFile(path, original);
  }
  assert.equal(
    (await verifyBackup({ target, manifest: good.manifest, keys, progress: silentProgress })).ok,
    true,
  );
});

test('an edited manifest fails verify; an unparsable one is listed as invalid; a missing one is not found', async () => {
  const { dir: d2, target: t2 } = await freshTarget();
  const backup = await backupInto(t2);
  const name = manifestNameFor(backup.manifest.id);
  const text = await readFile(join(d2, name), 'utf8');

  const edited = JSON.parse(text);
  edited.collections[0].documents += 1;
  await writeFile(join(d2, name), JSON.stringify(edited));
  const result = await verifyBackup({
    target: t2,
    manifest: await readManifest(t2, backup.manifest.id),
    keys,
    progress: silentProgress,
  });
  assert.equal(result.ok, false);
  assert.match(result.problems.join('\n'), /manifest says/);

  await writeFile(join(d2, name), text.slice(0, text.length / 2));
  const catalogue = await readCatalogue(t2);
  assert.equal(catalogue.backups.length, 0);
  assert.equal(catalogue.invalid.length, 1);
  await assert.rejects(readManifest(t2, backup.manifest.id), isNsctl('MANIFEST_INVALID'));

  await unlink(join(d2, name));
  assert.deepEqual((await readCatalogue(t2)).orphans, [backup.manifest.archive.name]);
  await assert.rejects(readManifest(t2, backup.manifest.id), isNsctl('BACKUP_NOT_FOUND'));
});

test('a server that disappears mid-backup: MONGO_UNREACHABLE, nothing that looks good, older backups untouched', async () => {
  const proxy = await startTcpProxy(t.uri);
  try {
    const url = new URL(proxy.uri);
    url.pathname = `/${t.db.databaseName}`;
    proxy.cutAfter(300_000);
    await assert.rejects(backupInto(target, url.toString()), isNsctl('MONGO_UNREACHABLE'));
  } finally {
    await proxy.close();
  }
  const catalogue = await readCatalogue(target);
  assert.deepEqual(
    catalogue.backups.map((b) => b.id),
    [good.manifest.id],
  );
  assert.deepEqual(catalogue.orphans, []);
  assert.equal(catalogue.failures.length, 1);
  assert.equal(catalogue.failures[0]?.code, 'MONGO_UNREACHABLE');
});

test('a server that disappears mid-restore: MONGO_UNREACHABLE, a clear error', async () => {
  const scratch = await t.scratch('cut');
  const proxy = await startTcpProxy(t.uri);
  try {
    const url = new URL(proxy.uri);
    url.pathname = `/${scratch.db.databaseName}`;
    const archive = await openStoredArchive(
      target,
      good.manifest.archive.name,
      { compression: 'gzip', encrypted: true },
      keys,
    );
    proxy.cutAfter(3_000);
    await assert.rejects(
      restoreArchive({
        archive,
        destination: { uri: url.toString() },
        drop: false,
        dryRun: false,
        progress: silentProgress,
        batchSize: 200,
      }),
      isNsctl('MONGO_UNREACHABLE'),
    );
  } finally {
    await proxy.close();
  }
});

function tryMountTmpfs(path: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', path], {
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}

const smallDir = await mkdtemp(join(tmpdir(), 'nsctl-small-'));
const mounted = tryMountTmpfs(smallDir, '1m');
after(() => {
  if (mounted) execFileSync('umount', [smallDir]);
  return rm(smallDir, { recursive: true, force: true });
});

test(mounted
  ? 'a full disk: STORAGE_FAILED, nothing visible, older files untouched'
  : 'a full disk (skipped: cannot mount a small tmpfs here)', { skip: !mounted }, async () => {
  const small = createLocalDirTarget(smallDir);
  await writeFile(join(smallDir, 'older.manifest.json'), '{}');
  await assert.rejects(
    runBackup({
      source: { uri: t.dbUri },
      instance: 'faults',
      target: small,
      compression: 'none',
      encryption: { type: 'none' },
      progress: silentProgress,
      toolVersion: '0.0.0-test',
    }),
    isNsctl('STORAGE_FAILED'),
  );
  const catalogue = await readCatalogue(small);
  assert.equal(catalogue.backups.length, 0);
  assert.deepEqual(catalogue.orphans, []);
  assert.equal(await readFile(join(smallDir, 'older.manifest.json'), 'utf8'), '{}');
});
