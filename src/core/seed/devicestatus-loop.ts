/** A Loop (iOS) devicestatus: pump, uploader, loop with a 6-hour forecast, override. */

import type { StatusContext } from './devicestatus.js';
import { makeUuid } from './ids.js';
import { loopPrediction } from './predictions.js';
import type { Slot } from './sim-types.js';
import type { Site } from './site.js';
import { isoTime, type SeedDocument } from './types.js';

export function loopStatus(site: Site, slot: Slot, time: number, ctx: StatusContext): SeedDocument {
  const timestamp = isoTime(time);
  const iob = { timestamp, iob: round(slot.iob, 3), basaliob: round(slot.basalIob, 3) };
  const pump = {
    clock: timestamp,
    pumpID: site.pumpSerial.slice(0, 6).toUpperCase(),
    manufacturer: 'Insulet',
    model: 'Dash',
    iob,
    battery: { status: 'normal' },
    suspended: false,
    bolusing: false,
    reservoir: slot.reservoir,
    secondsFromGMT: site.utcOffset * 60,
  };
  const uploader = { name: 'iPhone', timestamp, battery: ctx.uploaderBattery(slot) };
  return {
    device: 'loop://iPhone',
    created_at: timestamp,
    pump,
    uploader,
    loop: loopSection(site, slot, timestamp, iob),
    override: { active: false, timestamp },
    identifier: makeUuid(ctx.random),
  };
}

function loopSection(site: Site, slot: Slot, timestamp: string, iob: SeedDocument): SeedDocument {
  const base = { name: 'Loop', version: '3.4.1', timestamp };
  if (!slot.lastReading) return { ...base, failureReason: 'Glucose data is too old' };
  const { targetLow, targetHigh } = site.therapy;
  const recommendedBolus = Math.max(0, Math.round((slot.insulinReq - 0.5) * 20) / 20);
  return {
    ...base,
    iob,
    cob: { timestamp, cob: round(slot.cob, 1) },
    predicted: { startDate: isoTime(slot.lastReading.time), ...loopPrediction(slot) },
    recommendedBolus,
    automaticDoseRecommendation: {
      timestamp,
      tempBasalAdjustment: { rate: slot.tempRate, duration: 30 },
      bolusVolume: 0,
    },
    ...(slot.enacted
      ? { enacted: { ...slot.enacted, timestamp, received: true, bolusVolume: 0 } }
      : {}),
    currentCorrectionRange: { minValue: targetLow, maxValue: targetHigh },
  };
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
