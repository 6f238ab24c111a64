/** `nsctl migrate`: move a Nightscout database to another MongoDB, resumable, verified. */
import { type Command, InvalidArgumentError, Option } from 'commander';

import { EXIT } from '../../core/errors.js';
import type { ResourceSample } from '../../core/migrate/resources.js';
import type { MigrateEvent, MigrateResult } from '../../ops/migrate/index.js';
import type { CommandContext } from '../context.js';
import { setInterruptNote } from '../interrupt-note.js';
import { action, type ProgramState, usageError } from '../program.js';
import { describeSample, renderPlan, renderResult } from './migrate-render.js';
import {
  intBetween,
  openBackupStore,
  parseList,
  selectionFrom,
  sourceContextFrom,
} from './shared.js';

interface MigrateFlags {
  from: string;
  to: string;
  collections?: string[];
  exclude?: string[];
  parallel?: number;
  batchSize?: number;
  rateLimit?: number;
  retries?: number;
  maxPasses?: number;
  state?: string;
  resume?: boolean;
  drop?: boolean;
  final?: boolean;
  yes?: boolean;
  dryRun?: boolean;
  report?: string;
  dir?: string;
  identity?: string;
}

function parseRate(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError('expected documents per second, more than 0');
  return n;
}

const EXAMPLES = `
Examples:
  $ nsctl migrate --from 'mongodb+srv://me:…@cluster0.example.net/nightscout' --to mongodb://127.0.0.1:27017/nightscout --dry-run
  $ nsctl migrate --from 'mongodb+srv://me:…@cluster0.example.net/nightscout' --to mongodb://127.0.0.1:27017/nightscout --rate-limit 2000
  $ nsctl migrate --from … --to … --resume          # after a crash, Ctrl-C or a lost connection
  $ nsctl migrate --from … --to … --final           # uploaders stopped: last pass and verification
  $ nsctl migrate --from backup:latest --to mongodb://127.0.0.1:27017/nightscout
  $ nsctl migrate --from ./dump/nightscout --to mongodb://127.0.0.1:27017/nightscout   # mongodump --out folder
  $ nsctl migrate --from nightscout.archive.gz --to mongodb://127.0.0.1:27017/nightscout --drop

The copy can run while Nightscout and its uploaders keep writing to the source; every run ends
with convergence passes that compare both sides and fix what differs. For the switch-over, stop
every uploader and run once more with --final. The state file (default: in the backup directory)
lets --resume continue without copying anything twice.

Exit codes: 0 copied and verified equal, 1 documents refused or the copy differs, 2 usage or refused
pre-flight, 3 a server unreachable (resume with --resume), 4 a damaged archive, 130 interrupted.`;

export function registerMigrateCommand(program: Command, state: ProgramState): void {
  program
    .command('migrate')
    .description(
      'move a Nightscout database (Atlas or any MongoDB, a backup, a mongodump archive or folder) into a MongoDB database: parallel, resumable, verified',
    )
    .requiredOption(
      '--from <uri|backup:id|file|dir>',
      'the source: a MongoDB URI naming its database, backup:<id>, a mongodump archive or a mongodump --out folder',
    )
    .requiredOption('--to <uri>', 'the target: a MongoDB URI naming its database')
    .option('--collections <names>', 'only these collections (comma-separated)', parseList)
    .option('--exclude <names>', 'leave these collections out (comma-separated)', parseList)
    .option('--parallel <n>', 'collections copied at once, 1 to 16 (default 2)', intBetween(1, 16))
    .option(
      '--batch-size <docs>',
      'documents per batch, 1 to 100000 (default 1000; a batch also ends at about 8 MB)',
      intBetween(1, 100_000),
    )
    .option(
      '--rate-limit <docs/s>',
      'at most this many documents per second (kind to a free Atlas cluster)',
      parseRate,
    )
    .option(
      '--retries <n>',
      'retries of a read or write after a transient error, with growing waits, 0 to 100 (default 8)',
      intBetween(0, 100),
    )
    .option(
      '--max-passes <n>',
      'convergence passes at most, the last one only comparing, 1 to 100 (default 5)',
      intBetween(1, 100),
    )
    .option(
      '--state <file>',
      'the state file (default: migrate-<database>-<hash of the target>.state.json in the backup directory)',
    )
    .addOption(
      new Option('--resume', 'continue a migration that stopped, from its state file').conflicts(
        'drop',
      ),
    )
    .option(
      '--drop',
      'replace what the target database holds (a rollback point of it is made first)',
    )
    .option(
      '--final',
      'with the uploaders stopped: the last convergence pass and verification (asks first)',
    )
    .option('--yes', 'do not ask (needed for --final when not on a terminal)')
    .option('--dry-run', 'run the pre-flight checks, print the plan, write nothing')
    .option('--report <file>', 'write the full JSON report to this file')
    .option(
      '--dir <path>',
      'backup directory, for the state file, rollback points and backup:<id> (default: backup.dir)',
    )
    .option('--identity <file>', 'age identity file for encrypted backups or archives')
    .addHelpText('after', EXAMPLES)
    .action(
      action<MigrateFlags>(state, 'migrate', async (flags, context) => {
        const config = await context.config();
        if (!/^mongodb(\+srv)?:\/\//.test(flags.to))
          throw usageError(`--to must be a MongoDB URI, not ${flags.to}`);
        if (flags.final && !flags.dryRun && !flags.yes) await confirmFinal(context);
        const { runMigration } = await import('../../ops/migrate/index.js');
        if (!flags.dryRun) setInterruptNote(stoppedAtOnceNote(flags.state));
        const result = await runMigration({
          from: flags.from,
          to: flags.to,
          sourceContext: await sourceContextFrom(config, context, flags),
          selection: selectionFrom(flags),
          ...(flags.parallel ? { parallel: flags.parallel } : {}),
          ...(flags.batchSize ? { batchSize: flags.batchSize } : {}),
          ...(flags.rateLimit ? { rateLimit: flags.rateLimit } : {}),
          ...(flags.retries === undefined ? {} : { retry: { retries: flags.retries } }),
          ...(flags.maxPasses ? { maxPasses: flags.maxPasses } : {}),
          ...(flags.state ? { statePath: flags.state } : {}),
          ...(flags.report ? { reportFile: flags.report } : {}),
          resume: flags.resume ?? false,
          drop: flags.drop ?? false,
          dryRun: flags.dryRun ?? false,
          final: flags.final ?? false,
          createRollbackPoint: await rollbackMaker(context, flags, state.version),
          nightscout: {
            collections: config.nightscout.collections,
            ...(config.nightscout.apiSecret ? { apiSecret: config.nightscout.apiSecret } : {}),
          },
          progress: context.progress,
          signal: context.signal,
          onSample: sampleWriter(context),
          sampleIntervalMs: context.globals.json ? 5000 : 30_000,
          onEvent: (event) => logEvent(context, event),
        });
        return {
          data: result,
          text: result.dryRun ? renderPlan(result) : renderResult(result, flags.dir),
          exitCode: exitCodeOf(result),
        };
      }),
    );
}

/** The state file only records batches fully written, so stopping at once loses nothing. */
function stoppedAtOnceNote(statePath: string | undefined): string {
  const where = statePath ? `the state file ${statePath}` : 'the state file';
  return `stopped at once; ${where} is safe: run the same command with --resume to continue.`;
}

async function confirmFinal(context: CommandContext): Promise<void> {
  if (!process.stdin.isTTY || !context.io.stderr.isTTY) {
    throw usageError(
      '--final asks before it runs, and this is not a terminal',
      'Stop every uploader first, then pass --yes to confirm.',
    );
  }
  const { createInterface } = await import('node:readline/promises');
  const prompt = createInterface({ input: process.stdin, output: context.io.stderr });
  try {
    const answer = await prompt.question(
      'Final pass: have you stopped every uploader (phone apps, bridges, the old Nightscout site)? [y/N] ',
    );
    if (!/^y(es)?$/i.test(answer.trim()))
      throw usageError(
        'final pass not confirmed; nothing was done',
        'Stop every uploader, then run the same command again and answer y (or pass --yes).',
      );
  } finally {
    prompt.close();
  }
}

async function rollbackMaker(context: CommandContext, flags: MigrateFlags, version: string) {
  if (!flags.drop || flags.dryRun) return undefined;
  const { rollbackPointMaker } = await import('../../ops/rollback.js');
  const { rollback } = await openBackupStore(context, flags, version);
  return rollbackPointMaker(rollback, flags.to, 'before-migrate');
}

function sampleWriter(context: CommandContext) {
  if (context.globals.quiet) return undefined;
  if (context.globals.json) {
    return (sample: ResourceSample) =>
      context.io.stderr.write(`${JSON.stringify({ type: 'resources', ...sample })}\n`);
  }
  return (sample: ResourceSample) => context.log.info('migrate.resources', describeSample(sample));
}

function logEvent(context: CommandContext, event: MigrateEvent): void {
  switch (event.kind) {
    case 'retry':
      context.log.warn(
        'migrate.retry',
        `${event.what} failed (${event.message}); retry ${event.attempt} in ${(event.delayMs / 1000).toFixed(1)}s`,
      );
      return;
    case 'phase':
      context.log.info(`migrate.${event.phase}`, event.message);
      return;
    case 'note':
      context.log.warn('migrate.note', event.message);
      return;
    case 'pass': {
      const p = event.pass;
      const found = p.missing + p.extra + p.different;
      context.log.info(
        'migrate.pass',
        found === 0
          ? `convergence pass ${p.pass}: no difference`
          : `convergence pass ${p.pass}: ${p.missing} missing, ${p.extra} extra, ${p.different} different; ${p.copied} copied, ${p.deleted} deleted`,
      );
    }
  }
}

/** A refused pre-flight is a usage error (2), with --dry-run as without. */
function exitCodeOf(result: MigrateResult) {
  if (result.ok) return EXIT.ok;
  return result.dryRun && result.preflight.problems.length > 0 ? EXIT.usage : EXIT.failed;
}
