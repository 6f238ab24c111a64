/**
 * What a restore reads from, and the check it makes before `--drop`
 * replaces anything: the whole input read to its end, so that a damaged one
 * changes nothing. An nsctl backup is verified against its manifest. A
 * mongodump archive has no manifest, so a full parse is its check: the
 * gzip and age layers, the framing, every namespace's CRC and end, and
 * every document that would be restored checked to be well-formed BSON.
 * Both stream: memory does not grow with the input.
 */

import { describeRawId, unsendableReason } from '../adapters/mongo/raw-insert.js';
import type { BackupTarget } from '../adapters/storage/target.js';
import type { Manifest } from '../core/backup/manifest.js';
import { EXIT, isNsctlError, NsctlError } from '../core/errors.js';
import type { Progress } from '../core/progress.js';
import { type OpenedArchive, openArchiveFile, openBackupArchive } from './backup/archive-source.js';
import type { DecryptionKeys } from './backup/layers.js';
import { verifyBackup } from './backup/verify.js';
import { selectPrelude } from './restore-plan.js';

export type RestoreInput =
  | { kind: 'backup'; target: BackupTarget; manifest: Manifest; keys: DecryptionKeys }
  | { kind: 'archive'; path: string; keys: DecryptionKeys };

export interface InputCheckOptions {
  /** Only these collections' documents are checked (all when absent). */
  collections?: string[];
  /** The destination stores text that is not valid UTF-8 altered (FerretDB): such documents count as damaged. */
  textMustBeUtf8?: boolean;
  progress: Progress;
}

/** How many damaged documents a refusal names; the rest are counted. */
const NAMED_DAMAGED_DOCUMENTS = 5;

export function openRestoreInput(input: RestoreInput): Promise<OpenedArchive> {
  return input.kind === 'backup'
    ? openBackupArchive(input.target, input.manifest, input.keys)
    : openArchiveFile(input.path, input.keys);
}

/**
 * Reads the whole input; throws, saying nothing was changed, when it is
 * damaged. Known shortcoming: the restore then reads the input a second
 * time, so a file replaced or damaged between the two reads still fails
 * after the rollback point (whose command the error then names). Reading
 * once into a scratch copy would close that gap at the cost of its disk space.
 */
export async function checkRestoreInput(
  input: RestoreInput,
  options: InputCheckOptions,
): Promise<void> {
  if (input.kind === 'backup') return checkBackup(input, options.progress);
  try {
    await checkArchive(input, options);
  } catch (error) {
    throw isNsctlError(error) ? nothingChanged(error) : error;
  }
}

async function checkBackup(
  input: Extract<RestoreInput, { kind: 'backup' }>,
  progress: Progress,
): Promise<void> {
  const { manifest } = input;
  const check = await verifyBackup({ ...input, progress });
  if (check.ok) return;
  throw new NsctlError(
    check.failure?.code ?? 'CHECKSUM_MISMATCH',
    `backup ${manifest.id} failed verification, nothing was changed: ${check.problems[0]}`,
    {
      hint: 'Restore another backup (`nsctl backup list`), or fix the key if it is the wrong one.',
    },
  );
}

interface DamagedDocument {
  collection: string;
  id: string;
  problem: string;
}

async function checkArchive(
  input: Extract<RestoreInput, { kind: 'archive' }>,
  options: InputCheckOptions,
): Promise<void> {
  const opened = await openArchiveFile(input.path, input.keys);
  const task = options.progress.task(`check:${input.path}`, { label: 'check', unit: 'docs' });
  const damaged: DamagedDocument[] = [];
  let damagedCount = 0;
  let documents = 0;
  let wanted = new Set<string>();
  for await (const event of opened.events) {
    if (event.kind === 'prelude') {
      wanted = new Set(
        selectPrelude(event.collections, options.collections).map((c) => c.collection),
      );
    } else if (event.kind === 'document' && wanted.has(event.collection)) {
      const problem = findMalformation(event.document, options);
      if (problem !== undefined && damagedCount++ < NAMED_DAMAGED_DOCUMENTS) {
        damaged.push({ collection: event.collection, id: describeRawId(event.document), problem });
      }
      if (++documents % 1000 === 0) task.update(documents);
    }
  }
  task.update(documents);
  task.finish();
  if (damagedCount > 0) throw refuseDamagedDocuments(input.path, damaged, damagedCount);
}

/** Why the server cannot take this document as it is: damaged, too large, or text it would alter. */
function findMalformation(document: Buffer, options: InputCheckOptions): string | undefined {
  return unsendableReason(document, {
    textMustBeUtf8: options.textMustBeUtf8 ?? false,
  })?.replace(/^document (is )?/, '');
}

/**
 * The archive itself is sound (its CRCs match: the damage was there when it
 * was written), so without --drop these documents are reported by _id and
 * the rest restored; replacing live data with it would lose them.
 */
function refuseDamagedDocuments(path: string, named: DamagedDocument[], count: number): NsctlError {
  const list = named.map((d) => `${d.collection} _id ${d.id}: ${d.problem}`).join('; ');
  const more = count > named.length ? `; and ${count - named.length} more` : '';
  const documents = count === 1 ? '1 document' : `${count} documents`;
  return new NsctlError(
    'ARCHIVE_CORRUPT',
    `archive ${path}: ${documents} cannot be restored as stored (${list}${more}); nothing was changed`,
    {
      where: path,
      hint: 'Restore it --into a new database instead (damaged documents are then reported by _id and the rest restored), or fix them at the source and dump again.',
      details: { damagedDocuments: count },
    },
  );
}

/**
 * The same error, saying that nothing was changed: thrown before any drop,
 * insert or rollback point. Only damage gets the archive hint; a usage or
 * connection error keeps its own.
 */
export function nothingChanged(error: NsctlError): NsctlError {
  if (error.message.includes('nothing was changed')) return error;
  const message = `${error.message.replace(/\.$/, '')}; nothing was changed`;
  const damaged = error.exitCode === EXIT.integrity && error.code !== 'DECRYPT_FAILED';
  return new NsctlError(error.code, message, {
    hint: damaged
      ? 'Nothing was restored from this archive. Use an undamaged copy: dump again, or copy the file again if the copy was cut short.'
      : error.hint,
    ...(error.where ? { where: error.where } : {}),
    ...(error.details ? { details: error.details } : {}),
    cause: error,
  });
}
