/**
 * Baseline: the driver reads every document of every collection as raw BSON
 * and discards it. Given several database URIs, drains them all at once
 * (as verify reads its two sides).
 */
import { MongoClient } from 'mongodb';

async function drain(uri: string): Promise<{ docs: number; bytes: number }> {
  const client = await MongoClient.connect(uri);
  const db = client.db();
  let docs = 0;
  let bytes = 0;
  for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
    for await (const doc of db.collection(name).find({}, { raw: true, batchSize: 1000 })) {
      docs++;
      bytes += (doc as unknown as Buffer).length;
    }
  }
  await client.close();
  return { docs, bytes };
}

const results = await Promise.all(process.argv.slice(2).map(drain));
const docs = results.reduce((n, r) => n + r.docs, 0);
const bytes = results.reduce((n, r) => n + r.bytes, 0);
console.log(JSON.stringify({ docs, bytes }));
