/**
 * devicestatus: one document per 5-minute loop cycle, shaped by the
 * controller of the era (Loop, AndroidAPS or OpenAPS). By far the largest
 * collection, as on real sites: the forecasts make each document 2–5 KB.
 */

import { loopStatus } from './devicestatus-loop.js';
import { aapsStatus, openapsStatus } from './devicestatus-oref.js';
import { createRandom, type Random } from './random.js';
import type { Slot } from './sim-types.js';
import { simulate } from './simulation.js';
import type { Site } from './site.js';
import { DAY, type SeedDocument } from './types.js';
import { createIdFactories } from './writers.js';

export interface StatusContext {
  random: Random;
  uploaderBattery(slot: Slot): number;
  pumpBattery(slot: Slot): number;
}

export async function* generateDeviceStatus(site: Site): AsyncGenerator<SeedDocument> {
  const random = createRandom(site.seed, 'devicestatus');
  const ids = createIdFactories(site.seed, 'devicestatus');
  const ctx: StatusContext = {
    random,
    uploaderBattery: (slot) => phoneBattery(slot.minute, random),
    // Pump batteries are replaced with the infusion site (pods) or drain over days.
    pumpBattery: (slot) => Math.max(5, Math.round(100 - (slot.siteAgeMs / DAY) * 25)),
  };
  for (const slot of simulate(site, { forecast: true })) {
    const time = statusTime(slot, random);
    const shape = { loop: loopStatus, aaps: aapsStatus, openaps: openapsStatus }[
      slot.era.controller
    ];
    yield { _id: ids(slot.era.controller)(time + 1000), ...shape(site, slot, time, ctx) };
  }
}

/** One status per slot: exact without simulating. */
export function countDeviceStatus(site: Site): number {
  return site.slots;
}

/** The loop runs shortly after each reading, never after the slot ends. */
function statusTime(slot: Slot, random: Random): number {
  const after = slot.reading
    ? slot.reading.time + random.int(8, 40) * 1000
    : slot.time - random.int(0, 60) * 1000;
  return Math.min(slot.time, after);
}

/** Charging overnight, draining through the day. */
function phoneBattery(minute: number, random: Random): number {
  if (minute < 390 || minute >= 1350)
    return minute < 390 && minute > 330 ? 100 : random.chance(0.5) ? 100 : 99;
  const level = 100 - (minute - 390) * 0.065 + random.normal(0, 0.7);
  return Math.max(5, Math.min(100, Math.round(level)));
}
