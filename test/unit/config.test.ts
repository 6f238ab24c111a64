import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { loadConfig, requireValidConfig } from '../../src/core/config/load.js';
import { validateConfigText } from '../../src/core/config/validate.js';
import { NsctlError } from '../../src/core/errors.js';

test('an empty file yields the documented defaults', () => {
  const result = validateConfigText('');
  assert.deepEqual(result.errors, []);
  assert.equal(result.config?.instance, 'nightscout');
  assert.equal(result.config?.nightscout.collections.authSubjects, 'auth_subjects');
  assert.equal(result.config?.backup.compression, 'gzip');
});

test('an unknown key is reported with its path and line', () => {
  const text = 'instance: home\nbackup:\n  dir: /b\n  retention:\n    keepDayly: 7\n';
  const result = validateConfigText(text);
  assert.equal(result.config, undefined);
  assert.equal(result.errors.length, 1);
  assert.equal(result.errors[0]?.path, 'backup.retention.keepDayly');
  assert.equal(result.errors[0]?.line, 5);
  assert.match(result.errors[0]?.message ?? '', /unknown key "keepDayly"/);
});

test('a wrong type names the key and its line', () => {
  const result = validateConfigText('backup:\n  retention:\n    keepLast: many\n');
  assert.equal(result.errors[0]?.path, 'backup.retention.keepLast');
  assert.equal(result.errors[0]?.line, 3);
});

test('several errors are listed in the order of their lines', () => {
  const text = [
    'instance: home',
    'backup:',
    '  compression: zip',
    '  retention:',
    '    keepDaily: -3',
    '    keepLast: many',
    'timezone: Mars/Olympus',
    '',
  ].join('\n');
  const lines = validateConfigText(text).errors.map((e) => e.line);
  assert.ok(lines.length >= 3, JSON.stringify(lines));
  assert.deepEqual(
    lines,
    [...lines].sort((a, b) => (a ?? 0) - (b ?? 0)),
  );
});

test('YAML syntax errors carry the line', () => {
  const result = validateConfigText('instance: a\nbackup:\n\tdir: x\n');
  assert.ok(result.errors.length > 0);
  assert.equal(result.errors[0]?.path, '');
  assert.equal(result.errors[0]?.line, 3);
});

test('an unknown time zone and a bad cron expression are rejected', () => {
  const result = validateConfigText(
    'timezone: Mars/Olympus\nbackup:\n  schedule:\n    cron: "every day"\n',
  );
  const paths = result.errors.map((e) => e.path).sort();
  assert.deepEqual(paths, ['backup.schedule.cron', 'timezone']);
});

test('an API secret shorter than Nightscout accepts is an error', () => {
  const result = validateConfigText('nightscout:\n  apiSecret: short\n');
  assert.equal(result.errors[0]?.path, 'nightscout.apiSecret');
});

test('secrets come from the environment and from *_FILE files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nsctl-config-'));
  await writeFile(join(dir, 'pass'), 'from-a-file-passphrase\n');
  await writeFile(join(dir, 'nsctl.yaml'), 'instance: home\n');
  const loaded = await loadConfig({
    cwd: dir,
    env: {
      NSCTL_MONGODB_URI: 'mongodb://u:p@h/ns',
      NSCTL_BACKUP_PASSPHRASE_FILE: join(dir, 'pass'),
    },
  });
  const config = requireValidConfig(loaded);
  assert.equal(config.mongodb.uri, 'mongodb://u:p@h/ns');
  assert.equal(config.backup.encryption?.passphrase, 'from-a-file-passphrase');
  assert.equal(loaded.warnings.length, 0);
});

test('a secret written into the file is a warning that names the variable to use', () => {
  const result = validateConfigText('mongodb:\n  uri: mongodb://user:hunter2hunter2@db/ns\n');
  assert.equal(result.warnings[0]?.path, 'mongodb.uri');
  assert.equal(result.warnings[0]?.line, 2);
  assert.match(result.warnings[0]?.hint ?? '', /NSCTL_MONGODB_URI/);
  const encoded = validateConfigText('mongodb:\n  uri: mongodb://user%3Ahunter2hunter2@db/ns\n');
  assert.equal(
    encoded.warnings[0]?.path,
    'mongodb.uri',
    'a ":" written as %3A still hides a password',
  );
  assert.deepEqual(validateConfigText('mongodb:\n  uri: mongodb://user@db/ns\n').warnings, []);
});

test('a missing explicit config file is CONFIG_NOT_FOUND; a missing default is fine', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nsctl-config-'));
  await assert.rejects(
    loadConfig({ cwd: dir, path: 'nope.yaml', env: {} }),
    (error: unknown) => error instanceof NsctlError && error.code === 'CONFIG_NOT_FOUND',
  );
  const loaded = await loadConfig({ cwd: dir, env: {} });
  assert.equal(loaded.file, undefined);
  assert.ok(loaded.config);
});

test('an unreadable *_FILE secret is SECRET_FILE_UNREADABLE', async () => {
  await assert.rejects(
    loadConfig({ cwd: tmpdir(), env: { NSCTL_API_SECRET_FILE: '/nonexistent/secret' } }),
    (error: unknown) => error instanceof NsctlError && error.code === 'SECRET_FILE_UNREADABLE',
  );
});

test('requireValidConfig names file, line and key', () => {
  const loaded = { ...validateConfigText('log:\n  level: loud\n'), file: '/etc/nsctl.yaml' };
  assert.throws(
    () => requireValidConfig(loaded),
    (error: unknown) =>
      error instanceof NsctlError &&
      error.code === 'CONFIG_INVALID' &&
      error.message.startsWith('/etc/nsctl.yaml:2: log.level:'),
  );
});

test('a bad value from the environment is blamed on the variable, not on a config file that does not exist', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nsctl-config-'));
  const loaded = await loadConfig({ cwd: dir, env: { NSCTL_API_SECRET: 'short' } });
  assert.throws(
    () => requireValidConfig(loaded),
    (error: unknown) => {
      assert.ok(error instanceof NsctlError);
      assert.equal(error.code, 'CONFIG_INVALID');
      assert.match(error.message, /^settings \(no nsctl\.yaml was found\): nightscout\.apiSecret:/);
      assert.match(error.message, /comes from the environment: NSCTL_API_SECRET/);
      assert.doesNotMatch(error.message, /short/);
      return true;
    },
  );
});

test('every schema error carries a fix derived from what the key accepts', () => {
  const fixes = (text: string) =>
    Object.fromEntries(validateConfigText(text).errors.map((e) => [e.path, e.hint]));
  assert.deepEqual(fixes('backup:\n  retention:\n    keepDaily: -3\n    keepLast: many\n'), {
    'backup.retention.keepDaily': 'set it to a number ≥ 0',
    'backup.retention.keepLast': 'set it to a number (no quotes)',
  });
  assert.deepEqual(fixes('backup:\n  retention: 7\n'), {
    'backup.retention': 'write its keys on the lines below it, indented',
  });
  assert.deepEqual(fixes('backup:\n  retention:\n    keepWeekly: 1.5\n'), {
    'backup.retention.keepWeekly': 'set it to a whole number (no quotes)',
  });
  assert.deepEqual(fixes('backup:\n  compression: zip\n  schedule: {}\nlog:\n  level: loud\n'), {
    'backup.compression': 'use one of: gzip, none',
    'backup.schedule.cron': 'add cron under backup.schedule: it is required there',
    'log.level': 'use one of: debug, info, warn, error',
  });
  const patterned = fixes(
    'instance: "my site"\ntimezone: Mars/Olympus\nnightscout:\n  url: nope\n  apiSecret: short\n  collections:\n    entries: "a$b"\nbackup:\n  encryption:\n    recipients: [AGE-SECRET-KEY-1X]\n  schedule:\n    cron: daily\n',
  );
  assert.deepEqual(Object.keys(patterned).sort(), [
    'backup.encryption.recipients.0',
    'backup.schedule.cron',
    'instance',
    'nightscout.apiSecret',
    'nightscout.collections.entries',
    'nightscout.url',
    'timezone',
  ]);
  assert.match(patterned.instance ?? '', /letters, digits/);
  assert.match(patterned.timezone ?? '', /Europe\/London/);
  assert.match(patterned['nightscout.url'] ?? '', /https:\/\//);
  assert.match(patterned['nightscout.apiSecret'] ?? '', /12 characters or more/);
  assert.match(patterned['nightscout.collections.entries'] ?? '', /without "\$"/);
  assert.match(patterned['backup.encryption.recipients.0'] ?? '', /age1/);
  assert.match(patterned['backup.schedule.cron'] ?? '', /"15 3 \* \* \*"/);
});
