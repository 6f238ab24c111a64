/**
 * What doctor says when nsctl.yaml does not validate: the config check names
 * the file, line, key, reason and fix, and the checks that need the config
 * say they were not run because of it, never that mongodb.uri is unset.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { LoadedConfig } from '../../src/core/config/load.js';
import { validateConfigText } from '../../src/core/config/validate.js';
import { runDoctor } from '../../src/ops/doctor.js';

function loaded(text: string): LoadedConfig {
  return { ...validateConfigText(text), file: '/etc/nsctl/nsctl.yaml' };
}

const invalid = loaded(
  'mongodb:\n  uri: mongodb://127.0.0.1:9/ns\nbackup:\n  retention:\n    keepDaily: -3\n',
);

test('an invalid config is reported with file, line, key, reason and fix, and mongodb.uri is not called unset', async () => {
  const checks = await runDoctor({ loaded: invalid, cwd: '/tmp', nodeVersion: 'v24.0.0' });
  const byName = new Map(checks.map((c) => [c.name, c]));

  const config = byName.get('config');
  assert.equal(config?.status, 'fail');
  assert.equal(
    config?.detail,
    '/etc/nsctl/nsctl.yaml:5: backup.retention.keepDaily: Too small: expected number to be >=0',
  );
  assert.equal(config?.fix, 'set it to a number ≥ 0');

  const mongo = byName.get('mongodb');
  assert.equal(mongo?.status, 'skip');
  assert.match(
    mongo?.detail ?? '',
    /^not checked: the config is invalid \(\/etc\/nsctl\/nsctl\.yaml:5, backup\.retention\.keepDaily\)$/,
  );
  assert.doesNotMatch(`${mongo?.detail} ${mongo?.fix}`, /no MongoDB configured|set mongodb\.uri/);
  assert.match(mongo?.fix ?? '', /correct the config first.*or pass --uri/);

  assert.equal(byName.get('backup-dir')?.status, 'skip');
});

test('with several config errors the fix is the first one and points at config validate', async () => {
  const checks = await runDoctor({
    loaded: loaded('backup:\n  compression: zip\n  retention:\n    keepDaily: -3\n'),
    cwd: '/tmp',
  });
  const config = checks.find((c) => c.name === 'config');
  assert.match(config?.detail ?? '', /\(and 1 more\)$/);
  assert.equal(
    config?.fix,
    'use one of: gzip, none; run `nsctl config validate` to see every problem',
  );
});

test('a valid config without a URI still says no MongoDB is configured', async () => {
  const checks = await runDoctor({ loaded: loaded('instance: home\n'), cwd: '/tmp' });
  const mongo = checks.find((c) => c.name === 'mongodb');
  assert.equal(mongo?.status, 'skip');
  assert.equal(mongo?.detail, 'no MongoDB configured');
});
