/**
 * A collection's metadata.json as mongodump writes it (mongo-tools,
 * mongodump/metadata_dump.go): `options` (left out when empty), `indexes`
 * (always an array), `uuid` (32 hex digits, left out when unknown),
 * `collectionName` and `type` (left out when unknown), in that order, as
 * canonical Extended JSON. mongorestore parses it in canonical mode, so
 * every number keeps its BSON type: `{"$numberInt":"1"}`, never `1`.
 */
import { type Binary, type Document, EJSON } from 'bson';
import { NsctlError } from '../errors.js';

export interface CollectionMetadata {
  /** listCollections `options`; absent for a collection created without any. */
  options?: Document;
  /** listIndexes results, each in server order (`v`, `key`, `name`, …). */
  indexes: Document[];
  /** The collection UUID as 32 lowercase hex digits. */
  uuid?: string;
  collectionName: string;
  /** "collection", "view" or "timeseries". */
  type?: string;
}

export interface CollectionMetadataInput {
  collectionName: string;
  /**
   * Decode listCollections and listIndexes replies with `promoteValues: false`
   * (or pass bson Int32/Double/Long values) so each number keeps its BSON type;
   * a plain JS integer is written as int32 (or int64 when larger).
   */
  options?: Document;
  indexes?: Document[];
  /** listCollections `info.uuid` (a UUID/Binary of subtype 4) or its hex digits. */
  uuid?: Binary | string;
  type?: string;
}

const UUID_SUBTYPE = 4;
const UUID_HEX = /^[0-9a-f]{32}$/;

/** The metadata.json text for one collection, byte for byte as mongodump lays it out. */
export function buildCollectionMetadata(input: CollectionMetadataInput): string {
  const doc: Document = {};
  if (input.options !== undefined && Object.keys(input.options).length > 0) {
    doc.options = input.options;
  }
  doc.indexes = input.indexes ?? [];
  const uuid = normalizeUuid(input.uuid);
  if (uuid !== undefined) doc.uuid = uuid;
  doc.collectionName = input.collectionName;
  if (input.type !== undefined && input.type !== '') doc.type = input.type;
  return EJSON.stringify(doc, { relaxed: false });
}

// Like mongodump, a UUID that is not a subtype-4 binary is left out.
function normalizeUuid(uuid: Binary | string | undefined): string | undefined {
  if (uuid === undefined) return undefined;
  if (typeof uuid === 'string') {
    const hex = uuid.replaceAll('-', '').toLowerCase();
    if (!UUID_HEX.test(hex)) throw new TypeError(`not a UUID: ${uuid}`);
    return hex;
  }
  if (uuid.sub_type !== UUID_SUBTYPE || uuid.length() !== 16) return undefined;
  return Buffer.from(uuid.buffer.subarray(0, 16)).toString('hex');
}

/**
 * Reads metadata.json text back. Numbers come back as bson Int32, Double and
 * Long values, so building the text again from the result gives the same text.
 */
export function parseCollectionMetadata(text: string, where?: string): CollectionMetadata {
  let parsed: unknown;
  try {
    parsed = EJSON.parse(text, { relaxed: false });
  } catch (error) {
    throw invalidMetadata(`is not valid Extended JSON (${(error as Error).message})`, where, error);
  }
  if (!isPlainObject(parsed)) throw invalidMetadata('is not a JSON object', where);
  const { options, indexes = [], uuid, collectionName = '', type } = parsed;

  if (options !== undefined && !isPlainObject(options)) {
    throw invalidMetadata('has `options` that is not an object', where);
  }
  if (!Array.isArray(indexes) || !indexes.every(isPlainObject)) {
    throw invalidMetadata('has `indexes` that is not an array of objects', where);
  }
  for (const [field, value] of Object.entries({ uuid, collectionName, type })) {
    if (value !== undefined && typeof value !== 'string') {
      throw invalidMetadata(`has \`${field}\` that is not a string`, where);
    }
  }
  return {
    ...(options === undefined ? {} : { options }),
    indexes,
    ...(uuid === undefined ? {} : { uuid: uuid as string }),
    collectionName: collectionName as string,
    ...(type === undefined ? {} : { type: type as string }),
  };
}

// EJSON turns documents into plain objects and typed values (Int32, Long…)
// into class instances; only the former are documents.
function isPlainObject(value: unknown): value is Document {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function invalidMetadata(problem: string, where?: string, cause?: unknown): NsctlError {
  const subject = where === undefined ? 'collection metadata' : `metadata of ${where}`;
  return new NsctlError('ARCHIVE_CORRUPT', `The ${subject} ${problem}.`, {
    ...(where === undefined ? {} : { where }),
    ...(cause === undefined ? {} : { cause }),
  });
}
