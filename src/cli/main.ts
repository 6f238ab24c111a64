#!/usr/bin/env node
import { readFileSync } from 'node:fs';

import { EXIT, NsctlError } from '../core/errors.js';
import { interruptNote } from './interrupt-note.js';
import { runCli } from './program.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

const GRACE_MS = 10_000;
/**
 * A second signal this soon after the first is the same key press: a
 * wrapper (npx, `timeout`, a shell script) may pass the terminal's signal
 * on to a process group that already received it.
 */
const REPEAT_MS = 1_000;
const controller = new AbortController();
let firstSignalAt: number | undefined;
const onSignal = (signal: NodeJS.Signals) => {
  if (firstSignalAt !== undefined && Date.now() - firstSignalAt < REPEAT_MS) return;
  if (firstSignalAt !== undefined) {
    const note = interruptNote();
    if (note) process.stderr.write(`\n${note}\n`);
    process.exit(EXIT.interrupted);
  }
  firstSignalAt = Date.now();
  process.stderr.write(
    `\n${signal} received: stopping cleanly (send it again, e.g. Ctrl-C, to stop at once)\n`,
  );
  controller.abort(new NsctlError('INTERRUPTED', `interrupted by ${signal}`));
  // Whatever was being written is still under a temporary name, so leaving
  // after a grace period is safe even if an operation does not stop itself.
  setTimeout(() => process.exit(EXIT.interrupted), GRACE_MS).unref();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const exitCode = await runCli(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() },
  controller.signal,
  packageVersion(),
);

// A driver or stream handle left open must not keep a finished command (a
// cron job, say) alive: leave once everything written has been flushed.
process.exitCode = exitCode;
process.stdout.write('', () => process.stderr.write('', () => process.exit(exitCode)));
