/**
 * What every command receives: parsed global options, output streams, a
 * logger, a progress reporter suited to the terminal, the config (loaded on
 * first use) and an abort signal tied to Ctrl-C.
 */
import type { Writable } from 'node:stream';

import { type LoadedConfig, loadConfig, requireValidConfig } from '../core/config/load.js';
import type { NsctlConfig } from '../core/config/schema.js';
import type { ExitCode } from '../core/errors.js';
import { createProgress, type Progress } from '../core/progress.js';
import { createLogger, type Logger } from '../log/logger.js';
import { createProgressRenderer, type ProgressRenderer } from './progress-renderer.js';

export interface GlobalOptions {
  config?: string;
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  color: boolean;
}

export interface CliIO {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface CommandContext {
  globals: GlobalOptions;
  io: CliIO;
  log: Logger;
  progress: Progress;
  signal: AbortSignal;
  /** Loads and validates the config once; throws a CONFIG_* error when invalid. */
  config(): Promise<NsctlConfig>;
  /** The raw validation result, for commands that report problems themselves. */
  loadedConfig(): Promise<LoadedConfig>;
}

/** What a command returns: data for --json, text for people. */
export interface CommandResult<T = unknown> {
  data: T;
  text: string;
  exitCode?: ExitCode;
}

export interface ContextHandle {
  context: CommandContext;
  /** Stops progress rendering; call before printing the result. */
  close(): void;
}

export function createContext(
  globals: GlobalOptions,
  io: CliIO,
  signal: AbortSignal,
): ContextHandle {
  const log = createLogger({
    format: globals.json ? 'json' : 'text',
    level: globals.quiet ? 'error' : globals.verbose ? 'debug' : 'info',
    stream: io.stderr,
    color: globals.color && Boolean(io.stderr.isTTY),
  });
  const mode = globals.quiet ? 'silent' : globals.json ? 'json' : io.stderr.isTTY ? 'tty' : 'plain';
  const renderer: ProgressRenderer = createProgressRenderer(mode, io.stderr, globals.color);
  let loaded: Promise<LoadedConfig> | undefined;
  const loadedConfig = () => {
    loaded ??= loadConfig({
      ...(globals.config === undefined ? {} : { path: globals.config }),
      env: io.env,
      cwd: io.cwd,
    });
    return loaded;
  };
  return {
    context: {
      globals,
      io,
      log,
      progress: createProgress(renderer.listener),
      signal,
      loadedConfig,
      config: async () => requireValidConfig(await loadedConfig()),
    },
    close: () => renderer.stop(),
  };
}
