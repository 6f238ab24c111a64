/** `nsctl config validate|schema`. */
import type { Command } from 'commander';

import type { ConfigProblem } from '../../core/config/validate.js';
import { EXIT } from '../../core/errors.js';
import { action, type ProgramState } from '../program.js';

export function registerConfigCommands(program: Command, state: ProgramState): void {
  const config = program
    .command('config')
    .description('check and describe nsctl.yaml')
    .addHelpText('after', '\nExample:\n  $ nsctl config validate --config /etc/nsctl/nsctl.yaml');

  config
    .command('validate')
    .description('validate nsctl.yaml and the secret environment variables; list every problem')
    .addHelpText('after', '\nExample:\n  $ nsctl config validate --config /etc/nsctl/nsctl.yaml')
    .action(
      action(state, 'config validate', async (_options, context) => {
        const loaded = await context.loadedConfig();
        const file = loaded.file ?? '(no file: defaults and environment)';
        const lines = [
          ...loaded.errors.flatMap((e) => renderProblem(file, 'error', e)),
          ...loaded.warnings.flatMap((w) => renderProblem(file, 'warning', w)),
        ];
        if (loaded.errors.length === 0) lines.push(`${file}: valid`);
        return {
          data: {
            file: loaded.file ?? null,
            valid: loaded.errors.length === 0,
            errors: loaded.errors,
            warnings: loaded.warnings,
          },
          text: lines.join('\n'),
          exitCode: loaded.errors.length === 0 ? EXIT.ok : EXIT.usage,
        };
      }),
    );

  config
    .command('schema')
    .description('print the JSON Schema of nsctl.yaml, for editors')
    .addHelpText('after', '\nExample:\n  $ nsctl config schema > nsctl.schema.json')
    .action(
      action(state, 'config schema', async () => {
        const { configJsonSchema } = await import('../../core/config/schema.js');
        const schema = configJsonSchema();
        return { data: schema, text: JSON.stringify(schema, null, 2) };
      }),
    );
}

/** `file:line: error: key: message`, then the fix on its own line. */
function renderProblem(file: string, kind: 'error' | 'warning', problem: ConfigProblem): string[] {
  const where = `${file}${problem.line ? `:${problem.line}` : ''}`;
  const key = problem.path ? `${problem.path}: ` : '';
  return [
    `${where}: ${kind}: ${key}${problem.message}`,
    ...(problem.hint ? [`  fix: ${problem.hint}`] : []),
  ];
}
