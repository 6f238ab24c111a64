import { MongoClient } from 'mongodb';
import { serialize } from 'bson';
import { insertRawBatch, insertDecodedBatch } from '/work/main/src/adapters/mongo/raw-insert.ts';
const client = await MongoClient.connect(process.env.NSCTL_TEST_SERVER_URI!);
const db = client.db('bisect');
const good = Buffer.from(serialize({ _id: 'g', v: 1 }));
const bad = Buffer.from(serialize({ _id: 'b', v: 1 })); bad[bad.indexOf(0x10, 10)] = 0x99;
const badStr = Buffer.from(serialize({ _id: 'c', s: 'abc' })); badStr.writeInt32LE(99, badStr.indexOf(Buffer.from('s\0'))+2);
for (const [k, d] of Object.entries({ badType: bad, badStr })) {
  for (const [name, fn] of [['raw', insertRawBatch], ['dec', insertDecodedBatch]] as const) {
    try { const r = await fn(db, 'c_' + name, [good, d]); console.log(k, name, JSON.stringify(r)); }
    catch (e) { console.log(k, name, 'ERR', (e as Error).name, (e as any).code, (e as Error).message); }
  }
}
await db.dropDatabase(); await client.close();
