/**
 * Periodic snapshots of what the migration costs: nsctl's CPU and memory,
 * the host's network traffic and the free space where the state file
 * lives. Each sample goes to the caller (a JSON line, or a line on the
 * terminal); the totals go into the report.
 */
import { readFile, statfs } from 'node:fs/promises';

import {
  describeSample,
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

async function readNet(): Promise<ResourceSnapshot['net']> {
  try {
    return parseNetDev(await readFile('/proc/net/dev', 'utf8'));
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

async function snapshot(dir: string): Promise<ResourceSnapshot> {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  const [net, disk] = await Promise.all([readNet(), readDisk(dir)]);
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
): Promise<ResourceSampler> {
  const start = await snapshot(dir);
  let previous = start;
  let peakRss = start.rssBytes;
  let minFree = start.disk?.freeBytes;
  let samples = 0;
  let pending: Promise<void> = Promise.resolve();

  const take = async () => {
    const current = await snapshot(dir);
    peakRss = Math.max(peakRss, current.rssBytes);
    if (current.disk) minFree = Math.min(minFree ?? Infinity, current.disk.freeBytes);
    samples++;
    onSample?.(describeSample(start, previous, current));
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
      const end = await snapshot(dir);
      peakRss = Math.max(peakRss, end.rssBytes);
      return summarizeResources(start, end, peakRss, samples, minFree);
    },
  };
}
