import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { createLocalDirTarget } from '../../src/adapters/storage/local-dir-target.js';
import type { NsctlError } from '../../src/core/errors.js';
import { collect, expectNsctlCode, writeObject } from '../contract/storage-contract-helpers.js';
import {
  runStorageTargetContract,
  type StorageTargetFixture,
} from '../contract/storage-target-contract.js';

const run = promisify(execFile);

async function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'nsctl-storage-'));
}

async function makeLocalFixture(): Promise<StorageTargetFixture> {
  const base = await makeTempDir();
  const target = createLocalDirTarget(join(base, 'backups', 'site'));
  return {
    target,
    async modesOf(name) {
      return {
        file: (await stat(join(target.dir, name))).mode,
        dir: (await stat(target.dir)).mode,
      };
    },
    cleanup: () => rm(base, { recursive: true, force: true }),
  };
}

/** Mounts a tmpfs (root only); returns undefined when mounting is not permitted here. */
async function mountTmpfs(options: string): Promise<{ dir: string; unmount(): Promise<void> }> {
  const dir = await makeTempDir();
  await run('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  return {
    dir,
    async unmount() {
      await run('umount', [dir]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function probeMount(): Promise<string | undefined> {
  try {
    await (await mountTmpfs('size=64k')).unmount();
    return undefined;
  } catch (error) {
    return `mount not permitted: ${(error as Error).message.split('\n')[0]}`;
  }
}

const isRoot = process.getuid?.() === 0;
const mountProblem = await probeMount();

/** Root ignores permission bits, so it gets a read-only file system instead. */
async function makeRefusingFixture(): Promise<StorageTargetFixture> {
  if (!isRoot) {
    const base = await makeTempDir();
    await chmod(base, 0o500);
    return {
      target: createLocalDirTarget(base),
      cleanup: async () => {
        await chmod(base, 0o700);
        await rm(base, { recursive: true, force: true });
      },
    };
  }
  const mount = await mountTmpfs('ro,size=64k');
  return { target: createLocalDirTarget(mount.dir), cleanup: () => mount.unmount() };
}

const canRefuse = !isRoot || mountProblem === undefined;
runStorageTargetContract('local directory', makeLocalFixture, {
  ...(canRefuse ? { makeRefusingTarget: makeRefusingFixture } : {}),
  refusingSkipReason: `running as root and ${mountProblem}`,
});

const diskFullTitle =
  'local directory: a full disk fails with STORAGE_FAILED, shows nothing, keeps older files';
test(mountProblem ? `${diskFullTitle} (skipped: ${mountProblem})` : diskFullTitle, {
  skip: mountProblem !== undefined,
}, async () => {
  const mount = await mountTmpfs('size=1m');
  try {
    const target = createLocalDirTarget(mount.dir);
    const older = Buffer.alloc(200 * 1024, 7);
    await writeObject(target, 'older.archive', [older]);
    const chunks = Array.from({ length: 20 }, () => Buffer.alloc(100 * 1024, 1));

    await assert.rejects(
      writeObject(target, 'new.archive', chunks),
      expectNsctlCode('STORAGE_FAILED'),
    );
    await assert.rejects(
      target.writeSmall('huge.json', Buffer.alloc(2 * 1024 * 1024)),
      (error: NsctlError) => /disk is full/.test(error.hint) && /huge\.json/.test(error.message),
    );
    assert.deepEqual(await readdir(mount.dir), ['older.archive']);
    assert.deepEqual(await collect(await target.openRead('older.archive')), older);
  } finally {
    await mount.unmount();
  }
});

test('local directory: a killed writer leaves only a partial that cleanupPartials removes', async () => {
  const base = await makeTempDir();
  try {
    const moduleUrl = new URL('../../src/adapters/storage/local-dir-target.ts', import.meta.url);
    const script = `
      const { createLocalDirTarget } = await import(${JSON.stringify(moduleUrl.href)});
      const handle = await createLocalDirTarget(${JSON.stringify(base)}).openWrite('killed.archive');
      handle.stream.write(Buffer.alloc(50000, 1), () => process.kill(process.pid, 'SIGKILL'));`;
    const child = run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
    });
    await assert.rejects(child, (error: { signal?: string }) => error.signal === 'SIGKILL');
    const target = createLocalDirTarget(base);
    const [partial, ...others] = await readdir(base);

    assert.deepEqual(await target.list(), []);
    assert.match(partial ?? '', /^\.partial-killed\.archive\./);
    assert.deepEqual(others, []);
    assert.deepEqual(await target.cleanupPartials(), []);
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(join(base, partial ?? ''), hourAgo, hourAgo);
    assert.deepEqual(await target.cleanupPartials(), [partial]);
    assert.deepEqual(await readdir(base), []);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

test('local directory: a missing directory lists as empty and is created 0700 on first write', async () => {
  const base = await makeTempDir();
  try {
    const target = createLocalDirTarget(join(base, 'not', 'yet'));

    assert.deepEqual(await target.list(), []);
    await target.writeSmall('a.json', '{}');
    assert.equal((await stat(join(base, 'not'))).mode & 0o777, 0o700);
    assert.match(target.describe(), /not\/yet$/);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});
