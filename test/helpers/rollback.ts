/** A rollback-point maker for tests: unencrypted points in a local folder. */
import { createLocalDirTarget } from '../../src/adapters/storage/local-dir-target.js';
import { silentProgress } from '../../src/core/progress.js';
import { rollbackPointMaker } from '../../src/ops/rollback.js';

export function localRollbackPoints(dir: string, instance: string, uri: string) {
  const store = createLocalDirTarget(dir);
  const maker = rollbackPointMaker(
    {
      target: store,
      instance,
      compression: 'gzip',
      encryption: { type: 'none' },
      keys: {},
      progress: silentProgress,
      toolVersion: '0.0.0-test',
    },
    uri,
    'before-migrate',
  );
  return { store, maker };
}
