/**
 * Creating collections on the target as the source has them: with their
 * options before the data (a capped size or a collation must exist before
 * the first insert), indexes when {@link indexTimingFor} says, and views
 * last, once the collections they read exist. Each index is built alone, so
 * one the target rejects does not cost the others (and on FerretDB, where a
 * request failing halfway keeps the indexes it built without listing them,
 * none is left behind); rejections are reported by name. A resumed run
 * builds again those missing on collections already copied.
 */
import type { Db, Document } from 'mongodb';

import { retryStaleSchema } from '../../adapters/mongo/retry-stale-schema.js';
import { NsctlError } from '../../core/errors.js';
import type { SourceCollectionInfo } from '../../core/migrate/plan.js';
import { isTransientError } from '../../core/migrate/retry-policy.js';
import { toIndexRequest } from '../restore-indexes.js';
import { describeError, type RetryContext, withRetry } from './retry.js';

export interface IndexOutcome {
  created: string[];
  failed: Array<{ name: string; message: string }>;
}

export async function listTargetNames(db: Db): Promise<Set<string>> {
  const infos = await db.listCollections({}, { nameOnly: true }).toArray();
  return new Set(infos.map((info) => info.name));
}

/**
 * Creates the collection with the source's options when it does not exist.
 * Returns a note when the target refused the options and the collection was
 * created without them.
 */
export async function ensureCollection(
  db: Db,
  info: SourceCollectionInfo,
  existing: Set<string>,
): Promise<string | undefined> {
  if (info.type === 'view' || existing.has(info.name)) return undefined;
  const options = info.type === 'timeseries' ? info.options : withoutViewFields(info.options);
  try {
    await retryStaleSchema(() => db.createCollection(info.name, options));
    existing.add(info.name);
    return undefined;
  } catch (error) {
    if (Object.keys(options).length === 0) throw error;
    await retryStaleSchema(() => db.createCollection(info.name));
    existing.add(info.name);
    return `${info.name}: the target refused the collection options (${describeError(error)}); created without them`;
  }
}

function withoutViewFields(options: Document): Document {
  const { viewOn: _viewOn, pipeline: _pipeline, ...rest } = options;
  return rest;
}

export async function createView(db: Db, info: SourceCollectionInfo, existing: Set<string>) {
  if (existing.has(info.name)) return undefined;
  try {
    await db.createCollection(info.name, {
      viewOn: String(info.options.viewOn),
      pipeline: (info.options.pipeline ?? []) as Document[],
      ...(info.options.collation ? { collation: info.options.collation } : {}),
    });
    existing.add(info.name);
    return undefined;
  } catch (error) {
    return `${info.name}: the view could not be created on the target: ${describeError(error)}`;
  }
}

/**
 * When a collection's indexes are built. MongoDB builds an index from the
 * finished data in one sorted pass, far cheaper than keeping it up insert
 * by insert, so there they come after the data. FerretDB keeps an index up
 * per insert at little extra cost, while a build after the data reads and
 * parses every stored document again, once per index: on a 1 GB Nightscout
 * database the builds afterwards cost about a quarter of the copy. There
 * they come before the data, except those that delete documents (TTL).
 */
export type IndexTiming = 'after-data' | 'before-data';

export function indexTimingFor(server: { isFerretDB: boolean }): IndexTiming {
  return server.isFerretDB ? 'before-data' : 'after-data';
}

/**
 * Whether an index may exist while the data is copied: a TTL index would
 * delete the expired documents it is given, so the copy would never match
 * its source (and a resumed copy would find them gone).
 */
export function canBuildBeforeData(spec: Document): boolean {
  return spec.expireAfterSeconds === undefined;
}

/**
 * Builds the collection's indexes that `which` accepts (all but `_id_` by
 * default). A lost connection is retried (and raised when retries run out);
 * only refusals are recorded. An index that already exists with the same
 * definition is a no-op, so this can run again on resume.
 */
export async function recreateIndexes(
  database: () => Db,
  info: SourceCollectionInfo,
  retry: RetryContext,
  which: (spec: Document) => boolean = () => true,
): Promise<IndexOutcome> {
  const outcome: IndexOutcome = { created: [], failed: [] };
  for (const spec of info.indexes) {
    const name = String(spec.name);
    if (name === '_id_' || !which(spec)) continue;
    try {
      await withRetry(
        `build index ${info.name}.${name}`,
        () =>
          retryStaleSchema(() =>
            database().command({ createIndexes: info.name, indexes: [toIndexRequest(spec)] }),
          ),
        retry,
      );
      outcome.created.push(name);
    } catch (error) {
      if (error instanceof NsctlError || isTransientError(error)) throw error;
      outcome.failed.push({ name, message: describeError(error) });
    }
  }
  return outcome;
}

/** Names of the collection's indexes on the target; undefined when the collection is not there. */
async function listIndexNames(
  database: () => Db,
  name: string,
  retry: RetryContext,
): Promise<Set<string> | undefined> {
  try {
    const specs = await withRetry(
      `list indexes of ${name}`,
      () => database().collection(name).listIndexes().toArray(),
      retry,
    );
    return new Set(specs.map((spec) => String(spec.name)));
  } catch (error) {
    // NamespaceNotFound: nothing to add indexes to; verification reports the collection.
    if ((error as { code?: unknown }).code === 26) return undefined;
    throw error;
  }
}

/**
 * Builds the source's indexes that the target lacks by name, for a
 * collection whose copy was finished by an earlier run: its index build
 * may have been refused (then the run ended DIFFERENT) or an index dropped
 * since, and a resumed run does not copy it again. Returns undefined when
 * nothing was missing. An index present under the same name with another
 * definition is not replaced: verification reports it.
 */
export async function rebuildMissingIndexes(
  database: () => Db,
  info: SourceCollectionInfo,
  retry: RetryContext,
): Promise<IndexOutcome | undefined> {
  const present = await listIndexNames(database, info.name, retry);
  if (!present) return undefined;
  const isMissing = (spec: Document) => !present.has(String(spec.name));
  if (!info.indexes.some((spec) => spec.name !== '_id_' && isMissing(spec))) return undefined;
  return recreateIndexes(database, info, retry, isMissing);
}
