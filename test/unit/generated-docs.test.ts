import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { GENERATED } from '../../scripts/gen-docs.js';

for (const [path, render] of Object.entries(GENERATED)) {
  test(`${path} is up to date with the code (run \`npm run gen\` if not)`, () => {
    const onDisk = readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
    assert.equal(onDisk, render());
  });
}
