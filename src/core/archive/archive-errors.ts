/**
 * The two ways reading an archive fails for a user: damage (bytes that do not
 * follow the format or do not match their checksum) and truncation (the bytes
 * stop early). Both name the archive and the byte offset where it happened.
 */
import { NsctlError } from '../errors.js';

/** Where an archive error happened: the archive's label and a byte offset. */
export interface ArchivePosition {
  /** A file name or other label for messages; "archive" when unknown. */
  label: string;
  offset: number;
}

export function createCorruptError(
  position: ArchivePosition,
  problem: string,
  cause?: unknown,
): NsctlError {
  return createError('ARCHIVE_CORRUPT', 'is damaged', position, problem, cause);
}

export function createTruncatedError(position: ArchivePosition, problem: string): NsctlError {
  return createError('ARCHIVE_TRUNCATED', 'is cut short', position, problem);
}

function createError(
  code: 'ARCHIVE_CORRUPT' | 'ARCHIVE_TRUNCATED',
  verb: string,
  { label, offset }: ArchivePosition,
  problem: string,
  cause?: unknown,
): NsctlError {
  return new NsctlError(code, `The ${label} ${verb} at byte ${offset}: ${problem}.`, {
    where: `${label}, byte ${offset}`,
    details: { offset },
    ...(cause === undefined ? {} : { cause }),
  });
}
