/**
 * What a migration costs the machine it runs on, from periodic snapshots:
 * nsctl's own CPU and memory, the host's network traffic (/proc/net/dev:
 * loopback only when every server is on this host, else every interface
 * but loopback) and free space where the state file lives. Pure: the
 * snapshots are taken by the caller.
 */

export interface ResourceSnapshot {
  /** Milliseconds on the caller's clock. */
  at: number;
  /** process.cpuUsage() user + system, microseconds. */
  cpuMicros: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** Host-wide bytes received and sent, when /proc/net/dev can be read. */
  net?: { rxBytes: number; txBytes: number };
  disk?: { freeBytes: number; totalBytes: number };
}

/** Which interfaces the network figures count; absent when they could not be read. */
export type NetScope = 'interfaces' | 'loopback';

export interface ResourceSample {
  elapsedMs: number;
  /** Of one core; above 100 when several are busy. */
  cpuPercent: number;
  rssMb: number;
  heapUsedMb: number;
  netRxBytesPerSec?: number;
  netTxBytesPerSec?: number;
  netScope?: NetScope;
  diskFreeBytes?: number;
  diskTotalBytes?: number;
}

export interface ResourceTotals {
  samples: number;
  peakRssMb: number;
  cpuSeconds: number;
  averageCpuPercent: number;
  netRxBytes: number;
  netTxBytes: number;
  netScope?: NetScope;
  /** Least free disk space seen where the state file lives. */
  minDiskFreeBytes?: number;
}

/** Total received and sent bytes over every interface but loopback, or over loopback only. */
export function parseNetDev(
  text: string,
  scope: NetScope = 'interfaces',
): { rxBytes: number; txBytes: number } {
  let rxBytes = 0;
  let txBytes = 0;
  for (const line of text.split('\n')) {
    const match = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!match || (match[1] === 'lo') !== (scope === 'loopback')) continue;
    const fields = (match[2] ?? '').trim().split(/\s+/).map(Number);
    // Receive: bytes packets errs drop fifo frame compressed multicast; then transmit bytes.
    rxBytes += fields[0] ?? 0;
    txBytes += fields[8] ?? 0;
  }
  return { rxBytes, txBytes };
}

const MB = 1024 * 1024;

export function describeSample(
  start: ResourceSnapshot,
  previous: ResourceSnapshot,
  current: ResourceSnapshot,
): ResourceSample {
  const seconds = Math.max(0.001, (current.at - previous.at) / 1000);
  const sample: ResourceSample = {
    elapsedMs: current.at - start.at,
    cpuPercent: Math.round(((current.cpuMicros - previous.cpuMicros) / 1e6 / seconds) * 1000) / 10,
    rssMb: Math.round((current.rssBytes / MB) * 10) / 10,
    heapUsedMb: Math.round((current.heapUsedBytes / MB) * 10) / 10,
  };
  if (current.net && previous.net) {
    sample.netRxBytesPerSec = Math.round((current.net.rxBytes - previous.net.rxBytes) / seconds);
    sample.netTxBytesPerSec = Math.round((current.net.txBytes - previous.net.txBytes) / seconds);
  }
  if (current.disk) {
    sample.diskFreeBytes = current.disk.freeBytes;
    sample.diskTotalBytes = current.disk.totalBytes;
  }
  return sample;
}

export function summarizeResources(
  start: ResourceSnapshot,
  end: ResourceSnapshot,
  peakRssBytes: number,
  samples: number,
  minDiskFreeBytes: number | undefined,
): ResourceTotals {
  const cpuSeconds = (end.cpuMicros - start.cpuMicros) / 1e6;
  const seconds = Math.max(0.001, (end.at - start.at) / 1000);
  return {
    samples,
    peakRssMb: Math.round((peakRssBytes / MB) * 10) / 10,
    cpuSeconds: Math.round(cpuSeconds * 10) / 10,
    averageCpuPercent: Math.round((cpuSeconds / seconds) * 1000) / 10,
    netRxBytes: end.net && start.net ? end.net.rxBytes - start.net.rxBytes : 0,
    netTxBytes: end.net && start.net ? end.net.txBytes - start.net.txBytes : 0,
    ...(minDiskFreeBytes === undefined ? {} : { minDiskFreeBytes }),
  };
}
