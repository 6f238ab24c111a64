/**
 * Runs representative commands with known secrets in every place a user
 * might put them (URI, environment, *_FILE, config file) and in every
 * output mode, and proves none of the secrets appears in stdout or stderr.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { runNsctl } from '../helpers/cli.js';
import { openTestDatabase } from '../helpers/db.js';

const MONGO_PASSWORD = 'Mongo-Pa55word-7f3a';
const API_SECRET = 'api-secret-0123456789abcdef';
const PASSPHRASE = 'correct-horse-battery-staple-91';

const forbidden = [
  MONGO_PASSWORD,
  encodeURIComponent(MONGO_PASSWORD),
  API_SECRET,
  createHash('sha1').update(API_SECRET).digest('hex'),
  PASSPHRASE,
];

function assertNoSecret(label: string, output: string): void {
  for (const secret of forbidden) {
    assert.ok(!output.includes(secret), `${label} leaked a secret:\n${output}`);
  }
}

const dir = await mkdtemp(join(tmpdir(), 'nsctl-leak-'));
const passFile = join(dir, 'passphrase');
await writeFile(passFile, `${PASSPHRASE}\n`);
const inlineConfig = join(dir, 'inline.yaml');
await writeFile(
  inlineConfig,
  [
    'mongodb:',
    `  uri: mongodb://nightscout:${MONGO_PASSWORD}@127.0.0.1:9/ns`,
    'nightscout:',
    `  apiSecret: ${API_SECRET}`,
    'backup:',
    '  encryption:',
    `    passphrase: ${PASSPHRASE}`,
    '  retention:',
    '    keepDaily: lots',
  ].join('\n'),
);

const unreachable = `mongodb://nightscout:${MONGO_PASSWORD}@127.0.0.1:9/ns`;
const env = {
  NSCTL_API_SECRET: API_SECRET,
  NSCTL_BACKUP_PASSPHRASE_FILE: passFile,
};

const scenarios: Array<{ label: string; args: string[]; env?: NodeJS.ProcessEnv }> = [
  { label: 'doctor with a password in --uri', args: ['doctor', '--uri', unreachable], env },
  {
    label: 'doctor --json --verbose',
    args: ['doctor', '--json', '--verbose', '--uri', unreachable],
    env,
  },
  {
    label: 'doctor with the URI from the environment',
    args: ['doctor', '--verbose'],
    env: { ...env, NSCTL_MONGODB_URI: unreachable },
  },
  {
    label: 'config validate of a file holding secrets',
    args: ['config', 'validate', '-c', inlineConfig],
  },
  { label: 'config validate --json', args: ['config', 'validate', '--json', '-c', inlineConfig] },
  {
    label: 'doctor with secrets in the config file',
    args: ['doctor', '--verbose', '-c', inlineConfig],
  },
  {
    label: 'an unparsable URI holding a password',
    args: ['doctor', '--verbose', '--uri', `mongodb://u:${MONGO_PASSWORD}@bad host:99999/ns`],
  },
  {
    label: 'a password behind a percent-encoded ":" in the user name',
    args: ['doctor', '--verbose', '--uri', unreachable.replace('nightscout:', 'nightscout%3A')],
  },
  {
    label: 'dev seed against an unreachable server',
    args: ['dev', 'seed', '--verbose', '--days', '1', '--uri', unreachable],
    env,
  },
  {
    label: 'a URI where an option value belongs (commander reports the value)',
    args: ['migrate', '--from', 'mongodb://127.0.0.1:9/ns', '--parallel', unreachable],
  },
  { label: 'a URI given as the command name', args: [unreachable] },
  {
    label: 'a URI as an option value, --json',
    args: ['--json', 'migrate', '--batch-size', unreachable],
  },
];

for (const scenario of scenarios) {
  test(`no secret in any output: ${scenario.label}`, async () => {
    const run = await runNsctl(scenario.args, { cwd: dir, env: scenario.env ?? {} });
    assert.notEqual(run.stdout + run.stderr, '', 'the command printed nothing');
    assertNoSecret(scenario.label, run.stdout + run.stderr);
  });
}

// The same with a real server: backups encrypted with the passphrase, a
// passphrase that is wrong, restores, and a login the server refuses.
const t = await openTestDatabase(import.meta.url);
await t.db
  .collection('entries')
  .insertMany(Array.from({ length: 50 }, (_, i) => ({ sgv: 100 + i })));
const backupDir = join(dir, 'backups');
const withLogin = t.dbUri.replace('mongodb://', `mongodb://nightscout:${MONGO_PASSWORD}@`);
const serverEnv = { ...env, NSCTL_MONGODB_URI: t.dbUri };
const serverScenarios: Array<{ label: string; args: string[]; env?: NodeJS.ProcessEnv }> = [
  {
    label: 'backup run with a passphrase',
    args: ['backup', 'run', '--verbose', '--dir', backupDir],
  },
  { label: 'backup run --json', args: ['backup', 'run', '--json', '--dir', backupDir] },
  {
    label: 'backup list and show',
    args: ['backup', 'show', 'latest', '--verbose', '--dir', backupDir],
  },
  { label: 'backup verify', args: ['backup', 'verify', 'latest', '--verbose', '--dir', backupDir] },
  {
    label: 'backup verify with a wrong passphrase',
    args: ['backup', 'verify', 'latest', '--verbose', '--json', '--dir', backupDir],
    env: {
      ...serverEnv,
      NSCTL_BACKUP_PASSPHRASE_FILE: undefined,
      NSCTL_BACKUP_PASSPHRASE: `${PASSPHRASE}-wrong`,
    },
  },
  {
    label: 'restore --dry-run',
    args: ['restore', 'latest', '--dry-run', '--verbose', '--dir', backupDir],
  },
  {
    label: 'a login the server refuses',
    args: ['backup', 'run', '--verbose', '--uri', withLogin, '--dir', backupDir],
  },
  {
    label: 'a login with the ":" percent-encoded, which the server refuses',
    args: [
      'backup',
      'run',
      '--verbose',
      '--uri',
      withLogin.replace('nightscout:', 'nightscout%3A'),
      '--dir',
      backupDir,
    ],
  },
];

for (const scenario of serverScenarios) {
  test(`no secret in any output (real server): ${scenario.label}`, async () => {
    const run = await runNsctl(scenario.args, { cwd: dir, env: scenario.env ?? serverEnv });
    assert.notEqual(run.stdout + run.stderr, '', 'the command printed nothing');
    assertNoSecret(scenario.label, run.stdout + run.stderr);
  });
}
