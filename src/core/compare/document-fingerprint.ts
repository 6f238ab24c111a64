/**
 * What the comparison keeps of each document: its `_id` (type byte and value
 * bytes) and a 128-bit hash of its bytes. Two sides match a document by the
 * `_id` bytes and call it equal when the hashes are equal, so a collection
 * is compared without holding its documents.
 */
import { hash } from 'node:crypto';

import { readIdElement } from './bson-elements.js';
import { sortFieldsDeep } from './sorted-fields.js';

/** Bytes of the document hash kept per document: a SHA-256 prefix. */
export const DOCUMENT_HASH_BYTES = 16;

/**
 * The id of a document without `_id` (legal in some archives): type byte 0,
 * which no BSON value has, then the document's hash, so it cannot collide
 * with a real `_id` and two such documents match only when identical.
 */
const NO_ID_TYPE = 0x00;

export interface DocumentFingerprint {
  /** The `_id` element's type byte then its value bytes. */
  id: Uint8Array;
  /** The first {@link DOCUMENT_HASH_BYTES} bytes of SHA-256 over the document. */
  hash: Buffer;
}

export interface FingerprintOptions {
  /** Hash the document with fields sorted recursively (types still count). */
  ignoreFieldOrder?: boolean;
}

export function fingerprintDocument(
  doc: Uint8Array,
  options: FingerprintOptions = {},
): DocumentFingerprint {
  const bytes = options.ignoreFieldOrder ? sortFieldsDeep(doc) : doc;
  const digest = hash('sha256', bytes, 'buffer').subarray(0, DOCUMENT_HASH_BYTES);
  const id = readIdElement(doc) ?? Buffer.concat([Buffer.of(NO_ID_TYPE), digest]);
  return { id, hash: digest };
}

/** True for the id {@link fingerprintDocument} gives a document without `_id`. */
export function isMissingId(id: Uint8Array): boolean {
  return id[0] === NO_ID_TYPE;
}

/**
 * A well-mixed 32-bit hash of `_id` bytes that picks a document's partition:
 * FNV-1a, then MurmurHash3's finaliser so the high bits (which the partition
 * plan uses first) depend on every input byte.
 */
export function hashIdBytes(id: Uint8Array): number {
  return hashIdRange(id, 0, id.length);
}

/** {@link hashIdBytes} of `bytes[start, end)`, without making a view of it. */
export function hashIdRange(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
