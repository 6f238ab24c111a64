/** What `backup run --dry-run` shows: the collections, their counts and sizes. */
import { type CollectionSelection, listCollectionSpecs } from '../../adapters/mongo/collections.js';
import { connectMongo, type MongoTarget } from '../../adapters/mongo/connect.js';

export interface BackupPlan {
  source: string;
  database: string;
  collections: Array<{ name: string; documents: number; bytes: number; indexes: number }>;
}

export async function planBackup(
  source: MongoTarget,
  selection: CollectionSelection,
): Promise<BackupPlan> {
  const connection = await connectMongo(source);
  try {
    const specs = await listCollectionSpecs(connection.db, selection);
    const collections = [];
    for (const spec of specs) {
      const stats = await connection.db
        .command({ collStats: spec.name })
        .catch(() => ({ count: undefined, size: undefined }));
      const documents = Number(
        stats.count ?? (await connection.db.collection(spec.name).estimatedDocumentCount()),
      );
      collections.push({
        name: spec.name,
        documents,
        bytes: Number(stats.size ?? 0),
        indexes: spec.indexes.length,
      });
    }
    return { source: connection.safeUri, database: connection.db.databaseName, collections };
  } finally {
    await connection.close();
  }
}
