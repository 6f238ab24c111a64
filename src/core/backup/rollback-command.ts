/**
 * The `nsctl rollback to` command that returns to a rollback point. It names
 * the database the point belongs to, because without `--uri` the command
 * restores into whatever mongodb.uri or NSCTL_MONGODB_URI names.
 */
import { uriWithDatabase } from '../mongo-location.js';
import { REDACTED, redact } from '../redact.js';

export interface RollbackCommandOptions {
  /** The database, when it is not the one in the URI's path. */
  database?: string;
  /** The backup directory, when it is not the configured one. */
  dir?: string;
}

function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:@,=+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `nsctl rollback to <id> --uri '<uri, password masked>'`, with a note when it was masked. */
export function rollbackCommand(
  id: string,
  uri: string,
  options: RollbackCommandOptions = {},
): string {
  const safe = redact(options.database ? uriWithDatabase(uri, options.database) : uri);
  const dir = options.dir ? ` --dir ${shellQuote(options.dir)}` : '';
  const command = `nsctl rollback to ${id} --uri '${safe.replace(/'/g, `'\\''`)}'${dir}`;
  // `user:***@`, or `user%3A***@` when the ':' was percent-encoded (see redact.ts).
  return safe.includes(`${REDACTED}@`)
    ? `${command} (put the password back in place of ${REDACTED}, or set NSCTL_MONGODB_URI to the URI and leave --uri out)`
    : command;
}
