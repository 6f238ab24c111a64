/**
 * The result of a migration, as the command prints it and as `--report`
 * writes it: what was copied and how long it took, the convergence passes,
 * the verification, Nightscout's invariants, resources used, warnings and
 * the next steps. The report file is redacted like every other output.
 */
import { basename, dirname } from 'node:path';

import { openAtomicFileWrite } from '../../adapters/storage/atomic-file-write.js';
import { NsctlError } from '../../core/errors.js';
import type { CheckpointFailure, CollectionState } from '../../core/migrate/checkpoint.js';
import type { ResourceTotals } from '../../core/migrate/resources.js';
import { redactValue } from '../../core/redact.js';
import type { VerifyResult } from '../compare/verify-databases.js';
import type { IndexOutcome } from './collection-setup.js';
import type { PassSummary } from './converge.js';
import type { PreflightReport } from './preflight.js';

export interface CollectionOutcome {
  name: string;
  /** Documents read from the source and handled, in all runs. */
  documents: number;
  inserted: number;
  alreadyPresent: number;
  replaced: number;
  failed: number;
  bytes: number;
  /** Copy time in this run. */
  durationMs?: number;
  /** Documents inserted or replaced by this run's copy (absent when it copied nothing). */
  copiedThisRun?: number;
  indexes?: IndexOutcome & { durationMs: number };
  /** The first failures, by `_id`. */
  failures: CheckpointFailure[];
}

export interface MigrateResult {
  ok: boolean;
  dryRun: boolean;
  final: boolean;
  preflight: PreflightReport;
  statePath: string;
  resumed: boolean;
  rollbackPoint?: string;
  collections: CollectionOutcome[];
  changeCapture?: { events: number; replayed: number; note?: string };
  convergence?: { converged: boolean; passes: PassSummary[] };
  verification?: VerifyResult;
  resources?: ResourceTotals;
  durations: {
    preflightMs: number;
    copyMs?: number;
    convergeMs?: number;
    totalMs: number;
  };
  warnings: string[];
  nextSteps: string[];
  reportFile?: string;
}

export function describeCollection(
  state: CollectionState,
  durationMs: number | undefined,
  indexes: (IndexOutcome & { durationMs: number }) | undefined,
  copiedThisRun?: number,
): CollectionOutcome {
  return {
    name: state.name,
    documents: state.documents,
    inserted: state.inserted,
    alreadyPresent: state.alreadyPresent,
    replaced: state.replaced,
    failed: state.failed,
    bytes: state.bytes,
    ...(durationMs === undefined ? {} : { durationMs }),
    ...(copiedThisRun === undefined ? {} : { copiedThisRun }),
    ...(indexes ? { indexes } : {}),
    failures: state.failures.slice(0, 20),
  };
}

export function describeNextSteps(
  result: Omit<MigrateResult, 'nextSteps'>,
  target: string,
): string[] {
  const steps: string[] = [];
  const failed = result.collections.reduce((n, c) => n + c.failed, 0);
  // A backup, archive or dump folder does not change: one run is the final one.
  const live = result.preflight.source.kind === 'mongodb';
  if (failed > 0)
    steps.push(
      `${failed} documents were refused by the target; they are listed by _id above and in the report`,
    );
  if (live && result.convergence && !result.convergence.converged)
    steps.push(
      `the target still differed from the source after ${result.convergence.passes.length} convergence ${result.convergence.passes.length === 1 ? 'pass' : 'passes'} (writes on the source, or on the target, while they ran): stop every uploader, then run the same command with --final`,
    );
  else if (live && !result.final)
    steps.push(
      'stop every uploader (phone apps, bridges, the old Nightscout site), then run the same command with --final for the last convergence pass and verification',
    );
  else if (result.ok && result.preflight.source.leftOut)
    steps.push(
      `only some collections were migrated (left out: ${result.preflight.source.leftOut.join(', ')}): Nightscout needs its whole database, so migrate those too before pointing it at ${target}`,
    );
  else if (result.ok)
    steps.push(
      `point Nightscout's MONGODB_URI at ${target} and restart it; then open a follower app: its token still works because auth_subjects kept their _ids`,
    );
  return steps;
}

export interface ResultParts {
  base: { final: boolean; preflight: PreflightReport; statePath: string };
  /** The target's URI, credentials masked, for the next steps. */
  target: string;
  resumed: boolean;
  rollbackPoint: string | undefined;
  collections: CollectionOutcome[];
  capture: MigrateResult['changeCapture'];
  converged: { converged: boolean; passes: PassSummary[]; verification: VerifyResult };
  resources: ResourceTotals;
  durations: MigrateResult['durations'];
  warnings: string[];
  reportFile: string | undefined;
}

/** The run is ok when nothing was refused and the last pass found the target equal. */
export function assembleResult(parts: ResultParts): MigrateResult {
  const failed = parts.collections.reduce((n, c) => n + c.failed, 0);
  const { converged } = parts;
  const partial = {
    ...parts.base,
    ok: failed === 0 && converged.converged && converged.verification.equal,
    dryRun: false,
    resumed: parts.resumed,
    ...(parts.rollbackPoint ? { rollbackPoint: parts.rollbackPoint } : {}),
    collections: parts.collections,
    ...(parts.capture ? { changeCapture: parts.capture } : {}),
    convergence: { converged: converged.converged, passes: converged.passes },
    verification: converged.verification,
    resources: parts.resources,
    durations: parts.durations,
    warnings: parts.warnings,
    ...(parts.reportFile ? { reportFile: parts.reportFile } : {}),
  };
  return { ...partial, nextSteps: describeNextSteps(partial, parts.target) };
}

export async function writeReportFile(path: string, result: object): Promise<void> {
  const handle = await openAtomicFileWrite(dirname(path), basename(path));
  handle.stream.end(`${JSON.stringify(redactValue(result), null, 2)}\n`);
  await handle.commit();
}

/**
 * The report of a run that stopped (interrupted, or a failure it could not
 * retry away): why, and how far each collection got, as the state file
 * records it. Best effort: the error being reported matters more.
 */
export async function writeStoppedReport(
  path: string,
  stopped: {
    error: unknown;
    statePath: string;
    target: string;
    started: number;
    collections: unknown;
  },
): Promise<void> {
  const { error } = stopped;
  const reason =
    error instanceof NsctlError
      ? { code: error.code, message: error.message, hint: error.hint }
      : { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
  await writeReportFile(path, {
    ok: false,
    stopped: reason,
    target: stopped.target,
    statePath: stopped.statePath,
    collections: stopped.collections,
    durations: { totalMs: Date.now() - stopped.started },
  }).catch(() => undefined);
}

/**
 * Writes the report of a finished migration. The copy is done and verified
 * whatever happens to the file, so a failure here is a warning, not an
 * error that would send the user back to a migration with nothing left to do.
 */
export async function publishReportFile(
  path: string,
  result: MigrateResult,
): Promise<MigrateResult> {
  try {
    await writeReportFile(path, result);
    return result;
  } catch (error) {
    const { reportFile: _unwritten, ...rest } = result;
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ...rest,
      warnings: [...result.warnings, `the report ${path} was not written: ${reason}`],
    };
  }
}
