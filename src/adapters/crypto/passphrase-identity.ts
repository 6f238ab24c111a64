/**
 * Passphrase identities that remember what they unwrapped. An age
 * passphrase costs one scrypt run per file opened (256 MiB and about a
 * second at age's default work factor), and commands such as migrate and
 * verify open one backup several times. The file key a passphrase unwraps
 * from a given header is kept for the life of the process, so the scrypt
 * runs once per backup, and memory does not pile up with each opening.
 */
import { createHash } from 'node:crypto';

import { Decrypter, type Identity, type Stanza } from 'age-encryption';

const unwrapped = new Map<string, Uint8Array>();
let scryptRuns = 0;

/** How many times a passphrase's scrypt actually ran (tests check the cache with it). */
export function passphraseUnwrapCount(): number {
  return scryptRuns;
}

/**
 * The library's own passphrase identity. It is not exported on its own;
 * `addPassphrase` creates one, read back from the decrypter. If a later
 * version of the library stores it elsewhere, this returns undefined and
 * the caller adds the passphrase the plain way (correct, just uncached).
 */
function libraryScryptIdentity(passphrase: string): Identity | undefined {
  const probe = new Decrypter();
  probe.addPassphrase(passphrase);
  const identities = (probe as unknown as { identities?: unknown }).identities;
  const [identity] = Array.isArray(identities) ? identities : [];
  return identity && typeof identity.unwrapFileKey === 'function'
    ? (identity as Identity)
    : undefined;
}

function stanzaKey(stanzas: Stanza[]): string {
  return stanzas
    .map((s) => `${s.args.join(' ')}:${Buffer.from(s.body).toString('base64')}`)
    .join('\n');
}

/** Adds `passphrase` to `decrypter`, unwrapping each backup's file key once per process. */
export function addCachedPassphrase(decrypter: Decrypter, passphrase: string): void {
  const inner = libraryScryptIdentity(passphrase);
  if (!inner) {
    decrypter.addPassphrase(passphrase);
    return;
  }
  const secret = createHash('sha256').update(passphrase).digest('base64');
  decrypter.addIdentity({
    async unwrapFileKey(stanzas: Stanza[]) {
      const key = `${secret}\n${stanzaKey(stanzas)}`;
      const known = unwrapped.get(key);
      if (known) return known;
      if (stanzas.some((s) => s.args[0] === 'scrypt')) scryptRuns += 1;
      const fileKey = await inner.unwrapFileKey(stanzas);
      if (fileKey) unwrapped.set(key, fileKey);
      return fileKey;
    },
  });
}
