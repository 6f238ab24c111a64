/**
 * What `--source`/`--from` may name besides a MongoDB URI: `backup:<id>` (an
 * nsctl backup; `latest` and id prefixes work) or an archive path. Shared by
 * verify and migrate.
 */

import type { Manifest } from '../../core/backup/manifest.js';
import type { NsctlConfig } from '../../core/config/schema.js';
import { NsctlError } from '../../core/errors.js';
import { redact } from '../../core/redact.js';
import { type BackupSettings, resolveBackupSettings } from './settings.js';

export interface SourceContext {
  config: NsctlConfig;
  /** Where relative paths given as flags start. */
  cwd: string;
  /** Where the config's relative paths start: the config file's directory. */
  configDir?: string;
  /** Backup directory instead of the config's `backup.dir`. */
  backupDir?: string;
  /** age identity file for archives and backups encrypted to recipients. */
  identityFile?: string;
}

export const BACKUP_PREFIX = 'backup:';

export function isMongoUri(spec: string): boolean {
  return /^mongodb(\+srv)?:\/\//.test(spec);
}

/**
 * The URI a spec that is no MongoDB URI was probably meant to be: a
 * mistyped scheme (`mongdb://`, `mongodb:/`) or none (`host:27017/db`);
 * undefined when it looks like a file name.
 */
export function guessMongoUri(spec: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/*(.*)$/i.exec(spec);
  if (scheme && (spec.includes('://') || /^mongo/i.test(spec))) {
    const srv = /srv/i.test(scheme[1] ?? '') ? '+srv' : '';
    return `mongodb${srv}://${scheme[2] ?? ''}`;
  }
  if (/^[\w.-]+(,[\w.-]+(:\d+)?)*:\d+(\/|$)/.test(spec) || /^\[[^\]]+\]:\d+(\/|$)/.test(spec))
    return `mongodb://${spec}`;
  return undefined;
}

/** For a spec that is neither an existing path nor a URI: says so when it looks like a URI attempt. */
export function refuseMistypedUri(spec: string, side: 'source' | 'target'): void {
  const guess = guessMongoUri(spec);
  if (guess === undefined) return;
  throw new NsctlError(
    'MONGO_URI_INVALID',
    `${side}: not a MongoDB URI (did you mean ${redact(guess)}?) nor an existing file`,
    {
      hint: 'A MongoDB URI starts with mongodb:// or mongodb+srv:// and names its database: mongodb://host:27017/nightscout.',
    },
  );
}

/**
 * Names the side a failure to open belongs to ("source: cannot reach …"),
 * as a migration or comparison talks to two servers that may look alike.
 */
export function nameSide(error: unknown, side: 'source' | 'target'): unknown {
  if (!(error instanceof NsctlError) || error.message.startsWith(`${side}: `)) return error;
  return new NsctlError(error.code, `${side}: ${error.message}`, {
    hint: error.hint,
    ...(error.where ? { where: error.where } : {}),
    ...(error.details ? { details: error.details } : {}),
    cause: error.cause ?? error,
  });
}

export function resolveSourceSettings(context: SourceContext): Promise<BackupSettings> {
  return resolveBackupSettings(context.config, {
    cwd: context.cwd,
    ...(context.configDir ? { configDir: context.configDir } : {}),
    ...(context.backupDir ? { dir: context.backupDir } : {}),
    ...(context.identityFile ? { identityFile: context.identityFile } : {}),
  });
}

/** The manifest of the backup an id, prefix or `latest` names, with the settings to open it. */
export async function findSourceBackup(
  idOrPrefix: string,
  context: SourceContext,
): Promise<{ manifest: Manifest; settings: BackupSettings }> {
  const { readManifest, resolveBackupId } = await import('./catalogue.js');
  const settings = await resolveSourceSettings(context);
  const manifest = await readManifest(
    settings.target,
    await resolveBackupId(settings.target, idOrPrefix),
  );
  return { manifest, settings };
}
