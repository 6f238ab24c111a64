/**
 * Reading one side once, in the order the source holds its documents (no
 * server-side sort: FerretDB sorts in memory, ~3× the collection's size),
 * and spilling each document's fingerprint into its collection's partition
 * store. Auth subjects are kept whole, for the Nightscout checks; Nightscout
 * has one per person or device, so they are few.
 */
import { fingerprintDocument, hashIdBytes } from '../../core/compare/document-fingerprint.js';
import { type AuthSubject, readAuthSubject } from '../../core/compare/nightscout-checks.js';
import type { Side } from '../../core/compare/partition-diff.js';
import type { DocumentSource } from './document-source.js';
import { createPartitionStore, type PartitionStore } from './partition-store.js';

export interface ScanPlan {
  name: string;
  /** Partition bits for this collection (2^bits partition files per side). */
  bits: number;
  /** Read from the source side / the target side (false where it does not exist there, or for views). */
  readSource: boolean;
  readTarget: boolean;
  /** Documents expected from both sides together, when both counts are known (progress total). */
  expectedReads?: number;
}

export interface SideScan {
  stores: Map<string, PartitionStore>;
  subjects: AuthSubject[];
}

export interface ScanOptions {
  dir: string;
  ignoreFieldOrder: boolean;
  /** The auth subjects collection's name, as configured. */
  authSubjects: string;
  counter: ScanCounter;
  signal: AbortSignal;
}

export interface ScanCounter {
  count(collection: string): void;
  finish(): void;
}

async function readInto(
  source: DocumentSource,
  plans: readonly ScanPlan[],
  stores: Map<string, PartitionStore>,
  subjects: AuthSubject[],
  options: ScanOptions,
): Promise<void> {
  const names = plans.map((plan) => plan.name);
  for await (const { collection, document } of source.readDocuments(names, options.signal)) {
    const store = stores.get(collection);
    if (!store) continue;
    const fingerprint = fingerprintDocument(document, {
      ignoreFieldOrder: options.ignoreFieldOrder,
    });
    const written = store.add(hashIdBytes(fingerprint.id), fingerprint);
    if (written) await written;
    if (collection === options.authSubjects) subjects.push(readAuthSubject(document));
    options.counter.count(collection);
  }
}

/** Reads every planned collection of one side into partition stores under `options.dir`. */
export async function scanSide(
  side: Side,
  source: DocumentSource,
  plans: readonly ScanPlan[],
  options: ScanOptions,
): Promise<SideScan> {
  const wanted = plans.filter((plan) => (side === 'source' ? plan.readSource : plan.readTarget));
  const stores = new Map<string, PartitionStore>();
  plans.forEach((plan, i) => {
    stores.set(
      plan.name,
      createPartitionStore({ dir: options.dir, name: `${side}-${i}`, fromBit: 0, bits: plan.bits }),
    );
  });
  const subjects: AuthSubject[] = [];
  try {
    await readInto(source, wanted, stores, subjects, options);
    for (const store of stores.values()) await store.seal();
  } catch (error) {
    for (const store of stores.values()) await store.remove();
    throw error;
  }
  return { stores, subjects };
}
