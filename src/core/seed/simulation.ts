/**
 * A small glucose simulation on the 5-minute grid: carbs raise glucose,
 * insulin lowers it, a closed loop adjusts temp basals (and micro-boluses
 * under AndroidAPS and OpenAPS), and people eat, forget boluses, exercise,
 * correct highs and treat lows. Every collection's generator replays the same
 * simulation from the seed, so entries, treatments and devicestatus agree.
 */
import { reactToGlucose, runActions, runLifecycle } from './behaviour.js';
import { decideLoop } from './controller.js';
import { insulinCurve } from './curves.js';
import { planDay, type Window } from './day-plan.js';
import { forecastEffects, stepPhysiology } from './physiology.js';
import { createRandom, type Random } from './random.js';
import { readGlucose } from './sensor.js';
import { createState, type SimState } from './sim-state.js';
import type { SimEvent, Slot } from './sim-types.js';
import { eraAt, localDay, type Site } from './site.js';
import { DAY, HOUR, MINUTE, roundTo, STEP } from './types.js';

export interface SimulationOptions {
  /** Attach the insulin and carb forecast to each slot (devicestatus needs it). */
  forecast?: boolean;
}

export function* simulate(site: Site, options: SimulationOptions = {}): Generator<Slot> {
  const random = createRandom(site.seed, 'simulation');
  const insulin = insulinCurve(site.therapy.dia);
  const state = createState(site, random);
  for (let i = 0; i < site.slots; i++) {
    const time = site.start + i * STEP;
    const events: SimEvent[] = [];
    replan(site, random, state, time);
    runLifecycle(random, state, time, events);
    runActions(site, random, state, time, events, insulin);
    const slot = stepPhysiology(site, random, state, time, insulin, events);
    readGlucose(random, state, slot);
    reactToGlucose(site, random, state, slot, insulin);
    decideLoop(site, state, slot, insulin);
    useReservoir(state, slot);
    if (options.forecast) slot.forecast = forecastEffects(site, state);
    yield slot;
  }
}

function useReservoir(state: SimState, slot: Slot): void {
  let used = state.tempRate * (STEP / HOUR);
  for (const event of slot.events) if ('insulin' in event) used += event.insulin;
  state.reservoir = Math.max(0, state.reservoir - used);
  slot.reservoir = roundTo(state.reservoir, 0.05);
}

function replan(site: Site, random: Random, state: SimState, time: number): void {
  const day = localDay(site, time);
  if (day === state.day) return;
  state.day = day;
  const midnight = day * DAY - site.utcOffset * MINUTE;
  const plan = planDay(random, midnight, eraAt(site, time).controller);
  state.sensitivity = plan.sensitivity;
  const keep = (w: Window) => w.to >= time;
  state.windows = {
    loss: [...state.windows.loss.filter(keep), ...plan.signalLoss],
    echo: [...state.windows.echo.filter(keep), ...(plan.echo ? [plan.echo] : [])],
    exercise: [...state.windows.exercise.filter(keep), ...(plan.exercise ? [plan.exercise] : [])],
  };
  const exercise = plan.exercise;
  const planned: SimEvent[] = [
    ...plan.meals.map((m) => ({ kind: 'meal' as const, ...m, insulin: 0 })),
    ...plan.bgChecks.map((t) => ({ kind: 'bgCheck' as const, time: t, glucose: 0 })),
    ...plan.notes.map((n) => ({ kind: 'note' as const, ...n })),
    ...plan.targets.map((t) => ({ kind: 'tempTarget' as const, ...t })),
    ...(exercise
      ? [
          {
            kind: 'exercise' as const,
            time: exercise.from,
            duration: (exercise.to - exercise.from) / MINUTE,
          },
        ]
      : []),
  ];
  state.actions = [...state.actions, ...planned].sort((a, b) => a.time - b.time);
}
