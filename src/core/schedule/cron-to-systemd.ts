/**
 * Turning a five-field cron expression into systemd's OnCalendar= syntax, so
 * users who schedule outside nsctl get an equivalent timer. Pure text work.
 */

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTH_NAMES = [
  'jan',
  'feb',
  'mar',
  'apr',
  'may',
  'jun',
  'jul',
  'aug',
  'sep',
  'oct',
  'nov',
  'dec',
];
const DOW_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export interface CalendarConversion {
  onCalendar: string;
  /** Where systemd's meaning differs from cron's. */
  notes: string[];
}

function named(value: string, names: string[], offset: number): string {
  const index = names.indexOf(value.toLowerCase());
  return index === -1 ? value : String(index + offset);
}

/** One numeric cron field (minute, hour, day, month) in systemd syntax. */
function convertNumeric(field: string, names: string[] = [], offset = 0): string {
  if (field === '*') return '*';
  return field
    .split(',')
    .map((part) => {
      const [range = '*', step] = part.split('/');
      const [from = '*', to] = range.split('-').map((v) => named(v, names, offset));
      const start = from === '*' ? (names.length > 0 ? '1' : '0') : from;
      if (step !== undefined) {
        if (to !== undefined) return `${start}..${to}/${step}`;
        return `${start}/${step}`;
      }
      if (to !== undefined) return `${start}..${to}`;
      return from;
    })
    .join(',');
}

function pad2(field: string): string {
  return field.replace(/\b(\d)\b/g, '0$1');
}

function convertWeekday(field: string): string | undefined {
  if (field === '*' || field === '?') return undefined;
  const day = (v: string) => DAY_NAMES[Number(named(v, DOW_NAMES, 0)) % 7] ?? v;
  return field
    .split(',')
    .map((part) => {
      const [from = '', to] = part.split('-');
      return to === undefined ? day(from) : `${day(from)}..${day(to)}`;
    })
    .join(',');
}

export function cronToOnCalendar(cron: string, timezone: string): CalendarConversion {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5)
    throw new Error(`expected 5 cron fields, got ${fields.length}: "${cron}"`);
  const [minute = '*', hour = '*', dom = '*', month = '*', dow = '*'] = fields;
  const notes: string[] = [];
  if (dom !== '*' && dow !== '*' && dow !== '?') {
    notes.push('cron runs when EITHER day-of-month or weekday matches; systemd needs BOTH');
  }
  const weekday = convertWeekday(dow);
  const date = `*-${pad2(convertNumeric(month, MONTH_NAMES, 1))}-${pad2(convertNumeric(dom, [], 0))}`;
  const time = `${pad2(convertNumeric(hour))}:${pad2(convertNumeric(minute))}:00`;
  const zone = timezone === 'UTC' ? 'UTC' : timezone;
  return { onCalendar: [weekday, date, time, zone].filter(Boolean).join(' '), notes };
}
