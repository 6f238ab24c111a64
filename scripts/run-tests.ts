/**
 * Runs node's test runner around one MongoDB-wire server: acquires it (see
 * src/devserver/test-server.ts), hands its URI to the test files in
 * NSCTL_TEST_SERVER_URI, and stops it afterwards whatever happens.
 *
 * Usage: node --import tsx scripts/run-tests.ts [files or directories...]
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { acquireTestServer } from '../src/devserver/test-server.js';

function collect(path: string, out: string[]): void {
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) collect(join(path, name), out);
  } else if (path.endsWith('.test.ts')) {
    out.push(path);
  }
}

const targets = process.argv.slice(2);
const files: string[] = [];
for (const target of targets.length > 0 ? targets : ['test']) collect(target, files);

const server = await acquireTestServer({
  onStatus: (message) => console.error(`[test-server] ${message}`),
});
console.error(`[test-server] ${server.kind} at ${server.uri}`);

let exitCode = 1;
try {
  exitCode = await new Promise<number>((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
      { stdio: 'inherit', env: { ...process.env, NSCTL_TEST_SERVER_URI: server.uri } },
    );
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
} finally {
  await server.stop();
}
process.exit(exitCode);
