/**
 * Convergence, the last word of every migration: compare source and target
 * with the verification engine of `nsctl verify`, re-copy what is missing or
 * different, delete what the source no longer has, and compare again, until
 * a pass finds no difference. That pass is the final verification. Writes
 * that arrive on the source during a pass are found by the next one; when
 * they keep arriving the passes run out, and the user is told to stop the
 * uploaders and run `--final`.
 */
import { connectMongo, type MongoTarget } from '../../adapters/mongo/connect.js';
import { describeRawId } from '../../adapters/mongo/raw-insert.js';
import { readIdElement } from '../../core/compare/bson-elements.js';
import type { NightscoutCollections } from '../../core/config/schema.js';
import type { Progress } from '../../core/progress.js';
import type { CollectionComparison } from '../compare/compare-collection.js';
import { createMongoDocumentSource } from '../compare/mongo-document-source.js';
import { type VerifyResult, verifyDatabases } from '../compare/verify-databases.js';
import type { FailureLedger } from './failure-ledger.js';
import { idBytesOfExtendedJson } from './ids.js';
import { type RetryContext, throwIfAborted, withRetry } from './retry.js';
import type { MigrationSource } from './source.js';
import type { TargetWriter } from './target-writer.js';

export interface ConvergeOptions {
  source: MigrationSource;
  target: MongoTarget;
  writer: TargetWriter;
  names: string[];
  failures: FailureLedger;
  /** Default 5. */
  maxPasses: number;
  /** `_id`s fixed per collection, kind and pass; the next pass fixes the rest. Default 10 000. */
  idsPerPass?: number;
  nightscout: { collections: NightscoutCollections; apiSecret?: string };
  serverSelectionTimeoutMS?: number;
  /** For the target's writes and each comparison (which reconnects every time). */
  retry: RetryContext;
  progress: Progress;
  signal?: AbortSignal;
  onPass?: (pass: PassSummary) => void;
}

export interface PassSummary {
  pass: number;
  missing: number;
  extra: number;
  different: number;
  /** Missing documents the target refused before; not tried again. */
  knownFailures: number;
  /** Documents written to the target by this pass. */
  copied: number;
  deleted: number;
  durationMs: number;
}

export interface ConvergeResult {
  passes: PassSummary[];
  converged: boolean;
  /** The last pass's comparison: the verification of the migration. */
  verification: VerifyResult;
}

async function compare(options: ConvergeOptions, maxListed: number): Promise<VerifyResult> {
  const source = await options.source.openVerifySource();
  try {
    const connection = await connectMongo(options.target, {
      appName: 'nsctl migrate',
      ...(options.serverSelectionTimeoutMS
        ? { serverSelectionTimeoutMS: options.serverSelectionTimeoutMS }
        : {}),
    });
    const target = createMongoDocumentSource(connection);
    try {
      return await verifyDatabases({
        source,
        target,
        selection: { include: options.names },
        maxListed,
        nightscout: options.nightscout,
        progress: options.progress,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

interface CollectionFix {
  copied: number;
  deleted: number;
  knownFailures: number;
  pending: number;
}

async function fixCollection(
  options: ConvergeOptions,
  c: CollectionComparison,
): Promise<CollectionFix> {
  const toBytes = (list: { id: unknown }[]) => list.map((entry) => idBytesOfExtendedJson(entry.id));
  const missing = toBytes(c.missing);
  const retry = missing.filter((id) => !options.failures.has(c.name, id));
  const knownFailures = missing.length - retry.length;
  const stale = [...retry, ...toBytes(c.different)];
  let copied = 0;
  if (stale.length > 0) {
    const docs = await options.source.findByIds(c.name, stale, options.signal);
    const outcome = await withRetry(
      `fix ${c.name}`,
      () => options.writer.replaceByIds(c.name, stale, docs),
      options.retry,
    );
    copied = outcome.inserted + outcome.replaced;
    const byText = new Map(docs.map((doc) => [describeRawId(doc), doc]));
    for (const failure of outcome.failures) {
      const doc = byText.get(failure.id);
      const id = doc ? readIdElement(doc) : undefined;
      if (id) options.failures.add(c.name, id, failure);
    }
  }
  const extra = toBytes(c.extra);
  const deleted =
    extra.length > 0
      ? await withRetry(
          `delete from ${c.name}`,
          () => options.writer.deleteByIds(c.name, extra),
          options.retry,
        )
      : 0;
  const pending = c.documents.missing + c.documents.extra + c.documents.different - knownFailures;
  return { copied, deleted, knownFailures, pending };
}

export async function convergeDatabases(options: ConvergeOptions): Promise<ConvergeResult> {
  const passes: PassSummary[] = [];
  const maxListed = options.idsPerPass ?? 10_000;
  for (let pass = 1; ; pass++) {
    throwIfAborted(options.signal);
    const started = Date.now();
    const verification = await withRetry(
      'compare source and target',
      () => compare(options, maxListed),
      options.retry,
    );
    const summary: PassSummary = {
      pass,
      missing: verification.totals.missing,
      extra: verification.totals.extra,
      different: verification.totals.different,
      knownFailures: 0,
      copied: 0,
      deleted: 0,
      durationMs: 0,
    };
    let pending = 0;
    const last = pass >= options.maxPasses;
    for (const c of verification.collections) {
      if (c.documents.missing + c.documents.extra + c.documents.different === 0) continue;
      const fix = last ? await countOnly(options, c) : await fixCollection(options, c);
      summary.copied += fix.copied;
      summary.deleted += fix.deleted;
      summary.knownFailures += fix.knownFailures;
      pending += fix.pending;
    }
    summary.durationMs = Date.now() - started;
    passes.push(summary);
    options.onPass?.(summary);
    if (pending === 0) return { passes, converged: true, verification };
    if (last) return { passes, converged: false, verification };
  }
}

/** On the last allowed pass nothing is fixed, so its comparison stays true of the target. */
async function countOnly(
  options: ConvergeOptions,
  c: CollectionComparison,
): Promise<CollectionFix> {
  const missing = c.missing.map((entry) => idBytesOfExtendedJson(entry.id));
  const knownFailures = missing.filter((id) => options.failures.has(c.name, id)).length;
  const pending = c.documents.missing + c.documents.extra + c.documents.different - knownFailures;
  return { copied: 0, deleted: 0, knownFailures, pending };
}
