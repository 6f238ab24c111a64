/**
 * Config text in, `{ config?, errors, warnings }` out. Pure: the caller reads
 * the file and the environment. Every message starts with the key's path and
 * carries the line it was found on.
 */
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';

import { fixForIssue } from './issue-fix.js';
import { configSchema, type NsctlConfig } from './schema.js';

export interface ConfigProblem {
  /** Dotted key path, e.g. `backup.retention.keepDaily`; '' for the file. */
  path: string;
  line?: number;
  column?: number;
  message: string;
  /** What to write instead; every error has one, shown as its fix. */
  hint?: string;
}

export interface ConfigValidation {
  config?: NsctlConfig;
  errors: ConfigProblem[];
  warnings: ConfigProblem[];
}

/** Environment variables that may supply secrets, and where each lands. */
export const SECRET_ENV: ReadonlyArray<{ env: string; path: readonly string[] }> = [
  { env: 'NSCTL_MONGODB_URI', path: ['mongodb', 'uri'] },
  { env: 'NSCTL_API_SECRET', path: ['nightscout', 'apiSecret'] },
  { env: 'NSCTL_BACKUP_PASSPHRASE', path: ['backup', 'encryption', 'passphrase'] },
];

export interface ValidateOptions {
  /** Secrets from the environment, already read (see loadConfig). */
  secrets?: Record<string, string>;
}

export function validateConfigText(text: string, options: ValidateOptions = {}): ConfigValidation {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const errors: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];

  for (const error of doc.errors) {
    const pos = lineCounter.linePos(error.pos[0]);
    errors.push({
      path: '',
      line: pos.line,
      column: pos.col,
      message: error.message.split('\n')[0] ?? error.message,
      hint: 'check indentation (spaces, not tabs) and quoting at this line',
    });
  }
  if (errors.length > 0) return { errors, warnings };

  const raw: unknown = doc.toJS() ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      errors: [
        {
          path: '',
          line: 1,
          message: 'the file must be a mapping of keys',
          hint: 'write one "key: value" per line, e.g. "instance: home"',
        },
      ],
      warnings,
    };
  }
  const merged = applySecrets(raw as Record<string, unknown>, options.secrets ?? {});
  const locate = (path: readonly PropertyKey[]) => {
    const node = doc.getIn(path as unknown[], true) as { range?: [number, number] } | undefined;
    const keyed = node?.range ? node : findKeyNode(doc.contents, path);
    if (!keyed?.range) return {};
    const pos = lineCounter.linePos(keyed.range[0]);
    return { line: pos.line, column: pos.col };
  };

  for (const secretPath of inlineSecretPaths(merged, options.secrets ?? {})) {
    warnings.push({
      path: secretPath.join('.'),
      ...locate(secretPath),
      message: 'a secret is written in the config file',
      hint: `move it to ${SECRET_ENV.find((s) => s.path.join('.') === secretPath.join('.'))?.env ?? 'an environment variable'} or its _FILE variant, and keep nsctl.yaml free of secrets`,
    });
  }

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      errors.push(fromEnvironment(describeIssue(issue, locate, merged), options.secrets ?? {}));
    // In the file's order, as an editor walks it; problems without a line (from the environment) last.
    errors.sort(
      (a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER),
    );
    return { errors, warnings };
  }
  return { config: parsed.data, errors, warnings };
}

/** A problem with a value that came from the environment says so, not just the file. */
function fromEnvironment(problem: ConfigProblem, secrets: Record<string, string>): ConfigProblem {
  const source = SECRET_ENV.find((s) => s.path.join('.') === problem.path && s.env in secrets);
  if (!source) return problem;
  const { line: _line, column: _column, ...rest } = problem;
  return {
    ...rest,
    message: `${problem.message} (the value comes from the environment: ${source.env} or ${source.env}_FILE, not the file)`,
  };
}

function findKeyNode(
  contents: unknown,
  path: readonly PropertyKey[],
): { range?: [number, number] } | undefined {
  // For unknown keys the issue path names the parent; point at the parent's
  // map, or the document when the parent is the root.
  let node: unknown = contents;
  for (const key of path) {
    if (!isMap(node)) break;
    const pair = node.items.find((item) => isScalar(item.key) && item.key.value === key);
    if (!pair) break;
    node = pair.value;
  }
  return node as { range?: [number, number] } | undefined;
}

function hasValueAt(root: unknown, path: readonly PropertyKey[]): boolean {
  let node = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return false;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node !== undefined;
}

function describeIssue(
  issue: z.core.$ZodIssue,
  locate: (path: readonly PropertyKey[]) => { line?: number; column?: number },
  merged: Record<string, unknown>,
): ConfigProblem {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const full = [...path, key];
    return {
      path: full.join('.'),
      ...locate(full),
      message: `unknown key "${issue.keys.join('", "')}"`,
      hint: 'remove it or check its spelling; `nsctl config schema` lists every key',
    };
  }
  return {
    path: path.join('.'),
    ...locate(issue.path),
    message: issue.message,
    hint: fixForIssue(issue, hasValueAt(merged, issue.path)),
  };
}

function applySecrets(raw: Record<string, unknown>, secrets: Record<string, string>) {
  const copy = structuredClone(raw);
  for (const { env, path } of SECRET_ENV) {
    const value = secrets[env];
    if (value === undefined) continue;
    let node: Record<string, unknown> = copy;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (typeof next !== 'object' || next === null) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1] as string] = value;
  }
  return copy;
}

function inlineSecretPaths(merged: Record<string, unknown>, secrets: Record<string, string>) {
  const found: (readonly string[])[] = [];
  for (const { env, path } of SECRET_ENV) {
    if (secrets[env] !== undefined) continue;
    let node: unknown = merged;
    for (const key of path) node = (node as Record<string, unknown> | undefined)?.[key];
    if (typeof node !== 'string') continue;
    // A URI without a password is not a secret ("u%3Apw@" counts as one: see redact.ts).
    if (path[0] === 'mongodb' && !/:\/\/[^/@]*(:|%3A)[^/@]*@/i.test(node)) continue;
    found.push(path);
  }
  return found;
}
