/**
 * Planning and running the read of both sides at once: partition bits per
 * collection from the larger side's expected count, one progress task per
 * collection counting both sides, and one side's failure stopping the other.
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

/** One progress task per collection, counting the documents read on both sides. */
export function createScanCounter(progress: Progress, plans: readonly ScanPlan[]): ScanCounter {
  const tasks = new Map<string, { task: ProgressTask; done: number }>();
  for (const plan of plans) {
    const total = plan.expectedReads;
    const task = progress.task(`verify:${plan.name}`, {
      label: plan.name,
      unit: 'documents',
      ...(total === undefined ? {} : { total }),
    });
    tasks.set(plan.name, { task, done: 0 });
  }
  return {
    count(collection) {
      const entry = tasks.get(collection);
      if (!entry) return;
      entry.done += 1;
      if (entry.done % UPDATE_EVERY === 0) entry.task.update(entry.done);
    },
    finish() {
      for (const entry of tasks.values()) {
        entry.task.update(entry.done);
        entry.task.finish();
      }
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
    return await Promise.all([run('source'), run('target')]);
  } finally {
    options.signal?.removeEventListener('abort', stop);
    counter.finish();
  }
}
