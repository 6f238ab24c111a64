/**
 * Who writes a treatment decides its extra fields: Loop adds sync
 * identifiers and writes UTC; AndroidAPS writes through API v3 with pump
 * identifiers; an OpenAPS rig uploads pump history in local time; people use
 * the careportal.
 */
import { makeUuid } from './ids.js';
import type { Random } from './random.js';
import type { Controller, Site } from './site.js';
import { isoTime, type SeedDocument, zonedIsoTime } from './types.js';
import type { createIdFactories } from './writers.js';

export type Writer = Controller | 'person';

export interface TreatmentContext {
  site: Site;
  random: Random;
  ids: ReturnType<typeof createIdFactories>;
  /** AndroidAPS numbers every pump record. */
  pumpId: number;
}

const PEOPLE = ['Mum', 'Dad', 'Grandma', 'school nurse'];
const AAPS_PUMP_TYPE = 'ACCU_CHEK_INSIGHT_BLUETOOTH';

export const ENTERED_BY: Record<Controller, string> = {
  loop: 'loop://iPhone',
  aaps: 'openaps://AndroidAPS',
  openaps: 'openaps://medtronic/723',
};

/** The fields every treatment has, for the given writer. */
export function envelope(
  ctx: TreatmentContext,
  writer: Writer,
  eventType: string,
  time: number,
): SeedDocument {
  const { random, site } = ctx;
  const uploaded = time + random.int(3, 90) * 1000;
  const _id = ctx.ids(writer)(uploaded);
  const created_at = isoTime(time);
  if (writer === 'person') {
    return { _id, eventType, created_at, enteredBy: random.pick(PEOPLE), utcOffset: 0 };
  }
  if (writer === 'loop') {
    const syncIdentifier = makeUuid(random).replaceAll('-', '').toLowerCase();
    return {
      _id,
      eventType,
      created_at,
      timestamp: created_at,
      enteredBy: ENTERED_BY.loop,
      syncIdentifier,
      utcOffset: 0,
    };
  }
  if (writer === 'openaps') {
    const timestamp = zonedIsoTime(time, site.utcOffset);
    return {
      _id,
      eventType,
      created_at,
      timestamp,
      enteredBy: ENTERED_BY.openaps,
      utcOffset: site.utcOffset,
    };
  }
  return {
    _id,
    eventType,
    created_at,
    date: time,
    enteredBy: ENTERED_BY.aaps,
    utcOffset: site.utcOffset,
    app: 'AAPS',
    identifier: makeUuid(random).toLowerCase(),
    srvCreated: uploaded,
    srvModified: uploaded,
    isValid: true,
  };
}

/** AndroidAPS ties pump records to the pump, for de-duplication. */
export function pumpFields(ctx: TreatmentContext): SeedDocument {
  ctx.pumpId += ctx.random.int(1, 3);
  return { pumpId: ctx.pumpId, pumpType: AAPS_PUMP_TYPE, pumpSerial: ctx.site.pumpSerial };
}

/** Loop's fields on a bolus record. */
export function loopBolusFields(insulin: number, automatic: boolean): SeedDocument {
  return {
    type: 'normal',
    insulin,
    programmed: insulin,
    duration: 0,
    automatic,
    insulinType: 'Novolog',
  };
}
