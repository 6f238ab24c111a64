/**
 * Comparing index specs by name. The server adds fields of its own (`v`,
 * `ns` before 4.4, version numbers of text and geo indexes) and keeps ones
 * that no longer do anything (`background` since 4.2); those are dropped.
 * The order of `key` matters (`{a:1,b:1}` is not `{b:1,a:1}`); the order of
 * the other options does not, and numbers compare by value.
 */
import { type PlainValue, stringifySorted, toPlainValue } from './spec-values.js';

const SERVER_FIELDS = new Set([
  'v',
  'ns',
  'background',
  'textIndexVersion',
  '2dsphereIndexVersion',
]);

export interface IndexDifference {
  name: string;
  /** missing: on the source only; extra: on the target only; different: options or key differ. */
  kind: 'missing' | 'extra' | 'different';
  source?: Record<string, PlainValue>;
  target?: Record<string, PlainValue>;
}

/** The spec without server-added fields, as plain values, key order kept. */
export function normalizeIndexSpec(spec: Record<string, unknown>): Record<string, PlainValue> {
  const out: Record<string, PlainValue> = {};
  for (const [field, value] of Object.entries(spec)) {
    if (!SERVER_FIELDS.has(field)) out[field] = toPlainValue(value);
  }
  return out;
}

/** A string equal for two specs exactly when they define the same index. */
export function describeIndexSpec(spec: Record<string, PlainValue>): string {
  const key = spec.key;
  const orderedKey =
    key !== null && typeof key === 'object' && !Array.isArray(key) ? Object.entries(key) : key;
  return stringifySorted({ ...spec, key: orderedKey ?? null });
}

function indexByName(
  specs: readonly Record<string, unknown>[],
): Map<string, Record<string, PlainValue>> {
  return new Map(specs.map((spec) => [String(spec.name), normalizeIndexSpec(spec)]));
}

/** Index differences between two collections, sorted by index name. */
export function compareIndexSpecs(
  source: readonly Record<string, unknown>[],
  target: readonly Record<string, unknown>[],
): IndexDifference[] {
  const a = indexByName(source);
  const b = indexByName(target);
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  const differences: IndexDifference[] = [];
  for (const name of names) {
    const sa = a.get(name);
    const sb = b.get(name);
    if (sa && !sb) differences.push({ name, kind: 'missing', source: sa });
    else if (!sa && sb) differences.push({ name, kind: 'extra', target: sb });
    else if (sa && sb && describeIndexSpec(sa) !== describeIndexSpec(sb)) {
      differences.push({ name, kind: 'different', source: sa, target: sb });
    }
  }
  return differences;
}
