/** The simulation's mutable state between slots. */
import { Ring } from './curves.js';
import type { Window } from './day-plan.js';
import type { Random } from './random.js';
import type { Reading, SimEvent } from './sim-types.js';
import { localMinute, SENSOR_DAYS, type Site, scheduledValue } from './site.js';
import { DAY, HOUR } from './types.js';

export interface SimState {
  bg: number;
  /** Unexplained drift (a random walk), mg/dL per step. */
  walk: number;
  bolus: Ring;
  /** Net basal: temp rate minus scheduled rate, so it can be negative. */
  basal: Ring;
  carbs: Ring;
  tempRate: number;
  tempUntil: number;
  lastSmb: number;
  target?: { low: number; high: number; until: number };
  day: number;
  sensitivity: number;
  actions: SimEvent[];
  windows: { loss: Window[]; echo: Window[]; exercise: Window[] };
  sensorStart: number;
  nextSensor: number;
  /** How long before each slot boundary the current sensor's readings land. */
  phase: number;
  siteStart: number;
  nextSite: number;
  reservoir: number;
  lastRescue: number;
  lastCorrection: number;
  lastReading?: Reading;
  cgmError: number;
}

export function createState(site: Site, random: Random): SimState {
  const sensorStart = site.start - random.int(0, SENSOR_DAYS * 24) * HOUR;
  const siteStart = site.start - random.int(0, 71) * HOUR;
  return {
    bg: random.int(90, 160),
    walk: 0,
    bolus: new Ring(),
    basal: new Ring(),
    carbs: new Ring(),
    tempRate: scheduledValue(site.therapy.basal, localMinute(site, site.start)),
    tempUntil: 0,
    lastSmb: 0,
    day: Number.NaN,
    sensitivity: 1,
    actions: [],
    windows: { loss: [], echo: [], exercise: [] },
    sensorStart,
    nextSensor: sensorStart + SENSOR_DAYS * DAY + random.int(-3, 3) * HOUR,
    phase: random.int(0, 280) * 1000,
    siteStart,
    nextSite: siteStart + 3 * DAY + random.int(-6, 6) * HOUR,
    reservoir: random.int(60, 180),
    lastRescue: 0,
    lastCorrection: 0,
    cgmError: 0,
  };
}
