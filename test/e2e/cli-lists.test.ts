/** Lists of names on the command line: what an empty one means. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { runNsctl } from '../helpers/cli.js';

test('an empty --collections (an unset variable in a script) is refused, not read as every collection', async () => {
  for (const value of ['', ',', ' , ']) {
    const run = await runNsctl([
      'migrate',
      '--from',
      'mongodb://127.0.0.1:1/a',
      '--to',
      'mongodb://127.0.0.1:2/b',
      '--drop',
      '--collections',
      value,
    ]);
    assert.equal(run.code, 2, JSON.stringify(value));
    assert.match(run.stderr, /--collections.*expected one or more names/);
  }
});
