import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { type Duplex, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';

import { generateAgeKeyPair } from '../../src/adapters/crypto/age-keys.js';
import {
  type AgeDecryptOptions,
  createAgeDecryptStream,
  createAgeEncryptStream,
} from '../../src/adapters/crypto/age-stream.js';
import { passphraseUnwrapCount } from '../../src/adapters/crypto/passphrase-identity.js';
import { type ErrorCode, NsctlError } from '../../src/core/errors.js';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));

const AGE_CHUNK = 64 * 1024;
const pair = await generateAgeKeyPair();
const other = await generateAgeKeyPair();

/** Runs bytes through the given streams in odd-sized pieces and collects the output. */
async function pass(input: Buffer, ...steps: Duplex[]): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < input.length; i += 40_000) pieces.push(input.subarray(i, i + 40_000));
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      out.push(chunk);
      callback();
    },
  });
  await pipeline([Readable.from(pieces), ...steps, sink]);
  return Buffer.concat(out);
}

const encryptTo = (input: Buffer, recipients = [pair.recipient]) =>
  pass(input, createAgeEncryptStream({ recipients }));
const decryptWith = (input: Buffer, options: AgeDecryptOptions = { identities: [pair.identity] }) =>
  pass(input, createAgeDecryptStream(options));

function expectCode(code: ErrorCode, message?: RegExp): (error: unknown) => boolean {
  return (error) => {
    if (
      error instanceof NsctlError &&
      error.code === code &&
      (!message || message.test(error.message))
    ) {
      return true;
    }
    throw new Error(`expected ${code}, got ${String(error)}`, { cause: error });
  };
}

const plaintext = randomBytes(3 * AGE_CHUNK + 12_345);
const sealed = await encryptTo(plaintext);

test('X25519: what we encrypt to a recipient decrypts with its identity', async () => {
  assert.ok(sealed.subarray(0, 40).toString().startsWith('age-encryption.org/v1\n-> X25519 '));
  assert.deepEqual(await decryptWith(sealed), plaintext);
});

test('X25519: any of several recipients can decrypt', async () => {
  const both = await encryptTo(plaintext, [pair.recipient, other.recipient]);

  assert.deepEqual(await decryptWith(both, { identities: [other.identity] }), plaintext);
});

test('passphrase: round trip with a low scrypt work factor (tests only)', async () => {
  const encrypted = await pass(
    plaintext,
    createAgeEncryptStream({ passphrase: 'correct horse', scryptWorkFactor: 10 }),
  );

  assert.match(encrypted.subarray(0, 60).toString(), /-> scrypt \S+ 10\n/);
  assert.deepEqual(await decryptWith(encrypted, { passphrases: ['correct horse'] }), plaintext);
});

test('a passphrase backup opened again does not run scrypt again', async () => {
  const encrypted = await pass(
    plaintext,
    createAgeEncryptStream({ passphrase: 'open me twice', scryptWorkFactor: 10 }),
  );
  const before = passphraseUnwrapCount();
  assert.deepEqual(await decryptWith(encrypted, { passphrases: ['open me twice'] }), plaintext);
  assert.deepEqual(await decryptWith(encrypted, { passphrases: ['open me twice'] }), plaintext);
  assert.equal(passphraseUnwrapCount() - before, 1, 'the file key is unwrapped once');
  // Another passphrase is not let in by the cache.
  await assert.rejects(
    decryptWith(encrypted, { passphrases: ['not this one'] }),
    expectCode('DECRYPT_FAILED'),
  );
  // The same passphrase on another file (another header) runs scrypt for it.
  const second = await pass(
    plaintext,
    createAgeEncryptStream({ passphrase: 'open me twice', scryptWorkFactor: 10 }),
  );
  assert.deepEqual(await decryptWith(second, { passphrases: ['open me twice'] }), plaintext);
  assert.equal(passphraseUnwrapCount() - before, 3);
});

test('an empty input round-trips', async () => {
  assert.deepEqual(await decryptWith(await encryptTo(Buffer.alloc(0))), Buffer.alloc(0));
});

test('a wrong passphrase or a wrong identity is DECRYPT_FAILED; no key at all is a usage error', async () => {
  const locked = await pass(
    plaintext,
    createAgeEncryptStream({ passphrase: 'right', scryptWorkFactor: 10 }),
  );

  await assert.rejects(
    decryptWith(locked, { passphrases: ['wrong'] }),
    expectCode('DECRYPT_FAILED'),
  );
  await assert.rejects(
    decryptWith(sealed, { identities: [other.identity] }),
    expectCode('DECRYPT_FAILED'),
  );
  await assert.rejects(
    decryptWith(sealed, { passphrases: ['right'] }),
    expectCode('DECRYPT_FAILED'),
  );
  assert.throws(() => createAgeDecryptStream({}), expectCode('DECRYPT_KEY_MISSING'));
  assert.throws(
    () => createAgeDecryptStream({}),
    (error: unknown) => error instanceof NsctlError && error.exitCode === 2,
  );
  assert.throws(
    () => createAgeDecryptStream({ identities: ['AGE-SECRET-KEY-1XYZ'] }),
    expectCode('DECRYPT_FAILED'),
  );
});

test('bad recipients are refused up front, without echoing the value', () => {
  for (const bad of [pair.identity, 'age1notakey', 'ssh-ed25519 AAAA']) {
    assert.throws(
      () => createAgeEncryptStream({ recipients: [pair.recipient, bad] }),
      (e: unknown) => expectCode('CONFIG_INVALID')(e) && !(e as Error).message.includes(bad),
    );
  }
  assert.throws(() => createAgeEncryptStream({ recipients: [] }), expectCode('CONFIG_INVALID'));
  assert.throws(() => createAgeEncryptStream({ passphrase: '' }), expectCode('CONFIG_INVALID'));
  assert.throws(
    () => createAgeEncryptStream({ passphrase: 'x', scryptWorkFactor: 21 }),
    /work factor/,
  );
});

test('a file cut short anywhere is ARCHIVE_TRUNCATED', async () => {
  const headerEnd = sealed.indexOf('\n---') + 1;
  const cuts = [
    10,
    headerEnd + 5,
    sealed.indexOf('\n', headerEnd) + 8,
    sealed.length - AGE_CHUNK - 16,
    sealed.length - 100,
    sealed.length - 1,
  ];
  for (const cut of cuts) {
    await assert.rejects(
      decryptWith(sealed.subarray(0, cut)),
      expectCode('ARCHIVE_TRUNCATED'),
      `cut at ${cut}`,
    );
  }
  await assert.rejects(
    decryptWith(sealed.subarray(0, sealed.length - 100), {
      identities: [pair.identity],
      expectedBytes: sealed.length,
    }),
    expectCode('ARCHIVE_TRUNCATED', new RegExp(`${sealed.length} were written`)),
  );
});

test('a modified byte is ARCHIVE_CORRUPT, wherever it is', async () => {
  const flip = (at: number) => {
    const copy = Buffer.from(sealed);
    copy[at] = (copy[at] ?? 0) ^ 0x01;
    return copy;
  };
  // The MAC is base64: swap in another valid letter so the change reaches the HMAC check.
  const retype = (at: number) => {
    const copy = Buffer.from(sealed);
    copy[at] = copy[at] === 0x41 ? 0x42 : 0x41;
    return copy;
  };
  const macLine = sealed.indexOf('\n---') + 1;
  const payload = sealed.indexOf('\n', macLine) + 1 + 16;
  const expected = { identities: [pair.identity], expectedBytes: sealed.length };

  await assert.rejects(decryptWith(retype(macLine + 20)), expectCode('ARCHIVE_CORRUPT', /altered/));
  await assert.rejects(
    decryptWith(flip(payload - 3)),
    expectCode('ARCHIVE_CORRUPT', /authentication/),
  );
  await assert.rejects(decryptWith(flip(payload + 100)), expectCode('ARCHIVE_CORRUPT'));
  await assert.rejects(decryptWith(flip(payload + AGE_CHUNK + 500)), expectCode('ARCHIVE_CORRUPT'));
  await assert.rejects(
    decryptWith(flip(sealed.length - 10), expected),
    expectCode('ARCHIVE_CORRUPT'),
  );
  await assert.rejects(
    decryptWith(flip(0)),
    expectCode('ARCHIVE_CORRUPT', /not an age-encrypted file/),
  );
  await assert.rejects(decryptWith(Buffer.from('{"not":"age"}\n')), expectCode('ARCHIVE_CORRUPT'));
});

test('an error from the source passes through unchanged', async () => {
  const failure = new NsctlError('STORAGE_FAILED', 'disk went away');
  const source = Readable.from(
    (async function* () {
      yield sealed.subarray(0, 100_000);
      throw failure;
    })(),
  );
  await assert.rejects(
    pipeline(
      source,
      createAgeDecryptStream({ identities: [pair.identity] }),
      async (s: AsyncIterable<Buffer>) => {
        for await (const _ of s);
      },
    ),
    (e: unknown) => e === failure,
  );
});

test('a consumer that stops early releases the streams', async () => {
  const decrypt = createAgeDecryptStream({ identities: [pair.identity] });
  Readable.from([sealed]).pipe(decrypt);
  for await (const _ of decrypt) break;

  assert.ok(decrypt.destroyed);
});

test('no promise rejection went unhandled', async () => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(unhandled, []);
});
