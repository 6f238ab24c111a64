/**
 * Where rollback points go back to and where migration state files live,
 * for servers the test cannot start: another host, the same database name
 * on two servers.
 */
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { test } from 'node:test';

import type { Manifest } from '../../src/core/backup/manifest.js';
import { rollbackCommand } from '../../src/core/backup/rollback-command.js';
import { validateConfigText } from '../../src/core/config/validate.js';
import { NsctlError } from '../../src/core/errors.js';
import { type Checkpoint, describeOtherMigration } from '../../src/core/migrate/checkpoint.js';
import { defaultStatePath } from '../../src/ops/migrate/index.js';
import { checkRollbackDestination, pointSource } from '../../src/ops/rollback.js';

const point = {
  id: 'nightscout-20261203T101500Z-1a2b',
  source: { uri: 'mongodb://nightscout:***@127.0.0.1:27102/nsa', database: 'nsa' },
} as Manifest;

function refusal(uri: string, database?: string): NsctlError | undefined {
  try {
    checkRollbackDestination(point, { uri, ...(database ? { database } : {}) });
    return undefined;
  } catch (error) {
    assert.ok(error instanceof NsctlError);
    return error;
  }
}

test('rollback to refuses another server or database, and accepts the same one spelled otherwise', () => {
  const other = refusal('mongodb://u:pw@db.example.net:27017/other');
  assert.equal(other?.code, 'USAGE');
  assert.match(
    other?.message ?? '',
    /made from database nsa on 127\.0\.0\.1:27102, not database other on db\.example\.net:27017/,
  );
  assert.match(other?.hint ?? '', /--uri 'mongodb:\/\/nightscout:\*\*\*@127\.0\.0\.1:27102\/nsa'/);
  assert.match(other?.hint ?? '', /--into-other/);

  assert.ok(refusal('mongodb://other-host:27102/nsa'), 'same name, another server');
  assert.ok(refusal('mongodb://127.0.0.1:27102/nsb'), 'same server, another database');
  assert.ok(refusal('mongodb://127.0.0.1:27102/x', 'nsb'), 'the database override counts');
  assert.equal(refusal('mongodb://me:secret@localhost:27102/nsa?authSource=admin'), undefined);
  assert.equal(refusal('mongodb://127.0.0.1:27102/x', 'nsa'), undefined);
  assert.equal(refusal('mongodb://h2:1,127.0.0.1:27102/nsa'), undefined, 'a member of the set');
  assert.doesNotThrow(() =>
    checkRollbackDestination(point, { uri: 'mongodb://elsewhere/other' }, true),
  );
});

test('a point names the database and servers it was made from, never the credentials', () => {
  assert.deepEqual(pointSource(point), { database: 'nsa', server: '127.0.0.1:27102' });
  const odd = { ...point, source: { uri: 'not-a-uri', database: 'ns6' } } as Manifest;
  assert.deepEqual(pointSource(odd), { database: 'ns6', server: 'unknown' });
});

test('the rollback command masks the password and names the database of the point', () => {
  const command = rollbackCommand('p-20261203T101500Z-1a2b', 'mongodb://me:s3cr3t!x@h:1/a', {
    database: 'b',
    dir: '/var/backups/ns',
  });
  assert.match(
    command,
    /^nsctl rollback to p-20261203T101500Z-1a2b --uri 'mongodb:\/\/me:\*\*\*@h:1\/b' --dir \/var\/backups\/ns /,
  );
  assert.doesNotMatch(command, /s3cr3t/);
  assert.match(command, /put the password back/);

  const encoded = rollbackCommand('p-20261203T101500Z-1a2b', 'mongodb://me%3As3cr3t!x@h:1/a');
  assert.match(
    encoded,
    /--uri 'mongodb:\/\/me%3A\*\*\*@h:1\/a' \(put what followed %3A in the user name \(and the password, if any\) back/,
  );
  assert.doesNotMatch(encoded, /s3cr3t/);
});

test('default state files differ by target server and agree on spellings of one', () => {
  const { config } = validateConfigText('');
  assert.ok(config);
  const context = { config, cwd: '/work/x' };
  const path = (to: string) => defaultStatePath(context, to, 'nightscout');
  const here = path('mongodb://127.0.0.1:27017/nightscout');
  assert.match(basename(here), /^migrate-nightscout-[0-9a-f]{8}\.state\.json$/);
  assert.equal(here, '/work/x/backups/'.concat(basename(here)));
  assert.equal(path('mongodb://me:pw@localhost/nightscout?tls=false'), here);
  assert.notEqual(path('mongodb://10.0.0.5:27017/nightscout'), here);
  assert.notEqual(path('mongodb+srv://cluster0.example.net/nightscout'), here);
  assert.equal(
    defaultStatePath(
      { ...context, configDir: '/etc/nsctl' },
      'mongodb://h/nightscout',
      'nightscout',
    ).startsWith('/etc/nsctl/backups/'),
    true,
    'backup.dir from a config file is relative to that file',
  );
});

test('a state file is of another migration when its source or target differs', () => {
  const state = {
    source: { kind: 'mongodb', description: 'mongodb://a:***@atlas.example.net/ns' },
    target: { description: 'mongodb://127.0.0.1:27017/ns', database: 'ns' },
  } as Checkpoint;
  const identity = (source: string, target: string) => ({
    source: { kind: 'mongodb', description: source },
    target: { description: target, database: 'ns' },
    paging: 'natural' as const,
  });
  const atlas = 'mongodb://a:***@atlas.example.net/ns';
  assert.equal(describeOtherMigration(state, identity(atlas, 'mongodb://localhost/ns')), undefined);
  assert.match(
    describeOtherMigration(state, identity(atlas, 'mongodb://10.0.0.5/ns')) ?? '',
    /it is for target mongodb:\/\/127\.0\.0\.1:27017\/ns/,
  );
  assert.match(
    describeOtherMigration(state, identity('backup latest', 'mongodb://localhost/ns')) ?? '',
    /it is for source/,
  );
});
