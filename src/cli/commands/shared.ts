/** Small pieces several commands share: option parsing and source resolution. */
import { dirname } from 'node:path';

import { InvalidArgumentError } from 'commander';

import type { MongoTarget } from '../../adapters/mongo/connect.js';
import type { NsctlConfig } from '../../core/config/schema.js';
import { NsctlError } from '../../core/errors.js';
import { databaseFromUri } from '../../core/mongo-uri.js';
import type { CommandContext } from '../context.js';

/**
 * A comma-separated list of names. An empty one is refused: `--collections
 * "$LIST"` with an unset variable must not quietly mean every collection.
 */
export function parseList(value: string, previous: string[] = []): string[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0)
    throw new InvalidArgumentError('expected one or more names, separated by commas');
  return [...previous, ...names];
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError('expected a whole number of 1 or more');
  return n;
}

/** A commander parser for a whole number from `min` to `max`. */
export function intBetween(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max)
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
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
  // mongodb.database applies only when the URI names none (see the schema).
  const database = uri || databaseFromUri(chosen) ? undefined : config.mongodb.database;
  return { uri: chosen, ...(database ? { database } : {}) };
}

const NUMERIC_CELL = /^-?[\d.,]+( [KMGT]?B)?$|^\?$/;

/** A plain-text table: numbers right-aligned, text left-aligned. */
export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const body = rows.slice(1);
  const numeric = widths.map(
    (_, i) => body.length > 0 && body.every((r) => NUMERIC_CELL.test(r[i] ?? '')),
  );
  return rows
    .map((row) =>
      row
        .map((cell, i) =>
          numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export interface StoreFlags {
  dir?: string;
  identity?: string;
}

/** The backup store and settings from the config and the --dir/--identity flags. */
export async function openBackupStore(context: CommandContext, flags: StoreFlags, version: string) {
  const config = await context.config();
  const { resolveBackupSettings } = await import('../../ops/backup/settings.js');
  const file = (await context.loadedConfig()).file;
  const settings = await resolveBackupSettings(config, {
    cwd: context.io.cwd,
    ...(file ? { configDir: dirname(file) } : {}),
    ...(flags.dir ? { dir: flags.dir } : {}),
    ...(flags.identity ? { identityFile: flags.identity } : {}),
  });
  const rollback = {
    target: settings.target,
    instance: config.instance,
    compression: settings.compression,
    encryption: settings.encryption,
    keys: settings.keys,
    progress: context.progress,
    toolVersion: version,
    signal: context.signal,
    warnings: settings.warnings,
    onWarning: (message: string) => context.log.warn('rollback.unencrypted', message),
  };
  return { config, settings, rollback };
}

/** Where --source/--from may find backups: the config and the --dir/--identity flags. */
export async function sourceContextFrom(
  config: NsctlConfig,
  context: CommandContext,
  flags: StoreFlags,
) {
  const file = (await context.loadedConfig()).file;
  return {
    config,
    cwd: context.io.cwd,
    ...(file ? { configDir: dirname(file) } : {}),
    ...(flags.dir ? { backupDir: flags.dir } : {}),
    ...(flags.identity ? { identityFile: flags.identity } : {}),
  };
}

/** --collections/--exclude as a collection selection. */
export function selectionFrom(flags: { collections?: string[]; exclude?: string[] }) {
  return {
    ...(flags.collections ? { include: flags.collections } : {}),
    ...(flags.exclude ? { exclude: flags.exclude } : {}),
  };
}
