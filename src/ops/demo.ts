/**
 * `nsctl demo`: a walk-through on a throwaway local server. It starts the
 * test server (FerretDB unless NSCTL_TEST_MONGODB_URI or a mongod is there),
 * seeds two weeks of Nightscout data, backs it up encrypted, verifies the
 * backup, restores it into a second database and proves the copy equal,
 * then stops the server. Files stay in the demo directory.
 */
import { existsSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { formatIdentityFile, generateAgeKeyPair } from '../adapters/crypto/age-keys.js';
import { makeDirectory } from '../adapters/fs/make-directory.js';
import { connectMongo, readServerInfo } from '../adapters/mongo/connect.js';
import { createLocalDirTarget } from '../adapters/storage/local-dir-target.js';
import { nightscoutCollectionsSchema } from '../core/config/schema.js';
import { NsctlError } from '../core/errors.js';
import type { Progress } from '../core/progress.js';
import { acquireTestServer } from '../devserver/test-server.js';
import { openStoredArchive } from './backup/archive-source.js';
import { recordVerification } from './backup/catalogue.js';
import { runBackup } from './backup/run.js';
import { compareWithManifest, verifyBackup } from './backup/verify.js';
import { restoreArchive } from './restore.js';
import { digestDatabase } from './restore-drill.js';
import { seedDatabase } from './seed.js';

const MARKER = '.nsctl-demo';

export interface DemoOptions {
  dir: string;
  days: number;
  progress: Progress;
  /** Called once per finished step with a line for people. */
  step: (message: string) => void;
  toolVersion: string;
  env?: NodeJS.ProcessEnv;
}

export interface DemoResult {
  dir: string;
  server: { kind: string; version: string; ferretdbVersion?: string };
  seeded: { documents: number; bytes: number };
  backup: { id: string; archive: string; bytes: number; manifest: string };
  verified: boolean;
  restored: { database: string; documents: number };
  equal: boolean;
  files: Record<string, string>;
}

async function prepareDir(dir: string): Promise<void> {
  if (existsSync(dir) && (await readdir(dir)).length > 0 && !existsSync(join(dir, MARKER))) {
    throw new NsctlError('USAGE', `${dir} exists and was not made by nsctl demo`, {
      hint: 'Pass --dir with a new or empty directory.',
    });
  }
  // Each run starts from nothing: the demo's own files only.
  await rm(dir, { recursive: true, force: true });
  await makeDirectory(dir, 0o700);
  await writeFile(join(dir, MARKER), 'made by nsctl demo; safe to delete\n');
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const dir = resolve(options.dir);
  await prepareDir(dir);
  const server = await acquireTestServer({
    dataDir: join(dir, 'db'),
    keepData: true,
    ...(options.env ? { env: options.env } : {}),
    onStatus: options.step,
  });
  try {
    return await walkThrough(dir, server.uri, server.kind, options);
  } finally {
    await server.stop();
    options.step('stopped the local server');
  }
}

function withDb(uri: string, db: string): string {
  const url = new URL(uri);
  url.pathname = `/${db}`;
  return url.toString();
}

async function walkThrough(
  dir: string,
  uri: string,
  kind: string,
  options: DemoOptions,
): Promise<DemoResult> {
  const sourceUri = withDb(uri, 'nightscout');
  const restoredUri = withDb(uri, 'nightscout_restored');
  const connection = await connectMongo({ uri: sourceUri });
  const info = await readServerInfo(connection);
  options.step(
    `1. started a local ${info.isFerretDB ? `FerretDB ${info.ferretdbVersion} (MongoDB ${info.version} wire protocol, SQLite files in ${join(dir, 'db')})` : `${kind} server, MongoDB ${info.version}`}`,
  );

  try {
    await connection.client.db('nightscout_restored').dropDatabase();
  } finally {
    await connection.close();
  }
  const seeded = (
    await seedDatabase({
      target: { uri: sourceUri },
      collections: nightscoutCollectionsSchema.parse({}),
      days: options.days,
      seed: 'demo',
      end: Math.floor(Date.now() / 300_000) * 300_000,
      drop: true,
      progress: options.progress,
    })
  ).collections;
  const documents = seeded.reduce((s, c) => s + c.documents, 0);
  const bytes = seeded.reduce((s, c) => s + c.bytes, 0);
  options.step(
    `2. seeded ${options.days} days of Nightscout data: ${documents} documents, ${(bytes / 1024 ** 2).toFixed(1)} MB (${seeded.map((c) => `${c.name} ${c.documents}`).join(', ')})`,
  );

  const keys = await generateAgeKeyPair();
  const keyFile = join(dir, 'backup-key.txt');
  await writeFile(keyFile, formatIdentityFile(keys), { mode: 0o600 });
  const backupDir = join(dir, 'backups');
  const configFile = join(dir, 'nsctl.yaml');
  await writeFile(
    configFile,
    `# Written by nsctl demo. The server is stopped now; backup list/show/verify work without it.\ninstance: demo\nbackup:\n  dir: ${backupDir}\n  encryption:\n    recipients: [${keys.recipient}]\n    identityFile: ${keyFile}\n`,
  );
  const target = createLocalDirTarget(backupDir);
  const backup = await runBackup({
    source: { uri: sourceUri },
    instance: 'demo',
    target,
    compression: 'gzip',
    encryption: { type: 'recipients', recipients: [keys.recipient] },
    progress: options.progress,
    toolVersion: options.toolVersion,
  });
  const manifest = backup.manifest;
  options.step(
    `3. backed up to ${join(backupDir, manifest.archive.name)} (${(manifest.archive.bytes / 1024 ** 2).toFixed(1)} MB, gzip + age to ${keys.recipient.slice(0, 16)}…), manifest beside it`,
  );

  const verified = await verifyBackup({
    target,
    manifest,
    keys: { identities: [keys.identity] },
    progress: options.progress,
  });
  await recordVerification(target, manifest, {
    at: new Date().toISOString(),
    ok: verified.ok,
    mode: 'read',
  });
  options.step(
    verified.ok
      ? '4. verified the backup: decrypted, decompressed, every document and CRC read, counts and checksums match the manifest'
      : `4. verification FAILED: ${verified.problems.join('; ')}`,
  );

  const archive = await openStoredArchive(
    target,
    manifest.archive.name,
    { compression: 'gzip', encrypted: true },
    { identities: [keys.identity] },
  );
  const restored = await restoreArchive({
    archive,
    destination: { uri: restoredUri },
    drop: false,
    dryRun: false,
    progress: options.progress,
  });
  const restoredDocs = restored.collections.reduce((s, c) => s + c.found, 0);
  options.step(
    `5. restored it into database nightscout_restored: ${restoredDocs} documents, ${restored.indexes.reduce((s, i) => s + i.created.length, 0)} indexes built after the data`,
  );

  const check = await connectMongo({ uri: restoredUri });
  let equal = false;
  try {
    const digests = await digestDatabase(
      check.db,
      manifest.collections.map((c) => c.name),
    );
    equal = compareWithManifest(manifest, digests).every((c) => c.ok);
  } finally {
    await check.close();
  }
  options.step(
    equal
      ? '6. compared: every collection of the restored copy has the same documents, byte for byte, as the original'
      : '6. compare FAILED: the restored copy differs',
  );

  return {
    dir,
    server: {
      kind,
      version: info.version,
      ...(info.ferretdbVersion ? { ferretdbVersion: info.ferretdbVersion } : {}),
    },
    seeded: { documents, bytes },
    backup: {
      id: manifest.id,
      archive: join(backupDir, manifest.archive.name),
      bytes: manifest.archive.bytes,
      manifest: join(backupDir, `${manifest.id}.manifest.json`),
    },
    verified: verified.ok,
    restored: { database: 'nightscout_restored', documents: restoredDocs },
    equal,
    files: { config: configFile, key: keyFile, backups: backupDir, database: join(dir, 'db') },
  };
}
