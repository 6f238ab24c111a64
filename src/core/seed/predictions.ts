/**
 * Forecast curves as the loops upload them: Loop's single `predicted.values`
 * (6 hours) and oref's `predBGs` IOB/ZT/COB/UAM (4 hours), built from what is
 * on board and the recent trend.
 */

import type { Slot } from './sim-types.js';
import type { Site } from './site.js';
import { HOUR, STEP } from './types.js';

const OREF_STEPS = 48;

function start(slot: Slot): { bg: number; delta: number } {
  const last = slot.lastReading;
  return { bg: last?.sgv ?? Math.round(slot.bg), delta: last?.delta ?? 0 };
}

/** The trend carried forward, fading out over `fade` steps. */
function momentum(delta: number, j: number, fade: number): number {
  let sum = 0;
  for (let i = 1; i <= j && i < fade; i++) sum += delta * (1 - i / fade);
  return sum;
}

function clampBg(value: number): number {
  return Math.min(401, Math.max(39, Math.round(value)));
}

export interface LoopPredicted {
  values: number[];
  IOB: number[];
  COB?: number[];
}

/** Loop's combined forecast, with the insulin-only and carb curves beside it. */
export function loopPrediction(slot: Slot, steps = 72): LoopPredicted {
  const { bg, delta } = start(slot);
  const forecast = slot.forecast;
  const curve = (withCarbs: boolean, withTrend: boolean) => {
    const values = [bg];
    for (let j = 1; j < steps; j++) {
      const carbs = withCarbs ? (forecast?.carbs[j - 1] ?? 0) : 0;
      const trend = withTrend ? momentum(delta, j, 6) : 0;
      const value = bg + trend + (forecast?.insulin[j - 1] ?? 0) + carbs;
      // Loop uploads unrounded doubles; two decimals keep the documents readable.
      values.push(Math.round(Math.min(400, Math.max(39, value)) * 100) / 100);
    }
    return values;
  };
  const values = curve(true, true);
  const IOB = curve(false, false);
  return slot.cob < 1 ? { values, IOB } : { values, IOB, COB: curve(true, false) };
}

export interface PredBGs {
  IOB: number[];
  ZT: number[];
  COB?: number[];
  UAM?: number[];
}

export function orefPredictions(site: Site, slot: Slot): PredBGs {
  const { bg, delta } = start(slot);
  const forecast = slot.forecast;
  const withheld = (slot.scheduledRate * STEP) / HOUR;
  const series = (fn: (j: number, insulin: number, carbs: number) => number) =>
    Array.from({ length: OREF_STEPS }, (_, j) =>
      j === 0 ? bg : clampBg(fn(j, forecast?.insulin[j - 1] ?? 0, forecast?.carbs[j - 1] ?? 0)),
    );
  const IOB = series((j, insulin) => bg + insulin + momentum(delta, j, 4));
  const ZT = series((j, insulin) => bg + insulin + withheld * site.therapy.isf * j * 0.5);
  const UAM = series((j, insulin) => bg + insulin + momentum(delta, j, 12));
  if (slot.cob < 1) return { IOB, ZT, UAM };
  const COB = series((j, insulin, carbs) => bg + insulin + carbs + momentum(delta, j, 4));
  return { IOB, ZT, COB, UAM };
}
