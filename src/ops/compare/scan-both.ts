/**
 * Planning and running the read of both sides at once: partition bits per
 * collection from the larger side's expected count, one progress task per
 * collection counting documents compared, and one side's failure stopping
 * the other.
 */
import { planPartitionBits } from '../../core/compare/partition-plan.js';
import type { Progress, ProgressTask } from '../../core/progress.js';
import type { DocumentSource, SourceCollection } from './document-source.js';
import { type ScanCounter, type ScanPlan, type SideScan, scanSide } from './scan-side.js';

export interface ScanBothOptions {
  source: DocumentSource;
  target: DocumentSource;
  ignoreFieldOrder: boolean;
  /** The auth subjects collection's name, as configured. */
  authSubjects: string;
  progress: Progress;
  signal?: AbortSignal;
}

const UPDATE_EVERY = 2048;

interface CollectionCount {
  plan: ScanPlan;
  /** Sides read: the task shows documents per side, not reads of both summed. */
  sides: number;
  task?: ProgressTask;
  reads: number;
  finished: boolean;
}

/**
 * One progress task per collection, `<name> compared`, counting documents
 * per side (both sides' reads halved). A task starts at its collection's
 * first document and finishes once both sides' expected documents are
 * read, so each shows its own duration; the rest finish at the end.
 */
export function createScanCounter(progress: Progress, plans: readonly ScanPlan[]): ScanCounter {
  const counts = new Map<string, CollectionCount>();
  for (const plan of plans) {
    const sides = Math.max(1, Number(plan.readSource) + Number(plan.readTarget));
    counts.set(plan.name, { plan, sides, reads: 0, finished: false });
  }
  const taskOf = (entry: CollectionCount) => {
    const total = entry.plan.expectedReads;
    entry.task ??= progress.task(`verify:${entry.plan.name}`, {
      label: `${entry.plan.name} compared`,
      unit: 'documents',
      ...(total === undefined ? {} : { total: Math.ceil(total / entry.sides) }),
    });
    return entry.task;
  };
  const finish = (entry: CollectionCount) => {
    const task = taskOf(entry);
    task.update(Math.ceil(entry.reads / entry.sides));
    task.finish();
    entry.finished = true;
  };
  return {
    count(collection) {
      const entry = counts.get(collection);
      if (!entry || entry.finished) return;
      entry.reads += 1;
      const task = taskOf(entry);
      if (entry.reads === entry.plan.expectedReads) finish(entry);
      else if (entry.reads % UPDATE_EVERY === 0) task.update(Math.ceil(entry.reads / entry.sides));
    },
    finish() {
      for (const entry of counts.values()) if (!entry.finished) finish(entry);
    },
  };
}

export function planScans(
  names: string[],
  a: Map<string, SourceCollection>,
  b: Map<string, SourceCollection>,
  budget: number,
): ScanPlan[] {
  return names.map((name) => {
    const [sa, sb] = [a.get(name), b.get(name)];
    const readSource = sa !== undefined && sa.type !== 'view';
    const readTarget = sb !== undefined && sb.type !== 'view';
    const reads = [readSource ? sa?.expectedDocuments : 0, readTarget ? sb?.expectedDocuments : 0];
    const known = reads.every((n) => n !== undefined);
    return {
      name,
      bits: planPartitionBits(Math.max(...reads.map((n) => n ?? 0)), budget),
      readSource,
      readTarget,
      ...(known ? { expectedReads: (reads[0] ?? 0) + (reads[1] ?? 0) } : {}),
    };
  });
}

export async function scanBoth(
  options: ScanBothOptions,
  plans: ScanPlan[],
  dir: string,
): Promise<[SideScan, SideScan]> {
  const controller = new AbortController();
  const stop = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', stop, { once: true });
  const counter = createScanCounter(options.progress, plans);
  const scanOptions = {
    dir,
    ignoreFieldOrder: options.ignoreFieldOrder,
    authSubjects: options.authSubjects,
    counter,
    signal: controller.signal,
  };
  // One side failing stops the other instead of letting it read on.
  const run = (side: 'source' | 'target') =>
    scanSide(side, options[side], plans, scanOptions).catch((error: unknown) => {
      controller.abort(error);
      throw error;
    });
  try {
    const sides = await Promise.all([run('source'), run('target')]);
    // Only a finished scan finishes its tasks: a stopped one must not print "done".
    counter.finish();
    return sides;
  } finally {
    options.signal?.removeEventListener('abort', stop);
  }
}
