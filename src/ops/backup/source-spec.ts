/**
 * What `--source`/`--from` may name besides a MongoDB URI: `backup:<id>` (an
 * nsctl backup; `latest` and id prefixes work) or an archive path. Shared by
 * verify and migrate.
 */

import type { Manifest } from '../../core/backup/manifest.js';
import type { NsctlConfig } from '../../core/config/schema.js';
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
