/**
 * The field bitset of a MetaStock data record (EMASTER @7, XMASTER @70, or derived from MASTER's
 * field count) and the fixed on-disk order of the present fields.
 */

export const F_DATE = 0x01;
export const F_HIGH = 0x02;
export const F_LOW = 0x04;
export const F_CLOSE = 0x08;
export const F_VOL = 0x10;
export const F_OPEN = 0x20;
export const F_OPENINT = 0x40;
export const F_TIME = 0x80;

/** Present fields are always stored in this order, 4 bytes each. */
export const DISK_ORDER = [F_DATE, F_TIME, F_OPEN, F_HIGH, F_LOW, F_CLOSE, F_VOL, F_OPENINT] as const;

export function popcount8(x: number): number {
  let n = 0;
  for (let b = x & 0xff; b; b &= b - 1) n++;
  return n;
}

/**
 * MASTER only gives a field count n: the fields are the first n bits (DATE, HIGH, LOW, CLOSE, VOL,
 * OPEN, OPENINT, TIME); intraday (period I) sets TIME and derives the rest from n − 1.
 */
export function bitsetFromCount(n: number, period: string): number {
  if (n < 1 || n > 8) return 0;
  if (period === "I" && n >= 5) return F_TIME | (0xff >> (8 - (n - 1)));
  return 0xff >> (8 - n);
}

/** Byte offset (within a record) of each field, or -1 when the field is absent. */
export interface FieldOffsets {
  recordLength: number;
  date: number;
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  openint: number;
}

export function fieldOffsets(bitset: number): FieldOffsets {
  const off: number[] = [];
  let pos = 0;
  for (const f of DISK_ORDER) {
    if (bitset & f) {
      off.push(pos);
      pos += 4;
    } else off.push(-1);
  }
  return {
    recordLength: pos,
    date: off[0]!,
    time: off[1]!,
    open: off[2]!,
    high: off[3]!,
    low: off[4]!,
    close: off[5]!,
    volume: off[6]!,
    openint: off[7]!,
  };
}
