/** Object names and encryption descriptions shared by backup, verify and restore. */
import type { ManifestEncryption } from '../../core/backup/manifest.js';

export type BackupEncryption =
  | { type: 'none' }
  | { type: 'passphrase'; passphrase: string; scryptWorkFactor?: number }
  | { type: 'recipients'; recipients: string[] };

export const MANIFEST_SUFFIX = '.manifest.json';

export const FAILURE_SUFFIX = '.failed.json';

/** What a failed backup run leaves behind instead of a manifest. */
export interface FailureRecord {
  id: string;
  instance: string;
  kind: 'backup' | 'rollback-point';
  createdAt: string;
  failedAt: string;
  code: string;
  message: string;
}

export function failureNameFor(id: string): string {
  return `${id}${FAILURE_SUFFIX}`;
}

export function manifestNameFor(id: string): string {
  return `${id}${MANIFEST_SUFFIX}`;
}

/** `<id>.archive`, then `.gz` and `.age` as the layers apply: the name says how to open it. */
export function archiveNameFor(
  id: string,
  compression: 'gzip' | 'none',
  encryption: BackupEncryption,
): string {
  return `${id}.archive${compression === 'gzip' ? '.gz' : ''}${encryption.type === 'none' ? '' : '.age'}`;
}

/** Public facts only: a manifest never holds a passphrase or a secret key. */
export function describeEncryption(encryption: BackupEncryption): ManifestEncryption {
  switch (encryption.type) {
    case 'none':
      return { type: 'none', recipients: [] };
    case 'passphrase':
      return { type: 'age-passphrase', recipients: [] };
    case 'recipients':
      return { type: 'age-recipients', recipients: [...encryption.recipients] };
  }
}
