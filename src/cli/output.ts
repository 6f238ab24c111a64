/**
 * The one renderer: a command's result as text or as a JSON document on
 * stdout, and errors as a readable message or JSON on stderr/stdout. Every
 * string passes through redaction here, whatever the command put in it.
 */
import { EXIT, type ExitCode, isNsctlError } from '../core/errors.js';
import { redact, redactValue } from '../core/redact.js';
import type { CliIO, CommandResult, GlobalOptions } from './context.js';

export function writeResult(
  command: string,
  result: CommandResult,
  globals: GlobalOptions,
  io: CliIO,
): ExitCode {
  const exitCode = result.exitCode ?? EXIT.ok;
  if (globals.json) {
    const doc = { ok: exitCode === EXIT.ok, command, result: redactValue(result.data) };
    io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  } else if (result.text !== '' && !(globals.quiet && exitCode === EXIT.ok)) {
    io.stdout.write(`${redact(result.text).replace(/\n?$/, '\n')}`);
  }
  return exitCode;
}

export function writeError(
  command: string,
  error: unknown,
  globals: Pick<GlobalOptions, 'json' | 'verbose'>,
  io: CliIO,
): ExitCode {
  if (isNsctlError(error)) {
    if (globals.json) {
      const doc = {
        ok: false,
        command,
        error: {
          code: error.code,
          message: error.message,
          ...(error.where ? { where: error.where } : {}),
          hint: error.hint,
          ...(error.details ? { details: error.details } : {}),
        },
      };
      io.stdout.write(`${JSON.stringify(redactValue(doc), null, 2)}\n`);
    } else {
      const lines = [`error [${error.code}]: ${error.message}`, `  hint: ${error.hint}`];
      if (globals.verbose && error.details) {
        lines.push(`  details: ${JSON.stringify(error.details, null, 2)}`);
      }
      if (globals.verbose && error.cause) lines.push(`  cause: ${describeCause(error.cause)}`);
      io.stderr.write(`${redact(lines.join('\n'))}\n`);
    }
    return error.exitCode;
  }

  const message = error instanceof Error ? error.message : String(error);
  const lines = [
    `internal error: ${message}`,
    '  This is a bug in nsctl; please report it with the command you ran and the output of --verbose.',
  ];
  if (globals.verbose && error instanceof Error && error.stack) lines.push(error.stack);
  if (globals.json) {
    const doc = { ok: false, command, error: { code: 'INTERNAL', message } };
    io.stdout.write(`${JSON.stringify(redactValue(doc), null, 2)}\n`);
  }
  io.stderr.write(`${redact(lines.join('\n'))}\n`);
  return EXIT.internal;
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return String(cause);
}
