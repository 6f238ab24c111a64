/**
 * Showing an `_id` kept as bytes (type byte then value): as canonical
 * Extended JSON for reports, where the type must survive (`{"$numberInt":"7"}`
 * is not `{"$numberDouble":"7.0"}`), and in a short readable form for text.
 */
import { type Binary, deserialize, EJSON, type ObjectId } from 'bson';

import { RAW_DECODE_OPTIONS } from '../bson-raw.js';
import { BSON_TYPE } from './bson-elements.js';
import { isMissingId } from './document-fingerprint.js';

const UUID_SUBTYPE = 4;

/** The `_id` as a bson value with its type kept (Int32, Double, Binary…). */
export function decodeId(id: Uint8Array): unknown {
  const name = Buffer.from('_id\0', 'latin1');
  const length = 4 + 1 + name.length + (id.length - 1) + 1;
  const doc = Buffer.alloc(length);
  doc.writeInt32LE(length, 0);
  doc[4] = id[0] as number;
  name.copy(doc, 5);
  doc.set(id.subarray(1), 5 + name.length);
  return deserialize(doc, RAW_DECODE_OPTIONS)._id;
}

/** Canonical Extended JSON of the `_id`, e.g. `{"$oid":"…"}`; `null` for a document without one. */
export function idToExtendedJson(id: Uint8Array): unknown {
  if (isMissingId(id)) return null;
  return EJSON.serialize({ _id: decodeId(id) }, { relaxed: false })._id;
}

/** A short form for people: `ObjectId('…')`, `"text"`, `42`, `UUID('…')`, else Extended JSON. */
export function formatId(id: Uint8Array): string {
  if (isMissingId(id)) return '(no _id)';
  const value = decodeId(id);
  switch (id[0]) {
    case BSON_TYPE.objectId:
      return `ObjectId('${(value as ObjectId).toHexString()}')`;
    case BSON_TYPE.string:
      return JSON.stringify(value);
    case BSON_TYPE.int32:
      return String((value as { value: number }).value);
    case BSON_TYPE.binary:
      if ((value as Binary).sub_type === UUID_SUBTYPE)
        return `UUID('${(value as Binary).toUUID().toHexString()}')`;
      break;
  }
  return EJSON.stringify(value, { relaxed: false });
}
