/**
 * The one error type users can reach. Every instance carries a stable code
 * from {@link ERROR_CATALOGUE}, a message naming what failed and where, and a
 * hint with the next step. Anything else thrown is a bug and is reported as
 * an internal error.
 */

/** Process exit codes; documented in docs/errors.md from {@link EXIT_MEANINGS}. */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  unavailable: 3,
  integrity: 4,
  internal: 70,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What each exit code tells a script; README.md's "Exit codes" says the same. */
export const EXIT_MEANINGS: Record<ExitCode, string> = {
  0: 'success',
  1: 'the command ran and found a problem (a failed check, data that differs)',
  2: 'bad arguments or config, including a file named in them that does not exist, cannot be read or is not what the option takes, and an encrypted input without a passphrase or identity',
  3: 'a server, service or the backup storage could not be reached, or a file could not be written',
  4: 'an integrity failure: a damaged or truncated archive, a checksum that does not match, a wrong key',
  70: 'a bug in nsctl',
  130: 'interrupted by a signal',
};

interface CatalogueEntry {
  exit: ExitCode;
  summary: string;
  hint: string;
}

/**
 * Every user-facing error code. docs/errors.md is generated from this table
 * (`npm run gen`), and a test keeps the two in step.
 */
export const ERROR_CATALOGUE = {
  USAGE: {
    exit: EXIT.usage,
    summary: 'A command-line argument or option is missing or invalid.',
    hint: 'Run the command with --help to see its options and an example.',
  },
  CONFIG_NOT_FOUND: {
    exit: EXIT.usage,
    summary: 'The configuration file named with --config or NSCTL_CONFIG does not exist.',
    hint: 'Check the path; README.md shows a minimal nsctl.yaml to start from.',
  },
  CONFIG_SYNTAX: {
    exit: EXIT.usage,
    summary: 'The configuration file is not valid YAML.',
    hint: 'Fix the YAML at the line shown; indentation must use spaces, not tabs.',
  },
  CONFIG_INVALID: {
    exit: EXIT.usage,
    summary: 'The configuration file has keys or values that are not allowed.',
    hint: 'Fix each listed key; `nsctl config validate` shows every problem at once.',
  },
  SECRET_FILE_UNREADABLE: {
    exit: EXIT.usage,
    summary:
      'A secret was to be read from a *_FILE environment variable, but the file could not be read.',
    hint: 'Check that the file exists and is readable by this user.',
  },
  MONGO_URI_INVALID: {
    exit: EXIT.usage,
    summary: 'A MongoDB connection string could not be parsed.',
    hint: 'Use the form mongodb://host:27017/nightscout (or mongodb+srv://), with user:password@ before the host when the server needs a login.',
  },
  MONGO_URI_NO_DATABASE: {
    exit: EXIT.usage,
    summary: 'A MongoDB connection string names no database, which silently means `test`.',
    hint: 'Add the database name after the host, e.g. mongodb://host:27017/nightscout.',
  },
  MONGO_UNREACHABLE: {
    exit: EXIT.unavailable,
    summary: 'The MongoDB server could not be reached.',
    hint: 'Check host, port, firewall and that the server is running; `nsctl doctor` tests the connection.',
  },
  MONGO_AUTH_FAILED: {
    exit: EXIT.unavailable,
    summary: 'The MongoDB server refused the credentials.',
    hint: 'Check the user name, password and authSource in the connection string.',
  },
  MONGO_OPERATION_FAILED: {
    exit: EXIT.failed,
    summary: 'The MongoDB server rejected an operation.',
    hint: 'The message carries the server error; check permissions and the server log.',
  },
  TEST_SERVER_UNAVAILABLE: {
    exit: EXIT.unavailable,
    summary: 'No MongoDB-compatible server could be found or started for tests or the demo.',
    hint: 'Set NSCTL_TEST_MONGODB_URI, put mongod on PATH, or install Go so the FerretDB test server can be built.',
  },
  FILE_UNWRITABLE: {
    exit: EXIT.unavailable,
    summary: 'A file or directory could not be written.',
    hint: 'Check permissions and free space at the path shown.',
  },
  ARCHIVE_CORRUPT: {
    exit: EXIT.integrity,
    summary:
      'An archive is damaged: its structure, a checksum or a document does not read back as written.',
    hint: 'Do not trust this backup; run `nsctl backup verify` on the others and restore from one that passes.',
  },
  ARCHIVE_TRUNCATED: {
    exit: EXIT.integrity,
    summary: 'An archive ends before its last collection is complete.',
    hint: 'The file was cut short (interrupted copy, full disk); use another backup.',
  },
  DECRYPT_KEY_MISSING: {
    exit: EXIT.usage,
    summary:
      'An encrypted backup or archive was to be read, but no passphrase or age identity was given.',
    hint: 'Set NSCTL_BACKUP_PASSPHRASE (or NSCTL_BACKUP_PASSPHRASE_FILE) for a passphrase, or pass --identity <file> (or set backup.encryption.identityFile) for an age key.',
  },
  DECRYPT_FAILED: {
    exit: EXIT.integrity,
    summary: 'An encrypted backup could not be decrypted with the passphrase or identity given.',
    hint: 'Check NSCTL_BACKUP_PASSPHRASE or backup.encryption.identityFile; the key must match the one used for the backup.',
  },
  CHECKSUM_MISMATCH: {
    exit: EXIT.integrity,
    summary: 'Data read back does not match the checksums or counts recorded when it was written.',
    hint: 'The data changed after it was written; do not rely on it and use another copy.',
  },
  BACKUP_NOT_FOUND: {
    exit: EXIT.usage,
    summary: 'No backup with the given id exists in the backup directory.',
    hint: 'Run `nsctl backup list` to see the ids that exist.',
  },
  MANIFEST_INVALID: {
    exit: EXIT.integrity,
    summary: "A backup's manifest is missing, unreadable or edited.",
    hint: 'A backup without a valid manifest cannot be trusted; verify another backup.',
  },
  STORAGE_FAILED: {
    exit: EXIT.unavailable,
    summary: 'The backup storage refused a read or write (permissions, full disk, network).',
    hint: 'Check free space and permissions where backups are kept; nothing incomplete was marked good.',
  },
  MIGRATE_REFUSED: {
    exit: EXIT.usage,
    summary:
      "A migration's pre-flight checks found a problem (a non-empty target, the source itself as target, an unknown collection…); nothing was written.",
    hint: 'Run the same command with --dry-run to see the whole pre-flight report, fix what it lists, then run it again.',
  },
  MIGRATE_STATE_INVALID: {
    exit: EXIT.usage,
    summary:
      "A migration's state file is unreadable, not a state file, or belongs to another migration.",
    hint: 'Pass --state with the file of this migration, or start again with --drop.',
  },
  INTERRUPTED: {
    exit: EXIT.interrupted,
    summary: 'The command was interrupted; nothing it was writing was marked complete.',
    hint: 'Run the command again.',
  },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface NsctlErrorOptions {
  /** Overrides the catalogue hint when the situation allows a sharper one. */
  hint?: string;
  /** Where the problem is: a file, file:line, config key or collection. */
  where?: string;
  /** Structured details for --json output (already redacted by the caller). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class NsctlError extends Error {
  override readonly name = 'NsctlError';
  readonly code: ErrorCode;
  readonly hint: string;
  readonly where: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly exitCode: ExitCode;

  constructor(code: ErrorCode, message: string, options: NsctlErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const entry: CatalogueEntry = ERROR_CATALOGUE[code];
    this.code = code;
    this.hint = options.hint ?? entry.hint;
    this.where = options.where;
    this.details = options.details;
    this.exitCode = entry.exit;
  }
}

export function isNsctlError(value: unknown): value is NsctlError {
  return value instanceof NsctlError;
}
