import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  planRetention,
  type RetentionCandidate,
  type RetentionPlan,
  type RetentionPolicy,
} from '../../src/core/backup/retention.js';
import { NsctlError } from '../../src/core/errors.js';

const NOW = new Date('2027-06-01T00:00:00Z');

function backup(createdAt: string, extra: Partial<RetentionCandidate> = {}): RetentionCandidate {
  return { id: createdAt, createdAt, instance: 'home', ok: true, verified: false, ...extra };
}

function plan(
  backups: RetentionCandidate[],
  policy: RetentionPolicy,
  timezone = 'UTC',
): RetentionPlan {
  return planRetention(backups, policy, { timezone, now: NOW });
}

const keptIds = (p: RetentionPlan) => p.keep.map((k) => k.id);
const reasonsOf = (p: RetentionPlan, id: string) => p.keep.find((k) => k.id === id)?.reasons;

/** One backup every `hours` hours, newest first, starting at `start`. */
function series(
  start: string,
  count: number,
  hours: number,
  extra: Partial<RetentionCandidate> = {},
) {
  const t0 = Date.parse(start);
  return Array.from({ length: count }, (_, i) => {
    const at = new Date(t0 - i * hours * 3_600_000).toISOString();
    return backup(at, { id: `${extra.instance ?? 'home'}-${at}`, ...extra });
  });
}

test('keepLast keeps the N newest ok backups, labelled by rank', () => {
  const p = plan(series('2026-12-10T03:00:00Z', 5, 24), { keepLast: 3 });

  assert.deepEqual(keptIds(p), [
    'home-2026-12-10T03:00:00.000Z',
    'home-2026-12-09T03:00:00.000Z',
    'home-2026-12-08T03:00:00.000Z',
  ]);
  assert.deepEqual(reasonsOf(p, 'home-2026-12-08T03:00:00.000Z'), ['last 3']);
  assert.equal(p.remove.length, 2);
  assert.equal(p.remove[0]?.reason, 'kept by no rule');
});

test('keepDaily keeps the newest backup of each of the last N days that have one', () => {
  const backups = series('2026-12-03T20:00:00Z', 12, 6);
  const p = plan(backups, { keepDaily: 2 });

  assert.deepEqual(keptIds(p), ['home-2026-12-03T20:00:00.000Z', 'home-2026-12-02T20:00:00.000Z']);
  assert.deepEqual(reasonsOf(p, 'home-2026-12-02T20:00:00.000Z'), ['daily 2026-12-02']);
});

test('rules combine: a backup kept by any rule stays, with every reason', () => {
  const p = plan(series('2026-12-31T12:00:00Z', 40, 24), {
    keepLast: 2,
    keepDaily: 3,
    keepWeekly: 2,
    keepMonthly: 2,
  });

  assert.deepEqual(reasonsOf(p, 'home-2026-12-31T12:00:00.000Z'), [
    'last 1',
    'daily 2026-12-31',
    'weekly 2026-W53',
    'monthly 2026-12',
  ]);
  assert.deepEqual(reasonsOf(p, 'home-2026-11-30T12:00:00.000Z'), ['monthly 2026-11']);
  assert.deepEqual(reasonsOf(p, 'home-2026-12-27T12:00:00.000Z'), ['weekly 2026-W52']);
  assert.equal(p.keep.length + p.remove.length, 40);
  assert.equal(p.keep.length, 5);
});

test('ISO weeks: 31 Dec 2026 and 1 Jan 2027 share week 2026-W53; 4 Jan 2027 starts W01', () => {
  const backups = [
    backup('2027-01-04T09:00:00Z'),
    backup('2027-01-01T09:00:00Z'),
    backup('2026-12-31T09:00:00Z'),
  ];
  const p = plan(backups, { keepWeekly: 2 });

  assert.deepEqual(reasonsOf(p, '2027-01-04T09:00:00Z'), ['weekly 2027-W01']);
  assert.deepEqual(reasonsOf(p, '2027-01-01T09:00:00Z'), ['weekly 2026-W53']);
  assert.deepEqual(p.remove, [{ id: '2026-12-31T09:00:00Z', reason: 'kept by no rule' }]);
});

test('Europe/London spring forward: days follow local time, not UTC', () => {
  // 29 Mar 2026 01:00 UTC clocks go to 02:00 BST; 23:30 UTC on the 29th is 00:30 on the 30th.
  const backups = [
    backup('2026-03-29T23:30:00Z'),
    backup('2026-03-29T00:30:00Z'),
    backup('2026-03-28T23:30:00Z'),
  ];
  const london = plan(backups, { keepDaily: 3 }, 'Europe/London');
  const utc = plan(backups, { keepDaily: 3 }, 'UTC');

  assert.deepEqual(
    london.keep.map((k) => k.reasons[0]),
    ['daily 2026-03-30', 'daily 2026-03-29', 'daily 2026-03-28'],
  );
  assert.deepEqual(
    utc.keep.map((k) => k.reasons[0]),
    ['daily 2026-03-29', 'daily 2026-03-28'],
  );
});

test('Europe/London fall back: the repeated hour stays one local day', () => {
  // 25 Oct 2026 01:00 UTC clocks go back; all three are on 25 Oct in London.
  const backups = [
    backup('2026-10-25T01:30:00Z'),
    backup('2026-10-25T00:30:00Z'),
    backup('2026-10-24T23:30:00Z'),
  ];
  const p = plan(backups, { keepDaily: 1 }, 'Europe/London');

  assert.deepEqual(p.keep, [{ id: '2026-10-25T01:30:00Z', reasons: ['daily 2026-10-25'] }]);
  assert.equal(p.remove.length, 2);
});

test('Pacific/Auckland: a new year and month begin while UTC is still in the old one', () => {
  // NZDT is UTC+13: 11:30 UTC on 31 Dec 2026 is 00:30 on 1 Jan 2027 in Auckland.
  const backups = [backup('2026-12-31T11:30:00Z'), backup('2026-12-31T10:30:00Z')];
  const auckland = plan(backups, { keepYearly: 2, keepMonthly: 2 }, 'Pacific/Auckland');
  const utc = plan(backups, { keepYearly: 2, keepMonthly: 2 }, 'UTC');

  assert.deepEqual(reasonsOf(auckland, '2026-12-31T11:30:00Z'), ['monthly 2027-01', 'yearly 2027']);
  assert.deepEqual(reasonsOf(auckland, '2026-12-31T10:30:00Z'), ['monthly 2026-12', 'yearly 2026']);
  assert.deepEqual(reasonsOf(utc, '2026-12-31T11:30:00Z'), ['monthly 2026-12', 'yearly 2026']);
  assert.deepEqual(reasonsOf(utc, '2026-12-31T10:30:00Z'), [
    'monthly oldest (1 of 2 periods exist)',
    'yearly oldest (1 of 2 periods exist)',
  ]);
});

test('Pacific/Auckland spring forward (27 Sep 2026, 02:00 → 03:00) keeps one backup per local day', () => {
  const backups = series('2026-09-27T11:00:00Z', 10, 3);
  const p = plan(backups, { keepDaily: 3 }, 'Pacific/Auckland');

  assert.deepEqual(
    p.keep.map((k) => k.reasons[0]),
    ['daily 2026-09-28', 'daily 2026-09-27', 'daily 2026-09-26'],
  );
});

test('with fewer periods than asked for, the oldest backup also stays (as restic does)', () => {
  const backups = [
    backup('2026-12-02T10:00:00Z'),
    backup('2026-12-01T12:00:00Z'),
    backup('2026-12-01T10:00:00Z'),
  ];
  const p = plan(backups, { keepDaily: 5 });

  assert.deepEqual(reasonsOf(p, '2026-12-01T10:00:00Z'), ['daily oldest (2 of 5 periods exist)']);
  assert.deepEqual(p.remove, []);
});

test('invariant: the newest verified backup is never removed', () => {
  const backups = [
    ...series('2026-12-10T03:00:00Z', 4, 24),
    backup('2026-11-01T03:00:00Z', { verified: true }),
  ];
  const p = plan(backups, { keepLast: 2 });

  assert.deepEqual(reasonsOf(p, '2026-11-01T03:00:00Z'), ['newest verified']);
  assert.ok(!p.remove.some((r) => r.id === '2026-11-01T03:00:00Z'));
});

test('invariant: when the newest backup failed, nothing is removed and the plan says why', () => {
  const backups = [
    backup('2026-12-10T03:00:00Z', { ok: false }),
    ...series('2026-12-09T03:00:00Z', 5, 24),
  ];
  const p = plan(backups, { keepLast: 1 });

  assert.deepEqual(p.remove, []);
  assert.equal(p.keep.length, 6);
  assert.equal(p.held.length, 1);
  assert.match(p.held[0]?.reason ?? '', /newest backup 2026-12-10T03:00:00Z failed/);
});

test('invariant: failed or incomplete backups count toward no period and are removed', () => {
  const backups = [
    backup('2026-12-10T20:00:00Z'),
    backup('2026-12-09T22:00:00Z', { ok: false }),
    backup('2026-12-09T08:00:00Z'),
    backup('2026-12-08T08:00:00Z', { ok: false }),
  ];
  const p = plan(backups, { keepDaily: 3, keepLast: 2 });

  assert.deepEqual(keptIds(p), ['2026-12-10T20:00:00Z', '2026-12-09T08:00:00Z']);
  assert.deepEqual(reasonsOf(p, '2026-12-09T08:00:00Z'), ['last 2', 'daily 2026-12-09']);
  assert.deepEqual(
    p.remove.map((r) => r.reason),
    ['failed or incomplete', 'failed or incomplete'],
  );
});

test('invariant: a policy without a rule above zero, or with a bad value, is refused', () => {
  const refused = (policy: RetentionPolicy, where: string) =>
    assert.throws(
      () => plan([backup('2026-12-01T00:00:00Z')], policy),
      (e: unknown) => e instanceof NsctlError && e.code === 'CONFIG_INVALID' && e.where === where,
    );
  refused({}, 'backup.retention');
  refused({ keepDaily: 0, keepLast: 0 }, 'backup.retention');
  refused({ keepDaily: -1 }, 'backup.retention.keepDaily');
  refused({ keepWeekly: 1.5 }, 'backup.retention.keepWeekly');
  assert.throws(
    () => planRetention([], { keepLast: 1 }, { timezone: 'Mars/Olympus', now: NOW }),
    /time zone/,
  );
});

test('backups are grouped by instance, never mixed', () => {
  const backups = [
    ...series('2026-12-10T03:00:00Z', 3, 24, { instance: 'b' }),
    ...series('2026-12-10T04:00:00Z', 3, 24, { instance: 'a' }),
  ];
  const p = plan(backups, { keepLast: 1 });

  assert.deepEqual(keptIds(p), ['a-2026-12-10T04:00:00.000Z', 'b-2026-12-10T03:00:00.000Z']);
  assert.equal(p.remove.length, 4);
});

test('backups dated after now are kept and take no period from real ones', () => {
  const backups = [backup('2027-07-01T00:00:00Z'), backup('2027-05-31T10:00:00Z')];
  const p = plan(backups, { keepLast: 1 });

  assert.deepEqual(reasonsOf(p, '2027-07-01T00:00:00Z'), ['dated after now (clock skew?)']);
  assert.deepEqual(reasonsOf(p, '2027-05-31T10:00:00Z'), ['last 1']);
});

function createSeededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

test('random histories: every backup is planned once and the invariants hold', () => {
  const random = createSeededRandom(42);
  for (let round = 0; round < 200; round++) {
    const backups = Array.from({ length: 1 + Math.floor(random() * 30) }, (_, i) =>
      backup(new Date(NOW.getTime() - random() * 400 * 86_400_000).toISOString(), {
        id: `b${i}`,
        ok: random() > 0.2,
        verified: random() > 0.5,
      }),
    );
    const policy = {
      keepLast: Math.floor(random() * 3),
      keepDaily: 1 + Math.floor(random() * 7),
      keepMonthly: Math.floor(random() * 4),
    };
    const p = plan(backups, policy, random() > 0.5 ? 'Europe/London' : 'Pacific/Auckland');
    const byTime = [...backups].sort(
      (a, b) => Date.parse(String(b.createdAt)) - Date.parse(String(a.createdAt)),
    );
    const newestVerified = byTime.find((b) => b.ok && b.verified);

    assert.equal(new Set([...keptIds(p), ...p.remove.map((r) => r.id)]).size, backups.length);
    assert.equal(p.keep.length + p.remove.length, backups.length);
    if (newestVerified) assert.ok(keptIds(p).includes(newestVerified.id));
    if (byTime[0] && !byTime[0].ok) assert.deepEqual(p.remove, []);
    for (const r of p.remove) assert.ok(r.id !== byTime.find((b) => b.ok)?.id, 'newest ok removed');
  }
});
