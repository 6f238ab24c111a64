import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';

import { cronToOnCalendar } from '../../src/core/schedule/cron-to-systemd.js';

const cases: Array<[string, string, string]> = [
  ['15 3 * * *', 'Europe/London', '*-*-* 03:15:00 Europe/London'],
  ['*/15 * * * *', 'UTC', '*-*-* *:00/15:00 UTC'],
  ['0 2 * * 1-5', 'UTC', 'Mon..Fri *-*-* 02:00:00 UTC'],
  ['30 4 1 * *', 'Pacific/Auckland', '*-*-01 04:30:00 Pacific/Auckland'],
  ['0 0,12 * jan,jul sun', 'UTC', 'Sun *-01,07-* 00,12:00:00 UTC'],
];

for (const [cron, zone, expected] of cases) {
  test(`cron "${cron}" in ${zone} becomes OnCalendar=${expected}`, () => {
    assert.equal(cronToOnCalendar(cron, zone).onCalendar, expected);
  });
}

test('day-of-month and weekday together carry a note on the semantic difference', () => {
  assert.equal(cronToOnCalendar('0 3 1 * 1', 'UTC').notes.length, 1);
});

test('a wrong number of fields is refused', () => {
  assert.throws(() => cronToOnCalendar('0 3 * *', 'UTC'), /5 cron fields/);
});

const systemdAnalyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) =>
  existsSync(p),
);

test(systemdAnalyze
  ? 'systemd-analyze accepts every converted expression'
  : 'systemd-analyze accepts every converted expression (skipped: systemd-analyze not installed)', {
  skip: !systemdAnalyze,
}, () => {
  for (const [cron, zone] of cases) {
    const { onCalendar } = cronToOnCalendar(cron, zone);
    const run = spawnSync(systemdAnalyze as string, ['calendar', onCalendar], { encoding: 'utf8' });
    assert.equal(run.status, 0, `${onCalendar}: ${run.stderr}`);
  }
});
