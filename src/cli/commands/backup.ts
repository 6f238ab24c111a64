/** `nsctl backup run|list|show|verify`. */
import type { Command } from 'commander';

import { EXIT } from '../../core/errors.js';
import { action, type ProgramState } from '../program.js';
import { formatBytes } from '../progress-renderer.js';
import { registerBackupMaintenance } from './backup-maintenance.js';
import {
  openBackupStore,
  parseList,
  parsePositiveInt,
  resolveMongoTarget,
  table,
} from './shared.js';

interface RunFlags {
  uri?: string;
  dir?: string;
  collections?: string[];
  exclude?: string[];
  parallel?: number;
  label?: string;
  dryRun?: boolean;
}

export function registerBackupCommands(program: Command, state: ProgramState): void {
  const backup = program
    .command('backup')
    .description('streaming, compressed, encrypted backups: run, list, show, verify, prune')
    .addHelpText(
      'after',
      '\nExamples:\n  $ nsctl backup run\n  $ nsctl backup verify latest --restore-drill',
    );

  backup
    .command('run')
    .description('back up the Nightscout database to the backup directory')
    .option('--uri <mongodb-uri>', 'database to back up (default: mongodb.uri from the config)')
    .option('--dir <path>', 'backup directory (default: backup.dir from the config)')
    .option('--collections <names>', 'only these collections (comma-separated)', parseList)
    .option('--exclude <names>', 'leave these collections out (comma-separated)', parseList)
    .option('--parallel <n>', 'collections read at once (default 2)', parsePositiveInt)
    .option('--label <text>', 'a note stored in the manifest')
    .option('--dry-run', 'show what would be backed up, write nothing')
    .addHelpText(
      'after',
      '\nExample:\n  $ NSCTL_BACKUP_PASSPHRASE_FILE=/etc/nsctl/pass nsctl backup run --config /etc/nsctl/nsctl.yaml',
    )
    .action(
      action<RunFlags>(state, 'backup run', async (flags, context) => {
        const config = await context.config();
        const source = resolveMongoTarget(config, flags.uri);
        const selection = {
          ...(flags.collections ? { include: flags.collections } : {}),
          ...(flags.exclude ? { exclude: flags.exclude } : {}),
        };
        if (flags.dryRun) {
          const { planBackup } = await import('../../ops/backup/plan.js');
          const plan = await planBackup(source, selection);
          const rows = [
            ['collection', 'documents', 'size'],
            ...plan.collections.map((c) => [c.name, String(c.documents), formatBytes(c.bytes)]),
          ];
          return { data: plan, text: `dry run: would back up ${plan.database}\n${table(rows)}` };
        }
        const { runBackup } = await import('../../ops/backup/run.js');
        const settings = (await openBackupStore(context, flags, state.version)).settings;
        for (const warning of settings.warnings) context.log.warn('backup.unencrypted', warning);
        const result = await runBackup({
          source,
          instance: config.instance,
          target: settings.target,
          compression: settings.compression,
          encryption: settings.encryption,
          selection,
          ...(flags.parallel ? { parallel: flags.parallel } : {}),
          ...(flags.label ? { label: flags.label } : {}),
          progress: context.progress,
          signal: context.signal,
          toolVersion: state.version,
        });
        const m = result.manifest;
        const rows = [
          ['collection', 'documents', 'size'],
          ...m.collections.map((c) => [c.name, String(c.documents), formatBytes(c.bytes)]),
        ];
        const text = [
          `backup ${m.id} complete in ${(result.durationMs / 1000).toFixed(1)}s`,
          `  archive: ${result.location} (${formatBytes(m.archive.bytes)}, ${m.compression}, encryption ${m.encryption.type})`,
          '',
          table(rows),
        ].join('\n');
        return { data: { ...result, warnings: settings.warnings }, text };
      }),
    );

  backup
    .command('list')
    .description('list the backups in the backup directory, oldest first')
    .option('--dir <path>', 'backup directory (default: backup.dir from the config)')
    .addHelpText('after', '\nExample:\n  $ nsctl backup list --json')
    .action(
      action<{ dir?: string }>(state, 'backup list', async (flags, context) => {
        const { readCatalogue } = await import('../../ops/backup/catalogue.js');
        const settings = (await openBackupStore(context, flags, state.version)).settings;
        const catalogue = await readCatalogue(settings.target);
        const rows = [
          ['id', 'kind', 'created', 'documents', 'size', 'verified'],
          ...catalogue.backups.map((m) => {
            const last = m.verifications?.at(-1);
            return [
              m.id,
              m.kind === 'rollback-point' ? `rollback:${m.label ?? ''}` : 'backup',
              m.createdAt.replace(/\.\d+Z$/, 'Z'),
              String(m.collections.reduce((s, c) => s + c.documents, 0)),
              formatBytes(m.archive.bytes),
              last ? `${last.ok ? 'ok' : 'FAILED'} ${last.at.slice(0, 10)}` : 'never',
            ];
          }),
        ];
        const lines =
          catalogue.backups.length > 0
            ? [table(rows)]
            : [`no backups in ${settings.target.describe()}`];
        for (const bad of catalogue.invalid)
          lines.push(`invalid manifest ${bad.name}: ${bad.problem}`);
        for (const f of catalogue.failures)
          lines.push(`FAILED run ${f.id} at ${f.failedAt}: [${f.code}] ${f.message}`);
        for (const orphan of catalogue.orphans)
          lines.push(`incomplete (no manifest, never restorable): ${orphan}`);
        return { data: catalogue, text: lines.join('\n') };
      }),
    );

  backup
    .command('show <id>')
    .description('show one backup\'s manifest ("latest" or an id prefix works)')
    .option('--dir <path>', 'backup directory (default: backup.dir from the config)')
    .addHelpText('after', '\nExample:\n  $ nsctl backup show latest')
    .action(
      action<{ dir?: string }>(state, 'backup show', async (flags, context, args) => {
        const { readManifest, resolveBackupId } = await import('../../ops/backup/catalogue.js');
        const settings = (await openBackupStore(context, flags, state.version)).settings;
        const manifest = await readManifest(
          settings.target,
          await resolveBackupId(settings.target, args[0] ?? ''),
        );
        const rows = [
          ['collection', 'documents', 'size', 'indexes'],
          ...manifest.collections.map((c) => [
            c.name,
            String(c.documents),
            formatBytes(c.bytes),
            String(c.indexes.length),
          ]),
        ];
        const text = [
          `backup ${manifest.id} (${manifest.kind}${manifest.label ? `: ${manifest.label}` : ''})`,
          `  created   ${manifest.createdAt}  finished ${manifest.finishedAt}`,
          `  source    ${manifest.source.uri} database ${manifest.source.database}, server ${manifest.server.version}${manifest.server.ferretdbVersion ? ` (FerretDB ${manifest.server.ferretdbVersion})` : ''}`,
          `  archive   ${manifest.archive.name}, ${formatBytes(manifest.archive.bytes)}, sha256 ${manifest.archive.sha256}`,
          `  packing   ${manifest.compression}, encryption ${manifest.encryption.type}${manifest.encryption.recipients.length ? ` for ${manifest.encryption.recipients.join(', ')}` : ''}`,
          '',
          table(rows),
        ].join('\n');
        return { data: manifest, text };
      }),
    );

  backup
    .command('verify <id>')
    .description(
      'read the whole backup and check it against its manifest; optionally restore it into a scratch database',
    )
    .option('--dir <path>', 'backup directory (default: backup.dir from the config)')
    .option('--identity <file>', 'age identity file for backups encrypted to recipients')
    .option('--restore-drill', 'also restore into a scratch database, compare, and drop it')
    .option(
      '--drill-uri <mongodb-uri>',
      'server for the restore drill (default: mongodb.uri from the config)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ nsctl backup verify latest\n  $ nsctl backup verify latest --restore-drill --drill-uri mongodb://127.0.0.1:27017/',
    )
    .action(
      action<{ dir?: string; identity?: string; restoreDrill?: boolean; drillUri?: string }>(
        state,
        'backup verify',
        async (flags, context, args) => {
          const config = await context.config();
          const { readManifest, resolveBackupId, recordVerification } = await import(
            '../../ops/backup/catalogue.js'
          );
          const { verifyBackup } = await import('../../ops/backup/verify.js');
          const settings = (await openBackupStore(context, flags, state.version)).settings;
          const manifest = await readManifest(
            settings.target,
            await resolveBackupId(settings.target, args[0] ?? ''),
          );
          const result = await verifyBackup({
            target: settings.target,
            manifest,
            keys: settings.keys,
            progress: context.progress,
          });
          let drill: unknown;
          let ok = result.ok;
          if (ok && flags.restoreDrill) {
            const { runRestoreDrill } = await import('../../ops/restore-drill.js');
            const drillResult = await runRestoreDrill({
              target: settings.target,
              manifest,
              keys: settings.keys,
              server: resolveMongoTarget(config, flags.drillUri, '--drill-uri'),
              progress: context.progress,
            });
            drill = drillResult;
            ok = drillResult.ok;
            result.problems.push(...drillResult.problems);
          }
          // A key that does not fit says nothing about the backup itself.
          const keyProblem = result.failure?.code === 'DECRYPT_FAILED';
          if (!keyProblem)
            await recordVerification(settings.target, manifest, {
              at: new Date().toISOString(),
              ok,
              mode: flags.restoreDrill ? 'restore-drill' : 'read',
            }).catch((error: Error) =>
              context.log.warn(
                'verify.record_failed',
                `could not record the verification: ${error.message}`,
              ),
            );
          const lines = ok
            ? [
                `backup ${manifest.id} verified: ${manifest.collections.length} collection${manifest.collections.length === 1 ? '' : 's'}, ${manifest.collections.reduce((s, c) => s + c.documents, 0)} documents, checksums match${flags.restoreDrill ? '; restore drill passed' : ''}`,
              ]
            : [
                `backup ${manifest.id} FAILED verification:`,
                ...result.problems.map((p) => `  - ${p}`),
              ];
          return {
            data: { ...result, ok, ...(drill ? { drill } : {}) },
            text: lines.join('\n'),
            exitCode: ok ? EXIT.ok : EXIT.integrity,
          };
        },
      ),
    );

  registerBackupMaintenance(backup, state);
}
