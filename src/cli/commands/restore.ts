/** `nsctl restore` and `nsctl rollback list|create|to`. */
import type { Command } from 'commander';

import type { MongoTarget } from '../../adapters/mongo/connect.js';
import type { Manifest } from '../../core/backup/manifest.js';
import { rollbackCommand } from '../../core/backup/rollback-command.js';
import type { NsctlConfig } from '../../core/config/schema.js';
import { EXIT, NsctlError } from '../../core/errors.js';
import { action, type ProgramState } from '../program.js';
import { formatBytes } from '../progress-renderer.js';
import {
  openBackupStore,
  parseList,
  resolveMongoTarget,
  type StoreFlags,
  table,
} from './shared.js';

interface RestoreFlags extends StoreFlags {
  uri?: string;
  into?: string;
  archive?: string;
  collections?: string[];
  drop?: boolean;
  dryRun?: boolean;
}

export function registerRestoreCommands(program: Command, state: ProgramState): void {
  program
    .command('restore [id]')
    .description(
      'restore a backup ("latest", an id or prefix) or a mongodump --archive file into a database',
    )
    .option(
      '--archive <file>',
      'restore this mongodump --archive file (plain, gzip or age) instead of a backup',
    )
    .option('--uri <mongodb-uri>', 'destination (default: mongodb.uri from the config)')
    .option('--into <database>', 'restore into this database instead of the one in the URI')
    .option('--collections <names>', 'only these collections (comma-separated)', parseList)
    .option('--drop', 'replace collections that hold data (a rollback point is made first)')
    .option('--dry-run', 'show the plan, change nothing')
    .option('--dir <path>', 'backup directory (default: backup.dir from the config)')
    .option('--identity <file>', 'age identity file for backups encrypted to recipients')
    .addHelpText(
      'after',
      '\nExamples:\n  $ nsctl restore latest --into nightscout_restored\n  $ nsctl restore latest --drop\n  $ nsctl restore --archive dump.archive.gz --uri mongodb://127.0.0.1:27017/nightscout',
    )
    .action(
      action<RestoreFlags>(state, 'restore', async (flags, context, args) => {
        const { config, settings, rollback } = await openBackupStore(context, flags, state.version);
        const base = resolveMongoTarget(config, flags.uri);
        const destination = flags.into ? { uri: base.uri, database: flags.into } : base;
        const { resolveDatabaseName } = await import('../../adapters/mongo/connect.js');
        resolveDatabaseName(destination);
        const { checkRestoreInput, openRestoreInput } = await import('../../ops/restore-check.js');
        const { readManifest, resolveBackupId } = await import('../../ops/backup/catalogue.js');
        const { restoreArchive } = await import('../../ops/restore.js');
        const { rollbackPointMaker } = await import('../../ops/rollback.js');
        const { usageError } = await import('../program.js');
        if (!flags.archive && !args[0])
          throw usageError('name a backup to restore, or pass --archive <file>');
        if (flags.archive && args[0])
          throw usageError('give either a backup id or --archive, not both');
        const { keys } = settings;
        const manifest = flags.archive
          ? undefined
          : await readManifest(
              settings.target,
              await resolveBackupId(settings.target, args[0] ?? ''),
            );
        const input = manifest
          ? { kind: 'backup' as const, target: settings.target, manifest, keys }
          : { kind: 'archive' as const, path: flags.archive ?? '', keys };
        const label = manifest?.id ?? flags.archive ?? '';
        const expected =
          manifest && new Map(manifest.collections.map((c) => [c.name, c.documents]));
        const result = await restoreArchive({
          archive: await openRestoreInput(input),
          ...(expected ? { expected } : {}),
          // Before --drop replaces anything: a damaged input must change nothing.
          checkInput: ({ textMustBeUtf8 }) =>
            checkRestoreInput(input, {
              textMustBeUtf8,
              ...(flags.collections ? { collections: flags.collections } : {}),
              progress: context.progress,
            }),
          destination,
          ...(flags.collections ? { collections: flags.collections } : {}),
          drop: flags.drop ?? false,
          dryRun: flags.dryRun ?? false,
          progress: context.progress,
          signal: context.signal,
          ...(flags.dir ? { rollbackDir: flags.dir } : {}),
          createRollbackPoint: rollbackPointMaker(
            rollback,
            destination.uri,
            `before-restore-of-${label.replace(/[^A-Za-z0-9._-]/g, '_').slice(-80)}`,
          ),
        });
        return {
          data: result,
          text: renderRestore(result, label, destination.uri, flags.dir),
          // A dry run is refused for what the real run would be refused for: exit 2 alike.
          exitCode: result.ok ? EXIT.ok : result.dryRun ? EXIT.usage : EXIT.failed,
        };
      }),
    );

  const rollback = program
    .command('rollback')
    .description('rollback points: list, create, and go back to one')
    .addHelpText(
      'after',
      '\nExamples:\n  $ nsctl rollback create --label "before upgrade"\n  $ nsctl rollback list',
    );

  rollback
    .command('list')
    .description('list rollback points, oldest first')
    .option('--dir <path>', 'backup directory (default: backup.dir from the config)')
    .addHelpText('after', '\nExample:\n  $ nsctl rollback list')
    .action(
      action<StoreFlags>(state, 'rollback list', async (flags, context) => {
        const { settings } = await openBackupStore(context, flags, state.version);
        const { readCatalogue } = await import('../../ops/backup/catalogue.js');
        const { pointSource } = await import('../../ops/rollback.js');
        // The id names the config's instance, not the database: say which one.
        const points = (await readCatalogue(settings.target)).backups
          .filter((b) => b.kind === 'rollback-point')
          .map((p) => ({ ...p, ...pointSource(p) }));
        const rows = [
          ['id', 'label', 'database', 'server', 'created', 'size'],
          ...points.map((p) => [
            p.id,
            p.label ?? '',
            p.database,
            p.server,
            p.createdAt,
            formatBytes(p.archive.bytes),
          ]),
        ];
        return { data: { points }, text: points.length > 0 ? table(rows) : 'no rollback points' };
      }),
    );

  rollback
    .command('create')
    .description('make a rollback point of the database now')
    .requiredOption(
      '--label <text>',
      '(required) what the point is for, e.g. "before upgrade to 15.0.3"',
    )
    .option('--uri <mongodb-uri>', 'database (default: mongodb.uri from the config)')
    .option('--dir <path>', 'backup directory (default: backup.dir from the config)')
    .addHelpText(
      'after',
      '\nExample:\n  $ nsctl rollback create --label "before Nightscout upgrade"',
    )
    .action(
      action<StoreFlags & { label: string; uri?: string }>(
        state,
        'rollback create',
        async (flags, context) => {
          const { config, rollback: ctx } = await openBackupStore(context, flags, state.version);
          const { createRollbackPoint } = await import('../../ops/rollback.js');
          const source = resolveMongoTarget(config, flags.uri);
          const id = await createRollbackPoint(ctx, source, flags.label);
          const again = rollbackCommand(id, source.uri, {
            ...(source.database ? { database: source.database } : {}),
            ...(flags.dir ? { dir: flags.dir } : {}),
          });
          return { data: { id }, text: `rollback point ${id} made; return to it with: ${again}` };
        },
      ),
    );

  rollback
    .command('to <point>')
    .description('verify a rollback point, restore it over the database, and verify the result')
    .option(
      '--uri <mongodb-uri>',
      'the database the point was made from (default: mongodb.uri from the config)',
    )
    .option(
      '--into-other',
      'restore the point even into a database other than the one it was made from',
    )
    .option('--dir <path>', 'backup directory (default: backup.dir from the config)')
    .option('--identity <file>', 'age identity file for points encrypted to recipients')
    .addHelpText(
      'after',
      "\nA point goes back only into the database it was made from (same database name and\nserver); anything else is refused unless --into-other is given.\n\nExample:\n  $ nsctl rollback to nightscout-20261203T101500Z-1a2b --uri 'mongodb://nightscout:…@127.0.0.1:27017/nightscout'",
    )
    .action(
      action<RollbackToFlags>(state, 'rollback to', async (flags, context, args) => {
        const {
          config,
          settings,
          rollback: ctx,
        } = await openBackupStore(context, flags, state.version);
        const { readManifest, resolveBackupId } = await import('../../ops/backup/catalogue.js');
        const { rollbackTo } = await import('../../ops/rollback.js');
        const point = await readManifest(
          settings.target,
          await resolveBackupId(settings.target, args[0] ?? ''),
        );
        const destination = await rollbackDestination(config, flags, point);
        const result = await rollbackTo(ctx, point, destination, {
          intoOther: flags.intoOther ?? false,
        });
        const lines = [renderRestore(result.restore, point.id, destination.uri, flags.dir)];
        lines.push(
          result.ok
            ? `rolled back to ${point.id}; the database matches the point's checksums`
            : 'rollback FAILED verification:',
          ...result.problems.map((p) => `  - ${p}`),
        );
        return {
          data: result,
          text: lines.join('\n'),
          exitCode: result.ok ? EXIT.ok : EXIT.failed,
        };
      }),
    );
}

interface RollbackToFlags extends StoreFlags {
  uri?: string;
  intoOther?: boolean;
}

/** --uri or the config's; a URI naming no database means the point's own. */
async function rollbackDestination(
  config: NsctlConfig,
  flags: RollbackToFlags,
  point: Manifest,
): Promise<MongoTarget> {
  if (!flags.uri && !config.mongodb.uri) {
    const { describePointSource, pointCommand } = await import('../../ops/rollback.js');
    throw new NsctlError(
      'USAGE',
      `no MongoDB to connect to: rollback point ${point.id} was made from ${describePointSource(point)}`,
      { hint: `Pass its database with --uri: ${pointCommand(point, flags.dir)}` },
    );
  }
  const target = resolveMongoTarget(config, flags.uri);
  const { databaseFromUri } = await import('../../core/mongo-uri.js');
  return target.database || databaseFromUri(target.uri)
    ? target
    : { ...target, database: point.source.database };
}

function renderRestore(
  result: import('../../ops/restore.js').RestoreResult,
  label: string,
  uri: string,
  dir: string | undefined,
): string {
  if (result.dryRun) {
    const rows = [
      ['collection', 'documents', 'already there'],
      ...result.plan.map((p) => [
        p.name,
        p.documents === undefined ? '?' : String(p.documents),
        String(p.existing),
      ]),
    ];
    const refusal = result.ok
      ? ''
      : '\nwould REFUSE: collections above already hold data; add --drop (a rollback point is made first) or use --into';
    return `dry run: would restore ${label} into ${result.database}\n${table(rows)}${refusal}`;
  }
  const rows = [
    ['collection', 'in archive', 'inserted', 'failed', 'now there'],
    ...result.collections.map((c) => [
      c.name,
      String(c.expected),
      String(c.inserted),
      String(c.failed),
      String(c.found),
    ]),
  ];
  const lines = [
    `restored ${label} into ${result.database}${result.ok ? '' : ' WITH ERRORS'}`,
    table(rows),
  ];
  for (const c of result.collections) {
    for (const f of c.failures.slice(0, 5)) lines.push(`  ${c.name} _id ${f.id}: ${f.message}`);
  }
  for (const i of result.indexes)
    for (const f of i.failed) lines.push(`  index ${i.collection}.${f.name} failed: ${f.message}`);
  if (result.rollbackPoint) {
    lines.push(
      `rollback point of the replaced data: ${result.rollbackPoint} (return with: ${rollbackCommand(
        result.rollbackPoint,
        uri,
        { database: result.database, ...(dir ? { dir } : {}) },
      )})`,
    );
  }
  return lines.join('\n');
}
