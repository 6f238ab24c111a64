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
  describeOtherMigration,
  keptFinish,
} from '../../core/migrate/checkpoint.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../../core/migrate/retry-policy.js';
import { mongoLocationTag, parseMongoLocation } from '../../core/mongo-location.js';
import { nameSide } from '../backup/source-spec.js';
import { checkOutputPath, checkReportPath } from '../report-path.js';
import { readCheckpoint } from './checkpoint.js';
import { runMigrationSteps } from './migrate-steps.js';
import { openMigrationSource, type SourceContext } from './open-source.js';
import { DEFAULT_BATCH_BYTES, DEFAULT_BATCH_SIZE, type MigrateOptions } from './options.js';
import { runPreflight } from './preflight.js';
import type { MigrateResult } from './report.js';
import { acquireRunLock, describeRunningRun, type RunLock, runLockPath } from './run-lock.js';
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

/** The backup directory: --dir from where nsctl runs, else backup.dir from the config file's. */
export function backupDirOf(context: SourceContext): string {
  return context.backupDir
    ? resolve(context.cwd, context.backupDir)
    : resolve(context.configDir ?? context.cwd, context.config.backup.dir);
}

function fileSafe(database: string): string {
  return database.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * `migrate-<database>-<tag>.state.json` in the backup directory, the tag a
 * hash of the target's servers and database: two targets both named
 * `nightscout` on different servers get different files.
 */
/** `migrate-<database>-<tag of server and database>`: names the state file and the run lock. */
function targetName(to: string, database: string): string {
  const location = parseMongoLocation(to, database) ?? { hosts: [], database, shown: '' };
  return `migrate-${fileSafe(database)}-${mongoLocationTag(location)}`;
}

/** The lock every run into this database takes (see run-lock.ts). */
export function migrationLockPath(to: string, database: string): string {
  return runLockPath(targetName(to, database));
}

export function defaultStatePath(context: SourceContext, to: string, database: string): string {
  return resolve(backupDirOf(context), `${targetName(to, database)}.state.json`);
}

/**
 * The state file and what it holds: --state, else the default. To resume,
 * a file of this migration under the name nsctl used before the default
 * carried a tag (`migrate-<database>.state.json`) is taken too.
 */
async function openState(
  options: MigrateOptions,
  target: TargetSide,
  identity: CheckpointIdentity,
) {
  if (options.statePath) {
    const statePath = await checkOutputPath(
      '--state',
      options.statePath,
      options.sourceContext.cwd,
      './migrate.state.json',
    );
    return { statePath, checkpoint: await readCheckpoint(statePath) };
  }
  const statePath = defaultStatePath(options.sourceContext, options.to, target.database);
  const checkpoint = await readCheckpoint(statePath);
  if (checkpoint || !(options.resume || options.final)) return { statePath, checkpoint };
  const legacyPath = resolve(dirname(statePath), `migrate-${fileSafe(target.database)}.state.json`);
  const legacy = await readCheckpoint(legacyPath).catch(() => undefined);
  return legacy && !describeOtherMigration(legacy, identity)
    ? { statePath: legacyPath, checkpoint: legacy }
    : { statePath, checkpoint };
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
  if (source.status === 'rejected' && target.status === 'rejected')
    throw bothSides(nameSide(source.reason, 'source'), nameSide(target.reason, 'target'));
  throw source.status === 'rejected'
    ? nameSide(source.reason, 'source')
    : nameSide((target as PromiseRejectedResult).reason, 'target');
}

/** Both sides failed: say both, so the second is not found only after fixing the first. */
function bothSides(source: unknown, target: unknown): unknown {
  if (!(source instanceof NsctlError && target instanceof NsctlError)) return source;
  const hints = source.hint === target.hint ? [source.hint] : [source.hint, target.hint];
  return new NsctlError(source.code, `${source.message}; ${target.message}`, {
    hint: hints.filter(Boolean).join(' '),
    ...(source.details ? { details: source.details } : {}),
    cause: source.cause ?? source,
  });
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
  const reportFile = options.reportFile
    ? await checkReportPath(options.reportFile, options.sourceContext.cwd)
    : undefined;
  const controller = new AbortController();
  const forward = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', forward, { once: true });
  if (options.signal?.aborted) forward();
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const { source, target } = await openBoth(options, policy, controller.signal);
  let lock: RunLock | undefined;
  try {
    const identity = identityOf(source, target);
    const located = await openState(options, target, identity);
    const { statePath } = located;
    let { checkpoint } = located;
    if (!options.dryRun) {
      await mkdir(dirname(statePath), { recursive: true, mode: 0o700 });
      lock = await acquireRunLock(migrationLockPath(options.to, target.database));
      // Read again under the lock: a run that just ended may have changed it.
      checkpoint = await readCheckpoint(statePath);
    }
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
      const running = await describeRunningRun(migrationLockPath(options.to, target.database));
      if (running) report.problems.unshift(running);
      if (options.resume && !checkpoint && report.problems.length === 0) {
        const fresh = `--resume: there is no state file at ${statePath}, so a real run would start afresh and copy everything`;
        report.warnings.push(fresh);
        base.warnings.push(fresh);
      }
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
      throw new NsctlError('MIGRATE_REFUSED', `pre-flight: ${report.problems.join('; ')}`, {
        hint: 'Nothing was written. `nsctl migrate … --dry-run` shows the whole pre-flight report.',
        details: { preflight: report },
      });
    }
    const names = plan.collections.map((c) => c.name);
    const resumed = report.targetAction === 'resume' && checkpoint !== undefined;
    const state: Checkpoint =
      resumed && checkpoint
        ? alignCollections(checkpoint, names)
        : createCheckpoint(identity, names, new Date());
    const kept = keptFinish(checkpoint, identity, names);
    if (kept) state.finalAt = kept;
    if (options.resume && !resumed)
      options.onEvent?.({
        kind: 'note',
        message: `--resume: no state file at ${statePath}, so this is a fresh start`,
      });
    options.onEvent?.({
      kind: 'phase',
      phase: 'start',
      message: `state file: ${statePath}${options.drop ? `; rollback points go to ${backupDirOf(options.sourceContext)}` : ''}`,
    });
    return await runMigrationSteps({
      options: { ...options, reportFile, signal: controller.signal },
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
    await lock?.release().catch(() => undefined);
    options.signal?.removeEventListener('abort', forward);
    await source.close().catch(() => undefined);
    await target.connection.close().catch(() => undefined);
  }
}
