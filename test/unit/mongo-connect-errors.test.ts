/**
 * What a mistyped or unusual connection string turns into: an unencoded
 * "@" in a password gets a hint, a timeout in the URI is honoured, and a
 * server refusing the driver's sign-in method is not blamed on the password.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { connectMongo, translateMongoError } from '../../src/adapters/mongo/connect.js';
import { NsctlError } from '../../src/core/errors.js';

async function failure(uri: string): Promise<NsctlError> {
  try {
    const connection = await connectMongo({ uri });
    await connection.close();
  } catch (error) {
    assert.ok(error instanceof NsctlError, String(error));
    return error;
  }
  assert.fail(`${uri} connected`);
}

test('an unencoded "@" in the password says to percent-encode it, and the password stays hidden', async () => {
  const error = await failure('mongodb://alice:p@ss@127.0.0.1:27017/nightscout');
  assert.equal(error.code, 'MONGO_URI_INVALID');
  assert.match(error.hint, /percent-encoded \("@" is %40/);
  assert.doesNotMatch(`${error.message} ${error.hint}`, /p@ss/);
});

test('a well-formed URI gets no percent-encoding hint', async () => {
  const error = await failure(
    'mongodb://alice:p%40ss@127.0.0.1:1/nightscout?serverSelectionTimeoutMS=300',
  );
  assert.notEqual(error.code, 'MONGO_URI_INVALID');
  assert.doesNotMatch(error.hint, /percent-encoded/);
});

test('serverSelectionTimeoutMS in the URI is honoured (nsctl does not replace it with its own 10 s)', async () => {
  const started = Date.now();
  const error = await failure('mongodb://127.0.0.1:1/nightscout?serverSelectionTimeoutMS=300');
  assert.equal(error.code, 'MONGO_UNREACHABLE');
  assert.ok(Date.now() - started < 5000, `gave up after ${Date.now() - started} ms`);
});

test('a server that refuses the sign-in mechanism is not reported as a wrong password', () => {
  const driverError = Object.assign(
    new Error('Unsupported authentication mechanism "SCRAM-SHA-1".'),
    { name: 'MongoServerError', code: 18 },
  );
  const error = translateMongoError(driverError, 'mongodb://alice:***@host/nightscout');
  assert.equal(error.code, 'MONGO_AUTH_FAILED');
  assert.match(error.message, /Unsupported authentication mechanism "SCRAM-SHA-1"/);
  assert.match(error.hint, /authMechanism=SCRAM-SHA-256/);
});

test('the sign-in hint never suggests the mechanism the server just refused', () => {
  const refused = (mechanism: string, uri: string) =>
    translateMongoError(
      Object.assign(new Error(`Unsupported authentication mechanism "${mechanism}"`), {
        name: 'MongoServerError',
        code: 18,
      }),
      uri,
    ).hint;
  const named = refused(
    'SCRAM-SHA-256',
    'mongodb://bob:***@127.0.0.1:27101/nightscout?authMechanism=SCRAM-SHA-256',
  );
  assert.doesNotMatch(named, /try authMechanism=SCRAM-SHA-256|\?authMechanism=SCRAM-SHA-256/);
  assert.match(named, /remove authMechanism=SCRAM-SHA-256 from the URI/);
  assert.match(named, /try authMechanism=SCRAM-SHA-1\./);

  const negotiated = refused('SCRAM-SHA-256', 'mongodb://bob:***@127.0.0.1:27101/nightscout');
  assert.match(negotiated, /e\.g\. \?authMechanism=SCRAM-SHA-1\.$/);
  assert.doesNotMatch(negotiated, /SCRAM-SHA-256\b(?!\))/);

  const plain = refused('PLAIN', 'mongodb://bob:***@h/ns?authMechanism=PLAIN');
  assert.match(plain, /remove authMechanism=PLAIN/);
  assert.match(plain, /try authMechanism=SCRAM-SHA-256 or authMechanism=SCRAM-SHA-1\./);
});

test('a bulk write that lost its connection is MONGO_UNREACHABLE, not an operation failure', () => {
  const bulk = Object.assign(new Error('connection 1 to 127.0.0.1:41337 closed'), {
    name: 'MongoBulkWriteError',
  });
  assert.equal(translateMongoError(bulk, 'mongodb://h/ns').code, 'MONGO_UNREACHABLE');
  const wrapped = Object.assign(new Error('bulk write failed'), {
    name: 'MongoBulkWriteError',
    cause: Object.assign(new Error('read ECONNRESET'), { name: 'MongoNetworkError' }),
  });
  assert.equal(translateMongoError(wrapped, 'mongodb://h/ns').code, 'MONGO_UNREACHABLE');
  const duplicate = Object.assign(new Error('E11000 duplicate key error'), {
    name: 'MongoBulkWriteError',
    code: 11000,
  });
  assert.equal(translateMongoError(duplicate, 'mongodb://h/ns').code, 'MONGO_OPERATION_FAILED');
});
