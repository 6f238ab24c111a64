/** Seeding a database with deterministic Nightscout data: plan, connect, write. */
import { connectMongo, type MongoTarget } from '../adapters/mongo/connect.js';
import { type SeededCollection, writeSeed } from '../adapters/mongo/seed-writer.js';
import type { NightscoutCollections } from '../core/config/schema.js';
import type { Progress } from '../core/progress.js';
import { createSeedPlan } from '../core/seed/seed-plan.js';

export interface SeedOptions {
  target: MongoTarget;
  collections: NightscoutCollections;
  days: number;
  seed: string;
  /** Time of the newest reading, ms since the epoch. */
  end: number;
  drop: boolean;
  batchDocs?: number;
  progress: Progress;
  signal?: AbortSignal;
}

export interface SeedResult {
  database: string;
  uri: string;
  seed: string;
  days: number;
  end: string;
  collections: SeededCollection[];
  totalDocuments: number;
  totalBytes: number;
  elapsedMs: number;
}

export async function seedDatabase(options: SeedOptions): Promise<SeedResult> {
  const started = Date.now();
  const connection = await connectMongo(options.target);
  try {
    const collections = await writeSeed({
      connection,
      collections: options.collections,
      plan: createSeedPlan({ days: options.days, seed: options.seed, end: options.end }),
      drop: options.drop,
      ...(options.batchDocs ? { batchDocs: options.batchDocs } : {}),
      progress: options.progress,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return {
      database: connection.db.databaseName,
      uri: connection.safeUri,
      seed: options.seed,
      days: options.days,
      end: new Date(options.end).toISOString(),
      collections,
      totalDocuments: collections.reduce((sum, c) => sum + c.documents, 0),
      totalBytes: collections.reduce((sum, c) => sum + c.bytes, 0),
      elapsedMs: Date.now() - started,
    };
  } finally {
    await connection.close();
  }
}
