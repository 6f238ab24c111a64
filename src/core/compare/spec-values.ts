/**
 * Index specs and collection options arrive in two shapes: from a server as
 * plain JavaScript values, from an archive's metadata with numbers in bson
 * wrappers (Int32, Double, Long). Specs are compared by meaning, where
 * `{ date: 1 }` and `{ date: 1.0 }` name the same index, so both shapes are
 * brought to plain JSON-able values first.
 */
import { EJSON } from 'bson';

type Plain = null | boolean | number | string | Plain[] | { [key: string]: Plain };

interface BsonValue {
  _bsontype: string;
  valueOf?(): unknown;
  toString(): string;
}

function isBsonValue(value: object): value is BsonValue {
  return typeof (value as { _bsontype?: unknown })._bsontype === 'string';
}

function toPlainBson(value: BsonValue): Plain {
  switch (value._bsontype) {
    case 'Int32':
    case 'Double':
      return Number(value.valueOf?.());
    case 'Long': {
      const n = Number(value.toString());
      return Number.isSafeInteger(n) ? n : value.toString();
    }
    case 'Decimal128':
      return value.toString();
    default:
      return EJSON.serialize({ v: value }, { relaxed: false }).v as Plain;
  }
}

/** A deep copy with bson numbers as numbers and other bson values as Extended JSON; key order kept. */
export function toPlainValue(value: unknown): Plain {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint')
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (Array.isArray(value)) return value.map(toPlainValue);
  if (typeof value === 'object') {
    if (isBsonValue(value)) return toPlainBson(value);
    if (value instanceof Date) return value.toISOString();
    const out: { [key: string]: Plain } = {};
    for (const [key, inner] of Object.entries(value)) out[key] = toPlainValue(inner);
    return out;
  }
  return String(value);
}

/** JSON text with the keys of every object sorted, for comparing where order has no meaning. */
export function stringifySorted(value: Plain): string {
  return JSON.stringify(value, (_key, inner: Plain) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    return Object.fromEntries(
      Object.keys(inner)
        .sort()
        .map((k) => [k, inner[k]]),
    );
  });
}

export type { Plain as PlainValue };
