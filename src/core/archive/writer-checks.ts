/**
 * The writer copies documents as they are and never decodes them, so it
 * checks their framing instead: one bad length would make every byte after
 * it unreadable for mongorestore.
 */
import { MAX_WRITE_DOCUMENT_BYTES, MIN_DOCUMENT_BYTES } from './format.js';

/** Throws a RangeError unless `document` is exactly one framed BSON document. */
export function checkDocument(document: Uint8Array, namespace: string): void {
  const size = document.length;
  if (size < MIN_DOCUMENT_BYTES || size > MAX_WRITE_DOCUMENT_BYTES) {
    throw new RangeError(`A document for ${namespace} has ${size} bytes; BSON allows 5 to 16 MiB.`);
  }
  const declared =
    (document[0] as number) |
    ((document[1] as number) << 8) |
    ((document[2] as number) << 16) |
    ((document[3] as number) << 24);
  if (declared !== size || document[size - 1] !== 0) {
    throw new RangeError(`A document for ${namespace} is not one whole BSON document.`);
  }
}
