/**
 * `nsctl verify` from what the user typed: opens the source (URI, backup or
 * archive file) and the target (a URI), compares them, and closes both
 * whatever happens.
 */
import { NsctlError } from '../../core/errors.js';
import { isSameDatabaseUri } from '../../core/migrate/same-database.js';
import { redact } from '../../core/redact.js';
import { guessMongoUri, nameSide } from '../backup/source-spec.js';
import { checkReportPath } from '../report-path.js';
import type { DocumentSource } from './document-source.js';
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

/**
 * Two empty sides are equal, but that is almost always two mistyped (or
 * not yet created) database names, not a proof worth printing.
 */
async function refuseBothEmpty(source: DocumentSource, target: DocumentSource): Promise<void> {
  const [a, b] = await Promise.all([source.listCollections(), target.listCollections()]);
  if (a.length > 0 || b.length > 0) return;
  throw new NsctlError(
    'USAGE',
    `neither ${source.description} nor ${target.description} holds any collection: there is nothing to compare`,
    {
      hint: 'Check the database name at the end of each URI (a database that does not exist reads as empty).',
    },
  );
}

export async function runVerify(options: RunVerifyOptions): Promise<VerifyResult> {
  const { source: sourceSpec, target: targetSpec, sourceContext, ...rest } = options;
  if (!isMongoUri(targetSpec)) {
    const guess = guessMongoUri(targetSpec);
    throw new NsctlError(
      'USAGE',
      `target: must be a MongoDB URI, not ${redact(targetSpec)}${guess ? ` (did you mean ${redact(guess)}?)` : ''}`,
      { hint: 'Pass --target mongodb://host:27017/nightscout; a backup can only be a source.' },
    );
  }
  if (isSameDatabaseUri(sourceSpec, targetSpec))
    throw new NsctlError(
      'USAGE',
      'the source and the target are the same database: a database is equal to itself, so nothing would be proven',
      {
        hint: 'Check --target: it should name the other copy (another server, or another database name).',
      },
    );
  const reportFile = rest.reportFile
    ? await checkReportPath(rest.reportFile, sourceContext.cwd)
    : undefined;
  const source = await openDocumentSource(sourceSpec, sourceContext).catch((error: unknown) => {
    throw nameSide(error, 'source');
  });
  try {
    const target = await openDocumentSource(targetSpec, sourceContext).catch((error: unknown) => {
      throw nameSide(error, 'target');
    });
    try {
      await refuseBothEmpty(source, target);
      return await verifyDatabases({
        ...rest,
        ...(reportFile ? { reportFile } : {}),
        source,
        target,
      });
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}
