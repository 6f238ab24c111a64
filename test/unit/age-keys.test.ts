import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  formatIdentityFile,
  generateAgeKeyPair,
  parseIdentityFile,
  readIdentityFile,
} from '../../src/adapters/crypto/age-keys.js';
import { NsctlError } from '../../src/core/errors.js';

test('generateAgeKeyPair makes a fresh X25519 pair each time', async () => {
  const a = await generateAgeKeyPair();
  const b = await generateAgeKeyPair();

  assert.match(a.identity, /^AGE-SECRET-KEY-1[0-9A-Z]{58}$/);
  assert.match(a.recipient, /^age1[0-9a-z]{58}$/);
  assert.notEqual(a.identity, b.identity);
});

test('an identity file as age-keygen writes it parses back to its key', async () => {
  const pair = await generateAgeKeyPair();
  const text = formatIdentityFile(pair, new Date('2026-12-01T10:00:00.123Z'));

  assert.equal(
    text,
    `# created: 2026-12-01T10:00:00Z\n# public key: ${pair.recipient}\n${pair.identity}\n`,
  );
  assert.deepEqual(parseIdentityFile(text, 'key.txt'), [pair.identity]);
});

test('comments, blank lines, CRLF and several keys are accepted', async () => {
  const [a, b] = [await generateAgeKeyPair(), await generateAgeKeyPair()];
  const text = `# old key\r\n${a.identity}\r\n\r\n  # new key\r\n${b.identity}  \r\n`;

  assert.deepEqual(parseIdentityFile(text, 'keys.txt'), [a.identity, b.identity]);
});

test('a bad line is DECRYPT_FAILED naming the line, never its content', () => {
  const secretish = 'AGE-SECRET-KEY-1lowercase-is-wrong';
  assert.throws(
    () => parseIdentityFile(`# c\n${secretish}\n`, 'key.txt'),
    (e: unknown) =>
      e instanceof NsctlError &&
      e.code === 'DECRYPT_FAILED' &&
      e.where === 'key.txt:2' &&
      !e.message.includes(secretish),
  );
  assert.throws(
    () => parseIdentityFile('# only comments\n', 'key.txt'),
    /no AGE-SECRET-KEY-1 line/,
  );
});

test('readIdentityFile reads a file, and a missing one is SECRET_FILE_UNREADABLE', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nsctl-keys-'));
  try {
    const pair = await generateAgeKeyPair();
    await writeFile(join(dir, 'key.txt'), formatIdentityFile(pair), { mode: 0o600 });

    assert.deepEqual(await readIdentityFile(join(dir, 'key.txt')), [pair.identity]);
    await assert.rejects(
      readIdentityFile(join(dir, 'missing.txt')),
      (e: unknown) => e instanceof NsctlError && e.code === 'SECRET_FILE_UNREADABLE',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
