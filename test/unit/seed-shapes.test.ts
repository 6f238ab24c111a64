/**
 * Generated documents carry the fields of real uploaders' documents, taken
 * from Nightscout's own fixtures in shared/data (when that folder exists).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { createSeedPlan } from '../../src/core/seed/seed-plan.js';
import type { SeedDocument } from '../../src/core/seed/types.js';

const SAMPLES = fileURLToPath(new URL('../../../shared/data/nightscout/', import.meta.url));
const present = existsSync(SAMPLES);
const skip = present ? false : `no samples at ${SAMPLES}`;
const suffix = present ? '' : ' (skipped: shared/data/nightscout is absent)';

type Doc = Record<string, unknown>;
const read = (file: string): Doc => JSON.parse(readFileSync(`${SAMPLES}${file}`, 'utf8')) as Doc;
const at = (doc: unknown, path: string): Doc =>
  path.split('.').reduce((d, k) => (d as Doc)[k], doc) as Doc;

const docs: Record<string, SeedDocument[]> = {};
if (present) {
  for (const plan of createSeedPlan({ days: 9, seed: 'shapes', end: Date.UTC(2025, 0, 15, 12) })) {
    docs[plan.key] = [];
    for await (const doc of plan.documents()) docs[plan.key]?.push(doc);
  }
}

function find(key: string, match: (d: SeedDocument) => boolean, what: string): SeedDocument {
  const found = (docs[key] ?? []).find(match);
  assert.ok(found, `no generated ${what}`);
  return found;
}

/** Every key of the sample (less the listed exceptions) is in the generated document. */
function assertKeys(
  generated: unknown,
  sample: unknown,
  what: string,
  except: string[] = [],
): void {
  const have = Object.keys(generated as Doc);
  for (const key of Object.keys(sample as Doc)) {
    if (key === '_id' || except.includes(key)) continue;
    assert.ok(have.includes(key), `${what}: missing ${key}`);
  }
}

const loopStatus = (d: SeedDocument) =>
  d.device === 'loop://iPhone' && 'enacted' in ((d.loop as Doc) ?? {});

test(`Loop devicestatus has the fields of NightscoutKit's fixture${suffix}`, { skip }, () => {
  const sample = at(read('nightscoutkit-devicestatus.json'), 'fullLoop');
  const doc = find('devicestatus', loopStatus, 'Loop status with an enacted temp');
  assertKeys(doc, sample, 'devicestatus');
  for (const part of ['loop', 'pump', 'uploader']) assertKeys(doc[part], sample[part], part);
  assertKeys(at(doc, 'loop.predicted'), at(sample, 'loop.predicted'), 'loop.predicted');
});

test(`AndroidAPS devicestatus, entries and treatments match its fixtures${suffix}`, {
  skip,
}, () => {
  const sample = read('aaps-single-doc.json');
  const status = find(
    'devicestatus',
    (d) => d.app === 'AAPS' && 'enacted' in (d.openaps as Doc),
    'AAPS status',
  );
  assertKeys(status, sample.deviceStatus, 'devicestatus');
  assertKeys(status.pump, at(sample, 'deviceStatus.pump'), 'pump');
  assertKeys(
    at(status, 'openaps.suggested'),
    at(sample, 'deviceStatus.openaps.suggested'),
    'suggested',
  );
  assertKeys(at(status, 'openaps.iob'), at(sample, 'deviceStatus.openaps.iob'), 'iob');
  assertKeys(
    find('entries', (d) => d.app === 'AAPS', 'AAPS entry'),
    sample.sgvEntry,
    'entry',
  );
  const aaps = (type: string, extra: (d: SeedDocument) => boolean = () => true) =>
    find('treatments', (d) => d.app === 'AAPS' && d.eventType === type && extra(d), `AAPS ${type}`);
  assertKeys(
    aaps('Correction Bolus', (d) => d.isSMB === true),
    sample.smbBolus,
    'SMB',
  );
  // AndroidAPS records the carbs of a meal as their own Carb Correction.
  assertKeys(aaps('Meal Bolus'), sample.mealBolus, 'Meal Bolus', ['carbs']);
  assertKeys(aaps('Temp Basal'), sample.tempBasal, 'Temp Basal');
  assertKeys(aaps('Carb Correction'), sample.carbCorrection, 'Carb Correction');
  assertKeys(aaps('Profile Switch'), sample.profileSwitch, 'Profile Switch');
});

test(`OpenAPS devicestatus has the fields of the rig's status${suffix}`, { skip }, () => {
  const [sample] = JSON.parse(
    readFileSync(`${SAMPLES}openaps-storage/loop/monitor/openaps-status.json`, 'utf8'),
  ) as Doc[];
  const doc = find(
    'devicestatus',
    (d) => d.device === 'openaps://edison-rig' && 'enacted' in (d.openaps as Doc),
    'rig status',
  );
  assertKeys(doc, sample, 'devicestatus');
  for (const part of ['pump', 'uploader', 'openaps']) assertKeys(doc[part], at(sample, part), part);
  assertKeys(at(doc, 'openaps.suggested'), at(sample, 'openaps.suggested'), 'suggested');
  assertKeys(at(doc, 'openaps.enacted'), at(sample, 'openaps.enacted'), 'enacted');
  assertKeys(at(doc, 'openaps.enacted.predBGs'), { IOB: [] }, 'predBGs');
});

test(`Loop treatments and profiles match NightscoutKit's fixtures${suffix}`, { skip }, () => {
  const samples = read('nightscoutkit-treatments.json');
  const loop = (type: string, extra: (d: SeedDocument) => boolean = () => true) =>
    find(
      'treatments',
      (d) => d.enteredBy === 'loop://iPhone' && d.eventType === type && extra(d),
      `Loop ${type}`,
    );
  assertKeys(loop('Temp Basal'), samples.tempBasal, 'Temp Basal');
  assertKeys(
    loop('Meal Bolus', (d) => d.glucose !== undefined),
    samples.mealBolus,
    'Meal Bolus',
  );
  // `unabsorbed` is absent until Loop knows it.
  assertKeys(loop('Correction Bolus'), samples.correctionBolus, 'Correction Bolus', ['unabsorbed']);
  const profile = at(read('nightscoutkit-profiles.json'), 'fullLoop');
  const generated = find('profile', (d) => d.enteredBy === 'Loop', 'Loop profile');
  assertKeys(generated, profile, 'profile');
  assertKeys(at(generated, 'store.Default'), at(profile, 'store.Default'), 'store');
});

test(`sgv entries have the fields of Dexcom's and share's uploads${suffix}`, { skip }, () => {
  const [sample] = JSON.parse(readFileSync(`${SAMPLES}example.json`, 'utf8')) as Doc[];
  for (const device of ['share2', 'xDrip-DexcomG6', 'AndroidAPS-DexcomG6']) {
    const entry = find(
      'entries',
      (d) => d.device === device && d.type === 'sgv',
      `${device} entry`,
    );
    assertKeys(entry, sample, device);
    assert.equal(typeof entry.sgv, 'number', 'sgv is stored as a number, not a string');
  }
});
