import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Long } from 'bson';

import { createSeedPlan } from '../../src/core/seed/seed-plan.js';
import type { SeedDocument } from '../../src/core/seed/types.js';

const END = Date.UTC(2025, 0, 15, 12, 0);
const DAYS = 12;

async function collect(key: string): Promise<SeedDocument[]> {
  const plan = createSeedPlan({ days: DAYS, seed: 'entries', end: END }).find((p) => p.key === key);
  assert.ok(plan);
  const docs: SeedDocument[] = [];
  for await (const doc of plan.documents()) docs.push(doc);
  return docs;
}

const entries = await collect('entries');
const dateOf = (doc: SeedDocument) =>
  doc.date instanceof Long ? doc.date.toNumber() : Number(doc.date);
const DIRECTIONS = new Set([
  'DoubleUp',
  'SingleUp',
  'FortyFiveUp',
  'Flat',
  'FortyFiveDown',
  'SingleDown',
  'DoubleDown',
  'NOT COMPUTABLE',
]);

/** The main uploader's readings: one device per era, ObjectId ids. */
function mainReadings(): number[] {
  return entries
    .filter((d) => d.type === 'sgv' && typeof d._id !== 'string')
    .map(dateOf)
    .sort((a, b) => a - b);
}

test('readings come every 5 minutes, with gaps for warm-ups and signal loss', () => {
  const dates = mainReadings();
  const steps = dates.slice(1).map((d, i) => d - (dates[i] as number));
  const regular = steps.filter((s) => s === 300_000).length;
  assert.ok(
    regular / steps.length > 0.95,
    `only ${regular} of ${steps.length} steps are 5 minutes`,
  );
  assert.ok(
    steps.some((s) => s >= 15 * 60_000),
    'no gap of 15 minutes or more',
  );
  assert.ok(dates.length > DAYS * 288 * 0.9 && dates.length <= DAYS * 288);
});

test('readings stay within the requested period', () => {
  const start = END - DAYS * 86_400_000;
  for (const doc of entries) {
    assert.ok(dateOf(doc) <= END && dateOf(doc) > start, `${doc.dateString} outside the period`);
  }
});

test('sgv entries carry the fields Nightscout stores', () => {
  for (const doc of entries.filter((d) => d.type === 'sgv')) {
    assert.ok(Number.isInteger(doc.sgv) && (doc.sgv as number) >= 40 && (doc.sgv as number) <= 400);
    assert.ok(DIRECTIONS.has(doc.direction as string), String(doc.direction));
    assert.equal(doc.dateString, new Date(dateOf(doc)).toISOString());
    assert.equal(doc.sysTime, doc.dateString);
    assert.equal(typeof doc.device, 'string');
    assert.equal(typeof doc.utcOffset, 'number');
  }
});

test('glucose has lows, highs and every arrow', () => {
  const sgv = entries.filter((d) => d.type === 'sgv').map((d) => d.sgv as number);
  assert.ok(
    sgv.some((g) => g < 70),
    'no low',
  );
  assert.ok(
    sgv.some((g) => g > 250),
    'no high',
  );
  const seen = new Set(entries.map((d) => d.direction));
  for (const arrow of [
    'Flat',
    'FortyFiveUp',
    'SingleUp',
    'DoubleUp',
    'FortyFiveDown',
    'SingleDown',
  ]) {
    assert.ok(seen.has(arrow), arrow);
  }
});

test('a second uploader echoes some readings: same date, other device, string _id', () => {
  const echoes = entries.filter((d) => typeof d._id === 'string');
  assert.ok(
    echoes.length > 0 && echoes.length < entries.length * 0.2,
    `${echoes.length} string ids`,
  );
  const main = new Map(
    entries.filter((d) => typeof d._id !== 'string').map((d) => [`${d.type}:${dateOf(d)}`, d]),
  );
  for (const echo of echoes) {
    const twin = main.get(`${echo.type}:${dateOf(echo)}`);
    assert.ok(twin, `echo at ${echo.dateString} has no original`);
    assert.notEqual(twin.device, echo.device);
  }
  assert.ok(
    echoes.some((d) => d.date instanceof Long),
    'no Int64 date',
  );
});

test('finger-sticks appear as mbg, xDrip+ calibrations as cal', () => {
  assert.ok(entries.some((d) => d.type === 'mbg' && Number.isInteger(d.mbg)));
  assert.ok(entries.some((d) => d.type === 'cal' && typeof d.slope === 'number'));
});
