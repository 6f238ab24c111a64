/** The text `nsctl migrate` prints: the dry-run plan, the result summary and resource samples. */
import { rollbackCommand } from '../../core/backup/rollback-command.js';
import type { ResourceSample } from '../../core/migrate/resources.js';
import type { MigrateResult } from '../../ops/migrate/index.js';
import { formatBytes, formatDuration } from '../progress-renderer.js';
import { table } from './shared.js';
import { describeNightscoutChecks } from './verify.js';

/** Loopback also counts nsctl's own traffic to each server, once each way. */
const NET_LABEL = { interfaces: 'network', loopback: 'loopback (servers on this host)' };

export function describeSample(s: ResourceSample): string {
  const net =
    s.netRxBytesPerSec === undefined || !s.netScope
      ? ''
      : `, ${NET_LABEL[s.netScope]} ↓${formatBytes(s.netRxBytesPerSec)}/s ↑${formatBytes(s.netTxBytesPerSec ?? 0)}/s`;
  const disk = s.diskFreeBytes === undefined ? '' : `, ${formatBytes(s.diskFreeBytes)} free`;
  return `nsctl: CPU ${s.cpuPercent}%, memory ${s.rssMb} MB${net}${disk}`;
}

function describeTarget(result: MigrateResult): string {
  const p = result.preflight;
  const held = p.target.occupied.map((c) => `${c.name} (${c.documents})`).join(', ');
  if (p.targetAction === 'drop')
    return `target: holds ${held}; a rollback point is made, then they are dropped`;
  if (p.targetAction === 'resume') return `target: continues the migration in ${result.statePath}`;
  return held === '' ? 'target: empty' : `target: holds ${held}`;
}

export function renderPlan(result: MigrateResult): string {
  const p = result.preflight;
  const rows = [
    // The size is what the source reports (on FerretDB its storage, not BSON bytes).
    ['collection', 'type', 'documents', 'size (source stats)', 'indexes'],
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

/**
 * Per collection: what the copy did (over every run of this migration) and,
 * from the last verification, what the target holds now, which includes
 * what the convergence passes re-copied or deleted.
 */
function collectionRows(result: MigrateResult): string[][] {
  const onTarget = new Map(
    (result.verification?.collections ?? []).map((c) => [c.name, c.documents.target]),
  );
  return [
    [
      'collection',
      'documents',
      'on target',
      'inserted',
      'present',
      'replaced',
      'failed',
      'BSON size',
      'time',
      'indexes',
    ],
    ...result.collections.map((c) => [
      c.name,
      String(c.documents),
      String(onTarget.get(c.name) ?? '-'),
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

/** What a pass did about the differences it found. */
function describeRepairs(p: NonNullable<MigrateResult['convergence']>['passes'][number]): string {
  const parts = [`${p.copied} re-copied`];
  if (p.deleted > 0) parts.push(`${p.deleted} deleted`);
  if (p.knownFailures > 0) parts.push(`${p.knownFailures} refused (listed above)`);
  return parts.join(', ');
}

function describeVerification(result: MigrateResult): string[] {
  const lines: string[] = [];
  const passes = result.convergence?.passes ?? [];
  const summary = passes
    .map((p) => {
      const found = p.missing + p.extra + p.different;
      return found === 0
        ? `pass ${p.pass} equal`
        : `pass ${p.pass} ${found} differing: ${describeRepairs(p)}`;
    })
    .join('; ');
  lines.push(`convergence: ${summary}${result.convergence?.converged ? '' : ' — NOT converged'}`);
  const v = result.verification;
  if (v) {
    const t = v.totals;
    lines.push(
      v.equal
        ? `verification: IDENTICAL, ${t.matching} documents byte for byte, indexes and options`
        : `verification: DIFFERENT (${describeDifferences(v)}; see --report or nsctl verify)`,
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

export function renderResult(result: MigrateResult, dir?: string): string {
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

/** What differs, documents first, then what a document count does not show. */
function describeDifferences(v: NonNullable<MigrateResult['verification']>): string {
  const t = v.totals;
  const parts = [`${t.missing} missing, ${t.extra} extra, ${t.different} different documents`];
  const indexes = v.collections.reduce((n, c) => n + c.indexes.length, 0);
  if (indexes > 0) parts.push(`${indexes} index ${indexes === 1 ? 'difference' : 'differences'}`);
  const options = v.collections.filter((c) => c.options).length;
  if (options > 0)
    parts.push(`options differ in ${options} ${options === 1 ? 'collection' : 'collections'}`);
  const absent = v.collections.filter((c) => c.presence !== 'both').map((c) => c.name);
  if (absent.length > 0) parts.push(`only on one side: ${absent.join(', ')}`);
  if (!v.nightscout.ok) parts.push("Nightscout's checks failed");
  return parts.join('; ');
}
