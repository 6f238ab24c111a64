/** Rebuilding a collection's indexes from its archived metadata, after the data. */
import type { Db, Document } from 'mongodb';

import { retryStaleSchema } from '../adapters/mongo/retry-stale-schema.js';
import type { ArchivePreludeCollection } from '../core/archive/archive-parser.js';

export interface IndexResult {
  collection: string;
  created: string[];
  failed: Array<{ name: string; message: string }>;
}

// Fields the server adds or that name the old namespace; createIndexes refuses some of them.
const SERVER_FIELDS = new Set(['v', 'ns']);

export function toIndexRequest(spec: Document): Document {
  const request: Document = {};
  for (const [key, value] of Object.entries(spec)) {
    if (!SERVER_FIELDS.has(key)) request[key] = value;
  }
  return request;
}

export async function buildIndexes(
  db: Db,
  collections: ArchivePreludeCollection[],
): Promise<IndexResult[]> {
  const results: IndexResult[] = [];
  for (const c of collections) {
    const specs = (c.parsedMetadata?.indexes ?? []).filter((spec) => spec.name !== '_id_');
    const result: IndexResult = { collection: c.collection, created: [], failed: [] };
    // One at a time, so one index the server rejects does not cost the others.
    for (const spec of specs) {
      const name = String(spec.name);
      try {
        await retryStaleSchema(() =>
          db.command({ createIndexes: c.collection, indexes: [toIndexRequest(spec)] }),
        );
        result.created.push(name);
      } catch (error) {
        result.failed.push({
          name,
          message: error instanceof Error ? error.message : String(error),
        });
      }
    }
    results.push(result);
  }
  return results;
}
