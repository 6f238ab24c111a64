/** Baseline (a): the driver reads every document of every collection as raw BSON and discards it. */
import { MongoClient } from 'mongodb';

const uri = process.argv[2] as string;
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
console.log(JSON.stringify({ docs, bytes }));
