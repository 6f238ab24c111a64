/**
 * CRC-64 with the ECMA-182 polynomial, bit-reflected, as Go's hash/crc64
 * computes it with `crc64.MakeTable(crc64.ECMA)` (the CRC-64/XZ parameters).
 * mongodump stores this checksum of every namespace's documents in the
 * archive, so ours must match it bit for bit.
 *
 * It runs over every byte of every backup: the register is kept as two
 * 32-bit halves in small integers, bytes are folded eight at a time through
 * slicing-by-8 tables, and BigInt appears only in {@link Crc64.digest}.
 */

/** The reflected ECMA-182 polynomial 0xC96C5795D7870F42, split in halves. */
const POLY_HI = 0xc96c5795 | 0;
const POLY_LO = 0xd7870f42 | 0;
const SLICES = 8;

// TABLE_x[k * 256 + i] is the CRC contribution of byte i followed by k zero
// bytes; Int32Array keeps every lookup a small integer for the JIT.
const TABLE_LO = new Int32Array(SLICES * 256);
const TABLE_HI = new Int32Array(SLICES * 256);

function fillTables(): void {
  for (let i = 0; i < 256; i++) {
    let lo = i;
    let hi = 0;
    for (let bit = 0; bit < 8; bit++) {
      const carry = lo & 1;
      lo = (lo >>> 1) | (hi << 31);
      hi >>>= 1;
      if (carry !== 0) {
        lo ^= POLY_LO;
        hi ^= POLY_HI;
      }
    }
    TABLE_LO[i] = lo;
    TABLE_HI[i] = hi;
  }
  for (let k = 1; k < SLICES; k++) {
    for (let i = 0; i < 256; i++) {
      const lo = TABLE_LO[(k - 1) * 256 + i] as number;
      const hi = TABLE_HI[(k - 1) * 256 + i] as number;
      const index = lo & 0xff;
      TABLE_LO[k * 256 + i] = (TABLE_LO[index] as number) ^ ((lo >>> 8) | (hi << 24));
      TABLE_HI[k * 256 + i] = (TABLE_HI[index] as number) ^ (hi >>> 8);
    }
  }
}

fillTables();

/** The register, inverted as Go keeps it between writes. */
interface Register {
  lo: number;
  hi: number;
}

// The tables are indexed with values masked to 0..255 plus a constant
// offset, so every `as number` below reads an element that exists.
function updateRegister(register: Register, data: Uint8Array): void {
  let lo = register.lo;
  let hi = register.hi;
  let p = 0;
  const end8 = data.length - (data.length % 8);
  const tl = TABLE_LO;
  const th = TABLE_HI;

  while (p < end8) {
    lo ^= (data[p] as number) | ((data[p + 1] as number) << 8);
    lo ^= ((data[p + 2] as number) << 16) | ((data[p + 3] as number) << 24);
    hi ^= (data[p + 4] as number) | ((data[p + 5] as number) << 8);
    hi ^= ((data[p + 6] as number) << 16) | ((data[p + 7] as number) << 24);
    const i7 = 1792 + (lo & 0xff);
    const i6 = 1536 + ((lo >>> 8) & 0xff);
    const i5 = 1280 + ((lo >>> 16) & 0xff);
    const i4 = 1024 + (lo >>> 24);
    const i3 = 768 + (hi & 0xff);
    const i2 = 512 + ((hi >>> 8) & 0xff);
    const i1 = 256 + ((hi >>> 16) & 0xff);
    const i0 = hi >>> 24;
    lo = (tl[i7] as number) ^ (tl[i6] as number) ^ (tl[i5] as number) ^ (tl[i4] as number);
    lo ^= (tl[i3] as number) ^ (tl[i2] as number) ^ (tl[i1] as number) ^ (tl[i0] as number);
    hi = (th[i7] as number) ^ (th[i6] as number) ^ (th[i5] as number) ^ (th[i4] as number);
    hi ^= (th[i3] as number) ^ (th[i2] as number) ^ (th[i1] as number) ^ (th[i0] as number);
    p += 8;
  }
  for (; p < data.length; p++) {
    const index = (lo ^ (data[p] as number)) & 0xff;
    lo = (tl[index] as number) ^ ((lo >>> 8) | (hi << 24));
    hi = (th[index] as number) ^ (hi >>> 8);
  }

  register.lo = lo;
  register.hi = hi;
}

/** A running CRC-64/ECMA over bytes fed in any number of pieces. */
export interface Crc64 {
  update(data: Uint8Array): void;
  /** The checksum so far as an unsigned 64-bit value, like Go's `Sum64()`. */
  digest(): bigint;
}

export function createCrc64(): Crc64 {
  const register: Register = { lo: -1, hi: -1 };
  return {
    update(data) {
      updateRegister(register, data);
    },
    digest() {
      const hi = BigInt(~register.hi >>> 0);
      const lo = BigInt(~register.lo >>> 0);
      return (hi << 32n) | lo;
    },
  };
}

/** The CRC-64/ECMA of one byte sequence, unsigned. */
export function computeCrc64(data: Uint8Array): bigint {
  const crc = createCrc64();
  crc.update(data);
  return crc.digest();
}

/**
 * The checksum as the archive stores it: mongodump writes `int64(Sum64())`,
 * so values with the top bit set are negative.
 */
export function toArchiveCrc(crc: bigint): bigint {
  return BigInt.asIntN(64, crc);
}
