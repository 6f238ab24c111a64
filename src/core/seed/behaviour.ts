/**
 * What people do: change sensors and infusion sites, eat and bolus (or
 * forget to), check with a finger-stick, treat lows with fast carbs and
 * correct stubborn highs by hand.
 */
import { carbCurve } from './curves.js';
import type { Random } from './random.js';
import type { SimState } from './sim-state.js';
import type { SimEvent, Slot } from './sim-types.js';
import { SENSOR_DAYS, type Site } from './site.js';
import { DAY, HOUR, MINUTE, roundTo, STEP } from './types.js';

const curves = new Map<number, Float64Array>();
function carbsOver(minutes: number): Float64Array {
  let curve = curves.get(minutes);
  if (!curve) {
    curve = carbCurve(minutes);
    curves.set(minutes, curve);
  }
  return curve;
}

export function runLifecycle(
  random: Random,
  state: SimState,
  time: number,
  events: SimEvent[],
): void {
  if (time >= state.nextSensor) {
    state.sensorStart = state.nextSensor;
    state.nextSensor += SENSOR_DAYS * DAY + random.int(-3, 3) * HOUR;
    state.phase = random.int(0, 280) * 1000;
    events.push({ kind: 'sensorStart', time: state.sensorStart });
  }
  if (time >= state.nextSite) {
    state.siteStart = state.nextSite;
    state.nextSite += 3 * DAY + random.int(-6, 6) * HOUR;
    state.reservoir = random.pick([150, 180, 200]);
    events.push({ kind: 'siteChange', time: state.siteStart });
  }
}

export function runActions(
  site: Site,
  random: Random,
  state: SimState,
  time: number,
  events: SimEvent[],
  insulin: Float64Array,
): void {
  while (state.actions[0] && state.actions[0].time <= time) {
    const action = state.actions.shift() as SimEvent;
    // Plans cover whole local days; what falls before the first slot never happened.
    if (action.time <= site.start - STEP) continue;
    const event = perform(site, random, state, action, insulin);
    if (event) events.push(event);
  }
}

function perform(
  site: Site,
  random: Random,
  state: SimState,
  action: SimEvent,
  insulin: Float64Array,
): SimEvent | undefined {
  const { carbRatio } = site.therapy;
  switch (action.kind) {
    case 'meal': {
      state.carbs.add(action.carbs * random.float(0.9, 1.15), carbsOver(action.absorbMinutes));
      const habit = action.habit;
      const factor = habit === 'missed' ? 0 : habit === 'over' ? 1.35 : random.float(0.9, 1.05);
      const dose = roundTo((action.carbs / carbRatio) * factor, 0.05);
      if (dose > 0) state.bolus.add(dose, insulin);
      if (habit === 'missed') {
        const late = roundTo((action.carbs / carbRatio) * 0.8, 0.05);
        const time = action.time + random.int(60, 100) * MINUTE;
        state.actions.push({ kind: 'bolus', time, insulin: late, reason: 'late' });
        state.actions.sort((a, b) => a.time - b.time);
      }
      const glucose = state.lastReading?.sgv;
      const { kind, time, carbs, absorbMinutes, foodType } = action;
      return {
        kind,
        time,
        carbs,
        absorbMinutes,
        foodType,
        insulin: dose,
        ...(glucose ? { glucose } : {}),
      };
    }
    case 'bolus':
      state.bolus.add(action.insulin, insulin);
      return action;
    case 'bgCheck':
      return { ...action, glucose: Math.round(state.bg + random.normal(0, 4)) };
    case 'tempTarget':
      state.target = {
        low: action.low,
        high: action.high,
        until: action.time + action.duration * MINUTE,
      };
      return action;
    default:
      return action;
  }
}

export function reactToGlucose(
  site: Site,
  random: Random,
  state: SimState,
  slot: Slot,
  insulin: Float64Array,
): void {
  const reading = slot.reading;
  if (!reading) return;
  const at = Math.min(slot.time, reading.time + random.int(1, 4) * MINUTE);
  if (reading.sgv < 70 && slot.time - state.lastRescue > 40 * MINUTE) {
    const carbs = random.int(12, 20);
    state.carbs.add(carbs, carbsOver(45));
    state.lastRescue = slot.time;
    slot.events.push({ kind: 'rescue', time: at, carbs });
    return;
  }
  const overdue = slot.time - state.lastCorrection > 3 * HOUR;
  if (reading.sgv > 260 && overdue && slot.iob < 1.5) {
    const dose = roundTo((reading.sgv - 130) / site.therapy.isf - Math.max(0, slot.iob), 0.05);
    if (dose < 0.5) return;
    state.bolus.add(dose, insulin);
    state.lastCorrection = slot.time;
    slot.events.push({ kind: 'bolus', time: at, insulin: dose, reason: 'correction' });
  }
}
