/**
 * Turns file-system errors into NsctlErrors that say which path failed and
 * what the user can do about it.
 */
import { NsctlError } from '../../core/errors.js';

/** What was being done when the error happened, for the message. */
export type StorageAction = 'write' | 'read' | 'list' | 'remove' | 'create directory';

const HINTS: Record<string, string> = {
  ENOSPC: 'The disk is full: free space there or point backup.dir at a larger disk.',
  EDQUOT: 'The disk quota is exhausted: free space or raise the quota.',
  EACCES: 'Permission denied: make the directory writable by the user running nsctl.',
  EPERM: 'Operation not permitted: check ownership, permissions and immutable flags.',
  EROFS: 'The file system is mounted read-only: remount it read-write or choose another place.',
  ENOTDIR: 'Part of the path is a file, not a directory: fix backup.dir.',
  EISDIR: 'A directory stands where a backup file belongs: move it away.',
  EIO: 'The disk reported an I/O error: check the device (dmesg, SMART).',
};

function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isMissingError(error: unknown): boolean {
  return errnoCode(error) === 'ENOENT';
}

/** Maps an error to STORAGE_FAILED (or BACKUP_NOT_FOUND for a missing object on read). */
export function translateStorageError(
  error: unknown,
  action: StorageAction,
  path: string,
): NsctlError {
  if (error instanceof NsctlError) return error;
  const code = errnoCode(error);
  if (code === 'ENOENT' && action === 'read') {
    return new NsctlError('BACKUP_NOT_FOUND', `no backup object at ${path}`, {
      where: path,
      cause: error,
    });
  }
  const reason = error instanceof Error ? error.message : String(error);
  const hint = code === undefined ? undefined : HINTS[code];
  return new NsctlError('STORAGE_FAILED', `cannot ${action} ${path}: ${reason}`, {
    where: path,
    cause: error,
    ...(hint === undefined ? {} : { hint }),
    details: { errno: code ?? null, action },
  });
}
