/**
 * `nsctl verify` from what the user typed: opens the source (URI, backup or
 * archive file) and the target (a URI), compares them, and closes both
 * whatever happens.
 */
import { NsctlError } from '../../core/errors.js';
import { isMongoUri, openDocumentSource, type SourceContext } from './open-source.js';
import { type VerifyOptions, type VerifyResult, verifyDatabases } from './verify-databases.js';

export interface RunVerifyOptions extends Omit<VerifyOptions, 'source' | 'target'> {
  /** A MongoDB URI, `backup:<id>` or the path of a mongodump archive file. */
  source: string;
  /** A MongoDB URI. */
  target: string;
  /** Config and directories for backup and archive sources. */
  sourceContext: SourceContext;
}

export async function runVerify(options: RunVerifyOptions): Promise<VerifyResult> {
  const { source: sourceSpec, target: targetSpec, sourceContext, ...rest } = options;
  if (!isMongoUri(targetSpec)) {
    throw new NsctlError('USAGE', `the target must be a MongoDB URI, not ${targetSpec}`, {
      hint: 'Pass --target mongodb://host:27017/nightscout; a backup can only be a source.',
    });
  }
  const source = await openDocumentSource(sourceSpec, sourceContext);
  try {
    const target = await openDocumentSource(targetSpec, sourceContext);
    try {
      return await verifyDatabases({ ...rest, source, target });
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}
