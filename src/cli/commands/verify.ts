/** `nsctl verify`: prove two Nightscout databases (or a backup and a database) identical. */
import { type Command, InvalidArgumentError } from 'commander';
import type { FieldDifferences } from '../../core/compare/field-diff.js';
import type { IndexDifference } from '../../core/compare/index-specs.js';
import { EXIT } from '../../core/errors.js';
import type { CollectionComparison, ListedId } from '../../ops/compare/compare-collection.js';
import type { VerifyResult } from '../../ops/compare/verify-databases.js';
import { action, type ProgramState, usageError } from '../program.js';
import { parseList, selectionFrom, sourceContextFrom, table } from './shared.js';

interface VerifyFlags {
  source: string;
  target: string;
  collections?: string[];
  exclude?: string[];
  ignoreFieldOrder?: boolean;
  maxListed?: number;
  report?: string;
  apiSecretFromConfig?: boolean;
  dir?: string;
  identity?: string;
  workDir?: string;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError('expected a whole number of 0 or more');
  return n;
}

const EXAMPLES = `
Examples:
  $ nsctl verify --source mongodb+srv://user@cluster0.example.net/nightscout --target mongodb://127.0.0.1:27017/nightscout
  $ nsctl verify --source backup:latest --target mongodb://127.0.0.1:27017/nightscout --report verify.json
  $ NSCTL_API_SECRET_FILE=/etc/nsctl/api-secret nsctl verify --source dump.archive.gz --target mongodb://127.0.0.1:27017/nightscout --api-secret-from-config

Exit codes: 0 identical, 1 different (see the listing or --report), 2 usage, 3 unreachable, 4 damaged backup.`;

export function registerVerifyCommand(program: Command, state: ProgramState): void {
  program
    .command('verify')
    .description(
      'prove two Nightscout databases identical: documents byte for byte, indexes, options, access tokens',
    )
    .requiredOption(
      '--source <uri|backup:id|file|dir>',
      'a MongoDB URI, backup:<id> ("latest" works), a mongodump archive file or a mongodump --out folder',
    )
    .requiredOption('--target <uri>', 'the MongoDB database to compare with the source')
    .option('--collections <names>', 'only these collections (comma-separated)', parseList)
    .option('--exclude <names>', 'leave these collections out (comma-separated)', parseList)
    .option(
      '--ignore-field-order',
      'documents with the same fields in another order count as equal (types still count)',
    )
    .option(
      '--max-listed <n>',
      'differing _ids shown per collection and kind (default 20)',
      parseCount,
    )
    .option('--report <file>', 'write the full JSON report, with every differing _id, to this file')
    .option(
      '--api-secret-from-config',
      'derive access tokens from nightscout.apiSecret (or NSCTL_API_SECRET) and compare them',
    )
    .option(
      '--dir <path>',
      'backup directory for backup:<id> (default: backup.dir from the config)',
    )
    .option('--identity <file>', 'age identity file for backups encrypted to recipients')
    .option(
      '--work-dir <dir>',
      'where temporary partition files go (default: the system temporary directory)',
    )
    .addHelpText('after', EXAMPLES)
    .action(
      action<VerifyFlags>(state, 'verify', async (flags, context) => {
        const config = await context.config();
        const apiSecret = flags.apiSecretFromConfig ? config.nightscout.apiSecret : undefined;
        if (flags.apiSecretFromConfig && !apiSecret) {
          throw usageError(
            '--api-secret-from-config: no API secret configured',
            'Set NSCTL_API_SECRET (or NSCTL_API_SECRET_FILE), or nightscout.apiSecret in nsctl.yaml.',
          );
        }
        const { runVerify } = await import('../../ops/compare/run-verify.js');
        const result = await runVerify({
          source: flags.source,
          target: flags.target,
          sourceContext: await sourceContextFrom(config, context, flags),
          selection: selectionFrom(flags),
          ignoreFieldOrder: flags.ignoreFieldOrder ?? false,
          ...(flags.maxListed === undefined ? {} : { maxListed: flags.maxListed }),
          ...(flags.report ? { reportFile: flags.report } : {}),
          ...(flags.workDir ? { workDir: flags.workDir } : {}),
          nightscout: {
            collections: config.nightscout.collections,
            ...(apiSecret ? { apiSecret } : {}),
          },
          progress: context.progress,
          signal: context.signal,
        });
        const exitCode = result.equal ? EXIT.ok : EXIT.failed;
        return { data: result, text: renderVerify(result), exitCode };
      }),
    );
}

function describeStatus(c: CollectionComparison): string {
  if (c.presence === 'source-only') return 'MISSING ON TARGET';
  if (c.presence === 'target-only') return 'ONLY ON TARGET';
  const parts = [
    c.documents.missing + c.documents.extra + c.documents.different > 0 ? 'documents' : '',
    c.indexes.length > 0 ? 'indexes' : '',
    c.options ? 'options' : '',
  ].filter(Boolean);
  return parts.length === 0 ? 'equal' : `DIFFERENT ${parts.join(', ')}`;
}

function listLine(c: CollectionComparison, what: string, ids: ListedId[], total: number): string[] {
  if (total === 0) return [];
  if (ids.length === 0) return [`  ${c.name}: ${total} ${what} (none listed: --max-listed 0)`];
  const shown = ids.length < total ? ` (first ${ids.length} of ${total})` : '';
  return [`  ${c.name}: ${total} ${what}${shown}: ${ids.map((i) => i.label).join(', ')}`];
}

function describeFields(f: FieldDifferences): string {
  const parts = [
    ...f.changed.map((x) =>
      x.sourceType === x.targetType ? x.path : `${x.path} (${x.sourceType} → ${x.targetType})`,
    ),
    ...f.removed.map((p) => `-${p}`),
    ...f.added.map((p) => `+${p}`),
    ...f.reordered.map((p) => `order of ${p}`),
  ];
  return parts.join(', ') || 'no field differs now (changed since?)';
}

function describeIndex(i: IndexDifference): string {
  if (i.kind === 'missing') return 'missing on target';
  if (i.kind === 'extra') return 'only on target';
  return `differs: ${JSON.stringify(i.source)} → ${JSON.stringify(i.target)}`;
}

function describeCollection(c: CollectionComparison): string[] {
  const lines = [
    ...listLine(c, 'missing on target', c.missing, c.documents.missing),
    ...listLine(c, 'only on target', c.extra, c.documents.extra),
    ...listLine(c, 'different', c.different, c.documents.different),
  ];
  for (const d of c.different)
    if (d.fields) lines.push(`    ${d.label}: ${describeFields(d.fields)}`);
  for (const i of c.indexes) lines.push(`  ${c.name}: index ${i.name} ${describeIndex(i)}`);
  if (c.options) {
    const { source, target } = c.options;
    lines.push(
      `  ${c.name}: options differ: ${JSON.stringify(source)} → ${JSON.stringify(target)}`,
    );
  }
  return lines;
}

/** The Nightscout invariants as lines; migrate prints the same. */
export function describeNightscoutChecks(ns: VerifyResult['nightscout']): string[] {
  const lines: string[] = [];
  const auth = ns.authSubjects;
  if (auth) {
    lines.push(
      auth.idsUnchanged
        ? `Nightscout: ${auth.collection} _ids unchanged (${auth.source} subject${auth.source === 1 ? '' : 's'}): follower tokens keep working`
        : `Nightscout: ${auth.collection} _ids CHANGED: ${auth.missing.length} lost, ${auth.extra.length} new; follower apps using those tokens stop working`,
    );
    const t = auth.tokens;
    if (t)
      lines.push(
        t.equal
          ? `Nightscout: access tokens identical (${t.count}, fingerprint ${t.sourceFingerprint})`
          : `Nightscout: access tokens DIFFER for: ${t.changedSubjects.join(', ') || '(new subjects on target)'}`,
      );
  }
  for (const name of ns.layout.missingCollections)
    lines.push(`Nightscout: collection ${name} is MISSING on the target`);
  return lines;
}

function describeNightscout(result: VerifyResult): string[] {
  const ns = result.nightscout;
  return [...describeNightscoutChecks(ns), ...ns.warnings.map((w) => `warning: ${w}`)];
}

function renderVerify(result: VerifyResult): string {
  const rows = [
    ['collection', 'source', 'target', 'missing', 'extra', 'different', 'status'],
    ...result.collections.map((c) => [
      c.name,
      String(c.documents.source),
      String(c.documents.target),
      String(c.documents.missing),
      String(c.documents.extra),
      String(c.documents.different),
      describeStatus(c),
    ]),
  ];
  const mode =
    result.mode === 'bytes'
      ? 'documents compared as raw BSON'
      : 'documents compared with fields sorted';
  return [
    `verify ${result.source} → ${result.target} (${mode})`,
    '',
    table(rows),
    ...result.collections.flatMap(describeCollection),
    '',
    ...describeNightscout(result),
    ...(result.warnings ?? []).map((w) => `warning: ${w}`),
    ...(result.reportFile ? [`report: ${result.reportFile}`] : []),
    result.equal
      ? `IDENTICAL (${(result.durationMs / 1000).toFixed(1)}s)`
      : `DIFFERENT (${(result.durationMs / 1000).toFixed(1)}s)`,
  ].join('\n');
}
