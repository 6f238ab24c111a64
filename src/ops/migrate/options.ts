/** What a migration is asked to do, and the events it reports while it runs. */
import type { Db } from 'mongodb';

import type { CollectionSelection } from '../../adapters/mongo/collections.js';
import type { NightscoutCollections } from '../../core/config/schema.js';
import type { ResourceSample } from '../../core/migrate/resources.js';
import type { RetryPolicy } from '../../core/migrate/retry-policy.js';
import type { Progress } from '../../core/progress.js';
import type { PassSummary } from './converge.js';
import type { SourceContext } from './open-source.js';
import type { RetryEvent } from './retry.js';

export type MigrateEvent =
  | ({ kind: 'retry' } & RetryEvent)
  | {
      kind: 'phase';
      /** `start`: where the state file (and, with --drop, the rollback point) are kept. */
      phase: 'start' | 'drop' | 'copy' | 'replay' | 'converge';
      message: string;
    }
  | { kind: 'note'; message: string }
  | { kind: 'pass'; pass: PassSummary };

export interface MigrateOptions {
  /** A MongoDB URI naming its database, `backup:<id>`, an archive file or a mongodump directory. */
  from: string;
  /** A MongoDB URI naming its database. */
  to: string;
  sourceContext: SourceContext;
  selection?: CollectionSelection;
  /** Collections copied at once. Default 2. */
  parallel?: number;
  /** Documents per batch. Default 1000. */
  batchSize?: number;
  /** Bytes per batch. Default 8 MiB. */
  batchBytes?: number;
  /** Documents per second over all collections; unlimited by default. */
  rateLimit?: number;
  retry?: Partial<RetryPolicy>;
  /** The state file; default `<backup dir>/migrate-<target database>-<hash of the target>.state.json`. */
  statePath?: string;
  resume?: boolean;
  drop?: boolean;
  dryRun?: boolean;
  /** The last pass, with the uploaders stopped (the caller has asked). */
  final?: boolean;
  /** Convergence passes at most, the last one only comparing. Default 5. */
  maxPasses?: number;
  reportFile?: string;
  /** Makes a rollback point of the target's named collections before `--drop`; returns its id. */
  createRollbackPoint?: (database: Db, collections: string[]) => Promise<string>;
  nightscout: { collections: NightscoutCollections; apiSecret?: string };
  progress: Progress;
  signal?: AbortSignal;
  /** Resource samples, every `sampleIntervalMs` (default 5 s). */
  onSample?: (sample: ResourceSample) => void;
  sampleIntervalMs?: number;
  onEvent?: (event: MigrateEvent) => void;
  /** Reads a MongoDB source this way whatever its kind; for tests and benchmarks. */
  paging?: 'id-order' | 'natural';
  /** How long to look for each server. Default 10 s. */
  serverSelectionTimeoutMS?: number;
}

export const DEFAULT_PARALLEL = 2;
export const DEFAULT_BATCH_SIZE = 1000;
export const DEFAULT_BATCH_BYTES = 8 * 1024 * 1024;
export const DEFAULT_MAX_PASSES = 5;
