/** `nsctl doctor`. */
import type { Command } from 'commander';

import { EXIT } from '../../core/errors.js';
import { action, type ProgramState } from '../program.js';

const SYMBOL = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' } as const;

export function registerDoctor(program: Command, state: ProgramState): void {
  program
    .command('doctor')
    .description('check Node.js, the config, the MongoDB connection and the backup directory')
    .option('--uri <mongodb-uri>', 'MongoDB to check instead of the configured one')
    .addHelpText('after', '\nExample:\n  $ nsctl doctor --config /etc/nsctl/nsctl.yaml')
    .action(
      action<{ uri?: string }>(state, 'doctor', async (options, context) => {
        const { runDoctor } = await import('../../ops/doctor.js');
        const checks = await runDoctor({
          loaded: await context.loadedConfig(),
          ...(options.uri ? { uri: options.uri } : {}),
          cwd: context.io.cwd,
        });
        const failed = checks.some((c) => c.status === 'fail');
        const lines = checks.flatMap((c) => [
          `${SYMBOL[c.status]} ${c.name.padEnd(11)} ${c.detail}`,
          ...(c.fix && c.status !== 'ok' ? [`     ${''.padEnd(11)} fix: ${c.fix}`] : []),
        ]);
        const skipped = checks.filter((c) => c.status === 'skip').map((c) => c.name);
        const skippedNote = skipped.length > 0 ? ` (not checked: ${skipped.join(', ')})` : '';
        lines.push(
          failed ? '\nSome checks failed.' : `\nAll checks that ran passed${skippedNote}.`,
        );
        return {
          data: { ok: !failed, checks },
          text: lines.join('\n'),
          exitCode: failed ? EXIT.failed : EXIT.ok,
        };
      }),
    );
}
