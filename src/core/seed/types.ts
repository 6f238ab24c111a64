/** Shapes shared by the seed generators. */
import type { NightscoutCollections } from '../config/schema.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** CGM and loop cadence. */
export const STEP = 5 * MINUTE;
export const STEPS_PER_DAY = DAY / STEP;

export interface SeedOptions {
  /** Days of history ending at `end`. */
  days: number;
  /** Any text; the same seed, days and end give byte-identical documents. */
  seed: string;
  /** Time of the newest 5-minute slot, ms since the epoch. */
  end: number;
}

/** A plain document, ready for insertMany; `_id` is always set. */
export type SeedDocument = Record<string, unknown>;

export type SeedCollectionKey = keyof NightscoutCollections;

export interface SeedCollectionPlan {
  key: SeedCollectionKey;
  /** Exact number of documents `documents()` yields; may re-run the simulation. */
  count(): number;
  /** Lazily yields the documents, oldest first, day by day. */
  documents(): AsyncGenerator<SeedDocument>;
}

/** The newest slot for a default `--end`: now, rounded down to 5 minutes. */
export function defaultSeedEnd(nowMs: number): number {
  return Math.floor(nowMs / STEP) * STEP;
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** ISO time with the site's offset, as OpenAPS rigs write it (e.g. 2016-10-23T11:45:22-07:00). */
export function zonedIsoTime(ms: number, utcOffsetMinutes: number): string {
  const local = new Date(ms + utcOffsetMinutes * MINUTE).toISOString().slice(0, 19);
  const sign = utcOffsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(utcOffsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${sign}${hh}:${mm}`;
}

/** Rounds to a pump's step (0.05 U, 0.1 g…), without binary-fraction tails. */
export function roundTo(value: number, step: number): number {
  return Math.round(Math.round(value / step) * step * 1000) / 1000;
}
