/** `nsctl migrate`: move a Nightscout database to another MongoDB, resumable, verified. */
import { type Command, InvalidArgumentError, Option } from 'commander';

import { rollbackCommand } from '../../core/backup/rollback-command.js';
import { EXIT } from '../../core/errors.js';
import type { ResourceSample } from '../../core/migrate/resources.js';
import type { MigrateEvent, MigrateResult } from '../../ops/migrate/index.js';
import type { CommandContext } from '../context.js';
import { setInterruptNote } from '../interrupt-note.js';
import { action, type ProgramState, usageError } from '../program.js';
import { formatBytes, formatDuration } from '../progress-renderer.js';
import {
  intBetween,
  openBackupStore,
  parseList,
  selectionFrom,
  sourceContextFrom,
  table,
} from './shared.js';
import { describeNightscoutChecks } from './verify.js';

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
      throw usageError('final pass not confirmed; nothing was done');
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

/** Loopback also counts nsctl's own traffic to each server, once each way. */
const NET_LABEL = { interfaces: 'network', loopback: 'loopback (servers on this host)' };

function describeSample(s: ResourceSample): string {
  const net =
    s.netRxBytesPerSec === undefined || !s.netScope
      ? ''
      : `, ${NET_LABEL[s.netScope]} ↓${formatBytes(s.netRxBytesPerSec)}/s ↑${formatBytes(s.netTxBytesPerSec ?? 0)}/s`;
  const disk = s.diskFreeBytes === undefined ? '' : `, ${formatBytes(s.diskFreeBytes)} free`;
  return `nsctl: CPU ${s.cpuPercent}%, memory ${s.rssMb} MB${net}${disk}`;
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

function describeTarget(result: MigrateResult): string {
  const p = result.preflight;
  const held = p.target.occupied.map((c) => `${c.name} (${c.documents})`).join(', ');
  if (p.targetAction === 'drop')
    return `target: holds ${held}; a rollback point is made, then they are dropped`;
  if (p.targetAction === 'resume') return `target: continues the migration in ${result.statePath}`;
  return held === '' ? 'target: empty' : `target: holds ${held}`;
}

function renderPlan(result: MigrateResult): string {
  const p = result.preflight;
  const rows = [
    ['collection', 'type', 'documents', 'size', 'indexes'],
    ...p.collections.map((c) => [
      c.name,
      c.type,
      c.documents === undefined ? '?' : String(c.documents),
      c.bytes === undefined ? '?' : formatBytes(c.bytes),
      String(c.indexes),
    ]),
  ];
  const server = (s: typeof p.target.server | undefined) =>
    s
      ? `${s.ferretdb ? 'FerretDB, MongoDB' : 'MongoDB'} ${s.version}${s.replicaSet ? `, replica set ${s.replicaSet}` : ''}`
      : '';
  return [
    `dry run: migrate ${p.source.description}${p.source.server ? ` (${server(p.source.server)})` : ''}`,
    `     into ${p.target.description} (${server(p.target.server)})`,
    '',
    table(rows),
    '',
    `reading: ${p.paging.reason}`,
    `disk: ${p.space.note}`,
    describeTarget(result),
    ...p.warnings.map((w) => `warning: ${w}`),
    ...p.problems.map((problem) => `REFUSED: ${problem}`),
    'nothing was written',
  ].join('\n');
}

function collectionRows(result: MigrateResult): string[][] {
  return [
    [
      'collection',
      'documents',
      'inserted',
      'present',
      'replaced',
      'failed',
      'size',
      'time',
      'indexes',
    ],
    ...result.collections.map((c) => [
      c.name,
      String(c.documents),
      String(c.inserted),
      String(c.alreadyPresent),
      String(c.replaced),
      String(c.failed),
      formatBytes(c.bytes),
      c.durationMs === undefined ? '-' : formatDuration(c.durationMs / 1000),
      c.indexes
        ? `${c.indexes.created.length}${c.indexes.failed.length > 0 ? ` (${c.indexes.failed.length} failed)` : ''}`
        : '-',
    ]),
  ];
}

function describeProblems(result: MigrateResult): string[] {
  const lines: string[] = [];
  for (const c of result.collections) {
    for (const f of c.failures.slice(0, 5)) lines.push(`  ${c.name} _id ${f.id}: ${f.message}`);
    if (c.failed > 5) lines.push(`  ${c.name}: ${c.failed - 5} more refused (all in --report)`);
    for (const f of c.indexes?.failed ?? [])
      lines.push(`  index ${c.name}.${f.name} failed: ${f.message}`);
  }
  return lines;
}

function describeVerification(result: MigrateResult): string[] {
  const lines: string[] = [];
  const passes = result.convergence?.passes ?? [];
  const summary = passes
    .map((p) => {
      const found = p.missing + p.extra + p.different;
      return found === 0
        ? `pass ${p.pass} equal`
        : `pass ${p.pass} ${found} differing, ${p.copied + p.deleted} fixed`;
    })
    .join('; ');
  lines.push(`convergence: ${summary}${result.convergence?.converged ? '' : ' — NOT converged'}`);
  const v = result.verification;
  if (v) {
    const t = v.totals;
    lines.push(
      v.equal
        ? `verification: IDENTICAL, ${t.matching} documents byte for byte, indexes and options`
        : `verification: DIFFERENT (${t.missing} missing, ${t.extra} extra, ${t.different} different documents; see --report or nsctl verify)`,
    );
    lines.push(...describeNightscoutChecks(v.nightscout));
  }
  return lines;
}

function describeCosts(result: MigrateResult): string[] {
  const d = result.durations;
  // Only what this run wrote: a resumed run's skipped and already-present documents took no time.
  const copied = result.collections.reduce((n, c) => n + (c.copiedThisRun ?? 0), 0);
  const rate =
    d.copyMs && copied > 0
      ? `, ${copied} docs copied, ${Math.round(copied / Math.max(0.001, d.copyMs / 1000))} docs/s`
      : '';
  const lines = [
    `time: pre-flight ${formatDuration(d.preflightMs / 1000)}${d.copyMs === undefined ? '' : `, copy ${formatDuration(d.copyMs / 1000)}${rate}`}${d.convergeMs === undefined ? '' : `, convergence ${formatDuration(d.convergeMs / 1000)}`}, total ${formatDuration(d.totalMs / 1000)}`,
  ];
  const r = result.resources;
  if (r)
    lines.push(
      `resources: peak memory ${r.peakRssMb} MB, CPU ${r.cpuSeconds}s (${r.averageCpuPercent}% of a core), ${r.netScope ? `${NET_LABEL[r.netScope]} ↓${formatBytes(r.netRxBytes)} ↑${formatBytes(r.netTxBytes)}` : 'network n/a'}`,
    );
  return lines;
}

function renderResult(result: MigrateResult, dir?: string): string {
  const p = result.preflight;
  const capture = result.changeCapture;
  return [
    `migrated ${p.source.description} → ${p.target.description}${result.ok ? '' : ' WITH PROBLEMS'}${result.resumed ? ' (resumed)' : ''}`,
    '',
    table(collectionRows(result)),
    ...describeProblems(result),
    '',
    ...(result.rollbackPoint
      ? [
          `rollback point of what the target held: ${result.rollbackPoint} (return with: ${rollbackCommand(result.rollbackPoint, p.target.description, dir ? { dir } : {})})`,
        ]
      : []),
    ...(capture
      ? [
          `writes during the copy: ${capture.events} changes seen, ${capture.replayed} documents replayed`,
        ]
      : []),
    ...describeVerification(result),
    ...describeCosts(result),
    ...result.warnings.map((w) => `warning: ${w}`),
    `state: ${result.statePath}${result.reportFile ? `; report: ${result.reportFile}` : ''}`,
    ...result.nextSteps.map((s) => `next: ${s}`),
  ].join('\n');
}
