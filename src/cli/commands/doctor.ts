import type { Command } from 'commander';

import type { ProgramState } from '../program.js';

export function registerDoctor(_program: Command, _state: ProgramState): void {}
