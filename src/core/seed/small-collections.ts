/**
 * The small collections: a food list with quick picks, Nightscout's default
 * roles, a few subjects (people and devices with access tokens), API v3
 * client settings, and hourly activity from a fitness tracker.
 */
import { makeUuid } from './ids.js';
import { createRandom } from './random.js';
import { localMinute, type Site } from './site.js';
import { DAY, HOUR, isoTime, type SeedDocument } from './types.js';
import { createIdFactories } from './writers.js';

const FOODS = [
  ['Bread', 'Wholemeal', 'Toast slice', 40, 'g', 16, 1, 4, 'Breakfast'],
  ['Cereal', 'Oats', 'Porridge', 250, 'g', 27, 5, 6, 'Breakfast'],
  ['Fruit', 'Fresh', 'Apple', 150, 'g', 18, 0, 0, 'Snack'],
  ['Fruit', 'Fresh', 'Banana', 120, 'g', 27, 0, 1, 'Snack'],
  ['Pasta', 'Cooked', 'Spaghetti', 200, 'g', 60, 2, 10, 'Dinner'],
  ['Rice', 'Cooked', 'Basmati rice', 180, 'g', 50, 1, 5, 'Dinner'],
  ['Dairy', 'Milk', 'Semi-skimmed milk', 200, 'ml', 10, 3, 7, 'Drink'],
  ['Sweets', 'Hypo', 'Glucose tablets', 4, 'pcs', 16, 0, 0, 'Hypo'],
] as const;

export function foodDocuments(site: Site): SeedDocument[] {
  const ids = createIdFactories(site.seed, 'food');
  const created = site.start - 90 * DAY;
  const foods = FOODS.map(
    ([category, subcategory, name, portion, unit, carbs, fat, protein], i) => ({
      _id: ids('editor')(created + i * HOUR),
      type: 'food',
      category,
      subcategory,
      name,
      portion,
      unit,
      carbs,
      fat,
      protein,
      energy: Math.round((carbs * 4 + fat * 9 + protein * 4) * 4.184),
      gi: carbs > 40 ? 3 : carbs > 20 ? 2 : 1,
      created_at: isoTime(created + i * HOUR),
    }),
  );
  const pick = (name: string, position: number, members: number[]) => ({
    _id: ids('editor')(created + DAY + position * HOUR),
    type: 'quickpick',
    name,
    foods: members.map((i) => ({ ...foods[i], portions: 1 })),
    carbs: members.reduce((sum, i) => sum + (foods[i]?.carbs ?? 0), 0),
    hideafteruse: true,
    hidden: false,
    position,
    created_at: isoTime(created + DAY + position * HOUR),
  });
  return [...foods, pick('School breakfast', 1, [0, 0, 6]), pick('Hypo', 2, [7])];
}

const DEFAULT_ROLES: [string, string[]][] = [
  ['admin', ['*']],
  ['denied', []],
  ['status-only', ['api:status:read']],
  ['readable', ['*:*:read']],
  ['careportal', ['api:treatments:create']],
  ['devicestatus-upload', ['api:devicestatus:create']],
  ['activity', ['api:activity:create']],
];

export function authRoleDocuments(site: Site): SeedDocument[] {
  const ids = createIdFactories(site.seed, 'auth_roles');
  const created = site.start - 60 * DAY;
  return DEFAULT_ROLES.map(([name, permissions], i) => ({
    _id: ids('admin')(created + i * 1000),
    name,
    permissions,
    notes: '',
    created_at: isoTime(created + i * 1000),
  }));
}

const SUBJECTS: [string, string[], string][] = [
  ['Loop iPhone', ['admin'], 'uploader on the phone'],
  ['Dad follower', ['readable'], 'Nightguard on the watch'],
  ['School', ['careportal', 'readable'], 'school nurse logs treatments'],
  ['Garmin watchface', ['readable'], ''],
];

export function authSubjectDocuments(site: Site): SeedDocument[] {
  const ids = createIdFactories(site.seed, 'auth_subjects');
  const created = site.start - 59 * DAY;
  return SUBJECTS.map(([name, roles, notes], i) => ({
    _id: ids('admin')(created + i * DAY),
    name,
    roles,
    notes,
    created_at: isoTime(created + i * DAY),
  }));
}

export function settingsDocuments(site: Site): SeedDocument[] {
  const random = createRandom(site.seed, 'settings');
  const ids = createIdFactories(site.seed, 'settings');
  const at = site.start - 10 * DAY;
  const v3 = (app: string, time: number) => ({
    _id: ids(app)(time),
    identifier: makeUuid(random).toLowerCase(),
    app,
    date: time,
    utcOffset: site.utcOffset,
    srvCreated: time,
    srvModified: time,
    isValid: true,
    subject: 'admin',
  });
  return [
    { ...v3('AAPS', at), units: 'mg/dl', language: 'en', lowMark: 72, highMark: 180 },
    {
      ...v3('nightscout-reporter', at + HOUR),
      reportPeriod: 14,
      glucoseTarget: [70, 180],
      pdfFormat: 'A4',
    },
  ];
}

const LEVELS = ['sedentary', 'light', 'moderate', 'running'] as const;

/** Hourly fitness-tracker summaries while awake. */
export function* activityDocuments(site: Site): Generator<SeedDocument> {
  const random = createRandom(site.seed, 'activity');
  const ids = createIdFactories(site.seed, 'activity');
  for (let time = Math.ceil(site.start / HOUR) * HOUR; time <= site.end; time += HOUR) {
    const hour = Math.floor(localMinute(site, time) / 60);
    if (hour < 7 || hour > 21) continue;
    const level = random.pick(LEVELS);
    const steps = random.int(100, 800) * (LEVELS.indexOf(level) + 1);
    yield {
      _id: ids('tracker')(time + random.int(5, 120) * 1000),
      created_at: isoTime(time),
      steps,
      heartrate: random.int(65, 95) + LEVELS.indexOf(level) * 20,
      activitylevel: level,
      device: 'Fitbit Charge 5',
      utcOffset: site.utcOffset,
    };
  }
}
