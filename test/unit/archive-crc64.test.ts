import assert from 'node:assert/strict';
import { test } from 'node:test';

import { computeCrc64, createCrc64, toArchiveCrc } from '../../src/core/archive/crc64.js';

// Produced by Go 1.26: crc64.Checksum(data, crc64.MakeTable(crc64.ECMA)).
const GO_VECTORS: [string, bigint][] = [
  ['', 0x0n],
  ['a', 0x330284772e652b05n],
  ['123456789', 0x995dc9bbdf1939fan],
  ['The quick brown fox jumps over the lazy dog', 0x5b5eb8c2e54aa1c4n],
  ['\x00', 0x1fada17364673f59n],
];

/** 1000 bytes of (i * 31 + 7) mod 256; Go gives 0x5e9723037b38c574. */
function makeSequence(): Buffer {
  return Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 31 + 7) & 0xff));
}

/** 1 MiB from xorshift32 seeded with 1; Go gives 0x47111f416732c726. */
function makeXorshift(): Buffer {
  const out = Buffer.alloc(1 << 20);
  let x = 1;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

test('matches Go hash/crc64 with the ECMA table on known strings', () => {
  for (const [input, expected] of GO_VECTORS) {
    assert.equal(computeCrc64(Buffer.from(input, 'latin1')), expected, JSON.stringify(input));
  }
  assert.equal(computeCrc64(Buffer.alloc(9, 0xff)), 0x1f525e8c9b98c0a6n);
});

test('matches Go on longer inputs that use the eight-byte path', () => {
  assert.equal(computeCrc64(makeSequence()), 0x5e9723037b38c574n);
  assert.equal(computeCrc64(makeXorshift()), 0x47111f416732c726n);
});

test('gives the same checksum however the input is split', () => {
  const data = makeSequence();
  for (const cuts of [[1, 3, 500], [7], [8, 16, 17, 999], [0, 0, 1000]]) {
    const crc = createCrc64();
    let from = 0;
    for (const cut of [...cuts, data.length]) {
      crc.update(data.subarray(from, cut));
      from = cut;
    }
    assert.equal(crc.digest(), 0x5e9723037b38c574n, `cuts ${cuts.join(',')}`);
  }
});

test('reads input at any byte offset of its buffer', () => {
  const data = makeSequence();
  const shifted = Buffer.alloc(data.length + 3);
  data.copy(shifted, 3);
  assert.equal(computeCrc64(shifted.subarray(3)), 0x5e9723037b38c574n);
});

test('stores the checksum signed, as mongodump writes int64(Sum64())', () => {
  assert.equal(toArchiveCrc(0x995dc9bbdf1939fan), -7395533204333446662n);
  assert.equal(toArchiveCrc(0x330284772e652b05n), 3675645893302102789n);
});
