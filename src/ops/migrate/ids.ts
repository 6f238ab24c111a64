/** Moving `_id`s between the forms the engines use: bytes, Extended JSON, driver values. */
import { EJSON, serialize } from 'bson';

import { readIdElement } from '../../core/compare/bson-elements.js';

/** The type byte and value bytes of an `_id` given as a driver value (its BSON type kept). */
export function idBytesOfValue(value: unknown): Uint8Array {
  const id = readIdElement(serialize({ _id: value }));
  if (!id) throw new Error('serialised _id not found');
  return id;
}

/** The bytes of an `_id` listed by the verification engine as canonical Extended JSON. */
export function idBytesOfExtendedJson(id: unknown): Uint8Array {
  const value = EJSON.deserialize({ _id: id } as Record<string, unknown>, { relaxed: false })._id;
  return idBytesOfValue(value);
}
