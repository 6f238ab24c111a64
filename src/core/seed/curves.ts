/**
 * Absorption curves on the 5-minute grid, and a ring buffer that spreads a
 * dose over the coming steps. A dose added now is "on board" until the ring
 * has carried all of it to the present.
 */
import { STEP } from './types.js';

/** Six hours ahead: enough for the longest insulin action and Loop's forecast. */
export const HORIZON = 72;

function normalise(weights: number[]): Float64Array {
  const sum = weights.reduce((a, b) => a + b, 0);
  return Float64Array.from(weights, (w) => w / sum);
}

/** Rapid-acting insulin: activity t·e^(−t/peak), cut at the duration of action. */
export function insulinCurve(diaHours: number, peakMinutes = 75): Float64Array {
  const steps = Math.min(HORIZON, Math.round((diaHours * 60) / (STEP / 60_000)));
  const minutes = STEP / 60_000;
  return normalise(
    Array.from({ length: steps }, (_, j) => {
      const t = (j + 1) * minutes;
      return t * Math.exp(-t / peakMinutes);
    }),
  );
}

/** Carbohydrate absorption: a triangle peaking at a third of the absorption time. */
export function carbCurve(absorbMinutes: number): Float64Array {
  const steps = Math.max(2, Math.min(HORIZON, Math.round(absorbMinutes / (STEP / 60_000))));
  const peak = steps / 3;
  return normalise(
    Array.from({ length: steps }, (_, j) =>
      j < peak ? (j + 1) / peak : (steps - j) / (steps - peak),
    ),
  );
}

export class Ring {
  private readonly values = new Float64Array(HORIZON);
  private head = 0;

  add(amount: number, curve: Float64Array): void {
    for (let j = 0; j < curve.length; j++) {
      const i = (this.head + j) % HORIZON;
      this.values[i] = (this.values[i] ?? 0) + amount * (curve[j] ?? 0);
    }
  }

  /** Takes what acts in the current step and moves to the next. */
  shift(): number {
    const now = this.values[this.head] ?? 0;
    this.values[this.head] = 0;
    this.head = (this.head + 1) % HORIZON;
    return now;
  }

  /** What has not acted yet. */
  total(): number {
    let sum = 0;
    for (let j = 0; j < HORIZON; j++) sum += this.values[j] ?? 0;
    return sum;
  }

  /** What acts `j` steps ahead (0 = the coming step). */
  at(j: number): number {
    return this.values[(this.head + j) % HORIZON] ?? 0;
  }
}
