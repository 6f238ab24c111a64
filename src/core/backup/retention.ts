/**
 * Which backups `nsctl backup prune` keeps: pure planning, no I/O. Rules
 * combine as restic's `forget` does: each keeps the newest backup of each of
 * its N most recent periods that hold a backup, and a backup kept by any rule
 * stays. Periods are calendar days, ISO weeks, months and years in the
 * configured time zone, so a 00:30 backup in BST belongs to the local day.
 */
import { NsctlError } from '../errors.js';

export interface RetentionCandidate {
  id: string;
  /** ISO time (or Date) the backup started. */
  createdAt: string | Date;
  instance: string;
  /** Complete, and not failed verification (unverified counts as ok). */
  ok: boolean;
  verified: boolean;
}

export interface RetentionPolicy {
  keepLast?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
  keepYearly?: number;
}

export interface RetentionOptions {
  /** IANA zone that defines where days, weeks, months and years begin. */
  timezone: string;
  /** Backups dated after this (clock skew) are kept and count toward no rule. */
  now: Date;
}

export interface RetentionPlan {
  /** Newest first, each with every reason it is kept (`daily 2026-12-01`, `last 3`, …). */
  keep: { id: string; reasons: string[] }[];
  remove: { id: string; reason: string }[];
  /** Instances for which nothing is removed, and why (the newest backup failed). */
  held: { instance: string; reason: string }[];
}

const RULES = [
  ['keepLast', 'last'],
  ['keepDaily', 'daily'],
  ['keepWeekly', 'weekly'],
  ['keepMonthly', 'monthly'],
  ['keepYearly', 'yearly'],
] as const;

type RuleName = (typeof RULES)[number][1];

interface Dated extends RetentionCandidate {
  time: number;
  periods: Record<Exclude<RuleName, 'last'>, string>;
}

function checkPolicy(policy: RetentionPolicy): [RuleName, number][] {
  const rules: [RuleName, number][] = [];
  for (const [key, rule] of RULES) {
    const value = policy[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 0) {
      throw new NsctlError('CONFIG_INVALID', `retention ${key} must be a whole number ≥ 0`, {
        where: `backup.retention.${key}`,
      });
    }
    if (value > 0) rules.push([rule, value]);
  }
  if (rules.length > 0) return rules;
  throw new NsctlError('CONFIG_INVALID', 'the retention policy has no rule that keeps anything', {
    where: 'backup.retention',
    hint: 'Set at least one of keepLast, keepDaily, keepWeekly, keepMonthly, keepYearly above 0.',
  });
}

function createDateReader(timezone: string): (time: number) => [number, number, number] {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
    });
  } catch {
    throw new NsctlError('CONFIG_INVALID', `unknown time zone "${timezone}"`, {
      where: 'timezone',
    });
  }
  return (time) => {
    const parts = Object.fromEntries(format.formatToParts(time).map((p) => [p.type, p.value]));
    return [Number(parts.year), Number(parts.month), Number(parts.day)];
  };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** ISO 8601 week of a calendar date: weeks start on Monday; week 1 holds the first Thursday. */
function isoWeekOf(year: number, month: number, day: number): string {
  const date = new Date(Date.UTC(year, month - 1, day));
  const thursday = new Date(date.getTime() + (3 - ((date.getUTCDay() + 6) % 7)) * 86_400_000);
  const weekYear = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(weekYear, 0, 1)) / (7 * 86_400_000));
  return `${weekYear}-W${pad(week)}`;
}

function dateCandidates(items: RetentionCandidate[], timezone: string): Dated[] {
  const readDate = createDateReader(timezone);
  return items.map((item) => {
    const time = new Date(item.createdAt).getTime();
    if (Number.isNaN(time)) throw new Error(`backup ${item.id} has an invalid createdAt`);
    const [y, m, d] = readDate(time);
    const periods = {
      daily: `${y}-${pad(m)}-${pad(d)}`,
      weekly: isoWeekOf(y, m, d),
      monthly: `${y}-${pad(m)}`,
      yearly: String(y),
    };
    return { ...item, time, periods };
  });
}

function byNewest(a: Dated, b: Dated): number {
  return b.time - a.time || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** Applies one rule to ok backups, newest first; adds reasons to `reasons`. */
function applyRule(
  rule: RuleName,
  count: number,
  backups: Dated[],
  reasons: Map<string, string[]>,
) {
  let kept = 0;
  let lastPeriod: string | undefined;
  let lastKept: Dated | undefined;
  for (const backup of backups) {
    if (kept === count) return;
    const period = rule === 'last' ? backup.id : backup.periods[rule];
    if (period === lastPeriod) continue;
    lastPeriod = period;
    lastKept = backup;
    kept++;
    reasons.get(backup.id)?.push(rule === 'last' ? `last ${kept}` : `${rule} ${period}`);
  }
  // As restic does: with fewer periods than asked for, the oldest backup also stays.
  const oldest = backups.at(-1);
  if (rule !== 'last' && oldest && oldest !== lastKept) {
    reasons.get(oldest.id)?.push(`${rule} oldest (${kept} of ${count} periods exist)`);
  }
}

function planInstance(group: Dated[], rules: [RuleName, number][], now: Date, plan: RetentionPlan) {
  const sorted = [...group].sort(byNewest);
  const newest = sorted[0];
  if (newest && !newest.ok) {
    const reason = `newest backup ${newest.id} failed; nothing is removed until one succeeds`;
    plan.held.push({ instance: newest.instance, reason });
    for (const b of sorted) plan.keep.push({ id: b.id, reasons: [`held: ${reason}`] });
    return;
  }
  const reasons = new Map(sorted.map((b) => [b.id, [] as string[]]));
  const future = sorted.filter((b) => b.time > now.getTime());
  for (const b of future) reasons.get(b.id)?.push('dated after now (clock skew?)');
  const counted = sorted.filter((b) => b.ok && b.time <= now.getTime());
  for (const [rule, count] of rules) applyRule(rule, count, counted, reasons);
  const newestVerified = sorted.find((b) => b.ok && b.verified);
  if (newestVerified) reasons.get(newestVerified.id)?.push('newest verified');

  for (const b of sorted) {
    const why = reasons.get(b.id) ?? [];
    if (why.length > 0) plan.keep.push({ id: b.id, reasons: why });
    else plan.remove.push({ id: b.id, reason: b.ok ? 'kept by no rule' : 'failed or incomplete' });
  }
}

/** Plans a prune; throws CONFIG_INVALID for a policy that keeps nothing or a bad zone. */
export function planRetention(
  backups: RetentionCandidate[],
  policy: RetentionPolicy,
  options: RetentionOptions,
): RetentionPlan {
  const rules = checkPolicy(policy);
  const dated = dateCandidates(backups, options.timezone);
  if (new Set(dated.map((b) => b.id)).size !== dated.length)
    throw new Error('duplicate backup ids');
  const instances = [...new Set(dated.map((b) => b.instance))].sort();
  const plan: RetentionPlan = { keep: [], remove: [], held: [] };
  for (const instance of instances) {
    planInstance(
      dated.filter((b) => b.instance === instance),
      rules,
      options.now,
      plan,
    );
  }
  return plan;
}
