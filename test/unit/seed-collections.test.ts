import assert from 'node:assert/strict';
import { test } from 'node:test';

import { calculateObjectSize, ObjectId } from 'bson';

import { createSeedPlan } from '../../src/core/seed/seed-plan.js';
import type { SeedDocument } from '../../src/core/seed/types.js';

const END = Date.UTC(2025, 0, 15, 12, 0);
const DAYS = 9;
const docs: Record<string, SeedDocument[]> = {};
for (const plan of createSeedPlan({ days: DAYS, seed: 'collections', end: END })) {
  docs[plan.key] = [];
  for await (const doc of plan.documents()) docs[plan.key]?.push(doc);
}
const of = (key: string) => docs[key] ?? [];

test('devicestatus: one document per 5-minute slot, from Loop, AndroidAPS and OpenAPS', () => {
  const statuses = of('devicestatus');
  assert.equal(statuses.length, DAYS * 288);
  const devices = new Set(statuses.map((d) => d.device));
  assert.deepEqual([...devices].sort(), [
    'loop://iPhone',
    'openaps://edison-rig',
    'openaps://samsung SM-G970F',
  ]);
  for (const doc of statuses) assert.equal(typeof doc.created_at, 'string');
});

test('devicestatus documents weigh 2–5 KB and dwarf the other collections', () => {
  const sizes = of('devicestatus').map((d) => calculateObjectSize(d));
  const inRange = sizes.filter((s) => s >= 2048 && s <= 5120).length;
  assert.ok(inRange / sizes.length >= 0.95, `${inRange} of ${sizes.length} within 2–5 KB`);
  const total = (key: string) => of(key).reduce((sum, d) => sum + calculateObjectSize(d), 0);
  assert.ok(total('devicestatus') > 3 * (total('entries') + total('treatments')));
});

test('Loop forecasts about 70 values; oref forecasts carry IOB and ZT curves', () => {
  const loop = of('devicestatus').find(
    (d) => d.device === 'loop://iPhone' && d.loop && 'predicted' in (d.loop as object),
  );
  assert.ok(loop, 'no Loop status with a forecast');
  const values = (loop.loop as { predicted: { values: number[] } }).predicted.values;
  assert.ok(values.length >= 60 && values.length <= 80);
  const oref = of('devicestatus').find((d) => d.openaps) as {
    openaps: { suggested: { predBGs: Record<string, number[]> } };
  };
  assert.ok(oref.openaps.suggested.predBGs.IOB?.length);
  assert.ok(oref.openaps.suggested.predBGs.ZT?.length);
});

test('treatments cover boluses, carbs, temp basals and site, sensor and target events', () => {
  const types = new Set(of('treatments').map((d) => d.eventType));
  for (const type of [
    'Meal Bolus',
    'Correction Bolus',
    'Carb Correction',
    'Temp Basal',
    'Site Change',
    'BG Check',
  ]) {
    assert.ok(types.has(type), type);
  }
  assert.ok(types.has('Temporary Target') || types.has('Temporary Override'));
  for (const doc of of('treatments')) {
    assert.ok(!Number.isNaN(Date.parse(doc.created_at as string)), 'created_at is an ISO time');
    assert.equal(typeof doc.utcOffset, 'number');
  }
  const basal = of('treatments').find((d) => d.eventType === 'Temp Basal');
  assert.equal(typeof basal?.duration, 'number');
  assert.equal(typeof basal?.absolute, 'number');
  assert.ok(of('treatments').some((d) => d.pumpSerial !== undefined && d.pumpId !== undefined));
});

test('profiles hold schedules in a named store', () => {
  for (const doc of of('profile')) {
    const store = doc.store as Record<string, Record<string, unknown>>;
    const profile = store[doc.defaultProfile as string];
    assert.ok(profile, 'defaultProfile names a store entry');
    for (const field of ['basal', 'carbratio', 'sens', 'target_low', 'target_high']) {
      assert.ok(Array.isArray(profile[field]), field);
    }
    assert.equal(typeof doc.startDate, 'string');
    assert.ok(doc.units);
  }
});

test('auth collections hold the default roles and subjects with ObjectIds', () => {
  const roles = of('authRoles').map((d) => d.name);
  for (const role of [
    'admin',
    'denied',
    'status-only',
    'readable',
    'careportal',
    'devicestatus-upload',
  ]) {
    assert.ok(roles.includes(role), role);
  }
  assert.ok(of('authSubjects').length >= 3);
  for (const subject of of('authSubjects')) {
    assert.ok(subject._id instanceof ObjectId);
    assert.ok(Array.isArray(subject.roles) && typeof subject.name === 'string');
  }
});

test('food, activity and settings are filled', () => {
  assert.ok(
    of('food').some((d) => d.type === 'food') && of('food').some((d) => d.type === 'quickpick'),
  );
  assert.ok(of('activity').length > DAYS * 10);
  assert.ok(of('settings').length > 0);
});
