/**
 * What the reader knows about each namespace: whether the prelude announced
 * it, whether its end has been seen, and the running CRC of its documents.
 * The rules are mongorestore's (common/archive/demultiplexer.go), made
 * stricter where mongorestore lets damage through: a namespace missing from
 * the prelude is refused instead of restored.
 */
import { type Crc64, createCrc64, toArchiveCrc } from './crc64.js';
import { type ArchiveCollection, getDataCollection } from './format.js';

export interface NamespaceState {
  readonly db: string;
  readonly collection: string;
  /** False for names a time-series entry may use; those need not appear. */
  readonly required: boolean;
  status: 'unopened' | 'open' | 'closed';
  readonly crc: Crc64;
  documents: number;
  bytes: number;
}

export interface NamespaceTracker {
  /** Adds a prelude entry; returns false when its namespace is already known. */
  register(entry: ArchiveCollection): boolean;
  find(db: string, collection: string): NamespaceState | undefined;
  /** Required namespaces whose end has not been seen, as "db.collection". */
  listUnfinished(): string[];
}

export function createNamespaceTracker(): NamespaceTracker {
  const states = new Map<string, NamespaceState>();

  function add(db: string, collection: string, required: boolean): boolean {
    const key = toKey(db, collection);
    if (states.has(key)) return false;
    const state: NamespaceState = {
      db,
      collection,
      required,
      status: 'unopened',
      crc: createCrc64(),
      documents: 0,
      bytes: 0,
    };
    states.set(key, state);
    return true;
  }

  return {
    register(entry) {
      if (entry.type !== 'timeseries') return add(entry.db, entry.collection, true);
      // Servers before 8.3 keep time-series data in system.buckets.<name>;
      // later ones under the name itself. Either may carry the data.
      const buckets = add(entry.db, getDataCollection(entry), false);
      return add(entry.db, entry.collection, false) && buckets;
    },
    find(db, collection) {
      return states.get(toKey(db, collection));
    },
    listUnfinished() {
      return [...states.values()]
        .filter((state) => state.required && state.status !== 'closed')
        .map((state) => formatNamespace(state.db, state.collection));
    },
  };
}

/** The CRC as the archive stores it, signed. */
export function readArchiveCrc(state: NamespaceState): bigint {
  return toArchiveCrc(state.crc.digest());
}

export function formatNamespace(db: string, collection: string): string {
  return `${db}.${collection}`;
}

// Names may hold dots, so a separator that cannot appear in either is used.
function toKey(db: string, collection: string): string {
  return `${db}\u0000${collection}`;
}
