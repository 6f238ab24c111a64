/** The stream layers between the archive bytes and storage, in both directions. */
import type { Duplex, Transform } from 'node:stream';

import {
  createGunzipStream,
  createGzipStream,
  createSniffingGunzipStream,
} from '../../adapters/compress/gzip-stream.js';
import {
  createAgeDecryptStream,
  createAgeEncryptStream,
} from '../../adapters/crypto/age-stream.js';
import type { BackupEncryption } from './naming.js';

/** archive → [gzip] → [age]. */
export function createLayers(
  compression: 'gzip' | 'none',
  encryption: BackupEncryption,
): Array<Transform | Duplex> {
  const layers: Array<Transform | Duplex> = [];
  if (compression === 'gzip') layers.push(createGzipStream());
  if (encryption.type === 'passphrase') {
    layers.push(
      createAgeEncryptStream({
        passphrase: encryption.passphrase,
        ...(encryption.scryptWorkFactor ? { scryptWorkFactor: encryption.scryptWorkFactor } : {}),
      }),
    );
  } else if (encryption.type === 'recipients') {
    layers.push(createAgeEncryptStream({ recipients: encryption.recipients }));
  }
  return layers;
}

export interface DecryptionKeys {
  passphrases?: string[];
  identities?: string[];
}

/** storage → [age -d] → [gunzip] → archive. */
export function createReverseLayers(
  compression: 'gzip' | 'none' | 'detect',
  encrypted: boolean,
  keys: DecryptionKeys,
  expectedBytes?: number,
): Duplex[] {
  const layers: Duplex[] = [];
  if (encrypted) {
    layers.push(
      createAgeDecryptStream({
        ...(keys.passphrases ? { passphrases: keys.passphrases } : {}),
        ...(keys.identities ? { identities: keys.identities } : {}),
        ...(expectedBytes === undefined ? {} : { expectedBytes }),
      }),
    );
  }
  if (compression === 'gzip') layers.push(createGunzipStream());
  if (compression === 'detect') layers.push(createSniffingGunzipStream());
  return layers;
}
