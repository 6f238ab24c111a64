/**
 * `mkdir -p` that always ends. Node's own recursive mkdir loops forever on
 * paths such as /proc/x, where creating the directory fails with ENOENT
 * although its parent exists (seen on Node 20 and 24); this walks up at
 * most once per path component and gives the real error back.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function makeDirectory(path: string, mode = 0o700): Promise<void> {
  try {
    await mkdir(path, { mode });
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if ((await stat(path)).isDirectory()) return;
      throw error;
    }
    const parent = dirname(path);
    if (code !== 'ENOENT' || parent === path) throw error;
    // The parent may be missing: make it, then try once more. If the parent
    // already existed, the second attempt fails with the real error.
    await makeDirectory(parent, mode);
    try {
      await mkdir(path, { mode });
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code === 'EEXIST' && (await stat(path)).isDirectory())
        return;
      throw again;
    }
  }
}
