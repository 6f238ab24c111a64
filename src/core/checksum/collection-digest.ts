/**
 * An order-independent checksum of a collection's documents: the sum, modulo
 * 2^256, of the SHA-256 of each document's raw BSON, with the document count
 * and byte total beside it. A backup and the database it came from (or a
 * restore of it) give the same digest whatever order their documents are
 * read in; a changed, dropped or duplicated document changes it.
 *
 * It guards against accident, not an adversary: someone who may choose very
 * many documents can, with much work, find two multisets with one sum
 * (Wagner's generalized birthday attack on additive hashes).
 */
import { hash } from 'node:crypto';

/** A digest's state, for manifests and for merging digests computed apart. */
export interface CollectionDigestSnapshot {
  count: number;
  bytes: number;
  /** The 256-bit sum as 64 lowercase hex digits, most significant first. */
  sum: string;
}

export interface CollectionDigest {
  readonly count: number;
  readonly bytes: number;
  /** Adds one document's raw BSON. */
  add(document: Uint8Array): void;
  /** Adds every document another digest has seen (e.g. one per worker). */
  merge(other: CollectionDigest | CollectionDigestSnapshot): void;
  /** Count, bytes and sum in one comparable string: `<count>:<bytes>:<sum hex>`. */
  digest(): string;
  toJSON(): CollectionDigestSnapshot;
}

const WORDS = 8;
const SUM_HEX = /^[0-9a-f]{64}$/;

export function createCollectionDigest(from?: CollectionDigestSnapshot): CollectionDigest {
  // Eight 32-bit words, least significant first.
  const sum = new Uint32Array(WORDS);
  let count = 0;
  let bytes = 0;
  if (from !== undefined) mergeSnapshot(from);

  function mergeSnapshot(snapshot: CollectionDigestSnapshot): void {
    const counts = [snapshot.count, snapshot.bytes];
    if (!SUM_HEX.test(snapshot.sum) || !counts.every((n) => Number.isSafeInteger(n) && n >= 0)) {
      throw new TypeError(`not a collection digest: ${JSON.stringify(snapshot)}`);
    }
    addBigEndian(sum, Buffer.from(snapshot.sum, 'hex'));
    count += snapshot.count;
    bytes += snapshot.bytes;
  }

  return {
    get count() {
      return count;
    },
    get bytes() {
      return bytes;
    },
    add(document) {
      addBigEndian(sum, hash('sha256', document, 'buffer'));
      count++;
      bytes += document.length;
    },
    merge(other) {
      mergeSnapshot('toJSON' in other ? other.toJSON() : other);
    },
    digest() {
      return `${count}:${bytes}:${formatSum(sum)}`;
    },
    toJSON() {
      return { count, bytes, sum: formatSum(sum) };
    },
  };
}

/** Adds a 32-byte big-endian number into the sum, dropping the carry out of the top. */
function addBigEndian(sum: Uint32Array, value: Uint8Array): void {
  let carry = 0;
  for (let word = 0; word < WORDS; word++) {
    const at = (WORDS - 1 - word) * 4;
    const part =
      (((value[at] as number) << 24) |
        ((value[at + 1] as number) << 16) |
        ((value[at + 2] as number) << 8) |
        (value[at + 3] as number)) >>>
      0;
    const total = (sum[word] as number) + part + carry;
    sum[word] = total >>> 0;
    carry = total > 0xffffffff ? 1 : 0;
  }
}

function formatSum(sum: Uint32Array): string {
  let hex = '';
  for (let word = WORDS - 1; word >= 0; word--) {
    hex += (sum[word] as number).toString(16).padStart(8, '0');
  }
  return hex;
}
