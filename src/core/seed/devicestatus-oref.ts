/**
 * oref devicestatus documents: AndroidAPS (through API v3, with its pump
 * extension and configuration) and an OpenAPS rig (with mmtune results).
 * Both carry `openaps.suggested` with predBGs, `openaps.iob`, and
 * `openaps.enacted` when the loop changed the temp basal.
 */

import type { StatusContext } from './devicestatus.js';
import { round } from './devicestatus-loop.js';
import { makeUuid } from './ids.js';
import { orefPredictions } from './predictions.js';
import type { Slot } from './sim-types.js';
import type { Site } from './site.js';
import { isoTime, type SeedDocument, zonedIsoTime } from './types.js';

function suggested(site: Site, slot: Slot, timestamp: string): SeedDocument {
  const { isf, carbRatio, targetLow, targetHigh } = site.therapy;
  const bg = slot.lastReading?.sgv ?? Math.round(slot.bg);
  const delta = slot.lastReading?.delta ?? 0;
  const target = Math.round((targetLow + targetHigh) / 2);
  const bgi = round(-slot.activity * isf, 2);
  const rate = slot.tempRate;
  const reason =
    `COB: ${Math.round(slot.cob)}, Dev: ${Math.round(delta - bgi)}, BGI: ${bgi}, ISF: ${isf}, CR: ${carbRatio}, ` +
    `Target: ${target}; Eventual BG ${slot.eventualBG} ${slot.eventualBG >= target ? '>=' : '<'} ${target}, ` +
    `insulinReq ${slot.insulinReq}. Setting temp basal of ${rate}U/hr for 30m.`;
  return {
    temp: 'absolute',
    bg,
    tick: delta >= 0 ? `+${delta}` : String(delta),
    eventualBG: slot.eventualBG,
    snoozeBG: Math.max(slot.eventualBG, bg),
    targetBG: target,
    insulinReq: slot.insulinReq,
    sensitivityRatio: 1,
    predBGs: orefPredictions(site, slot),
    COB: Math.round(slot.cob),
    IOB: round(slot.iob, 3),
    reason,
    duration: 30,
    rate,
    timestamp,
  };
}

function iobSection(slot: Slot, time: string): SeedDocument {
  const iob = { iob: round(slot.iob, 3), basaliob: round(slot.basalIob, 3), bolussnooze: 0 };
  return { ...iob, activity: round(slot.activity / 5, 4), time, iobWithZeroTemp: { ...iob, time } };
}

/** oref0 spells it `recieved` and repeats the forecast; AndroidAPS spells it right and does not. */
function enacted(
  slot: Slot,
  suggestion: SeedDocument,
  timestamp: string,
  rig: boolean,
): SeedDocument {
  if (!slot.enacted && !slot.smb) return {};
  const { predBGs, ...rest } = suggestion;
  const units = slot.smb ? { units: slot.smb } : {};
  const flag = rig ? { recieved: true, predBGs } : { received: true };
  return { enacted: { ...rest, ...units, ...flag, timestamp } };
}

export function aapsStatus(site: Site, slot: Slot, time: number, ctx: StatusContext): SeedDocument {
  const timestamp = isoTime(time);
  const suggestion = suggested(site, slot, timestamp);
  const battery = ctx.uploaderBattery(slot);
  return {
    app: 'AAPS',
    date: time,
    created_at: timestamp,
    device: 'openaps://samsung SM-G970F',
    uploaderBattery: battery,
    isCharging: battery === 100,
    pump: {
      clock: timestamp,
      reservoir: slot.reservoir,
      battery: { percent: ctx.pumpBattery(slot) },
      status: { status: 'normal', timestamp },
      extended: {
        Version: '3.2.0.4',
        TempBasalAbsoluteRate: slot.tempRate,
        BaseBasalRate: slot.scheduledRate,
        ActiveProfile: 'LocalProfile',
      },
    },
    openaps: {
      suggested: suggestion,
      ...enacted(slot, suggestion, timestamp, false),
      iob: iobSection(slot, timestamp),
    },
    configuration: {
      pump: 'Insight',
      version: '3.2.0.4',
      insulin: 5,
      aps: 'OpenAPSSMB',
      sensitivity: 2,
      smoothing: 'EXPONENTIAL',
    },
    identifier: makeUuid(ctx.random).toLowerCase(),
    srvCreated: time + 2000,
    srvModified: time + 2000,
    isValid: true,
    utcOffset: site.utcOffset,
  };
}

export function openapsStatus(
  site: Site,
  slot: Slot,
  time: number,
  ctx: StatusContext,
): SeedDocument {
  const timestamp = isoTime(time);
  const suggestion = suggested(site, slot, timestamp);
  const { random } = ctx;
  return {
    device: 'openaps://edison-rig',
    pump: {
      battery: { status: 'normal', voltage: round(1.5 - ctx.pumpBattery(slot) / 1000, 2) },
      status: { status: 'normal', timestamp, bolusing: false, suspended: false },
      reservoir: slot.reservoir,
      clock: zonedIsoTime(time - 15_000, site.utcOffset),
    },
    uploader: { battery: ctx.uploaderBattery(slot), batteryVoltage: random.int(3700, 4150) },
    openaps: {
      suggested: suggestion,
      iob: { ...iobSection(slot, timestamp), timestamp },
      ...enacted(slot, suggestion, timestamp, true),
    },
    // Rigs also upload mmtune.scanDetails as [[MHz, successes, RSSI]…]; left out
    // because FerretDB, the test server, rejects arrays nested in arrays.
    mmtune: {
      setFreq: 916.55,
      usedDefault: false,
      timestamp,
    },
    created_at: timestamp,
  };
}
