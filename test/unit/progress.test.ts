import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';

import {
  createProgressRenderer,
  describeProgress,
  formatBytes,
  formatDuration,
} from '../../src/cli/progress-renderer.js';
import { createProgress, estimate, type ProgressEvent } from '../../src/core/progress.js';

function collect(stream: PassThrough): () => string {
  let text = '';
  stream.on('data', (c: Buffer) => {
    text += c.toString();
  });
  return () => text;
}

test('rate and ETA come from elapsed time and the total', () => {
  const event: ProgressEvent = {
    kind: 'update',
    task: 't',
    label: 'entries',
    done: 500,
    total: 2000,
    unit: 'docs',
    elapsedMs: 5000,
  };
  assert.deepEqual(estimate(event), { rate: 100, etaSeconds: 15 });
  assert.equal(describeProgress(event), 'entries: 500 docs/2000 docs, 100 docs/s, ETA 15s');
});

test('no ETA before anything is known, or without a total', () => {
  assert.equal(
    estimate({
      kind: 'start',
      task: 't',
      label: 'x',
      done: 0,
      total: 10,
      unit: 'docs',
      elapsedMs: 0,
    }).etaSeconds,
    undefined,
  );
  assert.equal(
    estimate({ kind: 'update', task: 't', label: 'x', done: 5, unit: 'docs', elapsedMs: 1000 })
      .etaSeconds,
    undefined,
  );
});

test('plain mode prints a line per task at most every few seconds, and on finish', () => {
  const stream = new PassThrough();
  const text = collect(stream);
  let now = 0;
  const progress = createProgress(
    createProgressRenderer('plain', stream, false).listener,
    () => now,
  );
  const task = progress.task('c', { label: 'devicestatus', total: 100, unit: 'docs' });
  for (let i = 1; i <= 100; i++) {
    now += 100;
    task.update(i);
  }
  task.finish();
  const lines = text().trim().split('\n');
  assert.equal(lines.length, 3, text());
  assert.match(lines.at(-1) ?? '', /^devicestatus: 100 docs\/100 docs, .* done in 10s$/);
});

test('json mode writes parsable progress events', () => {
  const stream = new PassThrough();
  const text = collect(stream);
  const progress = createProgress(createProgressRenderer('json', stream, false).listener);
  progress.task('c', { label: 'entries', unit: 'docs' }).finish();
  const events = text()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    events.map((e) => [e.type, e.kind]),
    [
      ['progress', 'start'],
      ['progress', 'finish'],
    ],
  );
});

test('silent mode writes nothing', () => {
  const stream = new PassThrough();
  const text = collect(stream);
  createProgress(createProgressRenderer('silent', stream, false).listener)
    .task('c', { label: 'x', unit: 'docs' })
    .finish();
  assert.equal(text(), '');
});

test('sizes and durations read naturally', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(3.5 * 1024 ** 2), '3.5 MB');
  assert.equal(formatDuration(75), '1m15s');
  assert.equal(formatDuration(3725), '1h02m');
});
