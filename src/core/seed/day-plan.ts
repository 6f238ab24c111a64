/**
 * What happens on one local calendar day: meals (some boluses forgotten or
 * overdone, which is where highs and lows come from), exercise, CGM signal
 * losses, finger-stick checks, notes, temporary targets and windows where a
 * second uploader echoes the readings.
 */
import type { Random } from './random.js';
import type { Controller } from './site.js';
import { HOUR, MINUTE } from './types.js';

export type BolusHabit = 'normal' | 'missed' | 'over';

export interface PlannedMeal {
  time: number;
  carbs: number;
  absorbMinutes: number;
  habit: BolusHabit;
  foodType: string;
}

export interface Window {
  from: number;
  to: number;
}

export interface PlannedTarget {
  time: number;
  duration: number;
  low: number;
  high: number;
  reason: string;
}

export interface DayPlan {
  /** Insulin need relative to the profile (illness, hormones, weather…). */
  sensitivity: number;
  meals: PlannedMeal[];
  exercise?: Window;
  signalLoss: Window[];
  echo?: Window;
  bgChecks: number[];
  notes: { time: number; text: string }[];
  targets: PlannedTarget[];
}

const MEALS = [
  { name: 'Breakfast', at: 7 * 60, spread: 50, carbs: [25, 60], p: 0.9 },
  { name: 'Lunch', at: 12 * 60 + 30, spread: 60, carbs: [35, 80], p: 0.95 },
  { name: 'Snack', at: 15 * 60 + 30, spread: 60, carbs: [10, 25], p: 0.5 },
  { name: 'Dinner', at: 18 * 60 + 30, spread: 60, carbs: [45, 100], p: 0.97 },
] as const;

const NOTES = [
  'Pizza night',
  'Sick, high ketones 0.6',
  'Swimming lesson',
  'School trip',
  'Forgot to bolus for snack',
  'New insulin vial',
  'Birthday party',
];

export function planDay(random: Random, midnight: number, controller: Controller): DayPlan {
  const at = (minute: number) => midnight + Math.round(minute) * MINUTE;
  const meals = MEALS.filter((m) => random.chance(m.p)).map((m) => ({
    time: at(m.at + random.float(-m.spread, m.spread)),
    carbs: random.int(m.carbs[0], m.carbs[1]),
    absorbMinutes: random.pick([120, 180, 180, 240]),
    habit: random.chance(0.08) ? 'missed' : random.chance(0.06) ? 'over' : ('normal' as BolusHabit),
    foodType: m.name,
  }));
  const exerciseStart = at(random.int(15 * 60, 19 * 60));
  const exercise = random.chance(0.25)
    ? { from: exerciseStart, to: exerciseStart + random.int(45, 90) * MINUTE }
    : undefined;
  return {
    sensitivity: random.float(0.85, 1.2),
    meals,
    ...(exercise ? { exercise } : {}),
    signalLoss: planWindows(random, midnight, random.chance(0.5) ? random.int(1, 2) : 0, [10, 60]),
    ...(random.chance(0.35) ? { echo: planWindows(random, midnight, 1, [60, 180])[0] } : {}),
    bgChecks: Array.from({ length: controller === 'openaps' ? 2 : random.int(0, 2) }, () =>
      at(random.int(6 * 60, 22 * 60)),
    ).sort((a, b) => a - b),
    notes: random.chance(0.15)
      ? [{ time: at(random.int(8 * 60, 21 * 60)), text: random.pick(NOTES) }]
      : [],
    targets: planTargets(random, meals, exercise),
  };
}

function planWindows(
  random: Random,
  midnight: number,
  count: number,
  minutes: [number, number],
): Window[] {
  return Array.from({ length: count }, () => {
    const from = midnight + random.int(0, 23 * 60) * MINUTE;
    return { from, to: from + random.int(minutes[0], minutes[1]) * MINUTE };
  }).sort((a, b) => a.from - b.from);
}

function planTargets(random: Random, meals: PlannedMeal[], exercise?: Window): PlannedTarget[] {
  const targets: PlannedTarget[] = [];
  const dinner = meals.find((m) => m.foodType === 'Dinner');
  if (dinner && random.chance(0.3)) {
    targets.push({
      time: dinner.time - HOUR,
      duration: 60,
      low: 80,
      high: 80,
      reason: 'Eating Soon',
    });
  }
  if (exercise && random.chance(0.6)) {
    const duration = Math.round((exercise.to - exercise.from) / MINUTE) + 60;
    targets.push({ time: exercise.from - HOUR, duration, low: 140, high: 140, reason: 'Activity' });
  }
  return targets.sort((a, b) => a.time - b.time);
}
