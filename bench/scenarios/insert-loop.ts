/**
 * Baseline for restore: read every document from a source database and
 * insertMany it into an empty target in batches of 1000: the plain loop a
 * script would write.
 */
import { MongoClient } from 'mongodb';

const [sourceUri, targetUri] = process.argv.slice(2) as [string, string];
const source = await MongoClient.connect(sourceUri);
const target = await MongoClient.connect(targetUri);
let docs = 0;
for (const { name } of await source.db().listCollections({}, { nameOnly: true }).toArray()) {
  let batch = [];
  for await (const doc of source.db().collection(name).find({}, { batchSize: 1000 })) {
    batch.push(doc);
    if (batch.length === 1000) {
      await target.db().collection(name).insertMany(batch, { ordered: false });
      docs += batch.length;
      batch = [];
    }
  }
  if (batch.length > 0) await target.db().collection(name).insertMany(batch, { ordered: false });
  docs += batch.length;
}
await source.close();
await target.close();
console.log(JSON.stringify({ docs }));
