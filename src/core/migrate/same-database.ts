/**
 * Whether two MongoDB URIs, or two servers by what they say of themselves,
 * are the same: a migration onto its own source would drop it.
 */
import { isSameMongoLocation, parseMongoLocation } from '../mongo-location.js';

/**
 * Both URIs name the same database on servers one seed list shares with
 * the other (loopback aliases and the default port made alike).
 */
export function isSameDatabaseUri(a: string, b: string): boolean {
  const first = parseMongoLocation(a);
  const second = parseMongoLocation(b);
  return (
    first?.database !== undefined && second !== undefined && isSameMongoLocation(first, second)
  );
}

/** What a server says of itself, enough to tell one server process from another. */
export interface ServerIdentity {
  /** `hello.topologyVersion.processId` (MongoDB 4.4+): unique per server process. */
  processId?: string;
  /** From `serverStatus`: host name, process id, process name, start time. */
  host?: string;
  pid?: number;
  process?: string;
  startedMs?: number;
}

/** Start times read from two connections differ by the time between the reads. */
const START_TOLERANCE_MS = 5000;

/** True only when both identities are complete enough and agree. */
export function isSameServer(
  a: ServerIdentity | undefined,
  b: ServerIdentity | undefined,
): boolean {
  if (!a || !b) return false;
  if (a.processId && b.processId) return a.processId === b.processId;
  if (a.host === undefined || a.pid === undefined || a.startedMs === undefined) return false;
  return (
    a.host === b.host &&
    a.pid === b.pid &&
    a.process === b.process &&
    b.startedMs !== undefined &&
    Math.abs(a.startedMs - b.startedMs) <= START_TOLERANCE_MS
  );
}
