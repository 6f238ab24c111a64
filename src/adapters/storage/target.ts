/**
 * Where backups live. Backup code talks only to {@link BackupTarget}, so a
 * new kind of storage (S3-compatible, SFTP) is one new file that passes the
 * contract suite in test/contract/storage-target-contract.ts.
 *
 * Objects sit in one flat namespace of simple names (`<id>.manifest.json`,
 * `<id>.archive.gz.age`): an object store key and a file name alike.
 */
import type { Readable, Writable } from 'node:stream';

import { NsctlError } from '../../core/errors.js';

/** One published object. */
export interface StoredObjectInfo {
  name: string;
  bytes: number;
  modifiedAt: Date;
}

/**
 * An object being written. Nothing under its final name exists until
 * {@link WriteHandle.commit} resolves; after {@link WriteHandle.abort}, or if
 * the process dies first, nothing under the final name appears at all.
 */
export interface WriteHandle {
  /** Write the bytes here; errors surface as NsctlError('STORAGE_FAILED'). */
  readonly stream: Writable;
  /**
   * Ends the stream if the caller has not, makes the bytes durable and
   * publishes them under the final name, replacing any object of that name
   * in one step (readers see the old bytes or the new ones, never a mix).
   */
  commit(): Promise<StoredObjectInfo>;
  /** Discards what was written. Safe to call more than once, or after a failure. */
  abort(): Promise<void>;
}

export interface CleanupPartialsOptions {
  /**
   * Only leftovers untouched for this long are removed, so that a backup
   * still being written by another run survives. Default 15 minutes.
   */
  olderThanMs?: number;
}

export interface BackupTarget {
  /** Where the target points, safe to print (credentials redacted). */
  describe(): string;
  /** Published objects whose names start with `prefix`, sorted by name. */
  list(prefix?: string): Promise<StoredObjectInfo[]>;
  /** Information about one published object, or undefined if it does not exist. */
  stat(name: string): Promise<StoredObjectInfo | undefined>;
  openWrite(name: string): Promise<WriteHandle>;
  /** A stream of the object's bytes; BACKUP_NOT_FOUND if it does not exist. */
  openRead(name: string): Promise<Readable>;
  /** A whole small object (a manifest); refuses objects over `maxBytes` (default 16 MiB). */
  readSmall(name: string, maxBytes?: number): Promise<Buffer>;
  /** Writes a small object with the same all-or-nothing publication as openWrite. */
  writeSmall(name: string, data: Uint8Array | string): Promise<StoredObjectInfo>;
  /** Removes an object; resolves false if there was none (as object stores do). */
  remove(name: string): Promise<boolean>;
  /** Removes leftovers of writes that were never committed (killed runs); returns their names. */
  cleanupPartials(options?: CleanupPartialsOptions): Promise<string[]>;
}

const OBJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** True for names a target can hold: no paths, no hidden files, at most 200 characters. */
export function isValidObjectName(name: string): boolean {
  return OBJECT_NAME.test(name);
}

/**
 * Names can come from users (`nsctl restore <id>`), so a bad one is a usage
 * error rather than a bug; it also keeps `../` out of every target.
 */
export function assertValidObjectName(name: string): void {
  if (isValidObjectName(name)) return;
  throw new NsctlError('USAGE', `"${name}" is not a valid backup object name`, {
    hint: 'Backup names use letters, digits, ".", "_" and "-" only; run `nsctl backup list`.',
  });
}
