/**
 * `nsctl doctor`: the checks a careful operator runs before trusting a setup.
 * Each check returns data; the command renders it.
 */
import { constants } from 'node:fs';
import { access, statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

import type { LoadedConfig } from '../core/config/load.js';
import { isNsctlError } from '../core/errors.js';
import { redact } from '../core/redact.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

export interface DoctorOptions {
  loaded: LoadedConfig;
  /** Overrides mongodb.uri from the config. */
  uri?: string;
  nodeVersion?: string;
  cwd: string;
}

const MIN_NODE = [20, 19, 0] as const;
const LOW_DISK_BYTES = 1024 ** 3;

export function checkNodeVersion(version: string): DoctorCheck {
  const parts = version.replace(/^v/, '').split('.').map(Number);
  const [major = 0, minor = 0] = parts;
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  return ok
    ? { name: 'node', status: 'ok', detail: `Node.js ${version}` }
    : {
        name: 'node',
        status: 'fail',
        detail: `Node.js ${version} is older than ${MIN_NODE.join('.')}`,
        fix: 'install Node.js 20.19 or newer (24 LTS recommended)',
      };
}

/** `file:line` and key of the config's first error: "nsctl.yaml:5, backup.retention.keepDaily". */
function firstErrorPlace(loaded: LoadedConfig): string {
  const first = loaded.errors[0];
  const where = `${loaded.file ?? 'the environment'}${first?.line ? `:${first.line}` : ''}`;
  return first?.path ? `${where}, ${first.path}` : where;
}

export function checkConfig(loaded: LoadedConfig): DoctorCheck {
  const where = loaded.file ?? 'no config file (defaults and environment)';
  const first = loaded.errors[0];
  if (first) {
    const more = loaded.errors.length - 1;
    const all = 'run `nsctl config validate` to see every problem';
    return {
      name: 'config',
      status: 'fail',
      detail:
        `${where}${first.line ? `:${first.line}` : ''}: ${first.path ? `${first.path}: ` : ''}${first.message}` +
        (more > 0 ? ` (and ${more} more)` : ''),
      fix: first.hint ? `${first.hint}${more > 0 ? `; ${all}` : ''}` : all,
    };
  }
  const warning = loaded.warnings[0];
  if (warning) {
    return {
      name: 'config',
      status: 'warn',
      detail: `${where}: ${warning.path}: ${warning.message}`,
      ...(warning.hint ? { fix: warning.hint } : {}),
    };
  }
  return { name: 'config', status: 'ok', detail: `${where} is valid` };
}

/** A check that cannot run because the config did not validate; it must not guess why. */
function notCheckedForConfig(name: string, loaded: LoadedConfig, instead: string): DoctorCheck {
  return {
    name,
    status: 'skip',
    detail: `not checked: the config is invalid (${firstErrorPlace(loaded)})`,
    fix: `correct the config first (see the config check above)${instead}`,
  };
}

async function checkMongo(
  uri: string | undefined,
  database: string | undefined,
): Promise<DoctorCheck> {
  if (!uri) {
    return {
      name: 'mongodb',
      status: 'skip',
      detail: 'no MongoDB configured',
      fix: 'set mongodb.uri in nsctl.yaml or NSCTL_MONGODB_URI, or pass --uri',
    };
  }
  const { connectMongo, readServerInfo } = await import('../adapters/mongo/connect.js');
  try {
    const connection = await connectMongo(
      { uri, ...(database ? { database } : {}) },
      { serverSelectionTimeoutMS: 5000 },
    );
    try {
      const info = await readServerInfo(connection);
      const kind = info.isFerretDB
        ? `FerretDB ${info.ferretdbVersion} (MongoDB ${info.version} compatible)`
        : `MongoDB ${info.version}`;
      const topology = info.replicaSet
        ? `replica set ${info.replicaSet}`
        : 'standalone (no change streams)';
      const collections = await connection.db.listCollections({}, { nameOnly: true }).toArray();
      return {
        name: 'mongodb',
        status: 'ok',
        detail: `${connection.safeUri}: ${kind}, ${topology}, database ${connection.db.databaseName} with ${collections.length} collections`,
      };
    } finally {
      await connection.close();
    }
  } catch (error) {
    if (!isNsctlError(error)) throw error;
    return { name: 'mongodb', status: 'fail', detail: redact(error.message), fix: error.hint };
  }
}

async function nearestExisting(path: string): Promise<string> {
  let current = path;
  for (;;) {
    try {
      await access(current);
      return current;
    } catch {
      const parent = dirname(current);
      if (parent === current) return current;
      current = parent;
    }
  }
}

/** Checks the backup directory without creating it: doctor changes nothing. */
export async function checkBackupDir(dir: string): Promise<DoctorCheck> {
  try {
    const existing = await nearestExisting(dir);
    const pending = existing === dir ? '' : ` (does not exist yet; will be created in ${existing})`;
    await access(existing, constants.W_OK);
    const fs = await statfs(existing);
    const free = fs.bavail * fs.bsize;
    const gib = (free / 1024 ** 3).toFixed(1);
    if (free < LOW_DISK_BYTES) {
      return {
        name: 'backup-dir',
        status: 'warn',
        detail: `${dir}${pending}: only ${gib} GiB free`,
        fix: 'free space or point backup.dir at a larger disk',
      };
    }
    return {
      name: 'backup-dir',
      status: 'ok',
      detail: `${dir}${pending}: writable, ${gib} GiB free`,
    };
  } catch (error) {
    return {
      name: 'backup-dir',
      status: 'fail',
      detail: `${dir}: ${(error as Error).message}`,
      fix: 'fix the permissions of the directory, or change backup.dir',
    };
  }
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorCheck[]> {
  const checks = [
    checkNodeVersion(options.nodeVersion ?? process.version),
    checkConfig(options.loaded),
  ];
  const config = options.loaded.config;
  // An invalid config has no mongodb.uri to read, set or not: say so rather than "unset".
  if (!config && !options.uri)
    checks.push(
      notCheckedForConfig('mongodb', options.loaded, ', or pass --uri to check a server'),
    );
  else checks.push(await checkMongo(options.uri ?? config?.mongodb.uri, config?.mongodb.database));
  if (config) checks.push(await checkBackupDir(resolve(options.cwd, config.backup.dir)));
  else checks.push(notCheckedForConfig('backup-dir', options.loaded, ''));
  return checks;
}
