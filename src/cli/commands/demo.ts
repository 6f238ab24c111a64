import type { Command } from 'commander';

import type { ProgramState } from '../program.js';

export function registerDemo(_program: Command, _state: ProgramState): void {}
