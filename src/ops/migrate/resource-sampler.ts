/**
 * Periodic snapshots of what the migration costs: nsctl's CPU and memory,
 * the host's network traffic and the free space where the state file
 * lives. When every server is on this host the traffic crosses loopback
 * only, so loopback is what is counted then (and labelled so). Each sample goes to the caller (a JSON line, or a line on the
 * terminal); the totals go into the report.
 */
import { readFile, statfs } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';

import {
  describeSample,
  type NetScope,
  parseNetDev,
  type ResourceSample,
  type ResourceSnapshot,
  type ResourceTotals,
  summarizeResources,
} from '../../core/migrate/resources.js';

export interface ResourceSampler {
  /** Stops sampling and returns the totals. */
  stop(): Promise<ResourceTotals>;
}

/** The hosts of a `mongodb://` URI (several for a replica set); none for `mongodb+srv://`. */
function hostsOf(uri: string): string[] {
  const match = /^mongodb:\/\/(?:[^@/]*@)?([^/?]*)/.exec(uri);
  if (!match?.[1]) return [];
  return match[1].split(',').map((host) => {
    // An IPv6 address is bracketed; only then may it hold colons of its own.
    const ipv6 = /^\[(.*)\](?::\d+)?$/.exec(host)?.[1];
    return (ipv6 ?? host.replace(/:\d+$/, '')).toLowerCase();
  });
}

/** Whether every URI names this machine, so their traffic never leaves loopback. */
export function isOnThisHost(uris: readonly string[]): boolean {
  const own = new Set(['localhost', '::1']);
  for (const list of Object.values(networkInterfaces()))
    for (const address of list ?? []) own.add(address.address.toLowerCase());
  const hosts = uris.flatMap(hostsOf);
  return (
    hosts.length > 0 &&
    uris.every((uri) => hostsOf(uri).length > 0) &&
    hosts.every((host) => own.has(host) || host.startsWith('127.'))
  );
}

async function readNet(scope: NetScope): Promise<ResourceSnapshot['net']> {
  try {
    return parseNetDev(await readFile('/proc/net/dev', 'utf8'), scope);
  } catch {
    return undefined;
  }
}

async function readDisk(dir: string): Promise<ResourceSnapshot['disk']> {
  try {
    const fs = await statfs(dir);
    return { freeBytes: fs.bavail * fs.bsize, totalBytes: fs.blocks * fs.bsize };
  } catch {
    return undefined;
  }
}

async function snapshot(dir: string, scope: NetScope): Promise<ResourceSnapshot> {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  const [net, disk] = await Promise.all([readNet(scope), readDisk(dir)]);
  return {
    at: Date.now(),
    cpuMicros: cpu.user + cpu.system,
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    ...(net ? { net } : {}),
    ...(disk ? { disk } : {}),
  };
}

export async function startResourceSampler(
  dir: string,
  intervalMs: number,
  onSample: ((sample: ResourceSample) => void) | undefined,
  /** Every server is on this host: count loopback instead of the other interfaces. */
  serversOnThisHost = false,
): Promise<ResourceSampler> {
  const scope: NetScope = serversOnThisHost ? 'loopback' : 'interfaces';
  const start = await snapshot(dir, scope);
  const netScope = start.net ? { netScope: scope } : {};
  let previous = start;
  let peakRss = start.rssBytes;
  let minFree = start.disk?.freeBytes;
  let samples = 0;
  let pending: Promise<void> = Promise.resolve();

  const take = async () => {
    const current = await snapshot(dir, scope);
    peakRss = Math.max(peakRss, current.rssBytes);
    if (current.disk) minFree = Math.min(minFree ?? Infinity, current.disk.freeBytes);
    samples++;
    onSample?.({ ...describeSample(start, previous, current), ...netScope });
    previous = current;
  };
  const timer = setInterval(() => {
    pending = pending.then(take).catch(() => undefined);
  }, intervalMs);
  timer.unref();

  return {
    async stop() {
      clearInterval(timer);
      await pending;
      const end = await snapshot(dir, scope);
      peakRss = Math.max(peakRss, end.rssBytes);
      return { ...summarizeResources(start, end, peakRss, samples, minFree), ...netScope };
    },
  };
}
