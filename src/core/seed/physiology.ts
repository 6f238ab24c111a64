/**
 * One step of the body: absorbed carbs raise glucose, acting insulin lowers
 * it, the day's sensitivity and the dawn hours push it up, exercise pulls it
 * down, and a random walk stands for everything else.
 */
import { HORIZON } from './curves.js';
import type { Random } from './random.js';
import type { SimState } from './sim-state.js';
import type { Forecast, SimEvent, Slot } from './sim-types.js';
import { eraAt, localMinute, type Site, scheduledValue } from './site.js';
import { HOUR, STEP } from './types.js';

const STEP_HOURS = STEP / HOUR;

export function stepPhysiology(
  site: Site,
  random: Random,
  state: SimState,
  time: number,
  insulin: Float64Array,
  events: SimEvent[],
): Slot {
  const { isf, carbRatio, basal } = site.therapy;
  const minute = localMinute(site, time);
  const scheduled = scheduledValue(basal, minute);
  state.basal.add((state.tempRate - scheduled) * STEP_HOURS, insulin);
  const exercising = state.windows.exercise.some((w) => w.from <= time && time < w.to);
  const acting = state.bolus.shift() + state.basal.shift();
  const absorbed = state.carbs.shift();
  const dawn = minute >= 180 && minute < 480 ? 1.3 : 1;
  const drift = (state.sensitivity * dawn - 1) * scheduled * STEP_HOURS * isf;
  state.walk = 0.85 * state.walk + random.normal(0, 0.8);
  const bg =
    state.bg +
    absorbed * (isf / carbRatio) -
    acting * isf * (exercising ? 1.6 : 1) +
    drift +
    state.walk -
    (exercising ? 0.9 : 0);
  state.bg = Math.min(450, Math.max(38, bg));
  const bolusIob = state.bolus.total();
  const basalIob = state.basal.total();
  return {
    time,
    era: eraAt(site, time),
    minute,
    bg: state.bg,
    iob: bolusIob + basalIob,
    basalIob,
    cob: state.carbs.total(),
    activity: acting,
    scheduledRate: scheduled,
    tempRate: state.tempRate,
    eventualBG: state.bg,
    insulinReq: 0,
    reservoir: state.reservoir,
    sensorAgeMs: time - state.sensorStart,
    siteAgeMs: time - state.siteStart,
    events,
  };
}

/** Cumulative effect of what is on board now, step by step over the horizon. */
export function forecastEffects(site: Site, state: SimState): Forecast {
  const { isf, carbRatio } = site.therapy;
  const insulinEffect = new Float64Array(HORIZON);
  const carbEffect = new Float64Array(HORIZON);
  let insulinSum = 0;
  let carbSum = 0;
  for (let j = 0; j < HORIZON; j++) {
    insulinSum -= (state.bolus.at(j) + state.basal.at(j)) * isf;
    carbSum += state.carbs.at(j) * (isf / carbRatio);
    insulinEffect[j] = insulinSum;
    carbEffect[j] = carbSum;
  }
  return { insulin: insulinEffect, carbs: carbEffect };
}
