import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  createBackupId,
  type Manifest,
  parseBackupId,
  parseManifest,
  serializeManifest,
} from '../../src/core/backup/manifest.js';
import { NsctlError } from '../../src/core/errors.js';

const RECIPIENT = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';

function sampleManifest(): Manifest {
  return {
    formatVersion: 1,
    id: 'home-20261201T030405Z-a1b2',
    instance: 'home',
    kind: 'backup',
    createdAt: '2026-12-01T03:04:05Z',
    finishedAt: '2026-12-01T03:06:00Z',
    source: { uri: 'mongodb://ns:***@db:27017/nightscout', database: 'nightscout' },
    server: { version: '8.0.4' },
    tool: { name: 'nsctl', version: '0.1.0' },
    compression: 'gzip',
    encryption: { type: 'age-recipients', recipients: [RECIPIENT] },
    archive: {
      name: 'home-20261201T030405Z-a1b2.archive.gz.age',
      bytes: 1234,
      sha256: 'ab'.repeat(32),
    },
    collections: [
      {
        name: 'entries',
        documents: 288,
        bytes: 90_000,
        checksum: '0123456789abcdef',
        indexes: [
          { name: '_id_', key: { _id: 1 }, v: 2 },
          { name: 'date_-1', key: { date: -1 } },
        ],
        options: {},
      },
      {
        name: 'devicestatus',
        documents: 0,
        bytes: 0,
        checksum: 'fedcba9876543210',
        indexes: [],
        options: { capped: false },
      },
    ],
    status: 'complete',
    verifications: [{ at: '2026-12-01T04:00:00Z', ok: true, mode: 'read' }],
  };
}

function at<T>(items: T[] | undefined, index: number): T {
  const item = items?.[index];
  if (item === undefined) throw new Error(`no item ${index}`);
  return item;
}

/** Serializes an edited copy without the serializer's own validation. */
function editedText(edit: (m: Record<string, unknown> & Manifest) => void): string {
  const manifest = structuredClone(sampleManifest()) as Record<string, unknown> & Manifest;
  edit(manifest);
  return JSON.stringify(manifest);
}

function assertInvalid(text: string, field: RegExp): void {
  assert.throws(
    () => parseManifest(text, 'x.manifest.json'),
    (error: unknown) =>
      error instanceof NsctlError &&
      error.code === 'MANIFEST_INVALID' &&
      error.where === 'x.manifest.json' &&
      field.test(error.message),
  );
}

test('a manifest survives serialize and parse unchanged', () => {
  const manifest = sampleManifest();
  const text = serializeManifest(manifest);

  assert.deepEqual(parseManifest(text), manifest);
  assert.ok(text.endsWith('}\n'));
});

test('text that is not JSON is MANIFEST_INVALID', () => {
  assertInvalid('{"formatVersion": 1,', /not valid JSON/);
});

test('errors name the field at fault', () => {
  assertInvalid(
    editedText((m) => delete (m.archive as Partial<Manifest['archive']>).sha256),
    /^manifest field archive\.sha256:/,
  );
  assertInvalid(
    editedText((m) => {
      at(m.collections, 1).checksum = 'XYZ';
    }),
    /collections\[1\]\.checksum/,
  );
  assertInvalid(
    editedText((m) => {
      at(m.collections, 0).documents = -1;
    }),
    /collections\[0\]\.documents/,
  );
  assertInvalid(
    editedText((m) => {
      m.formatVersion = 2 as 1;
    }),
    /formatVersion/,
  );
  assertInvalid(
    editedText((m) => {
      m.status = 'partial' as 'complete';
    }),
    /status/,
  );
  assertInvalid(
    editedText((m) => {
      m.createdAt = '2026-12-01 03:04:05';
    }),
    /createdAt/,
  );
  assertInvalid(
    editedText((m) => {
      at(m.verifications, 0).mode = 'guess' as 'read';
    }),
    /verifications\[0\]\.mode/,
  );
});

test('unknown fields are refused, so hand edits show', () => {
  assertInvalid(
    editedText((m) => {
      m.extra = true;
    }),
    /\(root\)|extra/,
  );
  assertInvalid(
    editedText((m) => {
      (m.archive as Record<string, unknown>).note = 'x';
    }),
    /archive/,
  );
});

test('secrets never pass: an unmasked URI password or an age secret key', () => {
  assertInvalid(
    editedText((m) => {
      m.source.uri = 'mongodb://ns:hunter2@db/nightscout';
    }),
    /source\.uri/,
  );
  assertInvalid(
    editedText((m) => {
      m.encryption.recipients = ['AGE-SECRET-KEY-1QQQQ'];
    }),
    /secret key/,
  );
  assert.doesNotThrow(() =>
    parseManifest(
      editedText((m) => {
        m.source.uri = 'mongodb://db:27017/ns';
      }),
    ),
  );
});

test('rules between fields name the field they blame', () => {
  assertInvalid(
    editedText((m) => {
      m.finishedAt = '2026-12-01T03:00:00Z';
    }),
    /finishedAt: before createdAt/,
  );
  assertInvalid(
    editedText((m) => {
      m.id = 'other-20261201T030405Z-a1b2';
    }),
    /^manifest field id:/,
  );
  assertInvalid(
    editedText((m) => {
      m.kind = 'rollback-point';
    }),
    /label/,
  );
  assertInvalid(
    editedText((m) => {
      m.encryption.recipients = [];
    }),
    /encryption\.recipients: none given/,
  );
  assertInvalid(
    editedText((m) => {
      m.encryption = { type: 'age-passphrase', recipients: [RECIPIENT] };
    }),
    /encryption\.recipients: must be empty/,
  );
  assertInvalid(
    editedText((m) => {
      at(m.collections, 1).name = 'entries';
    }),
    /collections\[1\]\.name.*twice/,
  );
});

test('a rollback point with a label and an unencrypted backup are valid', () => {
  const text = editedText((m) => {
    m.kind = 'rollback-point';
    m.label = 'before migrate';
    m.compression = 'none';
    m.encryption = { type: 'none', recipients: [] };
    delete m.verifications;
  });

  assert.equal(parseManifest(text).label, 'before migrate');
});

test('serializeManifest refuses a manifest that would not parse back', () => {
  const bad = { ...sampleManifest(), finishedAt: '2020-01-01T00:00:00Z' };

  assert.throws(() => serializeManifest(bad));
});

test('createBackupId is <instance>-<UTC compact time>-<4 hex> and sorts by time', () => {
  const id = createBackupId(
    'home',
    new Date('2026-03-29T00:59:59.999Z'),
    Buffer.from([0xa1, 0xb2]),
  );
  const ids = [5, 1, 3].map((h) =>
    createBackupId('home', new Date(Date.UTC(2026, 0, 1, h)), Buffer.from([9 - h, 0])),
  );

  assert.equal(id, 'home-20260329T005959Z-a1b2');
  assert.deepEqual([...ids].sort(), [ids[1], ids[2], ids[0]]);
  assert.match(createBackupId('a.b_c-d', new Date()), /^a\.b_c-d-\d{8}T\d{6}Z-[0-9a-f]{4}$/);
  assert.throws(() => createBackupId('../x', new Date()));
});

test('parseBackupId reads back instance and time, and rejects impossible dates', () => {
  const parsed = parseBackupId('my-site-20261201T030405Z-00ff');

  assert.equal(parsed?.instance, 'my-site');
  assert.equal(parsed?.createdAt.toISOString(), '2026-12-01T03:04:05.000Z');
  assert.equal(parseBackupId('home-20260231T000000Z-0000'), undefined);
  assert.equal(parseBackupId('home-20260101T000000Z-XYZ0'), undefined);
});
