/**
 * The steps of a migration that write, in order: drop (after a rollback
 * point), copy with indexes, replay of captured writes, convergence. The
 * state file is written before the first of them and after every batch, so
 * whatever stops the run, `--resume` continues from what is on disk.
 */
import { dirname } from 'node:path';

import type { Db } from 'mongodb';

import { rollbackCommand } from '../../core/backup/rollback-command.js';
import { EXIT, NsctlError } from '../../core/errors.js';
import type { Checkpoint, CollectionState } from '../../core/migrate/checkpoint.js';
import type { MigrationPlan } from '../../core/migrate/plan.js';
import type { ResourceTotals } from '../../core/migrate/resources.js';
import type { RetryPolicy } from '../../core/migrate/retry-policy.js';
import { type CopyContext, noteFailure, type ProgressCounter } from './batch-writer.js';
import { type ChangeCapture, type ClusterTime, replayChanges } from './change-capture.js';
import { type CheckpointStore, createCheckpointStore } from './checkpoint.js';
import {
  createView,
  ensureCollection,
  type IndexOutcome,
  indexTimingFor,
  listTargetNames,
  rebuildMissingIndexes,
} from './collection-setup.js';
import { convergeDatabases } from './converge.js';
import { copyCollections } from './copy.js';
import { createFailureLedger } from './failure-ledger.js';
import {
  DEFAULT_BATCH_BYTES,
  DEFAULT_BATCH_SIZE,
  DEFAULT_MAX_PASSES,
  DEFAULT_PARALLEL,
  type MigrateOptions,
} from './options.js';
import type { PreflightReport } from './preflight.js';
import { createRateLimiter } from './rate-limiter.js';
import {
  assembleResult,
  describeCollection,
  type MigrateResult,
  publishReportFile,
  writeStoppedReport,
} from './report.js';
import { isOnThisHost, startResourceSampler } from './resource-sampler.js';
import type { RetryContext } from './retry.js';
import type { MigrationSource } from './source.js';
import type { TargetSide } from './target.js';
import { createTargetWriter, type TargetWriter } from './target-writer.js';

export interface StepsInput {
  options: MigrateOptions;
  stop(): void;
  source: MigrationSource;
  target: TargetSide;
  plan: MigrationPlan;
  report: PreflightReport;
  state: Checkpoint;
  statePath: string;
  resumed: boolean;
  preflightMs: number;
  started: number;
  policy: RetryPolicy;
  base: { final: boolean; preflight: PreflightReport; statePath: string; warnings: string[] };
}

interface RunState {
  store: CheckpointStore;
  writer: TargetWriter;
  retry: RetryContext;
  failures: ReturnType<typeof createFailureLedger>;
  warnings: string[];
  timings: Map<string, number>;
  copied: Map<string, number>;
  indexes: Map<string, IndexOutcome & { durationMs: number }>;
}

async function dropOccupied(input: StepsInput, db: Db): Promise<string> {
  const names = input.report.target.occupied.map((c) => c.name);
  if (!input.options.createRollbackPoint) throw new Error('--drop needs a rollback point maker');
  input.options.onEvent?.({
    kind: 'phase',
    phase: 'drop',
    message: `making a rollback point of ${names.join(', ')}`,
  });
  const id = await input.options.createRollbackPoint(db, names);
  for (const name of names) await db.collection(name).drop();
  return id;
}

function createOverallCounter(input: StepsInput): ProgressCounter {
  const total = input.plan.collections.reduce((n, c) => n + (c.documents ?? 0), 0);
  const before = input.state.collections.reduce((n, c) => n + c.documents, 0);
  const task = input.options.progress.task('migrate:all', {
    label: 'all collections',
    unit: 'docs',
    total: Math.max(0, total - before),
  });
  let documents = 0;
  let bytes = 0;
  return {
    add(more, moreBytes) {
      documents += more;
      bytes += moreBytes;
      task.update(documents, bytes);
    },
  };
}

async function copyPhase(input: StepsInput, run: RunState): Promise<void> {
  const { options, plan, state } = input;
  const db = input.target.connection.db;
  options.onEvent?.({
    kind: 'phase',
    phase: 'copy',
    message: `copying ${plan.collections.length} ${plan.collections.length === 1 ? 'collection' : 'collections'}`,
  });
  const existing = await listTargetNames(db);
  for (const info of plan.collections) {
    const note = await ensureCollection(db, info, existing);
    if (note) run.warnings.push(note);
  }
  const ctx: CopyContext = {
    writer: run.writer,
    store: run.store,
    limiter: createRateLimiter(options.rateLimit, options.signal),
    retry: run.retry,
    batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
    batchBytes: options.batchBytes ?? DEFAULT_BATCH_BYTES,
    progress: options.progress,
    overall: createOverallCounter(input),
    failures: run.failures,
    timings: run.timings,
    copied: run.copied,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  await copyCollections({
    ctx,
    source: input.source,
    database: () => input.target.connection.db,
    collections: plan.collections,
    states: new Map<string, CollectionState>(state.collections.map((c) => [c.name, c])),
    parallel: options.parallel ?? DEFAULT_PARALLEL,
    indexTiming: indexTimingFor(input.target.server),
    stop: input.stop,
    onIndexes: (name, outcome, durationMs) => run.indexes.set(name, { ...outcome, durationMs }),
  });
  for (const info of plan.collections.filter((c) => c.type === 'view')) {
    const note = await createView(db, info, existing);
    if (note) run.warnings.push(note);
  }
}

/**
 * On --resume: the indexes the target lacks on collections an earlier run
 * finished (whose index build the target refused, say), which the copy
 * does not visit again.
 */
async function repairIndexes(input: StepsInput, run: RunState): Promise<void> {
  const finished = new Set(
    input.state.collections.filter((c) => c.state === 'finished').map((c) => c.name),
  );
  const database = () => input.target.connection.db;
  for (const info of input.plan.collections) {
    if (info.type === 'view' || !finished.has(info.name)) continue;
    const started = Date.now();
    const outcome = await rebuildMissingIndexes(database, info, run.retry);
    if (!outcome) continue;
    run.indexes.set(info.name, { ...outcome, durationMs: Date.now() - started });
    if (outcome.created.length > 0)
      input.options.onEvent?.({
        kind: 'note',
        message: `${info.name}: built ${outcome.created.join(', ')} again, missing on the target`,
      });
  }
}

/** Replays captured writes until a round finds few left; convergence does the rest. */
async function replayPhase(
  input: StepsInput,
  run: RunState,
  capture: ChangeCapture,
): Promise<number> {
  input.options.onEvent?.({
    kind: 'phase',
    phase: 'replay',
    message: `replaying ${capture.events} changes made during the copy`,
  });
  let replayed = 0;
  for (let round = 0; round < 3; round++) {
    const changes = capture.take();
    const count = [...changes.values()].reduce((n, ids) => n + ids.length, 0);
    if (count === 0) break;
    replayed += await replayChanges(changes, input.source, run.writer);
  }
  return replayed;
}

const CHANGE_STREAM_WARNING = /has no change streams/;

/** The verification engine speaks of `nsctl verify` flags; here the API secret comes from the config. */
function describeVerifyWarning(warning: string): string {
  return /api-secret-from-config/.test(warning)
    ? 'access tokens not compared: set NSCTL_API_SECRET (or nightscout.apiSecret) and they are derived on both sides'
    : warning;
}

/**
 * The next step after a failure: --resume, unless a damaged backup or
 * archive failed, which would fail again at the same place.
 */
function withNextStep(
  error: unknown,
  input: StepsInput,
  rollbackPoint: string | undefined,
): unknown {
  if (!(error instanceof NsctlError)) return error;
  const { statePath } = input;
  const hopeless = error.exitCode === EXIT.integrity && input.source.kind !== 'mongodb';
  const dir = input.options.sourceContext.backupDir;
  const rollback = rollbackPoint
    ? `, or return the target to what it held with ${rollbackCommand(rollbackPoint, input.target.connection.safeUri, dir ? { dir } : {})}`
    : '';
  const next = hopeless
    ? `The target may now hold a partial copy: run again from a good source with --drop${rollback}.`
    : `The copy so far is saved in ${statePath}; run the same command with --resume${input.options.drop ? ' in place of --drop' : ''} to continue.`;
  return new NsctlError(error.code, error.message, {
    // An interruption's own hint already says --resume: say it once, with the path.
    hint: !hopeless && /--resume/.test(error.hint) ? next : `${error.hint} ${next}`,
    details: { ...error.details, statePath },
    ...(error.where ? { where: error.where } : {}),
    cause: error.cause ?? error,
  });
}

async function convergePhase(input: StepsInput, run: RunState) {
  const { options } = input;
  options.onEvent?.({ kind: 'phase', phase: 'converge', message: 'comparing source and target' });
  return convergeDatabases({
    source: input.source,
    target: input.target.target,
    writer: run.writer,
    names: input.plan.collections.map((c) => c.name),
    failures: run.failures,
    retry: run.retry,
    maxPasses: options.maxPasses ?? DEFAULT_MAX_PASSES,
    nightscout: options.nightscout,
    ...(options.serverSelectionTimeoutMS
      ? { serverSelectionTimeoutMS: options.serverSelectionTimeoutMS }
      : {}),
    progress: options.progress,
    ...(options.signal ? { signal: options.signal } : {}),
    onPass: (pass) => options.onEvent?.({ kind: 'pass', pass }),
    onFailure: (name, failure) => {
      const state = input.state.collections.find((c) => c.name === name);
      if (!state) return;
      state.failed++;
      noteFailure(state, failure);
    },
  });
}

function createRunState(input: StepsInput, store: CheckpointStore): RunState {
  const { options } = input;
  return {
    store,
    writer: createTargetWriter(() => input.target.connection.db, input.target.server.isFerretDB),
    retry: {
      policy: input.policy,
      reconnect: () => input.target.connection.reconnect(),
      ...(options.signal ? { signal: options.signal } : {}),
      onRetry: (event) => options.onEvent?.({ kind: 'retry', ...event }),
    },
    failures: createFailureLedger(),
    warnings: [...input.base.warnings],
    timings: new Map(),
    copied: new Map(),
    indexes: new Map(),
  };
}

export async function runMigrationSteps(input: StepsInput): Promise<MigrateResult> {
  const { options, state } = input;
  // Dropped before the state file exists: a crash in between leaves an empty target, or
  // (before the drop) the target as it was, and either way no state claiming otherwise.
  const made =
    input.report.targetAction === 'drop'
      ? await dropOccupied(input, input.target.connection.db)
      : undefined;
  if (made) state.rollbackPoint = made;
  // A resumed run names the point its first run made: the way back stays in sight.
  const rollbackPoint = made ?? state.rollbackPoint;
  const store = createCheckpointStore(input.statePath, state);
  await store.flush();
  const sampler = await startResourceSampler(
    dirname(input.statePath),
    options.sampleIntervalMs ?? 5000,
    options.onSample,
    isOnThisHost(input.source.kind === 'mongodb' ? [options.to, options.from] : [options.to]),
  );
  const run = createRunState(input, store);
  let capture: { capture: ChangeCapture; from: ClusterTime } | undefined;
  let resources: ResourceTotals | undefined;
  try {
    let copyMs: number | undefined;
    let replayed = 0;
    if (input.resumed) await repairIndexes(input, run);
    if (state.phase === 'copy') {
      const names = input.plan.collections.map((c) => c.name);
      capture = await input.source.captureChanges?.(names, state.captureFrom);
      if (capture) state.captureFrom = capture.from;
      const copyStarted = Date.now();
      await copyPhase(input, run);
      state.phase = 'converge';
      await store.flush();
      copyMs = Date.now() - copyStarted;
      if (capture) replayed = await replayPhase(input, run, capture.capture);
    }
    await capture?.capture.stop();
    const convergeStarted = Date.now();
    const converged = await convergePhase(input, run);
    state.phase = 'done';
    // A backup, archive or dump folder does not change: its one run is the final one.
    const last = input.base.final || input.source.kind !== 'mongodb';
    const failed = state.collections.some((c) => c.failed > 0);
    if (last && converged.converged && converged.verification.equal && !failed)
      state.finalAt = new Date().toISOString();
    await store.flush();
    resources = await sampler.stop();
    const note = capture?.capture.note;
    const result = assembleResult({
      base: input.base,
      target: input.target.connection.safeUri,
      resumed: input.resumed,
      rollbackPoint,
      collections: state.collections.map((c) =>
        describeCollection(
          c,
          run.timings.get(c.name),
          run.indexes.get(c.name),
          run.copied.get(c.name),
        ),
      ),
      capture: capture
        ? { events: capture.capture.events, replayed, ...(note ? { note } : {}) }
        : undefined,
      converged,
      resources,
      durations: {
        preflightMs: input.preflightMs,
        ...(copyMs === undefined ? {} : { copyMs }),
        convergeMs: Date.now() - convergeStarted,
        totalMs: Date.now() - input.started,
      },
      warnings: [
        ...run.warnings.filter((w) => !(input.base.final && CHANGE_STREAM_WARNING.test(w))),
        ...converged.verification.nightscout.warnings.map(describeVerifyWarning),
        ...(note ? [note] : []),
      ],
      reportFile: options.reportFile,
    });
    return options.reportFile ? await publishReportFile(options.reportFile, result) : result;
  } catch (error) {
    await store.flush().catch(() => undefined);
    const stopped = withNextStep(error, input, rollbackPoint);
    if (options.reportFile)
      await writeStoppedReport(options.reportFile, {
        error: stopped,
        statePath: input.statePath,
        target: input.target.connection.safeUri,
        started: input.started,
        collections: state.collections,
      });
    throw stopped;
  } finally {
    await capture?.capture.stop();
    if (!resources) await sampler.stop();
  }
}
