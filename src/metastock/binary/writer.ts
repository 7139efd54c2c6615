/**
 * A MetaStock database writer: MASTER + EMASTER + F#.DAT for the first 255 securities, XMASTER +
 * F#.MWD beyond. Used by the round-trip property tests and to generate binary fixtures/demo data.
 * Pure: returns file name → bytes; the caller writes them.
 */
import { civilFromDays } from "../../core/bars.ts";
import { dataError } from "../../core/errors.ts";
import { writeMbf } from "../mbf.ts";
import { dataFileName } from "./directory.ts";
import { fieldOffsets, popcount8 } from "./fields.ts";
import { EMASTER_RECORD, MASTER_RECORD, XMASTER_MAGIC, XMASTER_RECORD } from "./master.ts";

export interface WriterSeries {
  length: number;
  /** Days since 1970-01-01. */
  date: Int32Array;
  /** HHMMSS (intraday); ignored unless the bitset has TIME. */
  time?: Int32Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  openint?: Float64Array;
}

export interface WriterSecurity {
  symbol: string;
  name?: string;
  /** D, W, M, I, Q, Y. */
  period: string;
  /** Field bitset; default 0x7F (D,O,H,L,C,V,OI) or 0xBF for intraday (D,T,O,H,L,C,V). */
  fields?: number;
  intradayMinutes?: number;
  rows: WriterSeries;
}

export const MAX_RECORDS_PER_FILE = 65534;

/** Days → YYYMMDD (year − 1900), the float date encoding of MASTER and data files. */
export function daysToYyymmdd(days: number): number {
  const { y, m, d } = civilFromDays(days);
  return (y - 1900) * 10000 + m * 100 + d;
}
function daysToYyyymmdd(days: number): number {
  const { y, m, d } = civilFromDays(days);
  return y * 10000 + m * 100 + d;
}

function putAscii(b: Uint8Array, o: number, len: number, s: string, pad: number): void {
  for (let i = 0; i < len; i++) b[o + i] = i < s.length ? s.charCodeAt(i) & 0xff : pad;
}
function putU16(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
}
function putI32(b: Uint8Array, o: number, v: number): void {
  new DataView(b.buffer, b.byteOffset).setInt32(o, v, true);
}
function putF32(b: Uint8Array, o: number, v: number): void {
  new DataView(b.buffer, b.byteOffset).setFloat32(o, v, true);
}

export function defaultFields(period: string): number {
  return period === "I" ? 0xbf : 0x7f;
}

/** Encode one data file (header + records). */
export function encodeDataFile(sec: WriterSecurity): Uint8Array {
  const fields = sec.fields ?? defaultFields(sec.period);
  const off = fieldOffsets(fields);
  const rl = off.recordLength;
  const n = sec.rows.length;
  if (n > MAX_RECORDS_PER_FILE) {
    throw dataError(
      `${sec.symbol}: ${n} rows exceed the ${MAX_RECORDS_PER_FILE} records a MetaStock data file holds`,
      {
        hint: "split the series across periods or securities",
      },
    );
  }
  const out = new Uint8Array((n + 1) * rl);
  putU16(out, 0, 0);
  putU16(out, 2, n + 1);
  const r = sec.rows;
  for (let i = 0; i < n; i++) {
    const o = (i + 1) * rl;
    writeMbf(out, o + off.date, daysToYyymmdd(r.date[i]!));
    if (off.time >= 0) writeMbf(out, o + off.time, r.time?.[i] ?? 0);
    if (off.open >= 0) writeMbf(out, o + off.open, r.open[i]!);
    if (off.high >= 0) writeMbf(out, o + off.high, r.high[i]!);
    if (off.low >= 0) writeMbf(out, o + off.low, r.low[i]!);
    if (off.close >= 0) writeMbf(out, o + off.close, r.close[i]!);
    if (off.volume >= 0) writeMbf(out, o + off.volume, r.volume[i]!);
    if (off.openint >= 0) writeMbf(out, o + off.openint, r.openint?.[i] ?? 0);
  }
  return out;
}

/** What an index record needs to know about a security (data files are encoded separately). */
export interface IndexEntry {
  symbol: string;
  name?: string;
  period: string;
  fields?: number;
  intradayMinutes?: number;
  /** First/last bar date in days since epoch; undefined for an empty series. */
  firstDay?: number;
  lastDay?: number;
}

export function indexEntry(sec: WriterSecurity): IndexEntry {
  const n = sec.rows.length;
  return {
    symbol: sec.symbol,
    name: sec.name,
    period: sec.period,
    fields: sec.fields,
    intradayMinutes: sec.intradayMinutes,
    firstDay: n ? sec.rows.date[0] : undefined,
    lastDay: n ? sec.rows.date[n - 1] : undefined,
  };
}

/**
 * Encode MASTER + EMASTER (entries 1..255 → F1.DAT…) and, beyond 255, XMASTER (F256.MWD…).
 * Entry i is stored as file number i + 1 (i < 255) or 256 + (i − 255).
 */
export function encodeIndexFiles(entries: readonly IndexEntry[]): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const low = entries.slice(0, 255);
  const high = entries.slice(255);

  const master = new Uint8Array((low.length + 1) * MASTER_RECORD);
  const emaster = new Uint8Array((low.length + 1) * EMASTER_RECORD);
  putU16(master, 0, low.length);
  putU16(master, 2, low.length);
  putU16(emaster, 0, low.length);
  putU16(emaster, 2, low.length);
  putAscii(emaster, 53, 26, "ttapi MetaStock writer", 0);

  low.forEach((sec, i) => {
    const fn = i + 1;
    const fields = sec.fields ?? defaultFields(sec.period);
    const count = popcount8(fields);
    const name = sec.name ?? sec.symbol;

    const m = (i + 1) * MASTER_RECORD;
    master[m] = fn;
    putU16(master, m + 1, 101);
    master[m + 3] = count * 4;
    master[m + 4] = count;
    putAscii(master, m + 7, 16, name, 0x20);
    writeMbf(master, m + 25, sec.firstDay !== undefined ? daysToYyymmdd(sec.firstDay) : 0);
    writeMbf(master, m + 29, sec.lastDay !== undefined ? daysToYyymmdd(sec.lastDay) : 0);
    master[m + 33] = sec.period.charCodeAt(0);
    putU16(master, m + 34, sec.intradayMinutes ?? 0);
    putAscii(master, m + 36, 14, sec.symbol, 0x20);
    master[m + 50] = 0x20;
    master[m + 51] = 0x20;

    const e = (i + 1) * EMASTER_RECORD;
    emaster[e] = 0x36;
    emaster[e + 1] = 0x36;
    emaster[e + 2] = fn;
    emaster[e + 6] = count;
    emaster[e + 7] = fields;
    emaster[e + 9] = 0x20;
    putAscii(emaster, e + 11, 14, sec.symbol, 0);
    putAscii(emaster, e + 32, 16, name, 0);
    emaster[e + 60] = sec.period.charCodeAt(0);
    putU16(emaster, e + 62, sec.intradayMinutes ?? 0);
    putF32(emaster, e + 64, sec.firstDay !== undefined ? daysToYyymmdd(sec.firstDay) : 0);
    putF32(emaster, e + 72, sec.lastDay !== undefined ? daysToYyymmdd(sec.lastDay) : 0);
    putI32(emaster, e + 126, sec.firstDay !== undefined ? daysToYyyymmdd(sec.firstDay) : 19000101);
    putAscii(emaster, e + 139, 52, name.length > 16 ? name : "", 0);
  });
  files.set("MASTER", master);
  files.set("EMASTER", emaster);

  if (high.length > 0) {
    const x = new Uint8Array((high.length + 1) * XMASTER_RECORD);
    XMASTER_MAGIC.forEach((b, i) => {
      x[i] = b;
    });
    putU16(x, 10, high.length);
    putU16(x, 14, high.length);
    putU16(x, 18, 256 + high.length);
    high.forEach((sec, i) => {
      const fn = 256 + i;
      const o = (i + 1) * XMASTER_RECORD;
      x[o] = 0x01;
      putAscii(x, o + 1, 14, sec.symbol, 0);
      putAscii(x, o + 16, 45, sec.name ?? sec.symbol, 0);
      x[o + 62] = sec.period.charCodeAt(0);
      putU16(x, o + 63, sec.intradayMinutes ?? 0);
      putU16(x, o + 65, fn);
      x[o + 70] = sec.fields ?? defaultFields(sec.period);
      putI32(x, o + 108, sec.firstDay !== undefined ? daysToYyyymmdd(sec.firstDay) : 0);
      putI32(x, o + 116, sec.lastDay !== undefined ? daysToYyyymmdd(sec.lastDay) : 0);
    });
    files.set("XMASTER", x);
  }
  return files;
}

/** File number of the i-th entry (0-based) in encodeIndexFiles' numbering. */
export function fileNumberOf(i: number): number {
  return i < 255 ? i + 1 : 256 + (i - 255);
}

/** Encode a whole database in memory: index files plus one data file per security. */
export function writeMetastockDb(securities: readonly WriterSecurity[]): Map<string, Uint8Array> {
  const files = encodeIndexFiles(securities.map(indexEntry));
  securities.forEach((sec, i) => {
    files.set(dataFileName(fileNumberOf(i)), encodeDataFile(sec));
  });
  return files;
}
