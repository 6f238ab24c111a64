/**
 * profile: a therapy profile when each controller took over, and a revised
 * one every month or so. Each is shaped as its writer writes it: Loop's with
 * `loopSettings` and its upper-case "ETC/" zone, AndroidAPS's through API v3,
 * and the Nightscout profile editor's with numbers stored as strings.
 */
import { makeUuid } from './ids.js';
import { createRandom, type Random } from './random.js';
import type { Controller, ScheduleItem, Site } from './site.js';
import { DAY, isoTime, type SeedDocument } from './types.js';
import { createIdFactories } from './writers.js';

const STORE_NAME: Record<Controller, string> = {
  loop: 'Default',
  aaps: 'LocalProfile',
  openaps: 'Default',
};
const REVISION_DAYS = 30;

export function profileDocuments(site: Site): SeedDocument[] {
  const random = createRandom(site.seed, 'profile');
  const ids = createIdFactories(site.seed, 'profile');
  const docs: SeedDocument[] = [];
  site.eras.forEach((era, i) => {
    const next = site.eras[i + 1]?.from ?? site.end + 1;
    const first = i === 0 ? site.start - REVISION_DAYS * DAY : era.from;
    for (let time = first; time < next; time += REVISION_DAYS * DAY) {
      const scale = time === first ? 1 : random.float(0.93, 1.07);
      docs.push({
        _id: ids(era.controller)(time),
        ...profileDocument(site, era.controller, time, scale, random),
      });
    }
  });
  return docs;
}

function profileDocument(
  site: Site,
  controller: Controller,
  time: number,
  scale: number,
  random: Random,
): SeedDocument {
  const name = STORE_NAME[controller];
  const store = { [name]: storeEntry(site, controller, scale) };
  const startDate = isoTime(time);
  if (controller === 'loop') {
    return {
      defaultProfile: name,
      startDate,
      mills: String(time),
      units: 'mg/dL',
      enteredBy: 'Loop',
      loopSettings: loopSettings(site),
      store,
      created_at: startDate,
    };
  }
  if (controller === 'aaps') {
    const identifier = makeUuid(random).toLowerCase();
    const meta = { app: 'AAPS', identifier, srvCreated: time, srvModified: time, isValid: true };
    return {
      defaultProfile: name,
      date: time,
      created_at: startDate,
      startDate,
      store,
      units: 'mg/dl',
      ...meta,
    };
  }
  return {
    defaultProfile: name,
    store,
    startDate,
    mills: time,
    units: 'mg/dl',
    created_at: startDate,
  };
}

export function storeEntry(site: Site, controller: Controller, scale = 1): SeedDocument {
  const { therapy } = site;
  const asText = controller === 'openaps';
  const schedule = (items: ScheduleItem[], factor = 1) =>
    items.map(({ minute, value }) => {
      const rounded = Math.round(value * factor * 100) / 100;
      const time = `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
      return asText
        ? { time, value: String(rounded), timeAsSeconds: String(minute * 60) }
        : { time, timeAsSeconds: minute * 60, value: rounded };
    });
  const flat = (value: number) => [{ minute: 0, value }];
  const ratio = [
    { minute: 0, value: therapy.carbRatio },
    { minute: 6 * 60, value: Math.max(5, therapy.carbRatio - 2) },
    { minute: 11 * 60, value: therapy.carbRatio },
  ];
  return {
    dia: asText ? String(therapy.dia) : therapy.dia,
    carbs_hr: asText ? '30' : '0',
    delay: asText ? '20' : '0',
    // Loop writes the zone in upper case ("ETC/GMT+5"); Nightscout works around it.
    timezone:
      controller === 'loop'
        ? site.timezone.toUpperCase().replace('ETC/UTC', 'ETC/GMT')
        : site.timezone,
    target_low: schedule(flat(therapy.targetLow)),
    target_high: schedule(flat(therapy.targetHigh)),
    sens: schedule(flat(therapy.isf), 1 / scale),
    basal: schedule(therapy.basal, scale),
    carbratio: schedule(ratio),
    units: controller === 'loop' ? 'mg/dL' : 'mg/dl',
  };
}

function loopSettings(site: Site): SeedDocument {
  return {
    dosingEnabled: true,
    dosingStrategy: 'tempBasalOnly',
    maximumBasalRatePerHour: 4,
    maximumBolus: 10,
    minimumBGGuard: 75,
    preMealTargetRange: [80, 80],
    overridePresets: [
      {
        name: 'Running',
        symbol: '🏃',
        duration: 3600,
        targetRange: [140, 160],
        insulinNeedsScaleFactor: 0.8,
      },
      {
        name: 'Sick day',
        symbol: '🤒',
        duration: 0,
        targetRange: [110, 120],
        insulinNeedsScaleFactor: 1.2,
      },
    ],
    scheduleOverride: null,
    bundleIdentifier: 'com.loopkit.Loop',
    deviceToken: site.pumpSerial.repeat(4),
  };
}

/** AndroidAPS records the profile it switched to, embedded as JSON text. */
export function profileSwitch(site: Site): SeedDocument {
  const profileJson = JSON.stringify(storeEntry(site, 'aaps'));
  return { profile: STORE_NAME.aaps, duration: 0, percentage: 100, timeshift: 0, profileJson };
}
