/**
 * entries: a reading every 5 minutes from the era's CGM uploader, shaped as
 * that uploader writes it (Dexcom Share bridge, AndroidAPS through API v3,
 * xDrip+ with raw values); windows where a second uploader echoes the same
 * readings (same date, other device, string `_id`s, an Int64 `date` from
 * xDrip+'s direct MongoDB upload); finger-sticks as `mbg`, and xDrip+
 * calibrations as `cal`.
 */
import { Long } from 'bson';

import { makeHexId, makeUuid } from './ids.js';
import { createRandom, type Random } from './random.js';
import type { Reading, SimEvent, Slot } from './sim-types.js';
import { simulate } from './simulation.js';
import type { Era, Site } from './site.js';
import { isoTime, type SeedDocument } from './types.js';
import { createIdFactories } from './writers.js';

const DEXCOM_TREND: Record<string, number> = {
  DoubleUp: 1,
  SingleUp: 2,
  FortyFiveUp: 3,
  Flat: 4,
  FortyFiveDown: 5,
  SingleDown: 6,
  DoubleDown: 7,
  'NOT COMPUTABLE': 9,
};

export async function* generateEntries(site: Site): AsyncGenerator<SeedDocument> {
  const ctx: Context = {
    random: createRandom(site.seed, 'entries'),
    ids: createIdFactories(site.seed, 'entries'),
  };
  for (const slot of simulate(site)) yield* entriesForSlot(site, slot, ctx);
}

/** Counts without building documents, for progress totals. */
export function countEntries(site: Site): number {
  let count = 0;
  for (const slot of simulate(site)) {
    if (slot.reading) count += slot.reading.echo ? 2 : 1;
    for (const event of slot.events) {
      if (event.kind === 'bgCheck') count += slot.era.controller === 'openaps' ? 2 : 1;
    }
  }
  return count;
}

interface Context {
  random: Random;
  ids: ReturnType<typeof createIdFactories>;
}

function* entriesForSlot(site: Site, slot: Slot, ctx: Context): Generator<SeedDocument> {
  const { reading, era } = slot;
  if (reading) {
    yield mainEntry(site, era, reading, ctx);
    if (reading.echo) yield echoEntry(site, era, reading, ctx);
  }
  for (const event of slot.events) {
    if (event.kind !== 'bgCheck') continue;
    yield meterEntry(site, era, event, ctx);
    if (era.controller === 'openaps') yield calibrationEntry(site, era, event, ctx);
  }
}

function common(site: Site, date: number, device: string): SeedDocument {
  return {
    date,
    dateString: isoTime(date),
    sysTime: isoTime(date),
    utcOffset: site.utcOffset,
    device,
  };
}

function mainEntry(site: Site, era: Era, reading: Reading, ctx: Context): SeedDocument {
  const { random, ids } = ctx;
  const _id = ids(era.cgmDevice)(reading.time + random.int(2, 40) * 1000);
  const base = { _id, type: 'sgv', sgv: reading.sgv, direction: reading.direction };
  const at = common(site, reading.time, era.cgmDevice);
  if (era.controller === 'loop') {
    return { ...base, trend: DEXCOM_TREND[reading.direction], ...at, utcOffset: 0 };
  }
  if (era.controller === 'aaps') {
    const uploaded = reading.time + random.int(5, 60) * 1000;
    return {
      ...base,
      ...at,
      noise: reading.noise,
      app: 'AAPS',
      identifier: makeUuid(random).toLowerCase(),
      srvCreated: uploaded,
      srvModified: uploaded,
      isValid: true,
    };
  }
  return {
    ...base,
    ...at,
    delta: reading.delta ?? 0,
    noise: reading.noise,
    ...rawValues(random, reading),
  };
}

/** xDrip+ sends the sensor's raw signal when it has it. */
function rawValues(random: Random, reading: Reading): SeedDocument {
  if (!random.chance(0.3)) return {};
  const unfiltered = Math.round(reading.sgv * random.float(950, 1050));
  return {
    filtered: Math.round(unfiltered * random.float(0.96, 1.02)),
    unfiltered,
    rssi: random.int(160, 205),
  };
}

function echoEntry(site: Site, era: Era, reading: Reading, ctx: Context): SeedDocument {
  const { random } = ctx;
  const xdrip = era.echoDevice.startsWith('xDrip');
  const at = common(site, reading.time, era.echoDevice);
  return {
    // Uploaders outside the API write their own ids, as strings.
    _id: xdrip ? makeHexId(random, reading.time) : makeUuid(random),
    type: 'sgv',
    sgv: reading.sgv,
    direction: reading.direction,
    ...at,
    // xDrip+'s direct MongoDB uploader stores the date as a 64-bit integer.
    ...(xdrip ? { date: Long.fromNumber(reading.time) } : {}),
    noise: reading.noise,
  };
}

function meterEntry(
  site: Site,
  era: Era,
  event: Extract<SimEvent, { kind: 'bgCheck' }>,
  ctx: Context,
): SeedDocument {
  const _id = ctx.ids(era.cgmDevice)(event.time + 30_000);
  return { _id, type: 'mbg', mbg: event.glucose, ...common(site, event.time, era.cgmDevice) };
}

function calibrationEntry(
  site: Site,
  era: Era,
  event: Extract<SimEvent, { kind: 'bgCheck' }>,
  ctx: Context,
): SeedDocument {
  const { random, ids } = ctx;
  const date = event.time;
  return {
    _id: ids(era.cgmDevice)(date + 30_000),
    type: 'cal',
    slope: random.float(780, 920),
    intercept: random.float(20_000, 35_000),
    scale: 1,
    ...common(site, date, era.cgmDevice),
  };
}
