/**
 * The seed as a plan: for each Nightscout collection, a lazy document stream
 * and its exact count. Pure: no I/O, no clock; the caller passes `end`.
 */
import { countDeviceStatus, generateDeviceStatus } from './devicestatus.js';
import { countEntries, generateEntries } from './entries.js';
import { profileDocuments } from './profile.js';
import { createSite } from './site.js';
import {
  activityDocuments,
  authRoleDocuments,
  authSubjectDocuments,
  foodDocuments,
  settingsDocuments,
} from './small-collections.js';
import { countTreatments, generateTreatments } from './treatments.js';
import type { SeedCollectionPlan, SeedDocument, SeedOptions } from './types.js';

async function* fromIterable(docs: Iterable<SeedDocument>): AsyncGenerator<SeedDocument> {
  yield* docs;
}

function countOf(docs: Iterable<SeedDocument>): number {
  let count = 0;
  for (const _ of docs) count++;
  return count;
}

function fixed(
  key: SeedCollectionPlan['key'],
  make: () => Iterable<SeedDocument>,
): SeedCollectionPlan {
  return { key, count: () => countOf(make()), documents: () => fromIterable(make()) };
}

/** Collections in the order they are written: the largest first, for an early ETA. */
export function createSeedPlan(options: SeedOptions): SeedCollectionPlan[] {
  if (!Number.isInteger(options.days) || options.days < 1) {
    throw new RangeError(`days must be a positive integer, got ${options.days}`);
  }
  const site = createSite(options);
  return [
    {
      key: 'devicestatus',
      count: () => countDeviceStatus(site),
      documents: () => generateDeviceStatus(site),
    },
    { key: 'entries', count: () => countEntries(site), documents: () => generateEntries(site) },
    {
      key: 'treatments',
      count: () => countTreatments(site),
      documents: () => generateTreatments(site),
    },
    fixed('profile', () => profileDocuments(site)),
    fixed('food', () => foodDocuments(site)),
    fixed('activity', () => activityDocuments(site)),
    fixed('settings', () => settingsDocuments(site)),
    fixed('authRoles', () => authRoleDocuments(site)),
    fixed('authSubjects', () => authSubjectDocuments(site)),
  ];
}
