/**
 * Everything checked before anything is written: both sides answer (that
 * was proven by connecting), their versions and what the target lacks,
 * whether the data fits, whether the target is empty (or what `--drop` or
 * `--resume` will do with it), that it is not the source itself, that
 * every name in `--collections`/`--exclude` exists, and whether the source
 * looks like a Nightscout database. Problems that block the run are
 * collected with the rest, so one report shows them all.
 */
import {
  type CollectionSelection,
  describeUnknownCollections,
  findUnknownCollections,
  selectCollections,
} from '../../adapters/mongo/collections.js';
import { readServerIdentity } from '../../adapters/mongo/server-facts.js';
import type { NightscoutCollections } from '../../core/config/schema.js';
import {
  type Checkpoint,
  type CheckpointIdentity,
  describeMismatch,
  describeOtherMigration,
  isSameTarget,
  keptFinish,
} from '../../core/migrate/checkpoint.js';
import { describeVersionGap, findUnsupportedFeatures } from '../../core/migrate/compatibility.js';
import {
  buildMigrationPlan,
  type MigrationPlan,
  type SpaceCheck,
  type TargetCollectionInfo,
} from '../../core/migrate/plan.js';
import { isSameDatabaseUri, isSameServer } from '../../core/migrate/same-database.js';
import type { OpenedSource } from './open-source.js';
import { listTargetCollections, readTargetFs, type TargetSide } from './target.js';

export interface PreflightOptions {
  source: OpenedSource;
  target: TargetSide;
  selection: CollectionSelection;
  nightscout: NightscoutCollections;
  drop: boolean;
  resume: boolean;
  final: boolean;
  checkpoint: Checkpoint | undefined;
  identity: CheckpointIdentity;
  statePath: string;
}

export interface ServerSummary {
  version: string;
  ferretdb: boolean;
  replicaSet?: string;
  changeStreams: boolean;
}

export interface PreflightReport {
  source: {
    kind: string;
    description: string;
    server?: ServerSummary;
    collections: number;
    /** Source collections --collections/--exclude left out. */
    leftOut?: string[];
    documents?: number;
    bytes?: number;
  };
  target: {
    description: string;
    database: string;
    server: ServerSummary;
    occupied: TargetCollectionInfo[];
  };
  collections: Array<{
    name: string;
    type: string;
    documents?: number;
    bytes?: number;
    indexes: number;
  }>;
  paging: { mode: string; reason: string };
  space: SpaceCheck;
  nightscout: { present: string[]; missing: string[] };
  /** What happens to data already on the target. */
  targetAction: 'none' | 'drop' | 'resume';
  warnings: string[];
  /** Reasons the run cannot go ahead; empty when it can. */
  problems: string[];
}

function summarize(server: TargetSide['server']): ServerSummary {
  return {
    version: server.version,
    ferretdb: server.isFerretDB,
    ...(server.replicaSet ? { replicaSet: server.replicaSet } : {}),
    changeStreams: server.supportsChangeStreams,
  };
}

function sum(values: (number | undefined)[]): number | undefined {
  return values.every((v) => v !== undefined)
    ? values.reduce<number>((a, v) => a + (v ?? 0), 0)
    : undefined;
}

function checkTarget(
  options: PreflightOptions,
  plan: MigrationPlan,
  problems: string[],
  warnings: string[],
) {
  const { checkpoint } = options;
  const continuing = options.resume || options.final;
  if (checkpoint && continuing) {
    const mismatch = describeMismatch(checkpoint, options.identity);
    if (mismatch)
      problems.push(
        `the state file ${options.statePath} cannot resume this migration: ${mismatch}`,
      );
    else if (checkpoint.finalAt) problems.push(finishedProblem(options, checkpoint.finalAt));
    return 'resume' as const;
  }
  // A fresh run rewrites the state file: never that of another migration.
  const other = checkpoint && describeOtherMigration(checkpoint, options.identity);
  // --drop replaces the target's data, so an earlier migration into it (from another source) is over too.
  const replaced = other && options.drop && isSameTarget(checkpoint, options.identity);
  if (replaced)
    warnings.push(
      `the state file ${options.statePath} of an earlier migration into this database (${other}) is replaced: --drop replaces what that migration copied`,
    );
  else if (other)
    problems.push(
      `the state file ${options.statePath} belongs to another migration (${other}); a new run would overwrite it: delete it if that migration is over, or pass another --state`,
    );
  if (checkpoint && checkpoint.phase !== 'done' && !other && options.drop) {
    const before = checkpoint.rollbackPoint
      ? `; what the target held before that run is in rollback point ${checkpoint.rollbackPoint}`
      : '';
    warnings.push(
      `an earlier run of this migration did not finish (${options.statePath}): --resume would continue it; --drop starts over, and its rollback point holds that run's partial copy${before}`,
    );
  }
  if (checkpoint?.finalAt && !other && options.drop) {
    const names = plan.collections.map((c) => c.name);
    warnings.push(
      keptFinish(checkpoint, options.identity, names)
        ? `this migration was finished at ${checkpoint.finalAt}; --drop copies ${names.join(', ')} again and it stays finished, so a later run without --drop is still refused (the other collections may hold what Nightscout wrote since)`
        : `this migration was finished at ${checkpoint.finalAt}; --drop copies every collection again and starts it over`,
    );
  }
  if (plan.occupied.length === 0) return 'none' as const;
  if (options.drop) return 'drop' as const;
  const list = plan.occupied.map((c) => `${c.name} (${c.documents})`).join(', ');
  const why = continuing
    ? `there is no state file at ${options.statePath} to resume from`
    : checkpoint?.finalAt && !other
      ? finishedProblem(options, checkpoint.finalAt)
      : checkpoint && !other
        ? `a state file of an earlier run exists (${options.statePath}): pass --resume to continue it`
        : 'pass --drop to replace it (a rollback point is made first), or choose an empty database';
  problems.push(
    `the target database ${options.target.database} already holds data in ${list}; ${why}`,
  );
  return 'none' as const;
}

/**
 * A migration that ended with --final is over: its target may be
 * Nightscout's live database by now, and another pass would delete
 * whatever Nightscout wrote there since (it is not on the old source).
 */
function finishedProblem(options: PreflightOptions, finalAt: string): string {
  // A run from a backup, archive or dump folder is final without --final: its source cannot change.
  const how = options.checkpoint?.source.kind === 'mongodb' ? ' with --final' : '';
  return `this migration was finished${how} at ${finalAt} (${options.statePath}); since then the target may be Nightscout's live database, and another pass would delete what was written to it: compare the two with nsctl verify, or, to copy the source again, pass --drop (a rollback point is made first)`;
}

/** A source and target that are one database: `--drop` would delete the source. */
async function isSameDatabase(options: PreflightOptions): Promise<boolean> {
  const live = options.source.live;
  if (!live || live.database !== options.target.database) return false;
  if (isSameDatabaseUri(live.uri, options.target.target.uri)) return true;
  // Another host name or port can still reach the same server (an alias, a proxy).
  const target = await readServerIdentity(options.target.connection.client);
  return isSameServer(live.identity, target);
}

function hasSelection(selection: CollectionSelection): boolean {
  return (selection.include?.length ?? 0) > 0 || (selection.exclude?.length ?? 0) > 0;
}

/** Why there is nothing to copy: a mistyped database name is the usual reason. */
async function describeNothingToCopy(options: PreflightOptions, total: number): Promise<string> {
  if (total > 0 && hasSelection(options.selection))
    return 'the source has no collections to copy (after --collections/--exclude)';
  const live = options.source.live;
  if (!live) return `the source (${options.source.description}) holds no collections`;
  const others = (await live.listDatabases())?.filter((name) => name !== live.database);
  const listing =
    others === undefined
      ? ''
      : others.length === 0
        ? '; the server holds no other database'
        : `; databases on this server that hold collections: ${others.join(', ')}`;
  return `the source database ${live.database} is empty or does not exist: is the database name in --from right?${listing}`;
}

async function checkSource(
  options: PreflightOptions,
  all: readonly string[],
  plan: MigrationPlan,
  problems: string[],
): Promise<void> {
  const unknown = findUnknownCollections(all, options.selection);
  if (unknown.length > 0)
    problems.push(
      `--collections/--exclude: ${describeUnknownCollections(unknown)} on the source (it has ${all.join(', ') || 'none'})`,
    );
  else if (plan.collections.length === 0)
    problems.push(await describeNothingToCopy(options, all.length));
  else if (plan.nightscout.present.length === 0)
    problems.push(
      `the source holds none of Nightscout's collections (${Object.values(options.nightscout).join(', ')}): is the database name in --from right?`,
    );
}

function collectWarnings(options: PreflightOptions, plan: MigrationPlan): string[] {
  const warnings: string[] = [];
  const target = options.target.server;
  const gap = options.source.server ? describeVersionGap(options.source.server, target) : undefined;
  if (gap) warnings.push(gap);
  for (const problem of findUnsupportedFeatures(target, plan.collections))
    warnings.push(problem.message);
  if (plan.space.fits === false)
    warnings.push(`the target may run out of disk space: ${plan.space.note}`);
  if (plan.nightscout.missing.length > 0 && plan.nightscout.present.length > 0)
    warnings.push(
      `the source has no ${plan.nightscout.missing.join(', ')}; Nightscout creates them when it needs them`,
    );
  if (options.source.kind === 'mongodb' && !options.source.server?.supportsChangeStreams)
    warnings.push(
      'the source has no change streams (standalone server or FerretDB): writes made during the copy are found by the convergence passes; stop the uploaders before the final pass',
    );
  return warnings;
}

export async function runPreflight(
  options: PreflightOptions,
): Promise<{ report: PreflightReport; plan: MigrationPlan }> {
  const all = await options.source.listCollections();
  const allNames = selectCollections(
    all.map((c) => c.name),
    {},
  );
  const names = new Set(selectCollections(allNames, options.selection));
  const leftOut = allNames.filter((name) => !names.has(name));
  const db = options.target.connection.db;
  const [targetCollections, targetFs] = await Promise.all([
    listTargetCollections(db),
    readTargetFs(db),
  ]);
  const plan = buildMigrationPlan({
    source: all.filter((c) => names.has(c.name)),
    sourceNames: allNames,
    target: targetCollections,
    ...(targetFs ? { targetFs } : {}),
    nightscout: options.nightscout,
    partial: leftOut.length > 0,
  });
  const problems: string[] = [];
  await checkSource(options, allNames, plan, problems);
  const same = await isSameDatabase(options);
  if (same)
    problems.push(
      `the source and the target are the same database (${options.target.connection.safeUri}): a migration onto itself would drop or corrupt it; choose another --to database or server`,
    );
  const targetWarnings: string[] = [];
  const targetAction = same ? 'none' : checkTarget(options, plan, problems, targetWarnings);
  const data = plan.collections.filter((c) => c.type !== 'view');
  const report: PreflightReport = {
    source: {
      kind: options.source.kind,
      description: options.source.description,
      ...(options.source.server ? { server: summarize(options.source.server) } : {}),
      collections: plan.collections.length,
      ...(leftOut.length > 0 ? { leftOut } : {}),
      ...optional('documents', sum(data.map((c) => c.documents))),
      ...optional('bytes', sum(data.map((c) => c.bytes))),
    },
    target: {
      description: options.target.connection.safeUri,
      database: options.target.database,
      server: summarize(options.target.server),
      occupied: plan.occupied,
    },
    collections: plan.collections.map((c) => ({
      name: c.name,
      type: c.type,
      ...optional('documents', c.documents),
      ...optional('bytes', c.bytes),
      indexes: c.indexes.filter((i) => i.name !== '_id_').length,
    })),
    paging: { mode: options.source.paging, reason: options.source.pagingReason },
    space: plan.space,
    nightscout: plan.nightscout,
    targetAction,
    warnings: [...collectWarnings(options, plan), ...targetWarnings],
    problems,
  };
  return { report, plan };
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}
