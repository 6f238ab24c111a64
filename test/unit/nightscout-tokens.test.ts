import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  abbreviateSubjectName,
  deriveAccessToken,
  deriveSubjectDigest,
} from '../../src/core/nightscout/tokens.js';

// Computed apart with coreutils: sha1sum of (sha1sum of the secret) followed by the _id.
const SECRET = 'this is my long pass phrase';
const ID = '5f0c6d4e8b3a2c1d0e9f8a7b';
const DIGEST = 'dedb090a12d7dc65710ba860b52609476ced37e7';

test('the subject digest is SHA-1 over the hex SHA-1 of the secret then the _id', () => {
  assert.equal(deriveSubjectDigest(SECRET, ID), DIGEST);
});

test('the token is the abbreviated name, a dash and 16 digest digits', () => {
  assert.equal(
    deriveAccessToken(SECRET, { id: ID, name: 'Phone Follower!' }),
    'phonefollo-dedb090a12d7dc65',
  );
});

test('names keep only word characters, lower-cased, at most 10', () => {
  assert.equal(abbreviateSubjectName('Grandma’s iPad (kitchen)'), 'grandmasip');
  assert.equal(abbreviateSubjectName('x_y-z'), 'x_yz');
  assert.equal(abbreviateSubjectName(''), '');
});

test('another secret or another _id gives another token', () => {
  const base = deriveAccessToken(SECRET, { id: ID, name: 'a' });
  assert.notEqual(deriveAccessToken(`${SECRET}!`, { id: ID, name: 'a' }), base);
  assert.notEqual(deriveAccessToken(SECRET, { id: `${ID.slice(0, -1)}c`, name: 'a' }), base);
});
