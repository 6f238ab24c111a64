/**
 * Comparing a collection's kind and creation options (capped size,
 * validator, collation, a view's pipeline…). Option order carries no
 * meaning; numbers compare by value. The collection UUID is left out: a
 * copy always has a new one.
 */
import { type PlainValue, stringifySorted, toPlainValue } from './spec-values.js';

export interface CollectionShape {
  /** "collection", "view" or "timeseries". */
  type: string;
  options: Record<string, unknown>;
}

export interface OptionsDifference {
  source: { type: string; options: PlainValue };
  target: { type: string; options: PlainValue };
}

function describe(shape: CollectionShape): { type: string; options: PlainValue } {
  return { type: shape.type || 'collection', options: toPlainValue(shape.options ?? {}) };
}

/** Undefined when both collections are of one kind with the same options. */
export function compareCollectionOptions(
  source: CollectionShape,
  target: CollectionShape,
): OptionsDifference | undefined {
  const a = describe(source);
  const b = describe(target);
  return stringifySorted(a) === stringifySorted(b) ? undefined : { source: a, target: b };
}
