/** `nsctl dev …`: tools for development, tests, benchmarks and the demo. */
import type { Command } from 'commander';

import type { ProgramState } from '../program.js';

export function registerDevCommands(program: Command, _state: ProgramState): void {
  program.command('dev').description('development tools: seed realistic Nightscout data');
  // `dev seed` is registered here (see docs/architecture.md).
}
