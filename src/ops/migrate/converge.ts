/**
 * Convergence, the last word of every migration: compare source and target
 * with the verification engine of `nsctl verify`, re-copy what is missing or
 * different, delete what the source no longer has, and compare again, until
 * a pass finds no difference. That pass is the final verification. Writes
 * that arrive on the source during a pass are found by the next one; when
 * they keep arriving the passes run out, and the user is told to stop the
 * uploaders and run `--final`.
 *
 * A document re-copied by one pass and found different again by the next,
 * while the source still has the bytes that were sent, is one the target
 * alters as it stores it (FerretDB replaces strings that are not valid
 * UTF-8, for one). Copying it again would change nothing: it is reported
 * by `_id` as refused, with the cause where it can be named.
 */
import { createHash } from 'node:crypto';

import { connectMongo, type MongoTarget } from '../../adapters/mongo/connect.js';
import { describeRawId, type InsertFailure } from '../../adapters/mongo/raw-insert.js';
import { findInvalidUtf8, readIdElement } from '../../core/compare/bson-elements.js';
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
  /** A document the convergence could not put on the target (also added to `failures`). */
  onFailure?: (collection: string, failure: InsertFailure) => void;
}

export interface PassSummary {
  pass: number;
  missing: number;
  extra: number;
  different: number;
  /** Missing or different documents the target refused or altered before; not tried again. */
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

/** Digests of the documents a pass sent, by `_id` key, per collection: what the next pass checks. */
type SentDigests = Map<string, Map<string, string>>;

const keyOf = (id: Uint8Array) => Buffer.from(id).toString('latin1');
const digestOf = (doc: Uint8Array) => createHash('sha256').update(doc).digest('base64');

function describeAlteration(doc: Buffer): string {
  const at = findInvalidUtf8(doc);
  return at === undefined
    ? 'the target stores this document differently from the bytes it was sent (a value it converts, or a type it does not keep); copying it again changes nothing'
    : `the document holds text that is not valid UTF-8 (at byte ${at}), which the target does not store as it was sent; fix it on the source, or copy to a MongoDB server, which keeps it`;
}

function record(options: ConvergeOptions, name: string, doc: Buffer, failure: InsertFailure) {
  const id = readIdElement(doc);
  if (id) options.failures.add(name, id, failure);
  options.onFailure?.(name, failure);
}

async function fixCollection(
  options: ConvergeOptions,
  c: CollectionComparison,
  sentBefore: Map<string, string> | undefined,
  sentNow: Map<string, string>,
): Promise<CollectionFix> {
  const toBytes = (list: { id: unknown }[]) => list.map((entry) => idBytesOfExtendedJson(entry.id));
  const known = (id: Uint8Array) => options.failures.has(c.name, id);
  const missing = toBytes(c.missing);
  const different = toBytes(c.different);
  const stale = [...missing, ...different].filter((id) => !known(id));
  let knownFailures = missing.length + different.length - stale.length;
  let copied = 0;
  if (stale.length > 0) {
    const found = await options.source.findByIds(c.name, stale, options.signal);
    const docs: Buffer[] = [];
    const kept = new Set<string>();
    for (const doc of found) {
      const id = readIdElement(doc);
      const digest = digestOf(doc);
      if (id && sentBefore?.get(keyOf(id)) === digest) {
        record(options, c.name, doc, {
          id: describeRawId(doc),
          code: undefined,
          message: describeAlteration(doc),
        });
        kept.add(keyOf(id));
        knownFailures++;
        continue;
      }
      if (id) sentNow.set(keyOf(id), digest);
      docs.push(doc);
    }
    // The altered copies stay on the target: deleting them would leave nothing at all.
    const ids = kept.size === 0 ? stale : stale.filter((id) => !kept.has(keyOf(id)));
    if (ids.length > 0) {
      const outcome = await withRetry(
        `fix ${c.name}`,
        () => options.writer.replaceByIds(c.name, ids, docs),
        options.retry,
      );
      copied = outcome.inserted + outcome.replaced;
      const byText = new Map(docs.map((doc) => [describeRawId(doc), doc]));
      for (const failure of outcome.failures) {
        const doc = byText.get(failure.id);
        if (doc) record(options, c.name, doc, failure);
        else options.onFailure?.(c.name, failure);
      }
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
  let sent: SentDigests = new Map();
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
    const sentNow: SentDigests = new Map();
    for (const c of verification.collections) {
      if (c.documents.missing + c.documents.extra + c.documents.different === 0) continue;
      const digests = new Map<string, string>();
      sentNow.set(c.name, digests);
      const fix = last
        ? await countOnly(options, c)
        : await fixCollection(options, c, sent.get(c.name), digests);
      summary.copied += fix.copied;
      summary.deleted += fix.deleted;
      summary.knownFailures += fix.knownFailures;
      pending += fix.pending;
    }
    sent = sentNow;
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
  const listed = [...c.missing, ...c.different].map((entry) => idBytesOfExtendedJson(entry.id));
  const knownFailures = listed.filter((id) => options.failures.has(c.name, id)).length;
  const pending = c.documents.missing + c.documents.extra + c.documents.different - knownFailures;
  return { copied: 0, deleted: 0, knownFailures, pending };
}
