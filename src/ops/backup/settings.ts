/**
 * From the config (and command-line overrides) to what backup operations
 * need: the storage target, how to encrypt, and the keys to decrypt.
 */
import { resolve } from 'node:path';

import { createLocalDirTarget } from '../../adapters/storage/local-dir-target.js';
import type { BackupTarget } from '../../adapters/storage/target.js';
import type { NsctlConfig } from '../../core/config/schema.js';
import type { DecryptionKeys } from './layers.js';
import type { BackupEncryption } from './naming.js';

export interface BackupSettings {
  target: BackupTarget;
  compression: 'gzip' | 'none';
  encryption: BackupEncryption;
  keys: DecryptionKeys;
  /** Warnings for the user, e.g. unencrypted backups. */
  warnings: string[];
}

export interface SettingsOverrides {
  dir?: string;
  identityFile?: string;
  /** Where flags' relative paths start. */
  cwd: string;
  /** Where the config's relative paths start: the config file's directory. */
  configDir?: string;
}

export async function resolveBackupSettings(
  config: NsctlConfig,
  overrides: SettingsOverrides,
): Promise<BackupSettings> {
  // A path from a flag is relative to where the command runs; one from the
  // config is relative to the config file, so cron and systemd find the same place.
  const configBase = overrides.configDir ?? overrides.cwd;
  const dir = overrides.dir
    ? resolve(overrides.cwd, overrides.dir)
    : resolve(configBase, config.backup.dir);
  const settings = config.backup.encryption;
  const warnings: string[] = [];
  let encryption: BackupEncryption = { type: 'none' };
  if (settings?.recipients && settings.recipients.length > 0) {
    encryption = { type: 'recipients', recipients: settings.recipients };
  } else if (settings?.passphrase) {
    encryption = { type: 'passphrase', passphrase: settings.passphrase };
  } else {
    warnings.push(
      'backups are not encrypted: set backup.encryption.recipients, or NSCTL_BACKUP_PASSPHRASE, to protect them',
    );
  }
  const keys: DecryptionKeys = {};
  if (settings?.passphrase) keys.passphrases = [settings.passphrase];
  const identityFile = overrides.identityFile ?? settings?.identityFile;
  if (identityFile) {
    const { readIdentityFile } = await import('../../adapters/crypto/age-keys.js');
    const base = overrides.identityFile ? overrides.cwd : configBase;
    keys.identities = await readIdentityFile(resolve(base, identityFile));
  }
  return {
    target: createLocalDirTarget(dir),
    compression: config.backup.compression,
    encryption,
    keys,
    warnings,
  };
}
