/**
 * Reads nsctl.yaml and the environment and validates them. The only config
 * code that does I/O.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

import { NsctlError } from '../errors.js';
import { registerSecret, registerUriSecrets } from '../redact.js';
import type { NsctlConfig } from './schema.js';
import { type ConfigValidation, SECRET_ENV, validateConfigText } from './validate.js';

export const DEFAULT_CONFIG_FILE = 'nsctl.yaml';

export interface LoadConfigOptions {
  /** Explicit path (--config); otherwise NSCTL_CONFIG, then ./nsctl.yaml if present. */
  path?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface LoadedConfig extends ConfigValidation {
  /** The file read, or undefined when running on defaults and environment only. */
  file?: string;
}

/** Secrets from NAME or NAME_FILE; both set is an error. */
export async function readSecretEnv(env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const secrets: Record<string, string> = {};
  for (const { env: name } of SECRET_ENV) {
    const direct = env[name];
    const file = env[`${name}_FILE`];
    if (direct !== undefined && file !== undefined) {
      throw new NsctlError('CONFIG_INVALID', `both ${name} and ${name}_FILE are set`, {
        hint: `unset one of them`,
        where: name,
      });
    }
    if (direct !== undefined && direct !== '') secrets[name] = direct;
    if (file !== undefined) {
      try {
        secrets[name] = (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
      } catch (error) {
        throw new NsctlError('SECRET_FILE_UNREADABLE', `cannot read ${name}_FILE (${file})`, {
          where: file,
          cause: error,
        });
      }
    }
  }
  for (const [name, value] of Object.entries(secrets)) {
    // A connection string is not itself secret; only its password is (the
    // redaction of URIs masks it wherever the URI appears).
    if (name === 'NSCTL_MONGODB_URI') registerUriSecrets(value);
    else registerSecret(value);
  }
  return secrets;
}

export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.path ?? env.NSCTL_CONFIG;
  const file = resolve(cwd, explicit ?? DEFAULT_CONFIG_FILE);
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const missing = code === 'ENOENT' || code === 'EISDIR';
    if (!missing || explicit !== undefined) {
      throw new NsctlError(
        missing ? 'CONFIG_NOT_FOUND' : 'FILE_UNWRITABLE',
        code === 'EISDIR'
          ? `the config file ${file} is a directory`
          : missing
            ? `config file not found: ${file}`
            : `cannot read config file ${file}`,
        { where: file, cause: error },
      );
    }
  }
  const secrets = await readSecretEnv(env);
  const result = validateConfigText(text, { secrets });
  registerConfigSecrets(result.config);
  return text === '' && explicit === undefined ? result : { ...result, file };
}

function registerConfigSecrets(config: NsctlConfig | undefined): void {
  if (!config) return;
  registerSecret(config.nightscout.apiSecret);
  registerSecret(config.backup.encryption?.passphrase);
  if (config.mongodb.uri) registerUriSecrets(config.mongodb.uri);
}

/** Throws the first error as an NsctlError; for commands that need a valid config. */
export function requireValidConfig(loaded: LoadedConfig): NsctlConfig {
  const first = loaded.errors[0];
  if (loaded.config && !first) return loaded.config;
  const where = loaded.file
    ? `${loaded.file}${first?.line ? `:${first.line}` : ''}`
    : `settings (no ${DEFAULT_CONFIG_FILE} was found)`;
  const count = loaded.errors.length;
  throw new NsctlError(
    first?.path === '' ? 'CONFIG_SYNTAX' : 'CONFIG_INVALID',
    `${where}: ${first?.path ? `${first.path}: ` : ''}${first?.message ?? 'invalid configuration'}` +
      (count > 1 ? ` (and ${count - 1} more)` : ''),
    {
      where,
      ...(first?.hint ? { hint: first.hint } : {}),
      details: { errors: loaded.errors },
    },
  );
}
