/**
 * The behaviours every BackupTarget must have. A new target's test file calls
 * runStorageTargetContract once; a target that fails any of these cannot be
 * trusted with backups.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { BackupTarget } from '../../src/adapters/storage/target.js';
import { collect, expectNsctlCode, writeObject } from './storage-contract-helpers.js';
import { registerLargeWriteTest } from './storage-contract-large.js';

export interface StorageTargetFixture {
  target: BackupTarget;
  /** Permission bits of a stored object and of its directory, where the target has modes. */
  modesOf?(name: string): Promise<{ file: number; dir: number }>;
  cleanup(): Promise<void>;
}

export interface StorageTargetContractOptions {
  /** A target that refuses every write (read-only, permission denied). */
  makeRefusingTarget?: () => Promise<StorageTargetFixture>;
  /** Why no refusing target can be made here; the test is then skipped with this reason. */
  refusingSkipReason?: string;
  /** Size of the bounded-memory streaming test. Default 128 MiB. */
  largeWriteBytes?: number;
}

export type MakeStorageTarget = () => Promise<StorageTargetFixture>;

export function runStorageTargetContract(
  name: string,
  makeTarget: MakeStorageTarget,
  options: StorageTargetContractOptions = {},
): void {
  const withTarget = async (fn: (fixture: StorageTargetFixture) => Promise<void>) => {
    const fixture = await makeTarget();
    try {
      await fn(fixture);
    } finally {
      await fixture.cleanup();
    }
  };
  registerRoundTripTests(name, withTarget);
  registerVisibilityTests(name, withTarget);
  registerLargeWriteTest(name, withTarget, options.largeWriteBytes ?? 128 * 1024 * 1024);
  registerRefusingTest(name, options);
}

type WithTarget = (fn: (fixture: StorageTargetFixture) => Promise<void>) => Promise<void>;

function registerRoundTripTests(name: string, withTarget: WithTarget): void {
  test(`${name}: write, commit and read back gives identical bytes`, () =>
    withTarget(async ({ target }) => {
      const data = Buffer.from(Array.from({ length: 3_000_001 }, (_, i) => (i * 31) % 251));
      const info = await writeObject(target, 'a.archive', [data.subarray(0, 7), data.subarray(7)]);

      assert.equal(info.bytes, data.length);
      assert.deepEqual(await collect(await target.openRead('a.archive')), data);
      assert.equal((await target.stat('a.archive'))?.bytes, data.length);
    }));

  test(`${name}: writeSmall and readSmall round-trip; readSmall refuses big objects`, () =>
    withTarget(async ({ target }) => {
      await target.writeSmall('m.manifest.json', '{"a":1}');

      assert.equal((await target.readSmall('m.manifest.json')).toString(), '{"a":1}');
      await assert.rejects(
        target.readSmall('m.manifest.json', 3),
        expectNsctlCode('STORAGE_FAILED'),
      );
      await assert.rejects(target.readSmall('nope.json'), expectNsctlCode('BACKUP_NOT_FOUND'));
      await assert.rejects(target.openRead('nope.archive'), expectNsctlCode('BACKUP_NOT_FOUND'));
    }));

  test(`${name}: overwrite keeps the old bytes until commit, then replaces them`, () =>
    withTarget(async ({ target }) => {
      await target.writeSmall('x.json', 'old');
      const handle = await target.openWrite('x.json');
      handle.stream.write('new, longer');

      assert.equal((await target.readSmall('x.json')).toString(), 'old');
      await handle.commit();
      assert.equal((await target.readSmall('x.json')).toString(), 'new, longer');
      assert.deepEqual(
        (await target.list()).map((o) => o.name),
        ['x.json'],
      );
    }));

  test(`${name}: remove deletes an object and reports a missing one`, () =>
    withTarget(async ({ target }) => {
      await target.writeSmall('r.json', 'x');

      assert.equal(await target.remove('r.json'), true);
      assert.equal(await target.stat('r.json'), undefined);
      assert.equal(await target.remove('r.json'), false);
    }));

  test(`${name}: list filters by prefix and sorts by name`, () =>
    withTarget(async ({ target }) => {
      for (const n of ['b-2.json', 'a-1.json', 'b-1.json']) await target.writeSmall(n, n);

      assert.deepEqual(
        (await target.list('b-')).map((o) => o.name),
        ['b-1.json', 'b-2.json'],
      );
      assert.equal((await target.list()).length, 3);
    }));

  test(`${name}: names that could escape the target are refused`, () =>
    withTarget(async ({ target }) => {
      for (const bad of ['../x', '.hidden', 'a/b', '', 'a\\b']) {
        await assert.rejects(target.openWrite(bad), expectNsctlCode('USAGE'), bad);
        await assert.rejects(target.openRead(bad), expectNsctlCode('USAGE'), bad);
        await assert.rejects(target.stat(bad), expectNsctlCode('USAGE'), bad);
      }
    }));
}

function registerVisibilityTests(name: string, withTarget: WithTarget): void {
  test(`${name}: an uncommitted write is invisible, and abort leaves nothing`, () =>
    withTarget(async ({ target }) => {
      const handle = await target.openWrite('p.archive');
      handle.stream.write(Buffer.alloc(100_000, 1));

      assert.deepEqual(await target.list(), []);
      assert.equal(await target.stat('p.archive'), undefined);
      await handle.abort();
      await handle.abort();
      assert.deepEqual(await target.list(), []);
      await assert.rejects(target.openRead('p.archive'), expectNsctlCode('BACKUP_NOT_FOUND'));
    }));

  test(`${name}: a failing source followed by abort publishes nothing`, () =>
    withTarget(async ({ target }) => {
      await assert.rejects(
        writeObject(
          target,
          'f.archive',
          (async function* () {
            yield Buffer.alloc(10_000);
            throw new Error('source died');
          })(),
        ),
        /source died/,
      );
      assert.deepEqual(await target.list(), []);
    }));

  test(`${name}: cleanupPartials leaves a write in progress alone`, () =>
    withTarget(async ({ target }) => {
      const handle = await target.openWrite('slow.archive');
      handle.stream.write('x');

      assert.deepEqual(await target.cleanupPartials(), []);
      await handle.commit();
      assert.equal((await target.readSmall('slow.archive')).toString(), 'x');
    }));

  test(`${name}: files are 0600 and directories 0700 where the target has modes`, (t) =>
    withTarget(async ({ target, modesOf }) => {
      await target.writeSmall('mode.json', '{}');
      if (!modesOf) return t.skip('this target has no file modes');
      const modes = await modesOf('mode.json');

      assert.equal((modes.file & 0o777).toString(8), '600');
      assert.equal((modes.dir & 0o777).toString(8), '700');
    }));
}

function registerRefusingTest(name: string, options: StorageTargetContractOptions): void {
  const make = options.makeRefusingTarget;
  const title = `${name}: a target that refuses writes fails with STORAGE_FAILED and shows nothing`;
  if (!make) {
    test(`${title} (skipped: ${options.refusingSkipReason ?? 'no refusing target given'})`, {
      skip: true,
    });
    return;
  }
  test(title, async () => {
    const { target, cleanup } = await make();
    try {
      await assert.rejects(
        writeObject(target, 'r.archive', [Buffer.alloc(1000)]),
        expectNsctlCode('STORAGE_FAILED'),
      );
      await assert.rejects(target.writeSmall('r.json', '{}'), expectNsctlCode('STORAGE_FAILED'));
      assert.deepEqual(await target.list(), []);
    } finally {
      await cleanup();
    }
  });
}
