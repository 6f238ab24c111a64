/**
 * The command tree. Each command module registers its flags here and loads
 * its implementation only when it runs, so `--help` never loads the MongoDB
 * driver.
 */
import { Command, CommanderError, Option } from 'commander';

import { EXIT, type ExitCode, isNsctlError, NsctlError } from '../core/errors.js';
import { redact } from '../core/redact.js';
import { registerCommands } from './commands/index.js';
import {
  type CliIO,
  type CommandContext,
  type CommandResult,
  createContext,
  type GlobalOptions,
} from './context.js';
import { writeError, writeResult } from './output.js';

export type Handler<O> = (
  options: O,
  context: CommandContext,
  args: string[],
) => Promise<CommandResult>;

export interface ProgramState {
  io: CliIO;
  /** nsctl's version, recorded in manifests and reports. */
  version: string;
  signal: AbortSignal;
  exitCode: ExitCode;
  /** `--json` appears on the command line (known before commander parses it). */
  jsonRequested?: boolean;
}

/** Wraps a handler: context in, result rendered, exit code recorded. */
export function action<O>(state: ProgramState, name: string, handler: Handler<O>) {
  return async (...params: unknown[]) => {
    const command = params[params.length - 1] as Command;
    const options = command.opts() as O;
    const args = command.args;
    const globals = readGlobals(command, state.io.env);
    const handle = createContext(globals, state.io, state.signal);
    try {
      const result = await handler(options, handle.context, args);
      handle.close();
      state.exitCode = writeResult(name, result, globals, state.io);
    } catch (error) {
      handle.close();
      // After Ctrl-C, whatever failed failed because of it.
      const reported = state.signal.aborted && !isNsctlError(error) ? state.signal.reason : error;
      state.exitCode = writeError(name, reported, globals, state.io);
    }
  };
}

function readGlobals(command: Command, env: NodeJS.ProcessEnv): GlobalOptions {
  const all = command.optsWithGlobals() as Record<string, unknown>;
  const noColorEnv = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  return {
    ...(typeof all.config === 'string' ? { config: all.config } : {}),
    json: all.json === true,
    quiet: all.quiet === true,
    verbose: all.verbose === true,
    color: all.color !== false && !noColorEnv,
  };
}

export function buildProgram(state: ProgramState, version: string): Command {
  const program = new Command('nsctl')
    .description(
      'Operations toolkit for self-hosted Nightscout: deploy, back up, migrate, monitor and secure.',
    )
    .version(version, '-V, --version')
    .option('-c, --config <file>', 'config file (default: ./nsctl.yaml, or NSCTL_CONFIG)')
    .option('--json', 'print the result as JSON on stdout; progress as JSON lines on stderr')
    .addOption(new Option('-q, --quiet', 'print only errors').conflicts('verbose'))
    .option('-v, --verbose', 'print debug logs and error details')
    .option('--no-color', 'disable colours (NO_COLOR is honoured too)')
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => state.io.stdout.write(text),
      // A mistyped command line can put a URI with its password into
      // commander's message; it passes through redaction like all output.
      // With --json, errors go out as JSON on stdout instead (runCli).
      writeErr: (text) => {
        if (!state.jsonRequested) state.io.stderr.write(redact(text));
      },
    });
  registerCommands(program, state);
  deferMandatoryChecks(program);
  program.addHelpText(
    'after',
    '\nExamples:\n  $ nsctl demo\n  $ nsctl doctor --config /etc/nsctl/nsctl.yaml\n  $ nsctl dev seed --uri mongodb://127.0.0.1:27017/nightscout --days 30\n\nExit codes: 0 ok, 1 check failed, 2 usage or config error, 3 unreachable, 4 integrity failure, 70 internal error, 130 interrupted.',
  );
  return program;
}

/**
 * Commander reports a missing required option before an unknown one, so
 * `--form x` said "--from not specified" instead of suggesting --from.
 * Required options are checked here instead, in a hook that runs after the
 * unknown-option check, with commander's own wording.
 */
function deferMandatoryChecks(command: Command): void {
  const required = command.options.filter((option) => option.mandatory);
  for (const option of required) option.mandatory = false;
  if (required.length > 0)
    command.hook('preAction', (self) => {
      for (const option of required)
        if (self.getOptionValue(option.attributeName()) === undefined)
          self.error(`error: required option '${option.flags}' not specified`, {
            code: 'commander.missingMandatoryOptionValue',
          });
    });
  for (const sub of command.commands) deferMandatoryChecks(sub);
}

/** Runs nsctl with the given arguments and returns the exit code. */
export async function runCli(
  argv: string[],
  io: CliIO,
  signal: AbortSignal,
  version: string,
): Promise<ExitCode> {
  const state: ProgramState = {
    io,
    signal,
    version,
    exitCode: EXIT.ok,
    jsonRequested: argv.includes('--json'),
  };
  const program = buildProgram(state, version);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; parse errors are already printed by
      // commander, and scripts that asked for JSON get it as JSON too.
      if (error.exitCode === 0) return EXIT.ok;
      if (argv.includes('--json')) {
        const message = error.message.replace(/^error: /, '');
        writeError(
          commandNamed(program, argv),
          new NsctlError('USAGE', message),
          { json: true, verbose: false },
          io,
        );
      }
      return EXIT.usage;
    }
    return writeError('nsctl', error, { json: false, verbose: false }, io);
  }
  return state.exitCode;
}

/**
 * The command a refused command line was for, named as its handler names it
 * (`backup run`), or `nsctl` when none was reached: the subcommands named
 * in order, whatever options come between them.
 */
function commandNamed(program: Command, argv: readonly string[]): string {
  const names: string[] = [];
  let current = program;
  for (const token of argv) {
    const next = current.commands.find((c) => c.name() === token || c.aliases().includes(token));
    if (!next) continue;
    names.push(next.name());
    current = next;
  }
  return names.length > 0 ? names.join(' ') : 'nsctl';
}

/** For handlers: a usage error naming the bad flag. */
export function usageError(message: string, hint?: string): NsctlError {
  return new NsctlError('USAGE', message, hint ? { hint } : {});
}
