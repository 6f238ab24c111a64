/**
 * A document's bytes with the fields of it and of every embedded document
 * sorted by name, for `--ignore-field-order`: two documents that differ only
 * in field order give the same bytes, while every value keeps its BSON type
 * (Int32 1 and Double 1.0 still differ). Array elements keep their order;
 * documents inside arrays are sorted too.
 */
import { BSON_TYPE, type BsonElement, listElements } from './bson-elements.js';

interface Part {
  name: Buffer;
  bytes: Buffer;
}

function encodeInt32(value: number): Buffer {
  const out = Buffer.allocUnsafe(4);
  out.writeInt32LE(value, 0);
  return out;
}

function assemble(parts: Buffer[]): Buffer {
  const length = 4 + parts.reduce((sum, part) => sum + part.length, 0) + 1;
  return Buffer.concat([encodeInt32(length), ...parts, Buffer.of(0)], length);
}

function rewriteElement(doc: Buffer, element: BsonElement): Buffer {
  const head = doc.subarray(element.start, element.valueStart);
  if (element.type === BSON_TYPE.document) {
    return Buffer.concat([head, sortFieldsDeep(doc, element.valueStart)]);
  }
  if (element.type === BSON_TYPE.array) {
    return Buffer.concat([head, rewriteArray(doc, element.valueStart)]);
  }
  return doc.subarray(element.start, element.end);
}

function rewriteArray(doc: Buffer, offset: number): Buffer {
  return assemble(listElements(doc, offset).map((element) => rewriteElement(doc, element)));
}

function compareNames(a: Part, b: Part): number {
  return Buffer.compare(a.name, b.name);
}

/**
 * The document at `offset` with its fields sorted by the bytes of their
 * names, recursively. Sorting is stable, so repeated names keep their order.
 */
export function sortFieldsDeep(bytes: Uint8Array, offset = 0): Buffer {
  const doc = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: Part[] = listElements(doc, offset).map((element) => ({
    name: doc.subarray(element.nameStart, element.nameEnd),
    bytes: rewriteElement(doc, element),
  }));
  parts.sort(compareNames);
  return assemble(parts.map((part) => part.bytes));
}
