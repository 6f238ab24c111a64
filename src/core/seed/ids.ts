/**
 * Deterministic document ids. An ObjectId is laid out as the driver would
 * lay it out (4 bytes of seconds, 5 bytes naming the writing process, a
 * 3-byte counter), but every byte comes from the seed and the document's
 * time, so the same seed yields the same ids and a counter keeps them unique.
 */
import { ObjectId } from 'bson';

import type { Random } from './random.js';

export type IdFactory = (timeMs: number) => ObjectId;

/** One "writer process": its own 5 random bytes and a counter starting at a random value. */
export function createObjectIdFactory(random: Random): IdFactory {
  const processBytes = [0, 0, 0, 0, 0].map(() => random.int(0, 255));
  let counter = random.int(0, 0xffffff);
  return (timeMs) => {
    const bytes = new Uint8Array(12);
    const seconds = Math.floor(timeMs / 1000) >>> 0;
    bytes[0] = seconds >>> 24;
    bytes[1] = (seconds >>> 16) & 0xff;
    bytes[2] = (seconds >>> 8) & 0xff;
    bytes[3] = seconds & 0xff;
    bytes.set(processBytes, 4);
    counter = (counter + 1) & 0xffffff;
    bytes[9] = counter >>> 16;
    bytes[10] = (counter >>> 8) & 0xff;
    bytes[11] = counter & 0xff;
    return new ObjectId(bytes);
  };
}

/** A version-4-shaped UUID string, as iOS uploaders write into `_id`. */
export function makeUuid(random: Random): string {
  const hex = Array.from({ length: 32 }, () => random.int(0, 15).toString(16));
  hex[12] = '4';
  hex[16] = '89ab'[random.int(0, 3)] ?? '8';
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`.toUpperCase();
}

/** A 24-hex string that looks like an ObjectId but is stored as a string. */
export function makeHexId(random: Random, timeMs: number): string {
  const seconds = (Math.floor(timeMs / 1000) >>> 0).toString(16).padStart(8, '0');
  const rest = Array.from({ length: 16 }, () => random.int(0, 15).toString(16)).join('');
  return seconds + rest;
}
