/**
 * Structured, redacted logging. One logger writes either JSON lines (for
 * machines and the agent) or readable lines (for people); both carry time,
 * level, component, a stable message id and attributes, and everything
 * passes through the redaction function first.
 */
import type { Writable } from 'node:stream';

import { type Logger as PinoLogger, pino } from 'pino';

import { redact, redactValue } from '../core/redact.js';

export type LogFormat = 'json' | 'text';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(id: string, message: string, attrs?: Record<string, unknown>): void;
  info(id: string, message: string, attrs?: Record<string, unknown>): void;
  warn(id: string, message: string, attrs?: Record<string, unknown>): void;
  error(id: string, message: string, attrs?: Record<string, unknown>): void;
  child(component: string): Logger;
}

export interface LoggerOptions {
  format: LogFormat;
  level: LogLevel;
  stream: Writable;
  component?: string;
  color?: boolean;
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

function wrap(base: PinoLogger): Logger {
  const log =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (id: string, message: string, attrs: Record<string, unknown> = {}) => {
      base[level]({ id, ...(redactValue(attrs) as Record<string, unknown>) }, redact(message));
    };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (component) => wrap(base.child({ component })),
  };
}

const COLORS: Record<string, string> = {
  debug: '\u001b[90m',
  info: '\u001b[36m',
  warn: '\u001b[33m',
  error: '\u001b[31m',
};

/** Turns one pino JSON line into `12:00:01 INFO  component: message key=value`. */
export function formatTextLine(line: string, color: boolean): string {
  const record = JSON.parse(line) as Record<string, unknown>;
  const { time, level, component, msg, id: _id, pid: _pid, hostname: _h, ...attrs } = record;
  const levelName = LEVEL_NAMES[Number(level)] ?? 'info';
  const clock = new Date(Number(time)).toISOString().slice(11, 19);
  const label = levelName.toUpperCase().padEnd(5);
  const tag = color ? `${COLORS[levelName] ?? ''}${label}\u001b[0m` : label;
  const prefix = typeof component === 'string' ? `${component}: ` : '';
  const pairs = Object.entries(attrs)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${clock} ${tag} ${prefix}${String(msg)}${pairs ? ` ${pairs}` : ''}\n`;
}

export function createLogger(options: LoggerOptions): Logger {
  const text = options.format === 'text';
  // Text mode keeps pino's numeric levels (formatTextLine names them); JSON
  // mode writes level names, which log shippers read without a table.
  const destination = text
    ? {
        write: (line: string) => options.stream.write(formatTextLine(line, options.color ?? false)),
      }
    : options.stream;
  const base = pino(
    {
      level: options.level,
      base: options.component ? { component: options.component } : {},
      timestamp: pino.stdTimeFunctions.epochTime,
      ...(text ? {} : { formatters: { level: (label: string) => ({ level: label }) } }),
    },
    destination as Writable,
  );
  return wrap(base);
}
