import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { afterEach, test } from 'node:test';

import {
  clearRegisteredSecrets,
  REDACTED,
  redact,
  redactValue,
  registerSecret,
  registerUriSecrets,
} from '../../src/core/redact.js';

afterEach(() => clearRegisteredSecrets());

test('passwords in connection strings are masked, user and host kept', () => {
  assert.equal(
    redact('failed: mongodb+srv://alice:s3cr%40t@cluster0.abc.mongodb.net/ns?retryWrites=true'),
    `failed: mongodb+srv://alice:${REDACTED}@cluster0.abc.mongodb.net/ns?retryWrites=true`,
  );
  assert.equal(redact('mongodb://host:27017/ns'), 'mongodb://host:27017/ns');
});

test('registered secrets and their SHA-1/SHA-512 digests are masked anywhere', () => {
  const secret = 'my-long-api-secret';
  registerSecret(secret);
  const sha1 = createHash('sha1').update(secret).digest('hex');
  const sha512 = createHash('sha512').update(secret).digest('hex');
  const out = redact(`secret ${secret} header api-secret: ${sha1} and ${sha512}`);
  assert.ok(!out.includes(secret));
  assert.ok(!out.includes(sha1));
  assert.ok(!out.includes(sha512));
});

test('key=value pairs, bearer tokens and age identities are masked', () => {
  const out = redact(
    'password=abc123 token: "xyz789" Authorization: Bearer eyJhbGciOi.x.y AGE-SECRET-KEY-1QQQQQQQQ',
  );
  for (const leaked of ['abc123', 'xyz789', 'eyJhbGciOi', 'QQQQQQQQ']) {
    assert.ok(!out.includes(leaked), `${leaked} leaked in ${out}`);
  }
});

test('redactValue masks secret-named keys and strings deep inside objects', () => {
  const out = redactValue({
    source: { uri: 'mongodb://u:pw@h/db' },
    apiSecret: 'abcdefabcdef',
    list: [{ passphrase: 'correct horse' }],
    count: 3,
    tokensChecked: true,
    tokenCount: 4,
  }) as Record<string, unknown>;
  assert.deepEqual(out, {
    source: { uri: `mongodb://u:${REDACTED}@h/db` },
    apiSecret: REDACTED,
    list: [{ passphrase: REDACTED }],
    count: 3,
    tokensChecked: true,
    tokenCount: 4,
  });
});

test('a user name holding a percent-encoded ":" is masked from that ":" on', () => {
  for (const [input, expected] of [
    [
      'authentication to mongodb://u%3ALeakPw9@127.0.0.1:27101/ns failed',
      `authentication to mongodb://u%3A${REDACTED}@127.0.0.1:27101/ns failed`,
    ],
    ['mongodb://u%3aLeakPw9@h/ns', `mongodb://u%3A${REDACTED}@h/ns`],
    ['mongodb://u%3ALeak:Pw9@h/ns', `mongodb://u%3A${REDACTED}@h/ns`],
    ['mongodb+srv://%3ALeakPw9@c.example.net/ns', `mongodb+srv://%3A${REDACTED}@c.example.net/ns`],
    ['mongodb://alice%40home:pw@h/ns', `mongodb://alice%40home:${REDACTED}@h/ns`],
    ['mongodb://h/ns?appName=a%3Ab', 'mongodb://h/ns?appName=a%3Ab'],
  ]) {
    assert.equal(redact(input ?? ''), expected);
  }
});

test('registerUriSecrets masks the password and the part of a user name after ":" anywhere', () => {
  registerUriSecrets('mongodb://u%3ALeakPw9@127.0.0.1:27101/ns');
  registerUriSecrets('mongodb://bob:p%40ssw0rd-x@h/ns');
  registerUriSecrets('mongodb://carol:bad%zzEncoding@h/ns');
  const out = redact('user "u:LeakPw9" and p@ssw0rd-x and bad%zzEncoding were refused');
  for (const leaked of ['LeakPw9', 'p@ssw0rd-x', 'bad%zzEncoding'])
    assert.ok(!out.includes(leaked), `${leaked} leaked in ${out}`);
  assert.match(out, /^user "u:\*\*\*"/);
});
