/**
 * Which fields make two versions of a document differ, by dotted path, with
 * the BSON type on each side: a type change (`value: int → double`) shows
 * even where the numbers print alike. Embedded documents are followed down;
 * arrays and other values are compared whole.
 */
import { BSON_TYPE, type BsonElement, listElements } from './bson-elements.js';

export interface ChangedField {
  path: string;
  /** BSON type alias as in MongoDB's `$type`, e.g. `int`, `double`, `string`. */
  sourceType: string;
  targetType: string;
}

export interface FieldDifferences {
  changed: ChangedField[];
  /** Paths present in the source version only. */
  removed: string[];
  /** Paths present in the target version only. */
  added: string[];
  /** Same fields and values at some level, in another order. */
  reordered: string[];
}

const TYPE_ALIASES: Record<number, string> = {
  1: 'double',
  2: 'string',
  3: 'object',
  4: 'array',
  5: 'binData',
  6: 'undefined',
  7: 'objectId',
  8: 'bool',
  9: 'date',
  10: 'null',
  11: 'regex',
  12: 'dbPointer',
  13: 'javascript',
  14: 'symbol',
  15: 'javascriptWithScope',
  16: 'int',
  17: 'timestamp',
  18: 'long',
  19: 'decimal',
  255: 'minKey',
  127: 'maxKey',
};

/** MongoDB's `$type` alias for a BSON type byte. */
export function bsonTypeName(type: number): string {
  return TYPE_ALIASES[type] ?? `0x${type.toString(16)}`;
}

interface Side {
  bytes: Buffer;
  elements: Map<string, BsonElement>;
  order: string[];
}

function readSide(bytes: Buffer, offset: number): Side {
  const elements = new Map<string, BsonElement>();
  for (const element of listElements(bytes, offset)) {
    const name = bytes.toString('utf8', element.nameStart, element.nameEnd);
    if (!elements.has(name)) elements.set(name, element);
  }
  return { bytes, elements, order: [...elements.keys()] };
}

function sliceValue(side: Side, element: BsonElement): Buffer {
  return side.bytes.subarray(element.valueStart, element.end);
}

function compareLevel(a: Side, b: Side, prefix: string, out: FieldDifferences): void {
  for (const [name, ea] of a.elements) {
    const path = `${prefix}${name}`;
    const eb = b.elements.get(name);
    if (!eb) out.removed.push(path);
    else if (ea.type === BSON_TYPE.document && eb.type === BSON_TYPE.document) {
      compareLevel(
        readSide(a.bytes, ea.valueStart),
        readSide(b.bytes, eb.valueStart),
        `${path}.`,
        out,
      );
    } else if (ea.type !== eb.type || !sliceValue(a, ea).equals(sliceValue(b, eb))) {
      out.changed.push({
        path,
        sourceType: bsonTypeName(ea.type),
        targetType: bsonTypeName(eb.type),
      });
    }
  }
  for (const name of b.order) if (!a.elements.has(name)) out.added.push(`${prefix}${name}`);
  const common = a.order.filter((name) => b.elements.has(name));
  const commonB = b.order.filter((name) => a.elements.has(name));
  if (common.some((name, i) => commonB[i] !== name))
    out.reordered.push(prefix === '' ? '(top level)' : prefix.slice(0, -1));
}

/** The field-level differences between a document's source and target versions. */
export function diffDocumentFields(source: Uint8Array, target: Uint8Array): FieldDifferences {
  const out: FieldDifferences = { changed: [], removed: [], added: [], reordered: [] };
  compareLevel(readSide(Buffer.from(source), 0), readSide(Buffer.from(target), 0), '', out);
  return out;
}
