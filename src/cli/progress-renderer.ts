/**
 * Turns progress events into what suits the output: bars with rate and ETA
 * on a TTY, a plain line per task every few seconds elsewhere, JSON lines
 * with --json, nothing with --quiet.
 */
import type { Writable } from 'node:stream';

import cliProgress from 'cli-progress';

import { estimate, type ProgressEvent, type ProgressListener } from '../core/progress.js';

export type ProgressMode = 'tty' | 'plain' | 'json' | 'silent';

export interface ProgressRenderer {
  listener: ProgressListener;
  stop(): void;
}

export function formatCount(value: number, unit: string): string {
  if (unit === 'bytes') return formatBytes(value);
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)}M ${unit}`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(1)}k ${unit}`;
  return `${Math.round(value)} ${unit}`;
}

export function formatBytes(value: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let n = value;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** One readable line for an event: `entries: 12.0k/25.9k docs, 3.1k docs/s, ETA 4s`. */
export function describeProgress(event: ProgressEvent): string {
  const { rate, etaSeconds } = estimate(event);
  const total = event.total === undefined ? '' : `/${formatCount(event.total, event.unit)}`;
  const bytes = event.bytes === undefined ? '' : ` (${formatBytes(event.bytes)})`;
  const eta = etaSeconds === undefined ? '' : `, ETA ${formatDuration(etaSeconds)}`;
  const done = event.kind === 'finish' ? ` done in ${formatDuration(event.elapsedMs / 1000)}` : '';
  return `${event.label}: ${formatCount(event.done, event.unit)}${total}${bytes}, ${formatCount(rate, `${event.unit}/s`)}${eta}${done}`;
}

const PLAIN_INTERVAL_MS = 5000;

function plainRenderer(stream: Writable): ProgressRenderer {
  const lastPrinted = new Map<string, number>();
  return {
    listener(event) {
      if (event.kind === 'start') {
        lastPrinted.set(event.task, event.elapsedMs);
        return;
      }
      const last = lastPrinted.get(event.task) ?? 0;
      if (event.kind === 'update' && event.elapsedMs - last < PLAIN_INTERVAL_MS) return;
      lastPrinted.set(event.task, event.elapsedMs);
      stream.write(`${describeProgress(event)}\n`);
    },
    stop() {},
  };
}

function jsonRenderer(stream: Writable): ProgressRenderer {
  let last = 0;
  return {
    listener(event) {
      const now = Date.now();
      if (event.kind === 'update' && now - last < 1000) return;
      last = now;
      const { rate, etaSeconds } = estimate(event);
      stream.write(`${JSON.stringify({ type: 'progress', ...event, rate, etaSeconds })}\n`);
    },
    stop() {},
  };
}

function ttyRenderer(stream: Writable, color: boolean): ProgressRenderer {
  const multibar = new cliProgress.MultiBar(
    {
      stream: stream as NodeJS.WriteStream,
      clearOnComplete: false,
      hideCursor: true,
      format: `{label} ${color ? '{bar}' : '[{bar}]'} {percentage}% | {value}/{total} {unit} | {speed} | ETA {etaText}`,
      barsize: 24,
      fps: 5,
    },
    color ? cliProgress.Presets.shades_classic : cliProgress.Presets.legacy,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  return {
    listener(event) {
      // Wide enough for `devicestatus compared` and `devicestatus after 3000`.
      const label = event.label.padEnd(24).slice(0, 24);
      const { rate, etaSeconds } = estimate(event);
      const payload = {
        label,
        unit: event.unit,
        speed: formatCount(rate, `${event.unit}/s`),
        etaText: etaSeconds === undefined ? '?' : formatDuration(etaSeconds),
      };
      let bar = bars.get(event.task);
      if (!bar) {
        bar = multibar.create(event.total ?? 0, 0, payload);
        bars.set(event.task, bar);
      }
      if (event.total !== undefined && event.total < event.done) bar.setTotal(event.done);
      bar.update(event.done, payload);
      if (event.kind === 'finish') bar.stop();
    },
    stop() {
      multibar.stop();
    },
  };
}

export function createProgressRenderer(
  mode: ProgressMode,
  stream: Writable,
  color: boolean,
): ProgressRenderer {
  switch (mode) {
    case 'tty':
      return ttyRenderer(stream, color);
    case 'plain':
      return plainRenderer(stream);
    case 'json':
      return jsonRenderer(stream);
    case 'silent':
      return { listener() {}, stop() {} };
  }
}
