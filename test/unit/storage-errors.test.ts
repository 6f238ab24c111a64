import assert from 'node:assert/strict';
import { test } from 'node:test';

import { translateStorageError } from '../../src/adapters/storage/storage-errors.js';
import { NsctlError } from '../../src/core/errors.js';

const errno = (code: string) => Object.assign(new Error(`${code}: failed`), { code });

test('each file-system failure names the path and says what to do', () => {
  const cases: [string, RegExp][] = [
    ['ENOSPC', /disk is full/],
    ['EDQUOT', /quota/],
    ['EACCES', /writable by the user/],
    ['EROFS', /read-only/],
    ['ENOTDIR', /not a directory/],
  ];
  for (const [code, hint] of cases) {
    const error = translateStorageError(errno(code), 'write', '/backups/x.archive');

    assert.equal(error.code, 'STORAGE_FAILED', code);
    assert.equal(error.where, '/backups/x.archive');
    assert.match(error.message, /^cannot write \/backups\/x\.archive: /);
    assert.match(error.hint, hint, code);
  }
});

test('a missing object on read is BACKUP_NOT_FOUND; elsewhere it is STORAGE_FAILED', () => {
  assert.equal(translateStorageError(errno('ENOENT'), 'read', '/b/x').code, 'BACKUP_NOT_FOUND');
  assert.equal(translateStorageError(errno('ENOENT'), 'write', '/b/x').code, 'STORAGE_FAILED');
});

test('unknown errors keep the catalogue hint, and NsctlErrors pass through', () => {
  const original = new NsctlError('USAGE', 'bad name');

  assert.equal(translateStorageError(original, 'read', '/b/x'), original);
  assert.match(
    translateStorageError(new Error('odd'), 'list', '/b').hint,
    /free space and permissions/,
  );
});
