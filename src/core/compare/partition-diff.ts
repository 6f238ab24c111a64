/**
 * Comparing one partition: the fingerprints of one side (the build side,
 * the smaller one) go into a Map keyed by `_id` bytes; the other side's are
 * looked up one by one. What is left in the Map at the end exists on the
 * build side only.
 */
import type { DocumentFingerprint } from './document-fingerprint.js';

/** missing: on the source only; extra: on the target only; different: on both, not equal. */
export type DifferenceKind = 'missing' | 'extra' | 'different';

/** `id` may be a view of a chunk being read: copy it to keep it. */
export type DifferenceListener = (kind: DifferenceKind, id: Uint8Array) => void;

export interface DiffCounts {
  source: number;
  target: number;
  matching: number;
  missing: number;
  extra: number;
  different: number;
}

export interface PartitionDiff {
  /** Adds a build-side fingerprint; all must come before any {@link probe}. */
  build(fingerprint: DocumentFingerprint): void;
  /** Looks up a fingerprint of the other side. */
  probe(fingerprint: DocumentFingerprint): void;
  /** Reports what only the build side holds and returns the counts. */
  finish(): DiffCounts;
}

export type Side = 'source' | 'target';

export function createDiffCounts(): DiffCounts {
  return { source: 0, target: 0, matching: 0, missing: 0, extra: 0, different: 0 };
}

export function addDiffCounts(into: DiffCounts, more: DiffCounts): void {
  for (const key of Object.keys(into) as (keyof DiffCounts)[]) into[key] += more[key];
}

// Markers in place of a hash (which is 16 characters long). A duplicated
// `_id` (possible in an archive, never in a collection with its `_id` index)
// found on both sides is reported once as different; found on one side
// only, once per copy; whichever side is built.
const DUPLICATE = 'dup:';
const MATCHED = 'matched';
const REPORTED = 'reported';

function countCopies(value: string): number {
  return value.startsWith(DUPLICATE) ? Number(value.slice(DUPLICATE.length)) : 1;
}

function toKey(id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('latin1');
}

/** A diff for one partition whose build side is `buildSide`. */
export function createPartitionDiff(
  buildSide: Side,
  onDifference: DifferenceListener,
): PartitionDiff {
  const index = new Map<string, string>();
  const counts = createDiffCounts();
  const probeSide: Side = buildSide === 'source' ? 'target' : 'source';
  const onlyBuild: DifferenceKind = buildSide === 'source' ? 'missing' : 'extra';
  const onlyProbe: DifferenceKind = buildSide === 'source' ? 'extra' : 'missing';
  let probing = false;

  const report = (kind: DifferenceKind, id: Uint8Array) => {
    counts[kind] += 1;
    onDifference(kind, id);
  };

  function probeKnown(key: string, id: Uint8Array, expected: string, hash: Buffer): void {
    if (expected === REPORTED) return;
    if (expected === MATCHED) counts.matching -= 1;
    if (expected !== MATCHED && expected === hash.toString('latin1')) {
      counts.matching += 1;
      index.set(key, MATCHED);
      return;
    }
    index.set(key, REPORTED);
    report('different', id);
  }

  return {
    build({ id, hash }) {
      if (probing) throw new Error('build() after probe()');
      counts[buildSide] += 1;
      const key = toKey(id);
      const known = index.get(key);
      index.set(
        key,
        known === undefined ? hash.toString('latin1') : `${DUPLICATE}${countCopies(known) + 1}`,
      );
    },
    probe({ id, hash }) {
      probing = true;
      counts[probeSide] += 1;
      const key = toKey(id);
      const expected = index.get(key);
      // Unknown ids are not remembered: the index must not grow with the other side.
      if (expected === undefined) report(onlyProbe, id);
      else probeKnown(key, id, expected, hash);
    },
    finish() {
      for (const [key, value] of index) {
        if (value === MATCHED || value === REPORTED) continue;
        for (let copy = 0; copy < countCopies(value); copy++)
          report(onlyBuild, Buffer.from(key, 'latin1'));
      }
      index.clear();
      return counts;
    },
  };
}
