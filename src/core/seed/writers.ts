/**
 * Per-uploader id factories: each uploader is its own "process", with its own
 * ObjectId prefix and counter, as in a real database.
 */
import { createObjectIdFactory, type IdFactory } from './ids.js';
import { createRandom } from './random.js';

export function createIdFactories(seed: string, collection: string): (writer: string) => IdFactory {
  const factories = new Map<string, IdFactory>();
  return (writer) => {
    let factory = factories.get(writer);
    if (!factory) {
      factory = createObjectIdFactory(createRandom(seed, `ids:${collection}:${writer}`));
      factories.set(writer, factory);
    }
    return factory;
  };
}
