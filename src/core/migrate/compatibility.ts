/**
 * What the target server will not take, found before anything is written:
 * a large step down in MongoDB version (Atlas runs 8.0; many self-hosters
 * stay on 4.4 because 5.0+ needs a CPU with AVX), and collection or index
 * features the target lacks, read from the very specs that would be
 * recreated. FerretDB gets its own list: no TTL, partial, text, geo, hashed
 * or wildcard indexes, no validators, views, time series or collations.
 */
import type { Document } from 'bson';

export interface ServerTraits {
  /** The MongoDB version the server reports (FerretDB reports one too). */
  version: string;
  isFerretDB: boolean;
}

export interface CollectionShape {
  name: string;
  type: string;
  options: Document;
  indexes: readonly Document[];
}

export interface CompatibilityProblem {
  collection?: string;
  index?: string;
  message: string;
}

export function parseMajorMinor(version: string): [number, number] {
  const [major, minor] = version.split('.').map((part) => Number.parseInt(part, 10));
  return [
    Number.isFinite(major) ? (major as number) : 0,
    Number.isFinite(minor) ? (minor as number) : 0,
  ];
}

function atLeast(version: string, major: number, minor = 0): boolean {
  const [a, b] = parseMajorMinor(version);
  return a > major || (a === major && b >= minor);
}

/** A warning for a step down in major version, or undefined. */
export function describeVersionGap(source: ServerTraits, target: ServerTraits): string | undefined {
  if (target.isFerretDB) return undefined;
  const [from] = parseMajorMinor(source.version);
  const [to] = parseMajorMinor(target.version);
  if (to >= from) return undefined;
  return `the target runs MongoDB ${target.version}, older than the source's ${source.version}: documents copy unchanged, but collection and index features added after ${to}.x are not available there (any the source uses are listed as separate warnings)`;
}

const SPECIAL_KEYS = new Set(['text', '2d', '2dsphere', 'geoHaystack', 'hashed']);

function keyKinds(key: unknown): { special: string[]; wildcard: boolean; fields: number } {
  const entries = key && typeof key === 'object' ? Object.entries(key as Document) : [];
  const special = entries.map(([, v]) => String(v)).filter((v) => SPECIAL_KEYS.has(v));
  const wildcard = entries.some(([field]) => field === '$**' || field.endsWith('.$**'));
  return { special, wildcard, fields: entries.length };
}

function ferretdbIndexGaps(spec: Document): string[] {
  const gaps: string[] = [];
  if (spec.expireAfterSeconds !== undefined) gaps.push('TTL (expireAfterSeconds)');
  if (spec.partialFilterExpression !== undefined) gaps.push('partial (partialFilterExpression)');
  if (spec.collation !== undefined) gaps.push('collation');
  const kinds = keyKinds(spec.key);
  for (const kind of kinds.special) gaps.push(`${kind} keys`);
  if (kinds.wildcard) gaps.push('wildcard keys');
  return gaps;
}

function mongoIndexGaps(spec: Document, version: string): string[] {
  const gaps: string[] = [];
  const kinds = keyKinds(spec.key);
  if (kinds.wildcard && !atLeast(version, 4, 2)) gaps.push('wildcard keys (4.2+)');
  if (kinds.wildcard && kinds.fields > 1 && !atLeast(version, 7))
    gaps.push('compound wildcard keys (7.0+)');
  if (spec.hidden !== undefined && !atLeast(version, 4, 4)) gaps.push('hidden (4.4+)');
  if (spec.prepareUnique !== undefined && !atLeast(version, 6)) gaps.push('prepareUnique (6.0+)');
  return gaps;
}

function ferretdbCollectionGaps(c: CollectionShape): string[] {
  const gaps: string[] = [];
  if (c.type === 'view') gaps.push('views');
  if (c.type === 'timeseries' || c.options.timeseries) gaps.push('time-series collections');
  for (const option of [
    'validator',
    'collation',
    'clusteredIndex',
    'changeStreamPreAndPostImages',
  ]) {
    if (c.options[option] !== undefined) gaps.push(option);
  }
  return gaps;
}

function mongoCollectionGaps(c: CollectionShape, version: string): string[] {
  const gaps: string[] = [];
  if ((c.type === 'timeseries' || c.options.timeseries) && !atLeast(version, 5))
    gaps.push('time-series collections (5.0+)');
  if (c.options.clusteredIndex !== undefined && !atLeast(version, 5, 3))
    gaps.push('clustered collections (5.3+)');
  if (c.options.changeStreamPreAndPostImages !== undefined && !atLeast(version, 6))
    gaps.push('changeStreamPreAndPostImages (6.0+)');
  if (c.options.encryptedFields !== undefined && !atLeast(version, 7))
    gaps.push('queryable encryption (7.0+)');
  return gaps;
}

/** Every collection option and index of `collections` the target cannot recreate. */
export function findUnsupportedFeatures(
  target: ServerTraits,
  collections: readonly CollectionShape[],
): CompatibilityProblem[] {
  const where = target.isFerretDB ? 'FerretDB' : `MongoDB ${target.version}`;
  const problems: CompatibilityProblem[] = [];
  for (const c of collections) {
    const gaps = target.isFerretDB
      ? ferretdbCollectionGaps(c)
      : mongoCollectionGaps(c, target.version);
    for (const gap of gaps)
      problems.push({ collection: c.name, message: `${c.name}: ${where} does not support ${gap}` });
    for (const spec of c.indexes) {
      const name = String(spec.name);
      const indexGaps = target.isFerretDB
        ? ferretdbIndexGaps(spec)
        : mongoIndexGaps(spec, target.version);
      if (indexGaps.length === 0) continue;
      problems.push({
        collection: c.name,
        index: name,
        message: `${c.name}: index ${name} uses ${indexGaps.join(', ')}, which ${where} does not support; it will be reported as failed`,
      });
    }
  }
  return problems;
}
