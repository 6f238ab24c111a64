/**
 * The nsctl.yaml schema. One source for validation, defaults, TypeScript
 * types and the JSON Schema editors use (schema/nsctl.schema.json).
 */
import { Cron } from 'croner';
import { z } from 'zod';

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

function isCron(value: string): boolean {
  try {
    new Cron(value, { paused: true });
    return true;
  } catch {
    return false;
  }
}

const timeZone = z
  .string()
  .refine(isTimeZone, 'unknown time zone: use an IANA name such as Europe/London or UTC');

const collectionName = z
  .string()
  .regex(/^[^$\0]+$/, 'a collection name cannot contain "$" or NUL')
  .max(120);

/** Nightscout lets each collection be renamed by an environment variable. */
export const nightscoutCollectionsSchema = z
  .strictObject({
    entries: collectionName.default('entries'),
    treatments: collectionName.default('treatments'),
    devicestatus: collectionName.default('devicestatus'),
    profile: collectionName.default('profile'),
    food: collectionName.default('food'),
    activity: collectionName.default('activity'),
    settings: collectionName.default('settings'),
    authRoles: collectionName.default('auth_roles'),
    authSubjects: collectionName.default('auth_subjects'),
  })
  .describe("Collection names, if changed with Nightscout's *_COLLECTION variables.");

const retentionSchema = z
  .strictObject({
    keepLast: z.number().int().min(0).optional().describe('Keep the N newest backups.'),
    keepDaily: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Keep the newest backup of each of the last N days.'),
    keepWeekly: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Keep the newest backup of each of the last N weeks.'),
    keepMonthly: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Keep the newest backup of each of the last N months.'),
    keepYearly: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Keep the newest backup of each of the last N years.'),
  })
  .describe(
    'Which backups `nsctl backup prune` keeps; rules combine (a backup kept by any rule stays).',
  );

const encryptionSchema = z
  .strictObject({
    passphrase: z
      .string()
      .min(1)
      .optional()
      .describe('age passphrase; better supplied as NSCTL_BACKUP_PASSPHRASE(_FILE).'),
    recipients: z
      .array(z.string().regex(/^age1[0-9a-z]+$/, 'an age recipient starts with "age1"'))
      .optional()
      .describe('age public keys (age1…); the backup host then needs no secret at all.'),
    identityFile: z
      .string()
      .optional()
      .describe('File with the age secret key(s) used to decrypt for verify and restore.'),
  })
  .describe('age encryption of backups: a passphrase or recipients.');

export const configSchema = z
  .strictObject({
    instance: z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}$/, 'use letters, digits, ".", "_" or "-" (max 63)')
      .default('nightscout')
      .describe('Name of this Nightscout site; backups are grouped by it, not by host name.'),
    timezone: timeZone
      .default('UTC')
      .describe('IANA time zone for schedules and retention periods, e.g. Europe/London.'),
    mongodb: z
      .strictObject({
        uri: z
          .string()
          .optional()
          .describe(
            'Connection string naming the database; better supplied as NSCTL_MONGODB_URI(_FILE).',
          ),
        database: z.string().optional().describe('Database name, when the URI does not name one.'),
      })
      .default({})
      .describe('The MongoDB that Nightscout uses.'),
    nightscout: z
      .strictObject({
        url: z.url().optional().describe('Public URL of the Nightscout site.'),
        apiSecret: z
          .string()
          .min(12, 'Nightscout requires API_SECRET to be at least 12 characters')
          .optional()
          .describe('API_SECRET; better supplied as NSCTL_API_SECRET(_FILE).'),
        collections: nightscoutCollectionsSchema.default(nightscoutCollectionsSchema.parse({})),
      })
      .default({ collections: nightscoutCollectionsSchema.parse({}) })
      .describe('The Nightscout site.'),
    backup: z
      .strictObject({
        dir: z.string().default('./backups').describe('Local directory that holds backups.'),
        compression: z.enum(['gzip', 'none']).default('gzip'),
        encryption: encryptionSchema.optional(),
        schedule: z
          .strictObject({
            cron: z
              .string()
              .refine(
                isCron,
                'not a valid cron expression (five fields: minute hour day month weekday)',
              )
              .describe('Cron expression, e.g. "15 3 * * *" for 03:15 daily.'),
            timezone: timeZone.optional().describe('Defaults to the top-level timezone.'),
          })
          .optional(),
        retention: retentionSchema.optional(),
      })
      .default({ dir: './backups', compression: 'gzip' })
      .describe('Backups.'),
    log: z
      .strictObject({
        format: z.enum(['text', 'json']).default('text'),
        level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
      })
      .default({ format: 'text', level: 'info' }),
  })
  .describe('nsctl configuration (nsctl.yaml).');

export type NsctlConfig = z.infer<typeof configSchema>;
export type NightscoutCollections = z.infer<typeof nightscoutCollectionsSchema>;

/** The JSON Schema for editors, generated from {@link configSchema}. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input' }) as Record<string, unknown>;
}
