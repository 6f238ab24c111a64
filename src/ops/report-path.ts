/**
 * A file named on the command line for nsctl to write (`--report`,
 * `--state`), checked before any work, so that a mistyped folder does not
 * surface only after an hour of copying, nor a file land where no later
 * run looks. Nothing is created.
 */
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

import { NsctlError } from '../core/errors.js';

async function kindOf(path: string): Promise<'file' | 'directory' | 'other' | undefined> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? 'directory' : info.isFile() ? 'file' : 'other';
  } catch {
    return undefined;
  }
}

/** The file's absolute path; refuses a path that is a folder or whose folder is missing. */
export async function checkOutputPath(
  flag: string,
  file: string,
  cwd: string,
  example: string,
): Promise<string> {
  const path = resolve(cwd, file);
  const refuse = (why: string) =>
    new NsctlError('USAGE', `${flag} ${file}: ${why}`, {
      hint: `Name a file in a folder that exists, e.g. ${flag} ${example}. Nothing was done.`,
      where: path,
    });
  if ((await kindOf(path)) === 'directory') throw refuse('is a folder, not a file');
  const folder = await kindOf(dirname(path));
  if (folder === undefined) throw refuse(`the folder ${dirname(path)} does not exist`);
  if (folder !== 'directory') throw refuse(`${dirname(path)} is not a folder`);
  return path;
}

export function checkReportPath(file: string, cwd: string): Promise<string> {
  return checkOutputPath('--report', file, cwd, './report.json');
}
