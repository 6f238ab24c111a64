/**
 * What Nightscout needs to survive a copy, beyond equal documents: every
 * auth subject keeps its `_id` (access tokens are derived from it and the
 * API secret, so a changed `_id` silently locks out every follower app), and
 * the target holds Nightscout's collections and indexes.
 */
import { createHash } from 'node:crypto';

import { deserialize, ObjectId } from 'bson';

import type { NightscoutCollections } from '../config/schema.js';
import { type IndexKey, nightscoutIndexes } from '../nightscout/indexes.js';
import { deriveAccessToken } from '../nightscout/tokens.js';
import { readIdElement } from './bson-elements.js';
import { idToExtendedJson } from './id-format.js';
import { toPlainValue } from './spec-values.js';

export interface AuthSubject {
  /** `_id` type byte and value bytes. */
  id: Uint8Array;
  /** `_id.toString()` as Nightscout computes it. */
  idText: string;
  name: string;
}

export interface TokenCheck {
  equal: boolean;
  count: number;
  /** First 16 hex digits of SHA-256 over the sorted tokens: comparable, not usable. */
  sourceFingerprint: string;
  targetFingerprint: string;
  /** Names of source subjects whose token the target does not give. */
  changedSubjects: string[];
}

export interface AuthSubjectsCheck {
  source: number;
  target: number;
  idsUnchanged: boolean;
  /** Subjects of the source whose `_id` the target lacks (Extended JSON `_id`, name). */
  missing: Array<{ id: unknown; name: string }>;
  extra: Array<{ id: unknown; name: string }>;
  /** Present when an API secret was given. */
  tokens?: TokenCheck;
}

/** The parts of an auth subject document the checks need. */
export function readAuthSubject(doc: Uint8Array): AuthSubject {
  const decoded = deserialize(doc, { promoteValues: true });
  const id: unknown = decoded._id;
  const idText = id instanceof ObjectId ? id.toHexString() : String(id);
  const name = typeof decoded.name === 'string' ? decoded.name : '';
  return { id: readIdElement(doc) ?? Buffer.alloc(0), idText, name };
}

const toKey = (subject: AuthSubject) => Buffer.from(subject.id).toString('latin1');

function fingerprintTokens(tokens: string[]): string {
  return createHash('sha256')
    .update([...tokens].sort().join('\n'))
    .digest('hex')
    .slice(0, 16);
}

function checkTokens(source: AuthSubject[], target: AuthSubject[], apiSecret: string): TokenCheck {
  const derive = (s: AuthSubject) => deriveAccessToken(apiSecret, { id: s.idText, name: s.name });
  const sourceTokens = source.map(derive);
  const targetTokens = new Set(target.map(derive));
  const changedSubjects = source
    .filter((_, i) => !targetTokens.has(sourceTokens[i] as string))
    .map((s) => s.name);
  const sourceFingerprint = fingerprintTokens(sourceTokens);
  const targetFingerprint = fingerprintTokens([...targetTokens]);
  const equal =
    sourceFingerprint === targetFingerprint && targetTokens.size === sourceTokens.length;
  return {
    equal,
    count: sourceTokens.length,
    sourceFingerprint,
    targetFingerprint,
    changedSubjects,
  };
}

/** Compares the auth subjects of both sides; tokens too when `apiSecret` is given. */
export function checkAuthSubjects(
  source: AuthSubject[],
  target: AuthSubject[],
  apiSecret?: string,
): AuthSubjectsCheck {
  const sourceIds = new Set(source.map(toKey));
  const targetIds = new Set(target.map(toKey));
  const show = (s: AuthSubject) => ({ id: idToExtendedJson(s.id), name: s.name });
  const missing = source.filter((s) => !targetIds.has(toKey(s))).map(show);
  const extra = target.filter((s) => !sourceIds.has(toKey(s))).map(show);
  return {
    source: source.length,
    target: target.length,
    idsUnchanged: missing.length === 0 && extra.length === 0,
    missing,
    extra,
    ...(apiSecret ? { tokens: checkTokens(source, target, apiSecret) } : {}),
  };
}

export interface NightscoutLayoutCheck {
  /** Nightscout collections the source has and the target lacks. */
  missingCollections: string[];
  /** Nightscout's indexes absent (by key) from a Nightscout collection on the target. */
  missingIndexes: Array<{ collection: string; name: string; key: IndexKey }>;
}

function describeKey(key: unknown): string {
  return JSON.stringify(Object.entries((toPlainValue(key) ?? {}) as object));
}

/** Checks the target against Nightscout's collections (as configured) and indexes. */
export function checkNightscoutLayout(
  collections: NightscoutCollections,
  sourceNames: ReadonlySet<string>,
  targetIndexes: ReadonlyMap<string, readonly Record<string, unknown>[]>,
): NightscoutLayoutCheck {
  const expected = nightscoutIndexes(collections);
  const result: NightscoutLayoutCheck = { missingCollections: [], missingIndexes: [] };
  for (const [key, name] of Object.entries(collections) as [
    keyof NightscoutCollections,
    string,
  ][]) {
    const present = targetIndexes.get(name);
    if (!present) {
      if (sourceNames.has(name)) result.missingCollections.push(name);
      continue;
    }
    const keys = new Set(present.map((spec) => describeKey(spec.key)));
    for (const spec of expected[key]) {
      if (!keys.has(describeKey(spec.key)))
        result.missingIndexes.push({ collection: name, name: spec.name, key: spec.key });
    }
  }
  return result;
}
