/**
 * The `--report` file, written as the comparison runs so that millions of
 * differing `_id`s never sit in memory: `{"format":…,"differences":[…],
 * "result":{…}}`, the differences streamed one per line first and the
 * summary (the command's result) last. The file appears under its name only
 * once complete.
 */
import { once } from 'node:events';
import { basename, dirname, resolve } from 'node:path';

import { openAtomicFileWrite } from '../../adapters/storage/atomic-file-write.js';
import type { WriteHandle } from '../../adapters/storage/target.js';
import { NsctlError } from '../../core/errors.js';
import { redact, redactValue } from '../../core/redact.js';

export const REPORT_FORMAT = 'nsctl-verify/1';

export interface ReportDifference {
  collection: string;
  kind: 'missing' | 'extra' | 'different';
  /** Canonical Extended JSON of the `_id`. */
  id: unknown;
}

export interface ReportWriter {
  readonly path: string;
  add(difference: ReportDifference): void;
  /** Resolves once buffered lines are accepted by the file. */
  drain(): Promise<void>;
  /** Writes the summary and publishes the file. */
  finish(result: unknown): Promise<void>;
  abort(): Promise<void>;
}

function createUnwritableError(path: string, error: unknown): NsctlError {
  const reason = error instanceof Error ? error.message : String(error);
  return new NsctlError('FILE_UNWRITABLE', `cannot write the report ${path}: ${reason}`, {
    where: path,
    cause: error,
  });
}

export async function openReportWriter(file: string): Promise<ReportWriter> {
  const path = resolve(file);
  let handle: WriteHandle;
  try {
    handle = await openAtomicFileWrite(dirname(path), basename(path));
  } catch (error) {
    throw createUnwritableError(path, error);
  }
  const { stream } = handle;
  let first = true;
  stream.write(`{"format":${JSON.stringify(REPORT_FORMAT)},"differences":[`);
  return {
    path,
    add(difference) {
      stream.write(`${first ? '\n' : ',\n'}${redact(JSON.stringify(difference))}`);
      first = false;
    },
    async drain() {
      if (!stream.writableNeedDrain) return;
      await once(stream, 'drain');
    },
    async finish(result) {
      stream.write(`\n],"result":${JSON.stringify(redactValue(result))}}\n`);
      try {
        await handle.commit();
      } catch (error) {
        throw createUnwritableError(path, error);
      }
    },
    abort: () => handle.abort(),
  };
}
