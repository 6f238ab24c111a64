/**
 * The backup catalogue, read from the manifests in storage: they are the
 * source of truth, so listing needs no state database. Archives without a
 * manifest are reported as incomplete; manifests that do not parse, as
 * invalid. Neither is ever offered for restore.
 */
import type { BackupTarget } from '../../adapters/storage/target.js';
import { type Manifest, parseManifest, serializeManifest } from '../../core/backup/manifest.js';
import { isNsctlError, NsctlError } from '../../core/errors.js';
import { FAILURE_SUFFIX, type FailureRecord, MANIFEST_SUFFIX, manifestNameFor } from './naming.js';

export interface CatalogueProblem {
  name: string;
  problem: string;
}

export interface Catalogue {
  /** Valid manifests, oldest first. */
  backups: Manifest[];
  /** Manifests that failed to parse. */
  invalid: CatalogueProblem[];
  /** Archive objects that no manifest claims (interrupted or half-deleted backups). */
  orphans: string[];
  /** Runs that failed, from their failure records, oldest first. */
  failures: FailureRecord[];
}

export async function readCatalogue(target: BackupTarget): Promise<Catalogue> {
  const objects = await target.list();
  const backups: Manifest[] = [];
  const invalid: CatalogueProblem[] = [];
  const claimed = new Set<string>();
  for (const object of objects) {
    if (!object.name.endsWith(MANIFEST_SUFFIX)) continue;
    try {
      const manifest = parseManifest(
        (await target.readSmall(object.name)).toString('utf8'),
        object.name,
      );
      if (manifestNameFor(manifest.id) !== object.name) {
        throw new NsctlError(
          'MANIFEST_INVALID',
          `${object.name} holds the manifest of ${manifest.id}`,
        );
      }
      backups.push(manifest);
      claimed.add(manifest.archive.name);
    } catch (error) {
      if (!isNsctlError(error)) throw error;
      invalid.push({ name: object.name, problem: error.message });
    }
  }
  const failures: FailureRecord[] = [];
  for (const object of objects) {
    if (!object.name.endsWith(FAILURE_SUFFIX)) continue;
    try {
      failures.push(
        JSON.parse((await target.readSmall(object.name)).toString('utf8')) as FailureRecord,
      );
    } catch {
      invalid.push({ name: object.name, problem: 'unreadable failure record' });
    }
  }
  failures.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const withManifest = new Set(
    objects
      .filter((o) => o.name.endsWith(MANIFEST_SUFFIX))
      .map((o) => o.name.slice(0, -MANIFEST_SUFFIX.length)),
  );
  const orphans = objects
    .map((o) => o.name)
    .filter((name) => name.includes('.archive') && !claimed.has(name))
    .filter((name) => !withManifest.has(name.slice(0, name.indexOf('.archive'))));
  backups.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  return { backups, invalid, orphans, failures };
}

/** One backup's manifest; BACKUP_NOT_FOUND or MANIFEST_INVALID otherwise. */
export async function readManifest(target: BackupTarget, id: string): Promise<Manifest> {
  const name = manifestNameFor(id);
  if (!(await target.stat(name))) {
    throw new NsctlError('BACKUP_NOT_FOUND', `no backup "${id}" in ${target.describe()}`);
  }
  const manifest = parseManifest((await target.readSmall(name)).toString('utf8'), name);
  if (manifest.id !== id) {
    throw new NsctlError('MANIFEST_INVALID', `${name} holds the manifest of ${manifest.id}`, {
      where: name,
    });
  }
  return manifest;
}

/**
 * Resolves `latest` (the newest regular backup: never a rollback point,
 * which may hold another database or only some collections) and unique id
 * prefixes. A damaged manifest is never skipped over silently.
 */
export async function resolveBackupId(target: BackupTarget, idOrPrefix: string): Promise<string> {
  const { backups, invalid } = await readCatalogue(target);
  const damaged = (name: string) =>
    new NsctlError(
      'MANIFEST_INVALID',
      `the manifest ${name} is damaged: ${invalid.find((i) => i.name === name)?.problem}`,
      {
        where: name,
        hint: 'Do not trust that backup; name another one by id (`nsctl backup list`).',
      },
    );
  if (idOrPrefix === 'latest') {
    const latest = backups.filter((b) => b.kind === 'backup').at(-1);
    const newestInvalid = invalid
      .map((i) => i.name)
      .sort()
      .at(-1);
    if (newestInvalid && (!latest || newestInvalid > manifestNameFor(latest.id)))
      throw damaged(newestInvalid);
    if (!latest) {
      const points = backups.length;
      throw new NsctlError('BACKUP_NOT_FOUND', `no backups in ${target.describe()}`, {
        hint:
          points > 0
            ? `It holds ${points} rollback point${points === 1 ? '' : 's'}, which "latest" never names: \`nsctl rollback list\` shows them. Backups kept elsewhere need --dir.`
            : 'Make one with `nsctl backup run`, or pass --dir for the folder that holds them.',
      });
    }
    return latest.id;
  }
  const invalidMatch = invalid.find((i) => i.name.startsWith(idOrPrefix));
  if (invalidMatch && !backups.some((b) => b.id.startsWith(idOrPrefix)))
    throw damaged(invalidMatch.name);
  const matches = backups.filter((b) => b.id === idOrPrefix || b.id.startsWith(idOrPrefix));
  const exact = matches.find((b) => b.id === idOrPrefix);
  if (exact) return exact.id;
  if (matches.length === 1 && matches[0]) return matches[0].id;
  if (matches.length > 1) {
    throw new NsctlError('USAGE', `"${idOrPrefix}" matches ${matches.length} backups`, {
      hint: `Give more of the id: ${matches
        .slice(0, 3)
        .map((b) => b.id)
        .join(', ')}…`,
    });
  }
  throw new NsctlError('BACKUP_NOT_FOUND', `no backup "${idOrPrefix}" in ${target.describe()}`, {
    hint: '`nsctl backup list` shows the backups there and `nsctl rollback list` the rollback points; for another folder, pass --dir.',
  });
}

/** Records a verification in the manifest (rewritten atomically). */
export async function recordVerification(
  target: BackupTarget,
  manifest: Manifest,
  verification: NonNullable<Manifest['verifications']>[number],
): Promise<Manifest> {
  const updated: Manifest = {
    ...manifest,
    verifications: [...(manifest.verifications ?? []), verification].slice(-20),
  };
  await target.writeSmall(manifestNameFor(manifest.id), serializeManifest(updated));
  return updated;
}
