/**
 * The Nightscout section of a verification: auth subjects keep their `_id`s
 * (and, given the API secret, their access tokens), and the target holds
 * Nightscout's collections and indexes. Missing Nightscout indexes are a
 * warning, not a failure: Nightscout creates them at its next start (which
 * can take long on a big collection), and an index the source has and the
 * target lacks already fails the collection's comparison.
 */
import {
  type AuthSubjectsCheck,
  checkAuthSubjects,
  checkNightscoutLayout,
  type NightscoutLayoutCheck,
} from '../../core/compare/nightscout-checks.js';
import type { NightscoutCollections } from '../../core/config/schema.js';
import type { SourceCollection } from './document-source.js';
import type { SideScan } from './scan-side.js';

export interface NightscoutReport {
  ok: boolean;
  /** The auth subjects check; absent when the collection was not compared. */
  authSubjects?: AuthSubjectsCheck & { collection: string };
  layout: NightscoutLayoutCheck;
  warnings: string[];
}

export interface NightscoutCheckInput {
  collections: NightscoutCollections;
  apiSecret?: string;
  /** The collections compared. */
  names: readonly string[];
  scans: [SideScan, SideScan];
  specs: [ReadonlyMap<string, SourceCollection>, ReadonlyMap<string, SourceCollection>];
}

function describeWarnings(input: NightscoutCheckInput, layout: NightscoutLayoutCheck): string[] {
  const gaps = new Map<string, string[]>();
  for (const gap of layout.missingIndexes)
    gaps.set(gap.collection, [...(gaps.get(gap.collection) ?? []), gap.name]);
  const warnings = [...gaps].map(
    ([collection, names]) =>
      `${collection}: ${names.length} of Nightscout's indexes missing on the target (${names.join(', ')}); Nightscout builds them at its next start`,
  );
  if (!input.names.includes(input.collections.authSubjects)) {
    warnings.push(
      `${input.collections.authSubjects} was not compared, so access tokens were not checked`,
    );
  } else if (!input.apiSecret) {
    warnings.push(
      'access tokens not derived: give the API secret (--api-secret-from-config) to compare them',
    );
  }
  return warnings;
}

export function checkNightscout(input: NightscoutCheckInput): NightscoutReport {
  const [source, target] = input.specs;
  const sourceNames = new Set([...source.keys()].filter((name) => input.names.includes(name)));
  const compared = [...target.values()].filter((c) => input.names.includes(c.name));
  const targetIndexes = new Map(compared.map((c) => [c.name, c.indexes]));
  const layout = checkNightscoutLayout(input.collections, sourceNames, targetIndexes);
  const authName = input.collections.authSubjects;
  const auth = input.names.includes(authName)
    ? checkAuthSubjects(input.scans[0].subjects, input.scans[1].subjects, input.apiSecret)
    : undefined;
  const ok =
    layout.missingCollections.length === 0 &&
    (auth?.idsUnchanged ?? true) &&
    (auth?.tokens?.equal ?? true);
  return {
    ok,
    ...(auth ? { authSubjects: { collection: authName, ...auth } } : {}),
    layout,
    warnings: describeWarnings(input, layout),
  };
}
