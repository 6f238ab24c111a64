/**
 * `nsctl verify`: proves two Nightscout databases identical, or lists what
 * differs. Each side is read once in natural order (both at once), each
 * document reduced to its `_id` bytes and a hash of its bytes, spilled into
 * partition files by `_id` hash, and the partitions are compared one at a
 * time; so memory is bounded whatever the collection size, and the server
 * never sorts (FerretDB would sort in memory). Indexes, collection options
 * and Nightscout's invariants are checked beside the documents.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  type CollectionSelection,
  describeUnknownCollections,
  findUnknownCollections,
  selectCollections,
} from '../../adapters/mongo/collections.js';
import {
  addDiffCounts,
  createDiffCounts,
  type DiffCounts,
} from '../../core/compare/partition-diff.js';
import { DEFAULT_MEMORY_BUDGET_BYTES } from '../../core/compare/partition-plan.js';
import type { NightscoutCollections } from '../../core/config/schema.js';
import { NsctlError } from '../../core/errors.js';
import type { Progress } from '../../core/progress.js';
import { type CollectionComparison, compareCollection } from './compare-collection.js';
import type { DocumentSource, SourceCollection } from './document-source.js';
import { checkNightscout, type NightscoutReport } from './nightscout-report.js';
import type { PartitionStore } from './partition-store.js';
import { openReportWriter, type ReportWriter } from './report-writer.js';
import { planScans, scanBoth } from './scan-both.js';
import type { SideScan } from './scan-side.js';

export interface VerifyOptions {
  source: DocumentSource;
  /** Compared against the source; usually the copy. */
  target: DocumentSource;
  selection?: CollectionSelection;
  /** Compare documents with fields sorted recursively; types still count. Default false. */
  ignoreFieldOrder?: boolean;
  /** `_id`s listed per kind and collection in the result (all go to the report file). Default 20. */
  maxListed?: number;
  /** Write the full JSON report here, streaming. */
  reportFile?: string;
  nightscout: {
    collections: NightscoutCollections;
    /** When given, access tokens are derived on both sides and compared. */
    apiSecret?: string;
  };
  /** Memory for one partition's index. Default 16 MiB ({@link DEFAULT_MEMORY_BUDGET_BYTES}). */
  memoryBudgetBytes?: number;
  /** Where partition files go (default: the OS temporary directory); removed afterwards. */
  workDir?: string;
  progress: Progress;
  signal?: AbortSignal;
}

export interface VerifyResult {
  /** Documents, indexes and options equal everywhere, and Nightscout's checks passed. */
  equal: boolean;
  source: string;
  target: string;
  mode: 'bytes' | 'ignore-field-order';
  collections: CollectionComparison[];
  totals: DiffCounts;
  nightscout: NightscoutReport;
  durationMs: number;
  reportFile?: string;
  /** Problems beside the comparison (the report file could not be written, …). */
  warnings?: string[];
}

export const DEFAULT_MAX_LISTED = 20;

function findStore(scan: SideScan, name: string): PartitionStore {
  const store = scan.stores.get(name);
  if (!store) throw new Error(`no partition store for ${name}`);
  return store;
}

interface Listing {
  names: string[];
  specs: [Map<string, SourceCollection>, Map<string, SourceCollection>];
}

async function listBoth(options: VerifyOptions): Promise<Listing> {
  const lists = await Promise.all([
    options.source.listCollections(),
    options.target.listCollections(),
  ]);
  const [a, b] = lists.map((list) => new Map(list.map((c) => [c.name, c]))) as Listing['specs'];
  const all = [...new Set([...a.keys(), ...b.keys()])];
  const unknown = findUnknownCollections(all, options.selection ?? {});
  if (unknown.length > 0)
    throw new NsctlError(
      'USAGE',
      `--collections/--exclude: ${describeUnknownCollections(unknown)} on either side`,
      { hint: 'Check the spelling; nothing was compared.' },
    );
  return { names: selectCollections(all, options.selection ?? {}), specs: [a, b] };
}

async function compareAll(
  options: VerifyOptions,
  listing: Listing,
  scans: [SideScan, SideScan],
  work: { dir: string; budget: number; report: ReportWriter | undefined },
): Promise<CollectionComparison[]> {
  const collections: CollectionComparison[] = [];
  for (const [i, name] of listing.names.entries()) {
    options.signal?.throwIfAborted();
    const stores = { source: findStore(scans[0], name), target: findStore(scans[1], name) };
    collections.push(
      await compareCollection({
        name,
        fileLabel: `c${i}`,
        source: listing.specs[0].get(name),
        target: listing.specs[1].get(name),
        stores,
        sides: { source: options.source, target: options.target },
        dir: work.dir,
        memoryBudgetBytes: work.budget,
        maxListed: options.maxListed ?? DEFAULT_MAX_LISTED,
        report: work.report,
      }),
    );
    await stores.source.remove();
    await stores.target.remove();
  }
  return collections;
}

function summarize(
  options: VerifyOptions,
  collections: CollectionComparison[],
  nightscout: NightscoutReport,
  started: number,
) {
  const totals = createDiffCounts();
  for (const c of collections) addDiffCounts(totals, c.documents);
  return {
    equal: collections.every((c) => c.equal) && nightscout.ok,
    source: options.source.description,
    target: options.target.description,
    mode: options.ignoreFieldOrder ? ('ignore-field-order' as const) : ('bytes' as const),
    collections,
    totals,
    nightscout,
    durationMs: Date.now() - started,
  };
}

/** The comparison is done whatever happens to the file: a failure to write it is a warning. */
async function finishReport(report: ReportWriter, result: VerifyResult): Promise<VerifyResult> {
  try {
    await report.finish(result);
    return result;
  } catch (error) {
    await report.abort().catch(() => undefined);
    const { reportFile: _unwritten, ...rest } = result;
    const reason = error instanceof Error ? error.message : String(error);
    return { ...rest, warnings: [...(result.warnings ?? []), reason] };
  }
}

const WORK_DIR_PROBLEMS: Record<string, string> = {
  ENOENT: 'does not exist',
  ENOTDIR: 'is not a folder',
  EACCES: 'is not writable',
  EPERM: 'is not writable',
  EROFS: 'is on a read-only file system',
  ENOSPC: 'has no space left',
};

/** The scratch folder for spilled partitions, under --work-dir or the system's temporary folder. */
async function makeWorkDir(workDir: string | undefined): Promise<string> {
  try {
    return await mkdtemp(join(workDir ?? tmpdir(), 'nsctl-verify-'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const where = workDir ?? tmpdir();
    throw new NsctlError(
      workDir ? 'USAGE' : 'STORAGE_FAILED',
      `cannot make a scratch folder in ${where}: it ${WORK_DIR_PROBLEMS[code] ?? `failed (${code || String(error)})`}`,
      {
        where,
        hint: workDir
          ? 'Pass --work-dir an existing, writable folder with room for the comparison (or leave it out to use the temporary folder).'
          : 'Set TMPDIR, or pass --work-dir, to a writable folder with free space.',
        cause: error,
      },
    );
  }
}

export async function verifyDatabases(options: VerifyOptions): Promise<VerifyResult> {
  const started = Date.now();
  const budget = options.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET_BYTES;
  const listing = await listBoth(options);
  const plans = planScans(listing.names, ...listing.specs, budget);
  const dir = await makeWorkDir(options.workDir);
  let report: ReportWriter | undefined;
  try {
    report = options.reportFile ? await openReportWriter(options.reportFile) : undefined;
    const scans = await scanBoth(
      {
        ...options,
        ignoreFieldOrder: options.ignoreFieldOrder ?? false,
        authSubjects: options.nightscout.collections.authSubjects,
      },
      plans,
      dir,
    );
    const collections = await compareAll(options, listing, scans, { dir, budget, report });
    const nightscout = checkNightscout({
      ...options.nightscout,
      names: listing.names,
      scans,
      specs: listing.specs,
    });
    const result: VerifyResult = {
      ...summarize(options, collections, nightscout, started),
      ...(report ? { reportFile: report.path } : {}),
    };
    return report ? await finishReport(report, result) : result;
  } catch (error) {
    await report?.abort();
    if (options.signal?.aborted)
      throw new NsctlError('INTERRUPTED', 'verify interrupted; no report was written');
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
