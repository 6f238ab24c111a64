/**
 * Decoding raw BSON without changing it: every value stays in its BSON
 * wrapper (Int32, Int64, Double, Decimal128, Binary subtype, RegExp flags)
 * and in its field order, so encoding the result gives the same bytes.
 */
import { type Document, deserialize } from 'bson';

export const RAW_DECODE_OPTIONS = {
  promoteLongs: false,
  promoteValues: false,
  promoteBuffers: false,
  bsonRegExp: true,
  validation: { utf8: false },
} as const;

export function decodeRaw(buffer: Uint8Array): Document {
  return deserialize(buffer, RAW_DECODE_OPTIONS);
}
