/**
 * One run at a time per target database: a lock file in the system's
 * temporary folder, named after the target's server and database, holding
 * the process id of the run that owns it. Two runs into the same database
 * would both write it, each believing the other's documents are its own;
 * keyed by the target, not by the state file, the lock also stops a run
 * started from another folder (with its own state file and backups).
 *
 * A run killed with -9 leaves its lock behind; the next run finds that no
 * process has that id on this host and takes the lock over. A lock written
 * on another host (a state file on a shared disk) cannot be checked this
 * way and is honoured until removed by hand. Known shortcomings: a recycled
 * process id on this host keeps a stale lock alive until removed by hand;
 * runs on different machines, or in services with a private temporary
 * folder (systemd PrivateTmp), do not see each other's locks.
 */

import { open, readFile, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

import { NsctlError } from '../../core/errors.js';

export interface RunLock {
  release(): Promise<void>;
}

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>;
    return typeof owner.pid === 'number' && typeof owner.host === 'string'
      ? { pid: owner.pid, host: owner.host, startedAt: String(owner.startedAt ?? '?') }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Who holds the migration's lock now, or undefined when no live run does. */
async function findHolder(path: string, me: LockOwner): Promise<LockOwner | undefined> {
  const owner = await readOwner(path);
  if (!owner) return undefined;
  return owner.host !== me.host || isRunning(owner.pid) ? owner : undefined;
}

function describeHolder(owner: LockOwner, me: LockOwner): string {
  const where =
    owner.host === me.host ? `process ${owner.pid}` : `process ${owner.pid} on ${owner.host}`;
  return `another migration into this database is in progress (${where}, since ${owner.startedAt})`;
}

/** The lock file of runs into the target database that `targetTag` names. */
export function runLockPath(targetTag: string): string {
  return join(tmpdir(), `nsctl-${targetTag}.lock`);
}

/** For a dry run, which takes no lock: the running run a real one would be refused for. */
export async function describeRunningRun(path: string): Promise<string | undefined> {
  const me = { pid: process.pid, host: hostname(), startedAt: '' };
  const owner = await findHolder(path, me);
  return owner && owner.pid !== me.pid ? describeHolder(owner, me) : undefined;
}

export async function acquireRunLock(path: string): Promise<RunLock> {
  const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = await open(path, 'wx', 0o600);
      try {
        await file.writeFile(`${JSON.stringify(me)}\n`);
      } finally {
        await file.close();
      }
      return { release: () => rm(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await findHolder(path, me);
    if (owner) {
      throw new NsctlError('MIGRATE_REFUSED', describeHolder(owner, me), {
        where: path,
        hint: `Wait for it to end, or stop it (Ctrl-C) and run again with --resume. If no such run exists, delete ${path}.`,
      });
    }
    // Left behind by a run that was killed, or unreadable: take it over.
    await rm(path, { force: true });
  }
  throw new NsctlError('MIGRATE_REFUSED', `could not take the lock ${path}`, {
    where: path,
    hint: 'Another run may be starting at the same moment; try again.',
  });
}
