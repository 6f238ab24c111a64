/** Meals and temp basals, as each controller records them. */
import type { SimEvent } from './sim-types.js';
import type { Controller } from './site.js';
import {
  envelope,
  loopBolusFields,
  pumpFields,
  type TreatmentContext,
  type Writer,
} from './treatment-writers.js';
import { roundTo, type SeedDocument } from './types.js';

export function* mealTreatments(
  ctx: TreatmentContext,
  controller: Controller,
  event: Extract<SimEvent, { kind: 'meal' }>,
): Generator<SeedDocument> {
  const { carbs, insulin, absorbMinutes, foodType, time } = event;
  const glucose = event.glucose
    ? { glucose: event.glucose, glucoseType: 'Sensor', units: 'mg/dl' }
    : {};
  if (controller === 'aaps') {
    yield { ...envelope(ctx, 'aaps', 'Carb Correction', time), carbs };
    if (insulin > 0) {
      const fields = { insulin, type: 'NORMAL', isSMB: false, ...pumpFields(ctx) };
      yield { ...envelope(ctx, 'aaps', 'Meal Bolus', time), ...fields };
    }
    return;
  }
  const writer: Writer = controller === 'loop' ? 'loop' : 'person';
  const eventType = insulin > 0 ? 'Meal Bolus' : 'Carb Correction';
  const bolus =
    insulin > 0 ? (controller === 'loop' ? loopBolusFields(insulin, false) : { insulin }) : {};
  yield {
    ...envelope(ctx, writer, eventType, time),
    carbs,
    absorptionTime: absorbMinutes,
    foodType,
    ...glucose,
    ...bolus,
  };
}

export function tempBasalFields(
  ctx: TreatmentContext,
  controller: Controller,
  event: Extract<SimEvent, { kind: 'tempBasal' }>,
): SeedDocument {
  const { rate, duration } = event;
  if (controller === 'loop') {
    const amount = roundTo((rate * duration) / 60, 0.05);
    return {
      temp: 'absolute',
      rate,
      absolute: rate,
      duration,
      amount,
      automatic: true,
      insulinType: 'Novolog',
      reason: 'Loop',
    };
  }
  if (controller === 'aaps')
    return { duration, rate, absolute: rate, type: 'NORMAL', isAbsolute: true, ...pumpFields(ctx) };
  return {
    temp: 'absolute',
    rate,
    absolute: rate,
    duration,
    medtronic: 'mm://openaps/mm-format-ns-treatments/Temp Basal',
  };
}
