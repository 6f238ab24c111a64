import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { afterEach, test } from 'node:test';

import {
  clearRegisteredSecrets,
  REDACTED,
  redact,
  redactValue,
  registerSecret,
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
