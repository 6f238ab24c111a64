import type { Command } from 'commander';

import type { ProgramState } from '../program.js';
import { registerConfigCommands } from './config.js';
import { registerDemo } from './demo.js';
import { registerDevCommands } from './dev.js';
import { registerDoctor } from './doctor.js';

export function registerCommands(program: Command, state: ProgramState): void {
  registerDemo(program, state);
  registerDoctor(program, state);
  registerConfigCommands(program, state);
  registerDevCommands(program, state);
}
