/**
 * Progress and resource lines of `nsctl migrate`: a comparison counts
 * documents per side, one task per collection timed on its own, and the
 * network figures count loopback when every server is on this host.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseNetDev } from '../../src/core/migrate/resources.js';
import { createProgress, type ProgressEvent } from '../../src/core/progress.js';
import { createScanCounter } from '../../src/ops/compare/scan-both.js';
import { isOnThisHost } from '../../src/ops/migrate/resource-sampler.js';

test('a comparison counts documents per side and finishes each collection on its own', () => {
  let now = 0;
  const events: ProgressEvent[] = [];
  const progress = createProgress(
    (e) => events.push(e),
    () => now,
  );
  const plan = (name: string, docs: number) => ({
    name,
    bits: 0,
    readSource: true,
    readTarget: true,
    expectedReads: 2 * docs,
  });
  const counter = createScanCounter(progress, [plan('devicestatus', 3), plan('entries', 2)]);
  for (let i = 0; i < 6; i++) counter.count('devicestatus');
  now = 1000;
  for (let i = 0; i < 4; i++) counter.count('entries');
  now = 5000;
  counter.finish();
  const finished = events.filter((e) => e.kind === 'finish');
  assert.deepEqual(
    finished.map((e) => [e.label, e.done, e.total, e.elapsedMs]),
    [
      ['devicestatus compared', 3, 3, 0],
      ['entries compared', 2, 2, 0],
    ],
  );
});

test('network figures: loopback only when every server is on this host', () => {
  const netDev =
    'lo: 700 1 0 0 0 0 0 0 900 1 0 0 0 0 0 0\n eth0: 10 1 0 0 0 0 0 0 20 1 0 0 0 0 0 0\n';
  assert.deepEqual(parseNetDev(netDev, 'loopback'), { rxBytes: 700, txBytes: 900 });
  assert.deepEqual(parseNetDev(netDev), { rxBytes: 10, txBytes: 20 });
  assert.equal(isOnThisHost(['mongodb://127.0.0.1:27017/a', 'mongodb://u:p@localhost/b']), true);
  assert.equal(isOnThisHost(['mongodb://[::1]:27017/a']), true);
  assert.equal(isOnThisHost(['mongodb://127.0.0.1/a', 'mongodb://db.example.net/b']), false);
  assert.equal(isOnThisHost(['mongodb+srv://u:p@cluster0.example.net/ns']), false);
});
