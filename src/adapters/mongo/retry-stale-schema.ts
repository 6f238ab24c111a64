/**
 * A FerretDB 1.x (SQLite backend) defect around dropped collections.
 * FerretDB keeps a pool of SQLite connections, each with its own copy of
 * the schema, which SQLite brings up to date only when that connection next
 * runs a statement. After a collection is dropped and created again (same
 * name, so same table and index names), a pooled connection that has run
 * nothing since the drop still lists the old indexes: a CREATE INDEX
 * prepared there fails with `SQL logic error: index <table>_<name> already
 * exists (1)` although the index is gone and nothing was created.
 * `createIndexes` and `createCollection` (which builds `_id_`) are both
 * hit, when the pool hands out such a connection: the more requests run
 * at once (a parallel copy's inserts), the likelier. A migration or
 * restore with `--drop` on a target that had data meets it often (every
 * migration of 30 seeded days with `--parallel 4`).
 *
 * FerretDB's own cleanup after the failure runs a statement on that same
 * connection, which brings it up to date, and the pool hands out the most
 * recently used connection first: sent again, the same request succeeds.
 * Each stale connection fails once at most, so a few attempts suffice;
 * should more of them come up in a row than there are attempts, the build
 * is still refused and reported by name as before (a migration's `--resume`
 * then builds it).
 *
 * TODO: drop this when nsctl no longer supports FerretDB 1.x with SQLite
 * (FerretDB 2 has no SQLite backend); seen on 1.24.2.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** The refusal only FerretDB's SQLite backend gives; MongoDB words its conflicts otherwise. */
const STALE_SCHEMA = /SQL logic error: (?:index|table) \S+ already exists/;

const ATTEMPTS = 5;

export function isStaleSchemaError(error: unknown): boolean {
  return error instanceof Error && STALE_SCHEMA.test(error.message);
}

/**
 * Runs `create` (a createIndexes or createCollection) and, while it fails
 * with {@link isStaleSchemaError}, runs it again, up to 5 attempts in all;
 * any other error, or the last one, is raised as it is.
 */
export async function retryStaleSchema<T>(create: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await create();
    } catch (error) {
      if (attempt >= ATTEMPTS || !isStaleSchemaError(error)) throw error;
      await sleep(10 * attempt);
    }
  }
}
