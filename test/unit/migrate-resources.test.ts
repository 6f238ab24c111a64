import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  describeSample,
  parseNetDev,
  summarizeResources,
} from '../../src/core/migrate/resources.js';

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 9999999   100    0    0    0     0          0         0  9999999   100    0    0    0     0       0          0
  eth0: 1000      10    0    0    0     0          0         0     2000      20    0    0    0     0       0          0
 wlan0:  500       5    0    0    0     0          0         0      300       3    0    0    0     0       0          0
`;

test('/proc/net/dev totals leave loopback out', () => {
  assert.deepEqual(parseNetDev(NET_DEV), { rxBytes: 1500, txBytes: 2300 });
  assert.deepEqual(parseNetDev(''), { rxBytes: 0, txBytes: 0 });
});

test('samples give rates per second and the totals sum the run', () => {
  const mb = 1024 * 1024;
  const start = {
    at: 0,
    cpuMicros: 0,
    rssBytes: 50 * mb,
    heapUsedBytes: 10 * mb,
    net: { rxBytes: 0, txBytes: 0 },
  };
  const mid = {
    at: 2000,
    cpuMicros: 1_000_000,
    rssBytes: 80 * mb,
    heapUsedBytes: 20 * mb,
    net: { rxBytes: 4000, txBytes: 2000 },
    disk: { freeBytes: 5, totalBytes: 10 },
  };
  const sample = describeSample(start, start, mid);
  assert.equal(sample.cpuPercent, 50);
  assert.equal(sample.rssMb, 80);
  assert.equal(sample.netRxBytesPerSec, 2000);
  assert.equal(sample.netTxBytesPerSec, 1000);
  assert.equal(sample.diskFreeBytes, 5);
  const totals = summarizeResources(
    start,
    { ...mid, at: 4000, cpuMicros: 2_000_000 },
    90 * mb,
    2,
    5,
  );
  assert.deepEqual(totals, {
    samples: 2,
    peakRssMb: 90,
    cpuSeconds: 2,
    averageCpuPercent: 50,
    netRxBytes: 4000,
    netTxBytes: 2000,
    minDiskFreeBytes: 5,
  });
});
