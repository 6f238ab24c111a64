/**
 * The imaginary site behind the data: time zone, therapy settings and which
 * closed-loop system uploaded when. The history is split into up to three
 * eras, one per controller (Loop, AndroidAPS, OpenAPS), because families do
 * switch systems and a real database then holds all three shapes.
 */
import { createRandom } from './random.js';
import { DAY, HOUR, type SeedOptions, STEP } from './types.js';

export type Controller = 'loop' | 'aaps' | 'openaps';

export interface Era {
  controller: Controller;
  /** First slot time in the era (inclusive). */
  from: number;
  /** Device name the main CGM uploader writes into entries. */
  cgmDevice: string;
  /** A second uploader that sometimes writes the same readings. */
  echoDevice: string;
}

export interface ScheduleItem {
  /** Minutes after local midnight. */
  minute: number;
  value: number;
}

export interface Therapy {
  basal: ScheduleItem[];
  /** mg/dL per unit. */
  isf: number;
  /** Grams per unit. */
  carbRatio: number;
  targetLow: number;
  targetHigh: number;
  /** Duration of insulin action, hours. */
  dia: number;
}

export interface Site {
  seed: string;
  /** First slot time; slots run every 5 minutes up to options.end. */
  start: number;
  end: number;
  slots: number;
  utcOffset: number;
  timezone: string;
  therapy: Therapy;
  eras: Era[];
  pumpSerial: string;
}

const ZONES = [
  { utcOffset: 60, timezone: 'Etc/GMT-1' },
  { utcOffset: 0, timezone: 'Etc/UTC' },
  { utcOffset: -300, timezone: 'Etc/GMT+5' },
  { utcOffset: 120, timezone: 'Etc/GMT-2' },
  { utcOffset: -480, timezone: 'Etc/GMT+8' },
  { utcOffset: 600, timezone: 'Etc/GMT-10' },
] as const;

const CGM_DEVICES: Record<Controller, { main: string; echo: string }> = {
  loop: { main: 'share2', echo: 'xDrip-DexcomG6' },
  aaps: { main: 'AndroidAPS-DexcomG6', echo: 'xDrip-DexcomG6' },
  openaps: { main: 'xDrip-DexcomG6', echo: 'openaps://edison-rig' },
};

const ORDERS: readonly (readonly Controller[])[] = [
  ['openaps', 'aaps', 'loop'],
  ['openaps', 'loop', 'aaps'],
  ['loop', 'aaps', 'openaps'],
  ['aaps', 'openaps', 'loop'],
];

export function createSite(options: SeedOptions): Site {
  const random = createRandom(options.seed, 'site');
  const slots = Math.round((options.days * DAY) / STEP);
  const start = options.end - (slots - 1) * STEP;
  const zone = random.pick(ZONES);
  const order = random.pick(ORDERS);
  const eraLength = Math.max(DAY, Math.floor(options.days / 3) * DAY);
  const eras = order
    .map((controller, i) => ({ controller, from: start + i * eraLength }))
    .filter((era, i) => i === 0 || era.from <= options.end)
    .map(({ controller, from }) => ({
      controller,
      from,
      cgmDevice: CGM_DEVICES[controller].main,
      echoDevice: CGM_DEVICES[controller].echo,
    }));
  return {
    seed: options.seed,
    start,
    end: options.end,
    slots,
    ...zone,
    therapy: createTherapy(random),
    eras,
    pumpSerial: String(random.int(10_000_000, 99_999_999)),
  };
}

function createTherapy(random: ReturnType<typeof createRandom>): Therapy {
  const base = random.float(0.55, 1.1);
  const shape = [0.9, 1.25, 1, 1.1, 0.95];
  const minutes = [0, 4 * 60, 10 * 60, 16 * 60, 21 * 60];
  const targetLow = random.pick([90, 95, 100, 105]);
  return {
    basal: minutes.map((minute, i) => ({ minute, value: round2(base * (shape[i] ?? 1)) })),
    isf: random.int(35, 70),
    carbRatio: random.int(7, 15),
    targetLow,
    targetHigh: targetLow + random.pick([5, 10, 20]),
    dia: random.pick([5, 6]),
  };
}

function round2(value: number): number {
  return Math.round(value * 20) / 20;
}

export function eraAt(site: Site, time: number): Era {
  let current = site.eras[0];
  for (const era of site.eras) if (era.from <= time) current = era;
  if (!current) throw new Error('a site has at least one era');
  return current;
}

/** Minutes after local midnight. */
export function localMinute(site: Site, time: number): number {
  const local = time + site.utcOffset * 60_000;
  return Math.floor((((local % DAY) + DAY) % DAY) / 60_000);
}

/** Local calendar day number (days since the epoch in the site's zone). */
export function localDay(site: Site, time: number): number {
  return Math.floor((time + site.utcOffset * 60_000) / DAY);
}

export function scheduledValue(items: readonly ScheduleItem[], minute: number): number {
  let value = items[0]?.value ?? 0;
  for (const item of items) if (item.minute <= minute) value = item.value;
  return value;
}

export const SENSOR_DAYS = 10;
export const SENSOR_WARMUP = 2 * HOUR;
