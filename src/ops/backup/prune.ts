/**
 * `nsctl backup prune`: apply the retention policy to the catalogue. Regular
 * backups only: rollback points are kept until removed by hand. Failure
 * records take part (a failed newest run holds everything), and leftovers of
 * killed runs are cleaned up.
 */
import type { BackupTarget } from '../../adapters/storage/target.js';
import {
  planRetention,
  type RetentionCandidate,
  type RetentionPlan,
  type RetentionPolicy,
} from '../../core/backup/retention.js';
import { readCatalogue } from './catalogue.js';
import { failureNameFor, manifestNameFor } from './naming.js';

export interface PruneOptions {
  target: BackupTarget;
  policy: RetentionPolicy;
  timezone: string;
  dryRun: boolean;
  now?: Date;
}

export interface PruneResult {
  plan: RetentionPlan;
  dryRun: boolean;
  /** Objects deleted (or that would be, with --dry-run). */
  removed: string[];
  /** Leftovers of interrupted runs cleaned up. */
  leftovers: string[];
}

const ORPHAN_AGE_MS = 15 * 60 * 1000;

export async function pruneBackups(options: PruneOptions): Promise<PruneResult> {
  const now = options.now ?? new Date();
  const catalogue = await readCatalogue(options.target);
  // Partial backups (--collections/--exclude) must not stand in for a day's
  // full backup, so retention leaves them out, like rollback points.
  const backups = catalogue.backups.filter((b) => b.kind === 'backup' && b.selection === undefined);
  const candidates: RetentionCandidate[] = [
    ...backups.map((b) => {
      const last = b.verifications?.at(-1);
      return {
        id: b.id,
        createdAt: b.createdAt,
        instance: b.instance,
        ok: last?.ok !== false,
        verified: last?.ok === true,
      };
    }),
    ...catalogue.failures
      .filter((f) => f.kind === 'backup')
      .map((f) => ({
        id: f.id,
        createdAt: f.createdAt,
        instance: f.instance,
        ok: false,
        verified: false,
      })),
  ];
  const plan = planRetention(candidates, options.policy, { timezone: options.timezone, now });
  const byId = new Map(backups.map((b) => [b.id, b]));
  const removed: string[] = [];
  for (const { id } of plan.remove) {
    const manifest = byId.get(id);
    // The manifest goes first: without it the archive is never offered for restore.
    const names = manifest ? [manifestNameFor(id), manifest.archive.name] : [failureNameFor(id)];
    for (const name of names) {
      if (!options.dryRun) await options.target.remove(name);
      removed.push(name);
    }
  }
  const leftovers: string[] = [];
  if (!options.dryRun) {
    leftovers.push(...(await options.target.cleanupPartials({ olderThanMs: ORPHAN_AGE_MS })));
    for (const orphan of catalogue.orphans) {
      const info = await options.target.stat(orphan);
      if (info && now.getTime() - info.modifiedAt.getTime() > ORPHAN_AGE_MS) {
        await options.target.remove(orphan);
        leftovers.push(orphan);
      }
    }
  }
  return { plan, dryRun: options.dryRun, removed, leftovers };
}
