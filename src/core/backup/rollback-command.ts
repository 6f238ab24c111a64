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
  if (!safe.includes(`${REDACTED}@`)) return command;
  // After an encoded ':' the mask hides the rest of the user name as well as any password.
  const what = /%3A\*\*\*@/i.test(safe)
    ? `what followed %3A in the user name (and the password, if any)`
    : 'the password';
  return `${command} (put ${what} back in place of ${REDACTED}, or set NSCTL_MONGODB_URI to the URI and leave --uri out)`;
}
