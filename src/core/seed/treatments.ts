/**
 * treatments: what the simulation did, written as each uploader writes it —
 * meal and correction boluses, carbs, temp basals, micro-boluses, site and
 * sensor changes, finger-sticks, notes and temporary targets (or Loop
 * overrides, whose `_id` is a UUID string).
 */
import { makeUuid } from './ids.js';
import { profileSwitch } from './profile.js';
import { createRandom } from './random.js';
import type { SimEvent } from './sim-types.js';
import { simulate } from './simulation.js';
import type { Controller, Site } from './site.js';
import { mealTreatments, tempBasalFields } from './treatment-shapes.js';
import {
  envelope,
  loopBolusFields,
  pumpFields,
  type TreatmentContext,
  type Writer,
} from './treatment-writers.js';
import type { SeedDocument } from './types.js';
import { createIdFactories } from './writers.js';

export async function* generateTreatments(site: Site): AsyncGenerator<SeedDocument> {
  yield* treatmentDocuments(site);
}

export function countTreatments(site: Site): number {
  let count = 0;
  for (const _ of treatmentDocuments(site)) count++;
  return count;
}

function* treatmentDocuments(site: Site): Generator<SeedDocument> {
  const ctx: TreatmentContext = {
    site,
    random: createRandom(site.seed, 'treatments'),
    ids: createIdFactories(site.seed, 'treatments'),
    pumpId: 4000,
  };
  let controller: Controller | undefined;
  for (const slot of simulate(site)) {
    if (slot.era.controller !== controller) {
      controller = slot.era.controller;
      if (controller === 'aaps')
        yield { ...envelope(ctx, 'aaps', 'Profile Switch', slot.time), ...profileSwitch(site) };
    }
    for (const event of slot.events) yield* treatmentsFor(ctx, controller, event);
  }
}

function* treatmentsFor(
  ctx: TreatmentContext,
  controller: Controller,
  event: SimEvent,
): Generator<SeedDocument> {
  const doc = (writer: Writer, eventType: string, fields: SeedDocument) => ({
    ...envelope(ctx, writer, eventType, event.time),
    ...fields,
  });
  const personOr = (writer: Writer): Writer => (controller === 'openaps' ? 'person' : writer);
  switch (event.kind) {
    case 'meal':
      yield* mealTreatments(ctx, controller, event);
      return;
    case 'bolus':
    case 'smb': {
      const smb = event.kind === 'smb';
      if (controller === 'loop')
        yield doc('loop', 'Correction Bolus', loopBolusFields(event.insulin, false));
      else if (controller === 'aaps') {
        const type = smb ? 'SMB' : 'NORMAL';
        yield doc('aaps', 'Correction Bolus', {
          insulin: event.insulin,
          type,
          isSMB: smb,
          ...pumpFields(ctx),
        });
      } else
        yield doc('openaps', 'Correction Bolus', {
          insulin: event.insulin,
          type: 'normal',
          programmed: event.insulin,
          duration: 0,
        });
      return;
    }
    case 'rescue':
      yield doc(personOr(controller), 'Carb Correction', {
        carbs: event.carbs,
        notes: 'Hypo treatment',
      });
      return;
    case 'tempBasal':
      yield doc(controller, 'Temp Basal', tempBasalFields(ctx, controller, event));
      return;
    case 'siteChange':
      yield doc(personOr(controller), 'Site Change', {
        notes: ctx.random.pick(['Left arm', 'Right arm', 'Abdomen', 'Left thigh']),
      });
      return;
    case 'sensorStart':
      yield doc('person', 'Sensor Start', { notes: 'Dexcom G6' });
      return;
    case 'bgCheck':
      yield doc('person', 'BG Check', {
        glucose: event.glucose,
        glucoseType: 'Finger',
        units: 'mg/dl',
      });
      return;
    case 'note':
      yield doc('person', 'Note', { notes: event.text });
      return;
    case 'exercise':
      yield doc('person', 'Exercise', { duration: event.duration, notes: 'Football' });
      return;
    case 'tempTarget':
      if (controller === 'loop') {
        const { duration, low, high, reason } = event;
        const override = {
          duration,
          correctionRange: [low, high],
          insulinNeedsScaleFactor: 1,
          reason,
        };
        // Loop sends overrides with its own UUID as `_id`.
        yield { ...doc('loop', 'Temporary Override', override), _id: makeUuid(ctx.random) };
      } else {
        const fields = {
          duration: event.duration,
          targetBottom: event.low,
          targetTop: event.high,
          reason: event.reason,
          units: 'mg/dl',
        };
        yield doc(personOr('aaps'), 'Temporary Target', fields);
      }
      return;
  }
}
