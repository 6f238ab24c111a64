/** Small pieces several commands share: option parsing and source resolution. */
import { InvalidArgumentError } from 'commander';

import type { MongoTarget } from '../../adapters/mongo/connect.js';
import type { NsctlConfig } from '../../core/config/schema.js';
import { NsctlError } from '../../core/errors.js';

export function parseList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError('expected a whole number of 1 or more');
  return n;
}

/** The MongoDB to work on: --uri, else the config's mongodb.uri. */
export function resolveMongoTarget(
  config: NsctlConfig,
  uri: string | undefined,
  flag = '--uri',
): MongoTarget {
  const chosen = uri ?? config.mongodb.uri;
  if (!chosen) {
    throw new NsctlError('USAGE', 'no MongoDB to connect to', {
      hint: `Pass ${flag} mongodb://host:27017/nightscout, or set mongodb.uri in nsctl.yaml or NSCTL_MONGODB_URI.`,
    });
  }
  const database = uri ? undefined : config.mongodb.database;
  return { uri: chosen, ...(database ? { database } : {}) };
}

export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
        .join('  '),
    )
    .join('\n');
}
