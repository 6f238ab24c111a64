/**
 * One collection's verdict: documents (counts and the differing `_id`s),
 * indexes and options. The first `maxListed` `_id`s of each kind go into
 * the result; all of them go to the report file as they are found. For the
 * first few differing documents, both versions are fetched (where both
 * sides can look documents up) to name the fields that differ.
 */
import { readIdElement } from '../../core/compare/bson-elements.js';
import {
  compareCollectionOptions,
  type OptionsDifference,
} from '../../core/compare/collection-options.js';
import { diffDocumentFields, type FieldDifferences } from '../../core/compare/field-diff.js';
import { formatId, idToExtendedJson } from '../../core/compare/id-format.js';
import { compareIndexSpecs, type IndexDifference } from '../../core/compare/index-specs.js';
import type { DiffCounts, DifferenceKind } from '../../core/compare/partition-diff.js';
import { comparePartitionStores } from './compare-partitions.js';
import type { DocumentSource, SourceCollection } from './document-source.js';
import type { PartitionStore } from './partition-store.js';
import type { ReportWriter } from './report-writer.js';

/** Differing documents per collection whose fields are looked up and shown. */
export const FIELD_DETAIL_LIMIT = 5;

export interface ListedId {
  /** Canonical Extended JSON of the `_id` (its type kept). */
  id: unknown;
  /** Short readable form, e.g. `ObjectId('…')`. */
  label: string;
}

export interface DifferentDocument extends ListedId {
  /** Which fields differ; absent when a side cannot look documents up (an archive). */
  fields?: FieldDifferences;
}

export interface CollectionComparison {
  name: string;
  type: string;
  presence: 'both' | 'source-only' | 'target-only';
  equal: boolean;
  documents: DiffCounts;
  missing: ListedId[];
  extra: ListedId[];
  different: DifferentDocument[];
  indexes: IndexDifference[];
  options?: OptionsDifference;
}

export interface CompareCollectionInput {
  name: string;
  /** Names this collection's split files (a collection name may not be a safe file name). */
  fileLabel: string;
  source: SourceCollection | undefined;
  target: SourceCollection | undefined;
  stores: { source: PartitionStore; target: PartitionStore };
  sides: { source: DocumentSource; target: DocumentSource };
  dir: string;
  memoryBudgetBytes: number;
  maxListed: number;
  report: ReportWriter | undefined;
}

async function compareDocuments(input: CompareCollectionInput) {
  const listed: Record<DifferenceKind, Uint8Array[]> = { missing: [], extra: [], different: [] };
  const counts = await comparePartitionStores(
    input.stores.source,
    input.stores.target,
    input.fileLabel,
    {
      dir: input.dir,
      memoryBudgetBytes: input.memoryBudgetBytes,
      onDifference(kind, id) {
        if (listed[kind].length < input.maxListed) listed[kind].push(Buffer.from(id));
        input.report?.add({ collection: input.name, kind, id: idToExtendedJson(id) });
      },
      drain: async () => input.report?.drain(),
    },
  );
  return { counts, listed };
}

async function findFieldDifferences(input: CompareCollectionInput, ids: Uint8Array[]) {
  const { source, target } = input.sides;
  const found = new Map<string, FieldDifferences>();
  if (ids.length === 0 || !source.findDocuments || !target.findDocuments) return found;
  const byId = (docs: Buffer[]) =>
    new Map(docs.map((doc) => [Buffer.from(readIdElement(doc) ?? []).toString('latin1'), doc]));
  const before = byId(await source.findDocuments(input.name, ids));
  const after = byId(await target.findDocuments(input.name, ids));
  for (const [key, doc] of before) {
    const other = after.get(key);
    if (other) found.set(key, diffDocumentFields(doc, other));
  }
  return found;
}

function listIds(ids: Uint8Array[]): ListedId[] {
  return ids.map((id) => ({ id: idToExtendedJson(id), label: formatId(id) }));
}

export async function compareCollection(
  input: CompareCollectionInput,
): Promise<CollectionComparison> {
  const { counts, listed } = await compareDocuments(input);
  const fields = await findFieldDifferences(input, listed.different.slice(0, FIELD_DETAIL_LIMIT));
  const different = listed.different.map((id) => {
    const detail = fields.get(Buffer.from(id).toString('latin1'));
    return { id: idToExtendedJson(id), label: formatId(id), ...(detail ? { fields: detail } : {}) };
  });
  const indexes = compareIndexSpecs(input.source?.indexes ?? [], input.target?.indexes ?? []);
  const options =
    input.source && input.target ? compareCollectionOptions(input.source, input.target) : undefined;
  const presence = input.source ? (input.target ? 'both' : 'source-only') : 'target-only';
  const documentsEqual = counts.missing + counts.extra + counts.different === 0;
  return {
    name: input.name,
    type: input.source?.type ?? input.target?.type ?? 'collection',
    presence,
    equal: presence === 'both' && documentsEqual && indexes.length === 0 && !options,
    documents: counts,
    missing: listIds(listed.missing),
    extra: listIds(listed.extra),
    different,
    indexes,
    ...(options ? { options } : {}),
  };
}
