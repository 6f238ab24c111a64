/**
 * What a restore will do, worked out before it changes anything: which of
 * the archive's collections it writes, how many documents each destination
 * collection holds now, and the refusal when that would mix data.
 */
import type { Db } from 'mongodb';

import type { ArchivePreludeCollection } from '../core/archive/archive-parser.js';
import { NsctlError } from '../core/errors.js';

export interface RestorePlanItem {
  name: string;
  /** Documents in the archive, when known before reading (from a manifest). */
  documents?: number;
  /** Documents already in the destination collection. */
  existing: number;
}

/** The archive's collections a restore writes: `only` (all when absent), each of which must exist. */
export function selectPrelude(collections: ArchivePreludeCollection[], only: string[] | undefined) {
  if (!only || only.length === 0) return collections;
  const known = new Set(collections.map((c) => c.collection));
  const unknown = only.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new NsctlError(
      'USAGE',
      `the archive has no collection ${unknown.map((n) => `"${n}"`).join(', ')}`,
      {
        hint: `It holds: ${[...known].join(', ')}`,
      },
    );
  }
  return collections.filter((c) => only.includes(c.collection));
}

export async function planRestore(
  db: Db,
  wanted: ArchivePreludeCollection[],
  expected: Map<string, number> | undefined,
): Promise<RestorePlanItem[]> {
  const existingNames = new Set(
    (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name),
  );
  const plan: RestorePlanItem[] = [];
  for (const c of wanted) {
    const existing = existingNames.has(c.collection)
      ? await db.collection(c.collection).countDocuments()
      : 0;
    const documents = expected?.get(c.collection);
    plan.push({ name: c.collection, ...(documents === undefined ? {} : { documents }), existing });
  }
  return plan;
}

export function refuseOccupied(database: string, occupied: RestorePlanItem[]): NsctlError {
  const list = occupied.map((p) => `${p.name} (${p.existing} documents)`).join(', ');
  return new NsctlError('USAGE', `database ${database} already holds data in ${list}`, {
    hint: 'Restore --into a new database, or pass --drop to replace it (a rollback point of what is there is made first).',
    details: { occupied },
  });
}
