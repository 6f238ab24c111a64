import type { Command } from 'commander';

import type { ProgramState } from '../program.js';
import { registerBackupCommands } from './backup.js';
import { registerConfigCommands } from './config.js';
import { registerDemo } from './demo.js';
import { registerDevCommands } from './dev.js';
import { registerDoctor } from './doctor.js';
import { registerMigrateCommand } from './migrate.js';
import { registerRestoreCommands } from './restore.js';
import { registerVerifyCommand } from './verify.js';

export function registerCommands(program: Command, state: ProgramState): void {
  registerDemo(program, state);
  registerDoctor(program, state);
  registerBackupCommands(program, state);
  registerRestoreCommands(program, state);
  registerMigrateCommand(program, state);
  registerVerifyCommand(program, state);
  registerConfigCommands(program, state);
  registerDevCommands(program, state);
}
