/**
 * `nsctl migrate`: moves a Nightscout database from a MongoDB server (Atlas
 * or any other), an nsctl backup, a mongodump archive or a mongodump
 * directory into a MongoDB database. Pre-flight first (nothing is written
 * until both sides answer and the plan holds); then the copy, parallel,
 * rate-limited, retried and resumable from its state file; then replay of
 * writes captured during the copy, where the source has change streams;
 * and always, last, convergence passes ending in a verification that finds
 * the target equal to the source.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

import { asNsctlError } from '../../adapters/mongo/connect.js';
import { NsctlError } from '../../core/errors.js';
import {
  alignCollections,
  type Checkpoint,
  type CheckpointIdentity,
  createCheckpoint,
} from '../../core/migrate/checkpoint.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../../core/migrate/retry-policy.js';
import { readCheckpoint } from './checkpoint.js';
import { runMigrationSteps } from './migrate-steps.js';
import { openMigrationSource, type SourceContext } from './open-source.js';
import { DEFAULT_BATCH_BYTES, DEFAULT_BATCH_SIZE, type MigrateOptions } from './options.js';
import { runPreflight } from './preflight.js';
import type { MigrateResult } from './report.js';
import type { MigrationSource } from './source.js';
import { openTarget, type TargetSide } from './target.js';

export type { MigrateEvent, MigrateOptions } from './options.js';

export {
  DEFAULT_BATCH_BYTES,
  DEFAULT_BATCH_SIZE,
  DEFAULT_MAX_PASSES,
  DEFAULT_PARALLEL,
} from './options.js';
export type { MigrateResult } from './report.js';

export function defaultStatePath(context: SourceContext, database: string): string {
  const dir = resolve(context.cwd, context.backupDir ?? context.config.backup.dir);
  return resolve(dir, `migrate-${database.replace(/[^A-Za-z0-9._-]/g, '_')}.state.json`);
}

/** Connects both sides at once, so either one's failure is reported before anything else. */
async function openBoth(options: MigrateOptions, policy: RetryPolicy, signal: AbortSignal) {
  const timeout = options.serverSelectionTimeoutMS;
  const [source, target] = await Promise.allSettled([
    openMigrationSource(options.from, options.sourceContext, {
      pageSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
      pageBytes: options.batchBytes ?? DEFAULT_BATCH_BYTES,
      retry: {
        policy,
        signal,
        onRetry: (event) => options.onEvent?.({ kind: 'retry', ...event }),
      },
      onNote: (message) => options.onEvent?.({ kind: 'note', message }),
      ...(options.paging ? { paging: options.paging } : {}),
      ...(timeout ? { serverSelectionTimeoutMS: timeout } : {}),
    }),
    openTarget(options.to, timeout),
  ]);
  if (source.status === 'fulfilled' && target.status === 'fulfilled')
    return { source: source.value, target: target.value };
  if (source.status === 'fulfilled') await source.value.close();
  if (target.status === 'fulfilled') await target.value.connection.close();
  throw source.status === 'rejected' ? source.reason : (target as PromiseRejectedResult).reason;
}

function identityOf(source: MigrationSource, target: TargetSide): CheckpointIdentity {
  return {
    source: { kind: source.kind, description: source.description },
    target: { description: target.connection.safeUri, database: target.database },
    paging: source.paging,
  };
}

export async function runMigration(options: MigrateOptions): Promise<MigrateResult> {
  const started = Date.now();
  const controller = new AbortController();
  const forward = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', forward, { once: true });
  if (options.signal?.aborted) forward();
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const { source, target } = await openBoth(options, policy, controller.signal);
  try {
    const statePath = options.statePath ?? defaultStatePath(options.sourceContext, target.database);
    const checkpoint = await readCheckpoint(statePath);
    const identity = identityOf(source, target);
    const { report, plan } = await runPreflight({
      source,
      target,
      selection: options.selection ?? {},
      nightscout: options.nightscout.collections,
      drop: options.drop ?? false,
      resume: options.resume ?? false,
      final: options.final ?? false,
      checkpoint,
      identity,
      statePath,
    });
    const preflightMs = Date.now() - started;
    const base = {
      final: options.final ?? false,
      preflight: report,
      statePath,
      collections: [],
      warnings: [...report.warnings],
    };
    if (options.dryRun) {
      return {
        ...base,
        ok: report.problems.length === 0,
        dryRun: true,
        resumed: false,
        durations: { preflightMs, totalMs: Date.now() - started },
        nextSteps: [],
      };
    }
    if (report.problems.length > 0) {
      throw new NsctlError('USAGE', `pre-flight: ${report.problems.join('; ')}`, {
        hint: 'Nothing was written. `nsctl migrate … --dry-run` shows the whole pre-flight report.',
        details: { preflight: report },
      });
    }
    const names = plan.collections.map((c) => c.name);
    const resumed = report.targetAction === 'resume' && checkpoint !== undefined;
    const state: Checkpoint = resumed
      ? alignCollections(checkpoint, names)
      : createCheckpoint(identity, names, new Date());
    await mkdir(dirname(statePath), { recursive: true, mode: 0o700 });
    return await runMigrationSteps({
      options: { ...options, signal: controller.signal },
      stop: () => controller.abort(new Error('stopped after a failure')),
      source,
      target,
      plan,
      report,
      state,
      statePath,
      resumed,
      preflightMs,
      started,
      policy,
      base,
    });
  } catch (error) {
    throw asNsctlError(error, `${source.description} → ${target.connection.safeUri}`);
  } finally {
    options.signal?.removeEventListener('abort', forward);
    await source.close().catch(() => undefined);
    await target.connection.close().catch(() => undefined);
  }
}
