/**
 * Comparing one partition: the records of one side (the build side, the
 * smaller one) are copied into one buffer and indexed by an open-addressing
 * table of typed arrays keyed by `_id` bytes; the other side's records are
 * looked up one by one, straight from the chunks they are read in. Nothing
 * is allocated per document (only per difference found), and memory is the
 * records' own bytes plus about 20 bytes each. What is left unmatched at
 * the end exists on the build side only.
 */
import { DOCUMENT_HASH_BYTES, hashIdRange } from './document-fingerprint.js';

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
  /**
   * Adds a build-side record, its `_id` at `bytes[idStart, idEnd)` and its
   * hash after it (copied: `bytes` may be reused); all come before any probe.
   */
  build(bytes: Buffer, idStart: number, idEnd: number): void;
  /** Looks up a record of the other side, laid out as for {@link build}. */
  probe(bytes: Buffer, idStart: number, idEnd: number): void;
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

// An entry's state. A duplicated `_id` (possible in an archive, never in a
// collection with its `_id` index) never matches: found on both sides it is
// reported once as different; found on one side only, once per copy;
// whichever side is built.
const UNMATCHED = 0;
const MATCHED = 1;
const REPORTED = 2;

const EMPTY = -1;

/** Sizes the build side is known to have, so its buffers are allocated once. */
export interface BuildSize {
  records: number;
  /** Bytes of the build side's records as stored (length prefix included). */
  bytes: number;
}

/**
 * The buffers a diff indexes into. Partitions are compared one at a time,
 * so one workspace serves them all: each partition reuses what the last
 * one allocated instead of leaving it to the garbage collector.
 */
export interface DiffWorkspace {
  arena: Buffer;
  idStart: Int32Array;
  idLength: Int32Array;
  state: Uint8Array;
  copies: Uint32Array;
  slots: Int32Array;
}

export function createDiffWorkspace(): DiffWorkspace {
  return {
    arena: Buffer.alloc(0),
    idStart: new Int32Array(0),
    idLength: new Int32Array(0),
    state: new Uint8Array(0),
    copies: new Uint32Array(0),
    slots: new Int32Array(0),
  };
}

function tableSize(capacity: number): number {
  let size = 16;
  while (size < capacity * 2) size *= 2;
  return size;
}

/** Makes `ws` hold at least `expected` and empties its table. */
function prepare(ws: DiffWorkspace, expected: BuildSize): void {
  const records = Math.max(16, expected.records);
  if (ws.idStart.length < records) {
    ws.idStart = new Int32Array(records);
    ws.idLength = new Int32Array(records);
    ws.state = new Uint8Array(records);
    ws.copies = new Uint32Array(records);
  }
  if (ws.arena.length < expected.bytes) ws.arena = Buffer.allocUnsafe(Math.max(64, expected.bytes));
  const size = tableSize(ws.idStart.length);
  if (ws.slots.length !== size) ws.slots = new Int32Array(size);
  ws.slots.fill(EMPTY);
}

/**
 * A diff for one partition whose build side is `buildSide`. With a shared
 * `workspace`, the `_id`s given to the listener from {@link PartitionDiff.finish}
 * are overwritten by the next partition: copy them to keep them.
 */
export function createPartitionDiff(
  buildSide: Side,
  onDifference: DifferenceListener,
  expected: BuildSize = { records: 16, bytes: 1024 },
  workspace: DiffWorkspace = createDiffWorkspace(),
): PartitionDiff {
  const counts = createDiffCounts();
  const probeSide: Side = buildSide === 'source' ? 'target' : 'source';
  const onlyBuild: DifferenceKind = buildSide === 'source' ? 'missing' : 'extra';
  const onlyProbe: DifferenceKind = buildSide === 'source' ? 'extra' : 'missing';
  let probing = false;

  // Entry e: `_id` at ws.arena[ws.idStart[e], + ws.idLength[e]), its hash right after.
  const ws = workspace;
  prepare(ws, expected);
  let used = 0;
  let entries = 0;

  function find(bytes: Buffer, start: number, end: number, hash: number): number {
    const mask = ws.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const e = ws.slots[slot] as number;
      if (e === EMPTY) return -1 - slot;
      const at = ws.idStart[e] as number;
      const length = ws.idLength[e] as number;
      if (length === end - start && ws.arena.compare(bytes, start, end, at, at + length) === 0)
        return e;
    }
  }

  function grow(): void {
    const capacity = ws.idStart.length * 2;
    const widen = <T extends Int32Array | Uint8Array | Uint32Array>(from: T, to: T): T => {
      to.set(from);
      return to;
    };
    ws.idStart = widen(ws.idStart, new Int32Array(capacity));
    ws.idLength = widen(ws.idLength, new Int32Array(capacity));
    ws.state = widen(ws.state, new Uint8Array(capacity));
    ws.copies = widen(ws.copies, new Uint32Array(capacity));
    ws.slots = new Int32Array(tableSize(capacity)).fill(EMPTY);
    for (let e = 0; e < entries; e++) {
      const at = ws.idStart[e] as number;
      const end = at + (ws.idLength[e] as number);
      ws.slots[-1 - find(ws.arena, at, end, hashIdRange(ws.arena, at, end))] = e;
    }
  }

  function add(bytes: Buffer, start: number, end: number, emptySlot: number): void {
    const size = end - start + DOCUMENT_HASH_BYTES;
    if (used + size > ws.arena.length) {
      const larger = Buffer.allocUnsafe(Math.max(ws.arena.length * 2, used + size));
      ws.arena.copy(larger, 0, 0, used);
      ws.arena = larger;
    }
    bytes.copy(ws.arena, used, start, end + DOCUMENT_HASH_BYTES);
    ws.idStart[entries] = used;
    ws.idLength[entries] = end - start;
    ws.state[entries] = UNMATCHED;
    ws.copies[entries] = 1;
    ws.slots[emptySlot] = entries;
    used += size;
    entries += 1;
  }

  const report = (kind: DifferenceKind, id: Uint8Array) => {
    counts[kind] += 1;
    onDifference(kind, id);
  };

  function sameHash(e: number, bytes: Buffer, idEnd: number): boolean {
    const at = (ws.idStart[e] as number) + (ws.idLength[e] as number);
    return (
      ws.arena.compare(bytes, idEnd, idEnd + DOCUMENT_HASH_BYTES, at, at + DOCUMENT_HASH_BYTES) ===
      0
    );
  }

  return {
    build(bytes, start, end) {
      if (probing) throw new Error('build() after probe()');
      counts[buildSide] += 1;
      let found = find(bytes, start, end, hashIdRange(bytes, start, end));
      if (found >= 0) {
        ws.copies[found] = (ws.copies[found] as number) + 1;
        return;
      }
      if (entries === ws.idStart.length) {
        grow();
        found = find(bytes, start, end, hashIdRange(bytes, start, end));
      }
      add(bytes, start, end, -1 - found);
    },
    probe(bytes, start, end) {
      probing = true;
      counts[probeSide] += 1;
      const e = find(bytes, start, end, hashIdRange(bytes, start, end));
      // Unknown ids are not remembered: the index must not grow with the other side.
      if (e < 0) return report(onlyProbe, bytes.subarray(start, end));
      const known = ws.state[e];
      if (known === REPORTED) return;
      if (known === UNMATCHED && ws.copies[e] === 1 && sameHash(e, bytes, end)) {
        counts.matching += 1;
        ws.state[e] = MATCHED;
        return;
      }
      if (known === MATCHED) counts.matching -= 1;
      ws.state[e] = REPORTED;
      report('different', bytes.subarray(start, end));
    },
    finish() {
      for (let e = 0; e < entries; e++) {
        if (ws.state[e] !== UNMATCHED) continue;
        const at = ws.idStart[e] as number;
        const id = ws.arena.subarray(at, at + (ws.idLength[e] as number));
        for (let copy = 0; copy < (ws.copies[e] as number); copy++) report(onlyBuild, id);
      }
      entries = 0;
      return counts;
    },
  };
}
