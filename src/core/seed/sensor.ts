/**
 * The CGM: a reading each slot while a sensor is running, none during the
 * two-hour warm-up after a sensor start or during a signal loss. Sensor
 * error is a slow random walk that grows noisier on the first and last day
 * of a sensor. Direction comes from the change since the previous reading.
 */
import type { Random } from './random.js';
import type { SimState } from './sim-state.js';
import type { Direction, Slot } from './sim-types.js';
import { SENSOR_DAYS, SENSOR_WARMUP } from './site.js';
import { DAY, MINUTE } from './types.js';

export function readGlucose(random: Random, state: SimState, slot: Slot): void {
  const time = slot.time - state.phase;
  const warmingUp = time - state.sensorStart < SENSOR_WARMUP;
  const lost = state.windows.loss.some((w) => w.from <= time && time < w.to);
  if (!warmingUp && !lost) {
    const age = time - state.sensorStart;
    const rough = age < DAY || age > (SENSOR_DAYS - 0.5) * DAY;
    const noise = rough ? random.pick([1, 2, 2, 3]) : random.chance(0.03) ? 2 : 1;
    state.cgmError = 0.7 * state.cgmError + random.normal(0, noise === 1 ? 1.6 : 4);
    const sgv = Math.round(Math.min(400, Math.max(40, state.bg + state.cgmError)));
    const previous = state.lastReading;
    const recent = previous && time - previous.time <= 6 * MINUTE;
    const delta = recent ? sgv - previous.sgv : undefined;
    const echo = state.windows.echo.some((w) => w.from <= time && time < w.to);
    state.lastReading = {
      time,
      sgv,
      ...(delta === undefined ? {} : { delta }),
      direction: delta === undefined ? 'NOT COMPUTABLE' : directionFor(delta),
      noise,
      echo,
    };
    slot.reading = state.lastReading;
  }
  if (state.lastReading && slot.time - state.lastReading.time <= 30 * MINUTE) {
    slot.lastReading = state.lastReading;
  }
}

/** Dexcom's arrows from the rate of change in mg/dL per minute. */
export function directionFor(deltaPer5Minutes: number): Direction {
  const rate = deltaPer5Minutes / 5;
  if (rate > 3) return 'DoubleUp';
  if (rate > 2) return 'SingleUp';
  if (rate > 1) return 'FortyFiveUp';
  if (rate >= -1) return 'Flat';
  if (rate >= -2) return 'FortyFiveDown';
  if (rate >= -3) return 'SingleDown';
  return 'DoubleDown';
}
