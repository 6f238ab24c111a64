/**
 * The JSON manifest stored beside each backup archive: what was backed up,
 * from where, how it was packed, and the checksums that prove it intact.
 * A manifest that does not parse means the backup cannot be trusted.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';

import { NsctlError } from '../errors.js';

export const MANIFEST_FORMAT_VERSION = 1;

const INSTANCE = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}$/;
const BACKUP_ID = /^([a-zA-Z0-9][a-zA-Z0-9._-]{0,62})-(\d{8}T\d{6}Z)-([0-9a-f]{4})$/;

const instant = z.iso.datetime({ offset: false, error: 'expected an ISO time in UTC (…Z)' });
const hexDigest = z.string().regex(/^[0-9a-f]{8,128}$/, 'expected a lower-case hex digest');
const count = z.int().nonnegative();

/** A connection string whose password, if any, is already masked. */
const redactedUri = z
  .string()
  .min(1)
  .refine((uri) => /:\/\/[^/@:]*:\*\*\*@/.test(uri) || !/:\/\/[^/@]*:[^/@]*@/.test(uri), {
    error: 'the URI carries a password; store it redacted',
  });

const indexSpecSchema = z.looseObject({
  name: z.string().min(1),
  key: z.record(z.string(), z.union([z.number(), z.string()])),
});

const collectionSchema = z.strictObject({
  name: z.string().min(1),
  documents: count,
  bytes: count,
  checksum: hexDigest,
  indexes: z.array(indexSpecSchema),
  options: z.record(z.string(), z.unknown()),
});

const encryptionSchema = z.strictObject({
  type: z.enum(['none', 'age-passphrase', 'age-recipients']),
  /** Public keys only: a secret key in a manifest would unlock the backup beside it. */
  recipients: z.array(z.string().regex(/^age1[0-9a-z]+$/, 'only age public keys (age1…)')),
});

const verificationSchema = z.strictObject({
  at: instant,
  ok: z.boolean(),
  mode: z.enum(['read', 'restore-drill']),
});

const manifestObjectSchema = z.strictObject({
  formatVersion: z.literal(MANIFEST_FORMAT_VERSION),
  id: z.string().regex(BACKUP_ID, 'expected <instance>-<yyyyMMddTHHmmssZ>-<4 hex>'),
  instance: z.string().regex(INSTANCE, 'letters, digits, ".", "_" or "-" (max 63)'),
  label: z.string().min(1).max(200).optional(),
  kind: z.enum(['backup', 'rollback-point']),
  createdAt: instant,
  finishedAt: instant,
  source: z.strictObject({ uri: redactedUri, database: z.string().min(1) }),
  server: z.strictObject({ version: z.string().min(1), ferretdbVersion: z.string().optional() }),
  tool: z.strictObject({ name: z.string().min(1), version: z.string().min(1) }),
  compression: z.enum(['gzip', 'none']),
  encryption: encryptionSchema,
  archive: z.strictObject({ name: z.string().min(1), bytes: count, sha256: hexDigest.length(64) }),
  collections: z.array(collectionSchema),
  /** Set when only some collections were backed up (--collections/--exclude). */
  selection: z
    .strictObject({
      include: z.array(z.string()).optional(),
      exclude: z.array(z.string()).optional(),
    })
    .optional(),
  status: z.literal('complete'),
  verifications: z.array(verificationSchema).optional(),
});

type ManifestShape = z.infer<typeof manifestObjectSchema>;

/** Rules between fields; each names the field it blames. */
function checkManifestRules(m: ManifestShape, ctx: z.RefinementCtx): void {
  const fail = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: 'custom', path, message, input: m });
  if (!m.id.startsWith(`${m.instance}-`)) fail(['id'], `does not start with "${m.instance}-"`);
  if (Date.parse(m.finishedAt) < Date.parse(m.createdAt)) fail(['finishedAt'], 'before createdAt');
  if (m.kind === 'rollback-point' && m.label === undefined)
    fail(['label'], 'a rollback point needs a label');
  const needsRecipients = m.encryption.type === 'age-recipients';
  if (needsRecipients !== m.encryption.recipients.length > 0) {
    fail(
      ['encryption', 'recipients'],
      needsRecipients ? 'none given' : `must be empty for ${m.encryption.type}`,
    );
  }
  const seen = new Set<string>();
  m.collections.forEach((c, i) => {
    if (seen.has(c.name)) fail(['collections', i, 'name'], `"${c.name}" appears twice`);
    seen.add(c.name);
  });
}

export const manifestSchema = manifestObjectSchema.superRefine(checkManifestRules);

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestCollection = Manifest['collections'][number];
export type ManifestEncryption = Manifest['encryption'];
export type ManifestVerification = NonNullable<Manifest['verifications']>[number];

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

function invalid(message: string, where: string | undefined, details?: Record<string, unknown>) {
  return new NsctlError('MANIFEST_INVALID', message, { ...(where ? { where } : {}), details });
}

/** Parses and checks a manifest; MANIFEST_INVALID names the first field at fault. */
export function parseManifest(text: string, where?: string): Manifest {
  if (text.includes('AGE-SECRET-KEY-')) throw invalid('manifest contains an age secret key', where);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid(`manifest is not valid JSON: ${(error as Error).message}`, where);
  }
  const result = manifestSchema.safeParse(json);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${formatPath(i.path) || '(root)'}: ${i.message}`);
  throw invalid(`manifest field ${issues[0]}`, where, { issues });
}

/** Stable, human-readable JSON; refuses to write a manifest that would not parse back. */
export function serializeManifest(manifest: Manifest): string {
  const text = `${JSON.stringify(manifestSchema.parse(manifest), null, 2)}\n`;
  if (text.includes('AGE-SECRET-KEY-')) throw new Error('refusing to serialize a secret key');
  return text;
}

function formatUtcCompact(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

/**
 * `<instance>-<yyyyMMddTHHmmssZ>-<4 hex>`: sorts by time within an instance,
 * and the random tail keeps two backups in one second apart.
 */
export function createBackupId(instance: string, date: Date, random = randomBytes(2)): string {
  if (!INSTANCE.test(instance)) throw new Error(`invalid instance name "${instance}"`);
  if (random.length < 2) throw new Error('createBackupId needs 2 random bytes');
  return `${instance}-${formatUtcCompact(date)}-${Buffer.from(random).toString('hex', 0, 2)}`;
}

/** The parts of a backup id, or undefined if it is not one. */
export function parseBackupId(id: string): { instance: string; createdAt: Date } | undefined {
  const match = BACKUP_ID.exec(id);
  if (!match?.[1] || !match[2]) return undefined;
  const t = match[2];
  const iso = `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(9, 11)}:${t.slice(11, 13)}:${t.slice(13, 15)}Z`;
  const createdAt = new Date(iso);
  // Date rolls 31 February over into March; only a round trip proves the time real.
  if (Number.isNaN(createdAt.getTime()) || formatUtcCompact(createdAt) !== t) return undefined;
  return { instance: match[1], createdAt };
}
