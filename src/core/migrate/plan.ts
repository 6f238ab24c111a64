/**
 * The plan of a migration, from what both sides hold: which collections to
 * copy and in what order (largest first, for an early ETA; views last, as
 * they need their source collections), what already occupies the target,
 * which of Nightscout's collections the source itself lacks (not those a
 * selection leaves out), and whether the data
 * fits on the target's disk.
 */
import type { Document } from 'bson';

import type { NightscoutCollections } from '../config/schema.js';

export interface SourceCollectionInfo {
  name: string;
  /** "collection", "view" or "timeseries". */
  type: string;
  options: Document;
  indexes: Document[];
  /** Document count, when the source knows it. */
  documents?: number;
  /** Uncompressed BSON bytes, when known. */
  bytes?: number;
  /** Bytes the collection and its indexes occupy on the source's disk, when known. */
  storageBytes?: number;
}

export interface TargetCollectionInfo {
  name: string;
  documents: number;
}

export interface FsUsage {
  usedBytes: number;
  totalBytes: number;
}

export interface SpaceCheck {
  /** What the copied data is expected to need (the source's on-disk size, else its BSON size). */
  neededBytes?: number;
  freeBytes?: number;
  /** False when it clearly does not fit; undefined when it cannot be told. */
  fits?: boolean;
  note: string;
}

export interface MigrationPlan {
  collections: SourceCollectionInfo[];
  /** Target collections that already hold documents (of those copied, when partial). */
  occupied: TargetCollectionInfo[];
  nightscout: { present: string[]; missing: string[] };
  space: SpaceCheck;
}

export interface PlanInput {
  /** The collections to copy (after --collections/--exclude). */
  source: readonly SourceCollectionInfo[];
  /**
   * Every collection on the source, selected or not, for which of
   * Nightscout's collections it lacks; default: the names in `source`.
   */
  sourceNames?: readonly string[];
  target: readonly TargetCollectionInfo[];
  targetFs?: FsUsage;
  nightscout: NightscoutCollections;
  /**
   * Only some collections are copied (--collections/--exclude): the target's
   * other collections are left alone, so only those copied count as occupied.
   */
  partial?: boolean;
}

function orderForCopy(collections: readonly SourceCollectionInfo[]): SourceCollectionInfo[] {
  const size = (c: SourceCollectionInfo) => c.bytes ?? c.documents ?? 0;
  const data = collections.filter((c) => c.type !== 'view').sort((a, b) => size(b) - size(a));
  return [...data, ...collections.filter((c) => c.type === 'view')];
}

const MB = 1024 * 1024;

export function checkSpace(
  collections: readonly SourceCollectionInfo[],
  fs: FsUsage | undefined,
): SpaceCheck {
  const sizes = collections.map((c) => c.storageBytes ?? c.bytes);
  const known = sizes.every((s) => s !== undefined);
  const neededBytes = known ? sizes.reduce<number>((sum, s) => sum + (s ?? 0), 0) : undefined;
  if (!fs) {
    return {
      ...(neededBytes === undefined ? {} : { neededBytes }),
      note: 'the target does not report its free disk space (dbStats fsTotalSize); check it yourself',
    };
  }
  const freeBytes = Math.max(0, fs.totalBytes - fs.usedBytes);
  if (neededBytes === undefined) {
    return { freeBytes, note: 'the size of the source is not known before reading it' };
  }
  const fits = neededBytes <= freeBytes;
  const note = fits
    ? `about ${Math.ceil(neededBytes / MB)} MB needed, ${Math.floor(freeBytes / MB)} MB free on the target's disk`
    : `about ${Math.ceil(neededBytes / MB)} MB needed but only ${Math.floor(freeBytes / MB)} MB free on the target's disk`;
  return { neededBytes, freeBytes, fits, note };
}

export function buildMigrationPlan(input: PlanInput): MigrationPlan {
  const names = new Set(input.sourceNames ?? input.source.map((c) => c.name));
  const expected = Object.values(input.nightscout);
  const collections = orderForCopy(input.source);
  return {
    collections,
    occupied: input.target.filter(
      (c) => c.documents > 0 && (!input.partial || collections.some((s) => s.name === c.name)),
    ),
    nightscout: {
      present: expected.filter((name) => names.has(name)),
      missing: expected.filter((name) => !names.has(name)),
    },
    space: checkSpace(
      collections.filter((c) => c.type !== 'view'),
      input.targetFs,
    ),
  };
}
