/**
 * The closed loop, much simplified: forecast where glucose is heading from
 * what is on board, set a 30-minute temp basal to steer towards the target,
 * and under AndroidAPS and OpenAPS add a super micro bolus when more insulin
 * is wanted. Without a recent reading the loop stops and the temp runs out.
 */
import { HORIZON } from './curves.js';
import type { SimState } from './sim-state.js';
import type { Slot } from './sim-types.js';
import type { Site } from './site.js';
import { MINUTE, roundTo } from './types.js';

const TEMP_MINUTES = 30;

export function decideLoop(site: Site, state: SimState, slot: Slot, insulin: Float64Array): void {
  const { isf, carbRatio, targetLow, targetHigh } = site.therapy;
  if (state.tempUntil <= slot.time) state.tempRate = slot.scheduledRate;
  const last = slot.lastReading;
  if (!last || slot.time - last.time > 15 * MINUTE) return;
  let eventual = last.sgv;
  for (let j = 0; j < HORIZON; j++) {
    eventual +=
      state.carbs.at(j) * (isf / carbRatio) - (state.bolus.at(j) + state.basal.at(j)) * isf;
  }
  const target = state.target && state.target.until > slot.time ? state.target : undefined;
  const goal = target ? (target.low + target.high) / 2 : (targetLow + targetHigh) / 2;
  const insulinReq = (eventual - goal) / isf;
  slot.eventualBG = Math.round(eventual);
  slot.insulinReq = roundTo(insulinReq, 0.01);
  const maxBasal = Math.max(2.5, slot.scheduledRate * 4);
  const falling = last.delta !== undefined && last.delta < 0;
  let rate = roundTo(Math.min(maxBasal, Math.max(0, slot.scheduledRate + insulinReq * 2)), 0.05);
  if (last.sgv < 80 && falling) rate = 0;
  const expiring = state.tempUntil - slot.time <= 5 * MINUTE;
  if (Math.abs(rate - state.tempRate) >= 0.2 || (expiring && rate !== slot.scheduledRate)) {
    state.tempRate = rate;
    state.tempUntil = slot.time + TEMP_MINUTES * MINUTE;
    slot.enacted = { rate, duration: TEMP_MINUTES };
    slot.events.push({
      kind: 'tempBasal',
      time: slot.time,
      rate,
      duration: TEMP_MINUTES,
      scheduled: slot.scheduledRate,
    });
  }
  slot.tempRate = state.tempRate;
  if (slot.era.controller !== 'loop') giveMicroBolus(state, slot, insulinReq, last.sgv, insulin);
}

function giveMicroBolus(
  state: SimState,
  slot: Slot,
  insulinReq: number,
  glucose: number,
  insulin: Float64Array,
): void {
  if (insulinReq < 0.3 || glucose < 100 || slot.time - state.lastSmb < 10 * MINUTE) return;
  const smb = roundTo(Math.min(insulinReq * 0.4, 1.2), 0.05);
  if (smb < 0.1) return;
  state.bolus.add(smb, insulin);
  state.lastSmb = slot.time;
  slot.smb = smb;
  slot.events.push({ kind: 'smb', time: slot.time, insulin: smb });
}
