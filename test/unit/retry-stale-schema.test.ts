import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  isStaleSchemaError,
  retryStaleSchema,
} from '../../src/adapters/mongo/retry-stale-schema.js';

const serverError = (message: string, code: number) =>
  Object.assign(new Error(message), { name: 'MongoServerError', code });

const STALE = serverError(
  '[msg_createindexes.go:155 handler.(*Handler).MsgCreateIndexes] [registry.go:498 metadata.(*Registry).indexesCreate] SQL logic error: index profile_4674caee_startDate_1 already exists (1)',
  1,
);

/** Fails with each of `errors` in turn, then answers ok; counts the calls. */
function failing(...errors: Error[]) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    run: async () => {
      const error = errors[calls++];
      if (error) throw error;
      return { ok: 1 };
    },
  };
}

test("FerretDB's stale-schema refusal is sent again until it succeeds", async () => {
  const create = failing(STALE, STALE);
  assert.deepEqual(await retryStaleSchema(create.run), { ok: 1 });
  assert.equal(create.calls, 3);
});

test('a refusal that keeps coming is raised after 5 attempts', async () => {
  const create = failing(STALE, STALE, STALE, STALE, STALE, STALE);
  await assert.rejects(retryStaleSchema(create.run), STALE);
  assert.equal(create.calls, 5);
});

test("MongoDB's index conflicts and other errors are raised at once", async () => {
  for (const error of [
    serverError('Index already exists with a different name: startDate_1', 85),
    serverError('An existing index has the same name as the requested index', 86),
    serverError('Collection already exists. NS: nightscout.profile', 48),
    serverError('SQL logic error: no such table: profile_4674caee (1)', 1),
  ]) {
    assert.equal(isStaleSchemaError(error), false, error.message);
    const create = failing(error);
    await assert.rejects(retryStaleSchema(create.run), error);
    assert.equal(create.calls, 1);
  }
});
