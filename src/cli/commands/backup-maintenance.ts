/** `nsctl backup prune` and `nsctl backup schedule --print`. */
import type { Command } from 'commander';

import { NsctlError } from '../../core/errors.js';
import { action, type ProgramState } from '../program.js';
import { openBackupStore } from './shared.js';

interface PruneFlags {
  dir?: string;
  keepLast?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
  keepYearly?: number;
  dryRun?: boolean;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new NsctlError('USAGE', `"${value}" is not a whole number ≥ 0`);
  return n;
}

export function registerBackupMaintenance(backup: Command, state: ProgramState): void {
  backup
    .command('prune')
    .description(
      'delete backups the retention policy no longer keeps (never the newest verified one)',
    )
    .option('--keep-last <n>', 'keep the n newest backups', parseCount)
    .option('--keep-daily <n>', 'keep the newest backup of each of the last n days', parseCount)
    .option('--keep-weekly <n>', 'keep the newest backup of each of the last n weeks', parseCount)
    .option('--keep-monthly <n>', 'keep the newest backup of each of the last n months', parseCount)
    .option('--keep-yearly <n>', 'keep the newest backup of each of the last n years', parseCount)
    .option('--dry-run', 'show what would go and why each survivor stays; delete nothing')
    .option('--dir <path>', 'backup directory (default: backup.dir from the config)')
    .addHelpText(
      'after',
      '\nExample:\n  $ nsctl backup prune --keep-daily 7 --keep-weekly 4 --keep-monthly 12 --dry-run\n\nWithout --keep-* flags the policy is backup.retention from the config.',
    )
    .action(
      action<PruneFlags>(state, 'backup prune', async (flags, context) => {
        const config = await context.config();
        const { pruneBackups } = await import('../../ops/backup/prune.js');
        const settings = (await openBackupStore(context, flags, state.version)).settings;
        const fromFlags = {
          ...(flags.keepLast === undefined ? {} : { keepLast: flags.keepLast }),
          ...(flags.keepDaily === undefined ? {} : { keepDaily: flags.keepDaily }),
          ...(flags.keepWeekly === undefined ? {} : { keepWeekly: flags.keepWeekly }),
          ...(flags.keepMonthly === undefined ? {} : { keepMonthly: flags.keepMonthly }),
          ...(flags.keepYearly === undefined ? {} : { keepYearly: flags.keepYearly }),
        };
        const policy =
          Object.keys(fromFlags).length > 0 ? fromFlags : (config.backup.retention ?? {});
        const result = await pruneBackups({
          target: settings.target,
          policy,
          timezone: config.timezone,
          dryRun: flags.dryRun ?? false,
        });
        const verb = result.dryRun ? 'would remove' : 'removed';
        const lines = [
          ...result.plan.held.map((h) => `HOLD ${h.instance}: ${h.reason}`),
          ...result.plan.keep.map((k) => `keep   ${k.id}  (${k.reasons.join(', ')})`),
          ...result.plan.remove.map(
            (r) => `${result.dryRun ? 'remove' : 'removed'} ${r.id}  (${r.reason})`,
          ),
          `${verb} ${result.plan.remove.length} backups, kept ${result.plan.keep.length}${result.leftovers.length ? `; cleaned ${result.leftovers.length} leftovers of interrupted runs` : ''}`,
        ];
        return { data: result, text: lines.join('\n') };
      }),
    );

  backup
    .command('schedule')
    .description('print a systemd timer and a crontab line equivalent to backup.schedule')
    .requiredOption('--print', 'print the units (nsctl never installs them itself)')
    .option('--nsctl <path>', 'path of the nsctl binary in the units', 'nsctl')
    .addHelpText(
      'after',
      '\nExample:\n  $ nsctl backup schedule --print --config /etc/nsctl/nsctl.yaml',
    )
    .action(
      action<{ nsctl: string }>(state, 'backup schedule', async (flags, context) => {
        const config = await context.config();
        const schedule = config.backup.schedule;
        if (!schedule) {
          throw new NsctlError('CONFIG_INVALID', 'backup.schedule is not set', {
            where: 'backup.schedule',
            hint: 'Add backup.schedule.cron, e.g. "15 3 * * *" for 03:15 every day.',
          });
        }
        const { renderSchedule } = await import('../../core/schedule/units.js');
        const configPath = (await context.loadedConfig()).file;
        const units = renderSchedule({
          cron: schedule.cron,
          timezone: schedule.timezone ?? config.timezone,
          nsctl: flags.nsctl,
          ...(configPath ? { configPath } : {}),
          retention: config.backup.retention !== undefined,
        });
        return { data: units, text: units.text };
      }),
    );
}
