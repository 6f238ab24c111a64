/** What the simulation reports for each 5-minute slot. */
import type { Era } from './site.js';

export type SimEvent =
  | {
      kind: 'meal';
      time: number;
      carbs: number;
      insulin: number;
      absorbMinutes: number;
      foodType: string;
      glucose?: number;
      /** How the meal gets bolused; planned, not reported. */
      habit?: 'normal' | 'missed' | 'over';
    }
  | { kind: 'bolus'; time: number; insulin: number; reason: 'correction' | 'late' }
  | { kind: 'smb'; time: number; insulin: number }
  | { kind: 'rescue'; time: number; carbs: number }
  | { kind: 'tempBasal'; time: number; rate: number; duration: number; scheduled: number }
  | { kind: 'siteChange'; time: number }
  | { kind: 'sensorStart'; time: number }
  | { kind: 'bgCheck'; time: number; glucose: number }
  | { kind: 'note'; time: number; text: string }
  | {
      kind: 'tempTarget';
      time: number;
      duration: number;
      low: number;
      high: number;
      reason: string;
    }
  | { kind: 'exercise'; time: number; duration: number };

export type Direction =
  | 'DoubleUp'
  | 'SingleUp'
  | 'FortyFiveUp'
  | 'Flat'
  | 'FortyFiveDown'
  | 'SingleDown'
  | 'DoubleDown'
  | 'NOT COMPUTABLE';

export interface Reading {
  time: number;
  sgv: number;
  /** Change since the previous reading, mg/dL per 5 minutes; undefined after a gap. */
  delta?: number;
  direction: Direction;
  /** Dexcom noise level, 1 (clean) to 4 (heavy). */
  noise: number;
  /** A second uploader writes this reading too. */
  echo: boolean;
}

export interface Forecast {
  /** Cumulative glucose change from insulin already on board, per step ahead (mg/dL). */
  insulin: Float64Array;
  /** Cumulative glucose change from carbs still to absorb, per step ahead (mg/dL). */
  carbs: Float64Array;
}

export interface Slot {
  /** The slot's time: the newest slot is options.end. */
  time: number;
  era: Era;
  /** Minutes after local midnight. */
  minute: number;
  /** The (hidden) true glucose. */
  bg: number;
  reading?: Reading;
  /** The newest reading at or before this slot, within 30 minutes. */
  lastReading?: Reading;
  iob: number;
  basalIob: number;
  cob: number;
  /** Insulin acting in this step, U per 5 minutes. */
  activity: number;
  scheduledRate: number;
  tempRate: number;
  /** Set when the controller issued a new temp basal in this slot. */
  enacted?: { rate: number; duration: number };
  smb?: number;
  eventualBG: number;
  insulinReq: number;
  reservoir: number;
  sensorAgeMs: number;
  siteAgeMs: number;
  events: SimEvent[];
  forecast?: Forecast;
}
