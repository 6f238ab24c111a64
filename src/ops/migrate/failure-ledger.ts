/**
 * Documents the target refused, by `_id` bytes: the convergence passes
 * leave them alone instead of trying them again forever, and the report
 * lists them. Bounded: past the limit only the count grows.
 */
import type { InsertFailure } from '../../adapters/mongo/raw-insert.js';

const MAX_TRACKED = 100_000;

export interface FailureLedger {
  add(collection: string, id: Uint8Array, failure: InsertFailure): void;
  has(collection: string, id: Uint8Array): boolean;
  count(collection?: string): number;
}

export function createFailureLedger(): FailureLedger {
  const byCollection = new Map<string, Map<string, InsertFailure>>();
  let tracked = 0;
  return {
    add(collection, id, failure) {
      const known = byCollection.get(collection) ?? new Map<string, InsertFailure>();
      byCollection.set(collection, known);
      const key = Buffer.from(id).toString('latin1');
      if (known.has(key) || tracked >= MAX_TRACKED) return;
      known.set(key, failure);
      tracked++;
    },
    has: (collection, id) =>
      byCollection.get(collection)?.has(Buffer.from(id).toString('latin1')) ?? false,
    count: (collection) =>
      collection === undefined ? tracked : (byCollection.get(collection)?.size ?? 0),
  };
}
