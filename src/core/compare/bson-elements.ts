/**
 * Walking raw BSON without decoding it. Comparison works on bytes because a
 * decoded value loses what must be compared: Int32 1 and Double 1.0 decode
 * to the same JavaScript number, and field order disappears in some decoders.
 */

import { isUtf8 } from 'node:buffer';

/** One element of a BSON document, as offsets into the document's bytes. */
export interface BsonElement {
  type: number;
  /** Offset of the type byte. */
  start: number;
  /** Offset of the name's first byte; the name ends at `nameEnd` (its NUL). */
  nameStart: number;
  nameEnd: number;
  valueStart: number;
  /** Offset just past the value. */
  end: number;
}

export const BSON_TYPE = {
  document: 0x03,
  array: 0x04,
  binary: 0x05,
  objectId: 0x07,
  string: 0x02,
  int32: 0x10,
} as const;

const FIXED_SIZES = new Map<number, number>([
  [0x01, 8], // double
  [0x06, 0], // undefined
  [0x07, 12], // ObjectId
  [0x08, 1], // boolean
  [0x09, 8], // date
  [0x0a, 0], // null
  [0x10, 4], // int32
  [0x11, 8], // timestamp
  [0x12, 8], // int64
  [0x13, 16], // decimal128
  [0xff, 0], // minKey
  [0x7f, 0], // maxKey
]);

function createMalformedError(problem: string, offset: number): TypeError {
  return new TypeError(`malformed BSON: ${problem} at byte ${offset}`);
}

function readInt32(bytes: Uint8Array, offset: number): number {
  if (offset + 4 > bytes.length) throw createMalformedError('length runs past the end', offset);
  return (
    (bytes[offset] as number) |
    ((bytes[offset + 1] as number) << 8) |
    ((bytes[offset + 2] as number) << 16) |
    ((bytes[offset + 3] as number) << 24)
  );
}

function findCstringEnd(bytes: Uint8Array, offset: number, limit: number): number {
  const end = bytes.indexOf(0, offset);
  if (end < 0 || end >= limit) throw createMalformedError('unterminated name', offset);
  return end;
}

function measureValue(bytes: Uint8Array, type: number, at: number, limit: number): number {
  const fixed = FIXED_SIZES.get(type);
  if (fixed !== undefined) return fixed;
  switch (type) {
    case 0x02: // string
    case 0x0d: // JavaScript code
    case 0x0e: // symbol
      return 4 + readInt32(bytes, at);
    case 0x03: // document
    case 0x04: // array
    case 0x0f: // code with scope
      return readInt32(bytes, at);
    case 0x05: // binary: length, subtype, bytes
      return 5 + readInt32(bytes, at);
    case 0x0b: // regular expression: pattern and flags
      return findCstringEnd(bytes, findCstringEnd(bytes, at, limit) + 1, limit) + 1 - at;
    case 0x0c: // DBPointer: string then ObjectId
      return 4 + readInt32(bytes, at) + 12;
    default:
      throw createMalformedError(`unknown element type 0x${type.toString(16)}`, at - 1);
  }
}

/** The element at `offset`, or undefined at the document's closing NUL (at `limit`). */
export function readElementAt(
  bytes: Uint8Array,
  offset: number,
  limit: number,
): BsonElement | undefined {
  const type = bytes[offset];
  if (offset === limit && type === 0) return undefined;
  if (type === undefined || type === 0 || offset >= limit) {
    throw createMalformedError('document ends early', offset);
  }
  const nameEnd = findCstringEnd(bytes, offset + 1, limit);
  const valueStart = nameEnd + 1;
  const end = valueStart + measureValue(bytes, type, valueStart, limit);
  if (end > limit || end < valueStart)
    throw createMalformedError('value runs past the end', valueStart);
  return { type, start: offset, nameStart: offset + 1, nameEnd, valueStart, end };
}

/** Every element of the document (or array) that starts at `offset`. */
export function listElements(bytes: Uint8Array, offset = 0): BsonElement[] {
  const limit = offset + readInt32(bytes, offset);
  if (limit > bytes.length || limit < offset + 5)
    throw createMalformedError('bad document length', offset);
  const elements: BsonElement[] = [];
  let element = readElementAt(bytes, offset + 4, limit - 1);
  while (element) {
    elements.push(element);
    element = readElementAt(bytes, element.end, limit - 1);
  }
  return elements;
}

/** True when the element's name is exactly `name` (ASCII). */
export function hasName(bytes: Uint8Array, element: BsonElement, name: string): boolean {
  if (element.nameEnd - element.nameStart !== name.length) return false;
  for (let i = 0; i < name.length; i++) {
    if (bytes[element.nameStart + i] !== name.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * The `_id` element's type byte and value bytes (its name left out), copied
 * out of the document; undefined when the document has no `_id`. MongoDB stores
 * `_id` first, so this usually reads one element.
 */
export function readIdElement(doc: Uint8Array): Uint8Array | undefined {
  const limit = readInt32(doc, 0) - 1;
  let element = readElementAt(doc, 4, limit);
  while (element) {
    if (hasName(doc, element, '_id')) return joinTypeAndValue(doc, element);
    element = readElementAt(doc, element.end, limit);
  }
  return undefined;
}

// A copy, so that a kept `_id` never pins the driver's whole batch buffer.
function joinTypeAndValue(doc: Uint8Array, element: BsonElement): Uint8Array {
  const out = Buffer.allocUnsafe(1 + element.end - element.valueStart);
  out[0] = element.type;
  out.set(doc.subarray(element.valueStart, element.end), 1);
  return out;
}

/** MongoDB's nesting limit for stored documents is 100; allow a little more than that. */
const MAX_DEPTH = 200;

/**
 * Throws a "malformed BSON" TypeError unless `doc` is exactly one
 * well-formed document: lengths that agree, known element types, strings
 * ending in their NUL, booleans 0 or 1, and the same inside every nested
 * document, array and code-with-scope. These are the faults for which a
 * server refuses or drops a whole message; UTF-8 is not checked (decoding
 * with validation off does not check it either). Nothing is allocated.
 */
export function checkDocument(doc: Uint8Array): void {
  const length = checkDocumentAt(doc, 0, doc.length, 0);
  if (length !== doc.length) throw createMalformedError('bytes after the document', length);
}

function checkDocumentAt(bytes: Uint8Array, offset: number, room: number, depth: number): number {
  if (depth > MAX_DEPTH) throw createMalformedError('documents nested too deep', offset);
  if (room < 5) throw createMalformedError('document shorter than 5 bytes', offset);
  const length = readInt32(bytes, offset);
  if (length < 5 || length > room) throw createMalformedError('bad document length', offset);
  const limit = offset + length - 1;
  if (bytes[limit] !== 0) throw createMalformedError('document does not end in NUL', limit);
  let element = readElementAt(bytes, offset + 4, limit);
  while (element) {
    checkValue(bytes, element, depth);
    element = readElementAt(bytes, element.end, limit);
  }
  return length;
}

/** A length-prefixed string at `at`: at least its NUL, which it ends with. */
function checkString(bytes: Uint8Array, at: number, end: number): number {
  const length = readInt32(bytes, at);
  if (length < 1 || at + 4 + length > end) throw createMalformedError('bad string length', at);
  if (bytes[at + 4 + length - 1] !== 0) throw createMalformedError('string without its NUL', at);
  return 4 + length;
}

function checkValue(bytes: Uint8Array, element: BsonElement, depth: number): void {
  const { valueStart: at, end } = element;
  switch (element.type) {
    case 0x02: // string
    case 0x0d: // JavaScript code
    case 0x0e: // symbol
    case 0x0c: // DBPointer (its ObjectId is fixed-size)
      checkString(bytes, at, end);
      return;
    case 0x03: // document
    case 0x04: // array
      checkDocumentAt(bytes, at, end - at, depth + 1);
      return;
    case 0x05: // binary
      if (readInt32(bytes, at) < 0) throw createMalformedError('negative binary length', at);
      return;
    case 0x08: // boolean
      if ((bytes[at] as number) > 1) throw createMalformedError('boolean neither 0 nor 1', at);
      return;
    case 0x0f: {
      // code with scope: total length, code string, scope document
      const code = checkString(bytes, at + 4, end);
      const scope = checkDocumentAt(bytes, at + 4 + code, end - (at + 4 + code), depth + 1);
      if (4 + code + scope !== end - at)
        throw createMalformedError('bad code-with-scope length', at);
      return;
    }
    default:
  }
}

/**
 * The offset of the first field name or string value in a well-formed
 * document that is not valid UTF-8, or undefined when all are. BSON requires
 * UTF-8, but MongoDB stores what it is sent, while other servers (FerretDB)
 * replace the bad bytes; this names the cause when a copy comes back altered.
 */
export function findInvalidUtf8(doc: Uint8Array, offset = 0): number | undefined {
  const limit = offset + readInt32(doc, offset) - 1;
  let element = readElementAt(doc, offset + 4, limit);
  while (element) {
    const { type, valueStart: at } = element;
    if (!isUtf8(doc.subarray(element.nameStart, element.nameEnd))) return element.nameStart;
    if (type === 0x02 || type === 0x0d || type === 0x0e) {
      if (!isUtf8(doc.subarray(at + 4, at + 4 + readInt32(doc, at) - 1))) return at;
    } else if (type === 0x03 || type === 0x04) {
      const inner = findInvalidUtf8(doc, at);
      if (inner !== undefined) return inner;
    }
    element = readElementAt(doc, element.end, limit);
  }
  return undefined;
}
