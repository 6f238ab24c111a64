/**
 * Paging a collection in `_id` order across mixed `_id` types. A range
 * filter such as `{_id: {$gt: last}}` only matches values of the same
 * comparison bracket as `last` (MongoDB compares across types by a fixed
 * type order, but query operators never cross it), so a collection with
 * ObjectId, string and UUID `_id`s is paged bracket by bracket in the
 * server's sort order: the first page of a bracket selects it by `$type`,
 * the next pages continue with `$gt` on the last `_id` read.
 */
import type { Document } from 'bson';

import { decodeId } from '../compare/id-format.js';

export interface IdBracket {
  name: string;
  /** `$type` aliases of the BSON types that sort together. */
  types: readonly string[];
  /** Their BSON type bytes. */
  typeBytes: readonly number[];
}

/**
 * In MongoDB's sort order; arrays and regular expressions cannot be an
 * `_id` but cost nothing. Brackets are selected with the `$type` aliases
 * every server knows (`number` covers int, long, double and decimal); the
 * deprecated `symbol` and `undefined` types sort with strings and null but
 * are not selected by them, so such an `_id` is left to the convergence
 * pass, which copies whatever the pages missed.
 */
export const ID_BRACKETS: readonly IdBracket[] = [
  { name: 'minKey', types: ['minKey'], typeBytes: [0xff] },
  { name: 'null', types: ['null'], typeBytes: [0x0a, 0x06] },
  { name: 'number', types: ['number'], typeBytes: [0x01, 0x10, 0x12, 0x13] },
  { name: 'string', types: ['string'], typeBytes: [0x02, 0x0e] },
  { name: 'object', types: ['object'], typeBytes: [0x03] },
  { name: 'binData', types: ['binData'], typeBytes: [0x05] },
  { name: 'objectId', types: ['objectId'], typeBytes: [0x07] },
  { name: 'bool', types: ['bool'], typeBytes: [0x08] },
  { name: 'date', types: ['date'], typeBytes: [0x09] },
  { name: 'timestamp', types: ['timestamp'], typeBytes: [0x11] },
  { name: 'regex', types: ['regex'], typeBytes: [0x0b] },
  { name: 'dbPointer', types: ['dbPointer'], typeBytes: [0x0c] },
  { name: 'javascript', types: ['javascript'], typeBytes: [0x0d] },
  { name: 'javascriptWithScope', types: ['javascriptWithScope'], typeBytes: [0x0f] },
  { name: 'maxKey', types: ['maxKey'], typeBytes: [0x7f] },
];

/** The bracket of an `_id` given as its type byte then value bytes. */
export function bracketOfId(id: Uint8Array): number {
  const type = id[0] ?? -1;
  const index = ID_BRACKETS.findIndex((bracket) => bracket.typeBytes.includes(type));
  if (index < 0) throw new RangeError(`unknown BSON type 0x${type.toString(16)} for _id`);
  return index;
}

/** Where the next page starts: the bracket, and the last `_id` read in it (none at its start). */
export interface IdCursor {
  bracket: number;
  lastId?: Uint8Array;
}

function isNaNValue(value: unknown): boolean {
  if (typeof value === 'number') return Number.isNaN(value);
  const inner = (value as { value?: unknown; toString(): string } | null) ?? null;
  if (inner === null || typeof inner !== 'object') return false;
  if (typeof inner.value === 'number') return Number.isNaN(inner.value);
  return inner.toString() === 'NaN';
}

/**
 * The filter of the next page. NaN sorts below every other number but
 * `$gt: NaN` matches nothing, so after a NaN the rest of the numbers are
 * selected with `$gte: -Infinity`.
 */
export function pageFilter(cursor: IdCursor): Document {
  const bracket = ID_BRACKETS[cursor.bracket];
  if (!bracket) throw new RangeError(`no bracket ${cursor.bracket}`);
  if (!cursor.lastId) return { _id: { $type: [...bracket.types] } };
  const last = decodeId(cursor.lastId);
  if (isNaNValue(last)) return { _id: { $type: [...bracket.types], $gte: -Infinity } };
  return { _id: { $gt: last } };
}

/** The cursor after a page: on in the same bracket, or the next bracket once a page came back short. */
export function advanceCursor(
  cursor: IdCursor,
  lastId: Uint8Array | undefined,
  exhausted: boolean,
): IdCursor | undefined {
  if (!exhausted) return { bracket: cursor.bracket, ...(lastId ? { lastId } : {}) };
  const next = cursor.bracket + 1;
  return next < ID_BRACKETS.length ? { bracket: next } : undefined;
}

/** The cursor to resume after `lastId` (or from the start). */
export function resumeCursor(lastId: Uint8Array | undefined): IdCursor {
  return lastId ? { bracket: bracketOfId(lastId), lastId } : { bracket: 0 };
}
