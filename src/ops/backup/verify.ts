/**
 * `nsctl backup verify`: read the whole archive (decrypt, decompress, parse
 * every document, check every namespace CRC), recompute counts, bytes and
 * checksums, and compare them and the archive's SHA-256 with the manifest.
 * Damage is a finding, reported with what and where, never a crash.
 */
import type { BackupTarget } from '../../adapters/storage/target.js';
import type { Manifest } from '../../core/backup/manifest.js';
import {
  type CollectionDigest,
  createCollectionDigest,
} from '../../core/checksum/collection-digest.js';
import { type ErrorCode, EXIT, isNsctlError } from '../../core/errors.js';
import type { Progress } from '../../core/progress.js';
import { openBackupArchive } from './archive-source.js';
import type { DecryptionKeys } from './layers.js';

export interface CollectionCheck {
  name: string;
  expected?: { documents: number; bytes: number; checksum: string };
  actual?: { documents: number; bytes: number; checksum: string };
  ok: boolean;
}

export interface VerifyResult {
  id: string;
  ok: boolean;
  archive: {
    name: string;
    expectedBytes: number;
    bytes: number;
    expectedSha256: string;
    sha256: string;
  };
  collections: CollectionCheck[];
  /** Readable findings; empty when ok. */
  problems: string[];
  /** The integrity error that stopped reading, if any. */
  failure?: { code: ErrorCode; message: string };
}

export interface VerifyOptions {
  target: BackupTarget;
  manifest: Manifest;
  keys: DecryptionKeys;
  progress: Progress;
}

export async function readArchiveDigests(
  options: VerifyOptions,
): Promise<{ digests: Map<string, CollectionDigest>; bytes: number; sha256: string }> {
  const { manifest } = options;
  const opened = await openBackupArchive(options.target, manifest, options.keys);
  const digests = new Map<string, CollectionDigest>();
  const total = manifest.collections.reduce((sum, c) => sum + c.documents, 0);
  const task = options.progress.task(`verify:${manifest.id}`, {
    label: 'verify',
    total,
    unit: 'docs',
  });
  let documents = 0;
  for await (const event of opened.events) {
    if (event.kind === 'prelude') {
      for (const c of event.collections) digests.set(c.collection, createCollectionDigest());
    } else if (event.kind === 'document') {
      digests.get(event.collection)?.add(event.document);
      if (++documents % 1000 === 0) task.update(documents);
    }
  }
  task.update(documents);
  task.finish();
  return { digests, ...opened.stored() };
}

export function compareWithManifest(
  manifest: Manifest,
  digests: Map<string, CollectionDigest>,
): CollectionCheck[] {
  const checks: CollectionCheck[] = manifest.collections.map((expected) => {
    const digest = digests.get(expected.name);
    const actual = digest && {
      documents: digest.count,
      bytes: digest.bytes,
      checksum: digest.toJSON().sum,
    };
    const ok =
      actual !== undefined &&
      actual.documents === expected.documents &&
      actual.bytes === expected.bytes &&
      actual.checksum === expected.checksum;
    return {
      name: expected.name,
      expected: {
        documents: expected.documents,
        bytes: expected.bytes,
        checksum: expected.checksum,
      },
      ...(actual ? { actual } : {}),
      ok,
    };
  });
  for (const [name, digest] of digests) {
    if (manifest.collections.some((c) => c.name === name)) continue;
    checks.push({
      name,
      actual: { documents: digest.count, bytes: digest.bytes, checksum: digest.toJSON().sum },
      ok: false,
    });
  }
  return checks;
}

export function describeCheck(check: CollectionCheck): string {
  if (!check.actual) return `${check.name}: missing from the archive`;
  if (!check.expected) return `${check.name}: in the archive but not in the manifest`;
  const { expected, actual } = check;
  if (actual.documents !== expected.documents) {
    return `${check.name}: ${actual.documents} documents, manifest says ${expected.documents}`;
  }
  return `${check.name}: documents differ from the manifest's checksum`;
}

export async function verifyBackup(options: VerifyOptions): Promise<VerifyResult> {
  const { manifest } = options;
  const base = {
    id: manifest.id,
    archive: {
      name: manifest.archive.name,
      expectedBytes: manifest.archive.bytes,
      bytes: 0,
      expectedSha256: manifest.archive.sha256,
      sha256: '',
    },
  };
  try {
    const read = await readArchiveDigests(options);
    const collections = compareWithManifest(manifest, read.digests);
    const problems = collections.filter((c) => !c.ok).map(describeCheck);
    if (read.sha256 !== manifest.archive.sha256) {
      problems.unshift(
        `archive SHA-256 ${read.sha256.slice(0, 16)}… differs from the manifest's ${manifest.archive.sha256.slice(0, 16)}…`,
      );
    }
    if (read.bytes !== manifest.archive.bytes) {
      problems.unshift(`archive is ${read.bytes} bytes, manifest says ${manifest.archive.bytes}`);
    }
    return {
      ...base,
      archive: { ...base.archive, bytes: read.bytes, sha256: read.sha256 },
      ok: problems.length === 0,
      collections,
      problems,
    };
  } catch (error) {
    // Only damage is a finding about the backup; storage that cannot be
    // read or a key that was never given says nothing about it.
    if (!isNsctlError(error) || error.exitCode !== EXIT.integrity) throw error;
    return {
      ...base,
      ok: false,
      collections: [],
      problems: [error.message],
      failure: { code: error.code, message: error.message },
    };
  }
}
