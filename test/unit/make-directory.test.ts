import assert from 'node:assert/strict';
import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { makeDirectory } from '../../src/adapters/fs/make-directory.js';

test('makes missing parents with the given mode, and accepts an existing directory', async () => {
  const base = await mkdtemp(join(tmpdir(), 'nsctl-mkdir-'));
  const deep = join(base, 'a', 'b', 'c');
  await makeDirectory(deep);
  assert.equal((await stat(deep)).mode & 0o777, 0o700);
  await makeDirectory(deep);
});

test('fails, rather than looping, where Node recursive mkdir never returns (/proc)', {
  timeout: 5000,
}, async () => {
  await assert.rejects(
    makeDirectory('/proc/nsctl-cannot-exist/x'),
    (error: NodeJS.ErrnoException) => error.code === 'ENOENT',
  );
});

test('a file in the way is an error', async () => {
  const base = await mkdtemp(join(tmpdir(), 'nsctl-mkdir-'));
  await writeFile(join(base, 'file'), 'x');
  await assert.rejects(
    makeDirectory(join(base, 'file')),
    (error: NodeJS.ErrnoException) => error.code === 'EEXIST',
  );
  await assert.rejects(
    makeDirectory(join(base, 'file', 'sub')),
    (error: NodeJS.ErrnoException) => error.code === 'ENOTDIR',
  );
});
