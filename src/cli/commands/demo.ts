/** `nsctl demo`. */
import type { Command } from 'commander';

import { EXIT } from '../../core/errors.js';
import { action, type ProgramState } from '../program.js';
import { parsePositiveInt } from './shared.js';

export function registerDemo(program: Command, state: ProgramState): void {
  program
    .command('demo')
    .description(
      'walk through nsctl on a throwaway local server: seed, back up, verify, restore, compare',
    )
    .option('--dir <path>', 'where the demo keeps its files', './nsctl-demo')
    .option('--days <n>', 'days of Nightscout data to seed', parsePositiveInt, 14)
    .addHelpText('after', '\nExample:\n  $ nsctl demo --days 30')
    .action(
      action<{ dir: string; days: number }>(state, 'demo', async (flags, context) => {
        const { runDemo } = await import('../../ops/demo.js');
        const result = await runDemo({
          dir: flags.dir,
          days: flags.days,
          progress: context.progress,
          step: (message) => context.log.info('demo.step', message),
          toolVersion: state.version,
          env: context.io.env,
        });
        const config = result.files.config;
        const text = [
          '',
          result.verified && result.equal
            ? 'Demo complete: the backup verified and restored identical.'
            : 'Demo finished WITH PROBLEMS (see above).',
          '',
          `Files in ${result.dir}:`,
          `  ${result.backup.archive}`,
          `  ${result.backup.manifest}`,
          `  ${result.files.key}   (the age secret key; keep such a key away from the backup host)`,
          `  ${config}`,
          '',
          'Try next (no server needed):',
          `  node dist/cli/main.js --config ${config} backup list`,
          `  node dist/cli/main.js --config ${config} backup verify latest`,
          `  age -d -i ${result.files.key} ${result.backup.archive} | gunzip | head -c 200 | od -c | head`,
          '',
          'Read docs/backup.md for backups on a real Nightscout.',
        ].join('\n');
        return {
          data: result,
          text,
          exitCode: result.verified && result.equal ? EXIT.ok : EXIT.failed,
        };
      }),
    );
}
