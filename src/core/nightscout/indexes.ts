/**
 * The indexes Nightscout itself creates, per collection. Nightscout 15 asks
 * for them at boot (`ensureIndexes` over each storage module's
 * `indexedFields`), again for every API v3 collection (`identifier`,
 * `srvModified`, `isValid`), and for the authorization collections (`name`).
 * A plain field name means an ascending single-field index; names follow
 * MongoDB's default naming, so they match what a real site holds.
 */
import type { NightscoutCollections } from '../config/schema.js';

export type IndexKey = Record<string, 1 | -1>;

export interface IndexSpec {
  key: IndexKey;
  /** MongoDB's default name for the key, e.g. `type_1_date_-1`. */
  name: string;
  /** Which part of Nightscout creates it. */
  source: 'api-v1' | 'api-v3' | 'authorization';
}

type Field = string | IndexKey;
type CollectionKey = keyof NightscoutCollections;

/** lib/server/*.js `indexedFields`, Nightscout 15.0. */
const V1_FIELDS: Partial<Record<CollectionKey, Field[]>> = {
  entries: [
    'date',
    'type',
    'sgv',
    'mbg',
    'sysTime',
    'dateString',
    'identifier',
    { type: 1, date: -1, dateString: 1 },
    { date: -1, identifier: -1, created_at: -1 },
  ],
  treatments: [
    'created_at',
    'eventType',
    'insulin',
    'carbs',
    'glucose',
    'enteredBy',
    'boluscalc.foods._id',
    'notes',
    'NSCLIENT_ID',
    'percent',
    'absolute',
    'duration',
    'identifier',
    { eventType: 1, duration: 1, created_at: 1 },
  ],
  devicestatus: ['created_at', 'NSCLIENT_ID'],
  profile: ['startDate', 'created_at', 'NSCLIENT_ID', { startDate: -1, _id: -1 }],
  food: ['type', 'position', 'hidden'],
  activity: ['created_at'],
};

/** lib/api3: every generic collection gets these. */
const V3_COLLECTIONS: CollectionKey[] = [
  'devicestatus',
  'entries',
  'food',
  'profile',
  'settings',
  'treatments',
];
const V3_FIELDS: Field[] = ['identifier', 'srvModified', 'isValid'];

/** lib/authorization/storage.js */
const AUTH_FIELDS: Partial<Record<CollectionKey, Field[]>> = {
  authRoles: ['name'],
  authSubjects: ['name'],
};

export function indexName(key: IndexKey): string {
  return Object.entries(key)
    .map(([field, direction]) => `${field}_${direction}`)
    .join('_');
}

function toSpec(field: Field, source: IndexSpec['source']): IndexSpec {
  const key: IndexKey = typeof field === 'string' ? { [field]: 1 } : field;
  return { key, name: indexName(key), source };
}

/**
 * Nightscout's indexes for each collection, keyed like the config's
 * `nightscout.collections` (so `authRoles`, not `auth_roles`); look the
 * collection's real name up there. The `_id` index is implicit and not listed.
 */
export function nightscoutIndexes(
  collections: NightscoutCollections,
): Record<CollectionKey, IndexSpec[]> {
  const result = {} as Record<CollectionKey, IndexSpec[]>;
  for (const key of Object.keys(collections) as CollectionKey[]) {
    const specs = [
      ...(V1_FIELDS[key] ?? []).map((f) => toSpec(f, 'api-v1')),
      ...(V3_COLLECTIONS.includes(key) ? V3_FIELDS.map((f) => toSpec(f, 'api-v3')) : []),
      ...(AUTH_FIELDS[key] ?? []).map((f) => toSpec(f, 'authorization')),
    ];
    // API v1 and v3 both ask for `identifier` on entries and treatments: one index.
    result[key] = specs.filter((spec, i) => specs.findIndex((s) => s.name === spec.name) === i);
  }
  return result;
}
