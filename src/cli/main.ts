#!/usr/bin/env node
import { readFileSync } from 'node:fs';

import { EXIT } from '../core/errors.js';
import { runCli } from './program.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

const controller = new AbortController();
let interrupts = 0;
const onSignal = (signal: NodeJS.Signals) => {
  interrupts += 1;
  if (interrupts > 1) process.exit(EXIT.interrupted);
  process.stderr.write(`\n${signal} received: stopping cleanly (press Ctrl-C again to force)\n`);
  controller.abort(new Error(`interrupted by ${signal}`));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

process.exitCode = await runCli(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() },
  controller.signal,
  packageVersion(),
);
