/**
 * Microsoft Binary Format (MBF) single-precision floats, as stored in MetaStock MASTER dates and
 * every F#.DAT/F#.MWD field. MBF puts the exponent in the top byte and the sign in bit 23; IEEE
 * puts the sign first. The bias differs by 2 (binary point before the hidden bit), so
 * IEEE exponent = MBF exponent − 2. Exponents 0..2 would become zero/subnormal/Inf: real prices
 * never use them, so they decode as 0.
 */

const scratch = new DataView(new ArrayBuffer(4));

/** The IEEE-754 float32 bit pattern for an MBF bit pattern (both as uint32). */
export function mbfBitsToIeeeBits(x: number): number {
  const e = x >>> 24;
  if (e <= 2) return 0;
  return ((((e - 2) & 0xff) << 23) | ((x & 0x00800000) << 8) | (x & 0x007fffff)) >>> 0;
}

/**
 * The bulk form F#.DAT decoding uses: the IEEE bits of the first `n` MBF words of `words`, into
 * `out` at the same index (read back through a Float32Array over `out`). One definition of the
 * bit transform for both paths, so a bug cannot pass one path's tests and live in the other.
 */
export function mbfWordsToIeeeBits(words: Uint32Array, out: Uint32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = mbfBitsToIeeeBits(words[i]!);
}

/** Decode one MBF float32 given as a little-endian uint32. */
export function mbfToNumber(x: number): number {
  scratch.setUint32(0, mbfBitsToIeeeBits(x), true);
  return scratch.getFloat32(0, true);
}

/** Decode the MBF float at `offset` of `bytes`. */
export function readMbf(bytes: Uint8Array, offset: number): number {
  const x =
    (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>>
    0;
  return mbfToNumber(x);
}

/**
 * Encode a number as MBF (rounded to float32 first). Zero, and values too small for MBF's
 * exponent range, encode as 0; values beyond float32 range are rejected by the caller.
 */
export function numberToMbfBits(v: number): number {
  scratch.setFloat32(0, v, true);
  const ieee = scratch.getUint32(0, true);
  const ie = (ieee >>> 23) & 0xff;
  if (ie === 0) return 0; // zero or subnormal: not representable, MBF zero
  const e = ie + 2;
  if (e > 0xff) return 0xffffffff >>> 0; // overflow: largest magnitude (callers validate ranges)
  return ((e << 24) | ((ieee >>> 8) & 0x00800000) | (ieee & 0x007fffff)) >>> 0;
}

export function writeMbf(bytes: Uint8Array, offset: number, v: number): void {
  const x = numberToMbfBits(v);
  bytes[offset] = x & 0xff;
  bytes[offset + 1] = (x >>> 8) & 0xff;
  bytes[offset + 2] = (x >>> 16) & 0xff;
  bytes[offset + 3] = (x >>> 24) & 0xff;
}
