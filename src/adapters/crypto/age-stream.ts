/**
 * age encryption as Node Duplex streams, so a backup can be restored with
 * nothing but `age -d -i key.txt backup.archive.gz.age | mongorestore …`.
 * Decryption failures become NsctlErrors: no key at all is
 * DECRYPT_KEY_MISSING (a usage error: nothing is wrong with the file), a key
 * that does not fit is DECRYPT_FAILED, a damaged file ARCHIVE_CORRUPT, a
 * cut-short one ARCHIVE_TRUNCATED; none escapes as an unhandled rejection.
 */
import { Duplex } from 'node:stream';

import { Decrypter, Encrypter } from 'age-encryption';

import { NsctlError } from '../../core/errors.js';
import { addCachedPassphrase } from './passphrase-identity.js';
import { createPulledSource, type PulledSource, readWebStream } from './web-stream-bridge.js';

/** age's own default; the age-encryption decrypter refuses anything above 20. */
export const DEFAULT_SCRYPT_WORK_FACTOR = 18;
const MAX_SCRYPT_WORK_FACTOR = 20;

export type AgeEncryptOptions =
  | {
      passphrase: string;
      /** log2 of scrypt's cost, 1–20. Default 18; lower it only in tests. */
      scryptWorkFactor?: number;
    }
  | {
      /** Public keys (`age1…`); the host that encrypts then holds no secret. */
      recipients: string[];
    };

export interface AgeDecryptOptions {
  passphrases?: string[];
  /** Secret keys (`AGE-SECRET-KEY-1…`), e.g. from {@link readIdentityFile}. */
  identities?: string[];
  /**
   * Size of the encrypted file when it was written (the manifest's
   * archive.bytes). With it, a cut-short file is told apart from a damaged one.
   */
  expectedBytes?: number;
}

type Source = AsyncIterable<Uint8Array | string>;

function createEncrypter(options: AgeEncryptOptions): Encrypter {
  const encrypter = new Encrypter();
  if ('passphrase' in options) {
    const workFactor = options.scryptWorkFactor ?? DEFAULT_SCRYPT_WORK_FACTOR;
    if (options.passphrase === '') {
      throw new NsctlError('CONFIG_INVALID', 'the backup passphrase is empty', {
        where: 'backup.encryption.passphrase',
      });
    }
    if (!Number.isInteger(workFactor) || workFactor < 1 || workFactor > MAX_SCRYPT_WORK_FACTOR) {
      throw new Error(`scrypt work factor must be 1–${MAX_SCRYPT_WORK_FACTOR}, got ${workFactor}`);
    }
    encrypter.setPassphrase(options.passphrase);
    encrypter.setScryptWorkFactor(workFactor);
    return encrypter;
  }
  if (options.recipients.length === 0) {
    throw new NsctlError('CONFIG_INVALID', 'no age recipients given', {
      where: 'backup.encryption.recipients',
    });
  }
  for (const [i, recipient] of options.recipients.entries()) addRecipient(encrypter, recipient, i);
  return encrypter;
}

function addRecipient(encrypter: Encrypter, recipient: string, index: number): void {
  try {
    encrypter.addRecipient(recipient);
  } catch (error) {
    // Never echo the value: a secret key pasted here by mistake must not reach a log.
    throw new NsctlError('CONFIG_INVALID', `age recipient ${index + 1} is not a valid public key`, {
      where: `backup.encryption.recipients[${index}]`,
      hint: 'Recipients are public keys starting with "age1"; `age-keygen -y key.txt` prints one.',
      cause: error,
    });
  }
}

export function createAgeEncryptStream(options: AgeEncryptOptions): Duplex {
  const encrypter = createEncrypter(options);
  return Duplex.from(async function* (source: Source) {
    const input = createPulledSource(source);
    yield* readWebStream(await encrypter.encrypt(input.stream));
  });
}

function createDecrypter(options: AgeDecryptOptions): Decrypter {
  const decrypter = new Decrypter();
  const { passphrases = [], identities = [] } = options;
  if (passphrases.length + identities.length === 0) {
    throw new NsctlError(
      'DECRYPT_KEY_MISSING',
      'the backup or archive is age-encrypted, and no passphrase or identity was given to decrypt it',
    );
  }
  for (const passphrase of passphrases) addCachedPassphrase(decrypter, passphrase);
  identities.forEach((identity, i) => {
    try {
      decrypter.addIdentity(identity);
    } catch (error) {
      throw new NsctlError('DECRYPT_FAILED', `identity ${i + 1} is not a valid age secret key`, {
        cause: error,
      });
    }
  });
  return decrypter;
}

const corrupt = (message: string, cause: unknown) =>
  new NsctlError('ARCHIVE_CORRUPT', message, { cause });
const truncated = (message: string, cause: unknown) =>
  new NsctlError('ARCHIVE_TRUNCATED', message, { cause });

function translateHeaderError(error: unknown, input: PulledSource): unknown {
  if (input.error !== undefined || error instanceof NsctlError) return input.error ?? error;
  const reason = error instanceof Error ? error.message : String(error);
  if (/no identity matched/.test(reason)) {
    return new NsctlError(
      'DECRYPT_FAILED',
      'the passphrase or identity does not open this backup',
      {
        cause: error,
      },
    );
  }
  if (/work factor is too high/.test(reason)) {
    return new NsctlError('DECRYPT_FAILED', 'the backup uses a scrypt work factor above 20', {
      hint: 'Decrypt it with the age command-line tool instead: age -d file.age > file',
      cause: error,
    });
  }
  if (/HMAC/.test(reason)) return corrupt('the encrypted backup header was altered', error);
  if (input.ended) return truncated('the encrypted backup ends inside its header', error);
  return corrupt(`not an age-encrypted file, or its header is damaged (${reason})`, error);
}

function translatePayloadError(error: unknown, input: PulledSource, expected?: number): unknown {
  if (input.error !== undefined || error instanceof NsctlError) return input.error ?? error;
  const at = `after ${input.bytes} bytes`;
  if (!input.ended) return corrupt(`the encrypted backup fails authentication ${at}`, error);
  if (expected === undefined) {
    return truncated(
      `the encrypted backup ends early or its last block was altered (${at})`,
      error,
    );
  }
  if (input.bytes < expected) {
    return truncated(
      `the encrypted backup is ${input.bytes} bytes, ${expected} were written`,
      error,
    );
  }
  return corrupt(`the encrypted backup fails authentication near its end (${at})`, error);
}

export function createAgeDecryptStream(options: AgeDecryptOptions): Duplex {
  const decrypter = createDecrypter(options);
  return Duplex.from(async function* (source: Source) {
    const input = createPulledSource(source);
    let plaintext: ReadableStream<Uint8Array>;
    try {
      plaintext = await decrypter.decrypt(input.stream);
    } catch (error) {
      throw translateHeaderError(error, input);
    }
    try {
      yield* readWebStream(plaintext);
    } catch (error) {
      throw translatePayloadError(error, input, options.expectedBytes);
    }
  });
}
