/**
 * Decoder for F#.DAT / F#.MWD data files: a header the size of one record (u16 @2 = last_rec =
 * records + 1) followed by fixed-size records of MBF float32 fields (see fields.ts for the order).
 *
 * Works around the known broken files: a header count larger than the file (use the size), trailing
 * bytes (ignored), a duplicated last record (dropped), invalid dates (row skipped). Prices and
 * volumes are the exact float32 values widened to float64 (lossless; the format holds ~7 digits).
 */
import { daysFromCivil, daysInMonth } from "../../core/bars.ts";
import type { BarColumnsBuilder } from "../columns.ts";
import { mbfWordsToIeeeBits } from "../mbf.ts";
import { type FieldOffsets, fieldOffsets } from "./fields.ts";

export interface DecodeResult {
  rows: number;
  /** Rows skipped for invalid dates/times. */
  skipped: number;
  /** Problems that lost data: record number (0 = file level) and reason. */
  errors: { record: number; reason: string }[];
  /** Notices that lost nothing (trailing bytes, a dropped duplicate record). */
  warnings: string[];
}

/** Reused across calls (decoding is synchronous): no fresh pages per file. */
let ieeeScratch = new Uint32Array(1 << 16);

/** Record count the file really holds: min(header count, size-derived count). */
export function dataRecordCount(
  bytes: Uint8Array,
  recordLength: number,
): { count: number; warnings: string[]; truncated: string | null } {
  const warnings: string[] = [];
  if (recordLength <= 0 || bytes.length < 4)
    return { count: 0, warnings, truncated: "file too short for a header" };
  const lastRec = bytes[2]! | (bytes[3]! << 8);
  const declared = Math.max(0, lastRec - 1);
  const fit = Math.max(0, Math.floor(bytes.length / recordLength) - 1);
  let count = declared;
  let truncated: string | null = null;
  if (declared > fit) {
    truncated = `truncated: header declares ${declared} records but the file holds ${fit}; read ${fit}`;
    count = fit;
  } else if (fit > declared && (fit - declared) % 65536 === 0) {
    // More than 65,535 records: the u16 count wrapped; the size tells the truth.
    warnings.push(`header count wrapped at 65,536; reading the ${fit} records the file holds`);
    count = fit;
  } else if (bytes.length > (declared + 1) * recordLength) {
    warnings.push(`${bytes.length - (declared + 1) * recordLength} bytes after record ${declared} ignored`);
  }
  return { count, warnings, truncated };
}

/**
 * Append the records of one data file to `out` as `symbolId`/`period`. `fields` is the bitset of
 * the security (from its index record).
 */
export function decodeDataFile(
  bytes: Uint8Array,
  fields: number,
  out: BarColumnsBuilder,
  symbolId: number,
  period: string,
): DecodeResult {
  const off: FieldOffsets = fieldOffsets(fields);
  const rl = off.recordLength;
  if (off.date < 0) {
    return {
      rows: 0,
      skipped: 0,
      errors: [{ record: 0, reason: "field bitset has no DATE field" }],
      warnings: [],
    };
  }
  const { count: declaredCount, warnings, truncated } = dataRecordCount(bytes, rl);
  const errors: { record: number; reason: string }[] = truncated ? [{ record: 0, reason: truncated }] : [];
  let count = declaredCount;
  // A duplicated last record is a known writer bug: drop identical trailing copies.
  while (count >= 2 && sameRecord(bytes, count * rl, (count - 1) * rl, rl)) {
    count--;
    warnings.push("last record duplicates the one before it; dropped");
  }
  if (count === 0) return { rows: 0, skipped: 0, errors, warnings };

  // Pass 1: MBF → IEEE bits for every field of every record, in one tight loop over an aligned
  // Uint32 view; pass 2 reads the fields as float32 through a Float32Array over the same bits.
  const src = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  const rw = rl >>> 2;
  const words = new Uint32Array(src.buffer, src.byteOffset + rl, count * rw);
  const nWords = count * rw;
  if (ieeeScratch.length < nWords) ieeeScratch = new Uint32Array(Math.max(nWords, ieeeScratch.length * 2));
  const ieee = ieeeScratch;
  mbfWordsToIeeeBits(words, ieee, nWords);
  const fv = new Float32Array(ieee.buffer);
  const oDate = off.date >> 2;
  const oTime = off.time >> 2;
  const oOpen = off.open >> 2;
  const oHigh = off.high >> 2;
  const oLow = off.low >> 2;
  const oClose = off.close >> 2;
  const oVol = off.volume >> 2;
  const oOi = off.openint >> 2;
  const p = period.charCodeAt(0);
  const intraday = period === "I";

  out.reserve(count);
  let n = out.length;
  const { symbolIndex, period: per, date, time, open, high, low, close, volume, openint } = out;
  let skipped = 0;
  let lastYmd = -1;
  let lastDays = 0;
  for (let r = 0; r < count; r++) {
    const base = r * rw;
    const ymd = Math.trunc(fv[base + oDate]!) + 19000000;
    if (ymd !== lastYmd) {
      const d = ymd % 100;
      if (((ymd / 100) | 0) === ((lastYmd / 100) | 0) && d >= 1 && d <= 28) {
        // Same month as the previous record: day arithmetic, no calendar conversion.
        lastDays += ymd - lastYmd;
        lastYmd = ymd;
      } else {
        const y = (ymd / 10000) | 0;
        const m = ((ymd / 100) | 0) % 100;
        if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m) || y < 1000) {
          skipped++;
          if (skipped <= 20) errors.push({ record: r + 1, reason: `invalid date ${ymd}` });
          continue;
        }
        lastYmd = ymd;
        lastDays = daysFromCivil(y, m, d);
      }
    }
    let t = -1;
    if (oTime >= 0) {
      const hms = Math.trunc(fv[base + oTime]!);
      if (hms < 0 || hms > 235959 || ((hms / 100) | 0) % 100 > 59 || hms % 100 > 59) {
        skipped++;
        if (skipped <= 20) errors.push({ record: r + 1, reason: `invalid time ${hms}` });
        continue;
      }
      t = intraday || hms !== 0 ? hms : -1;
    }
    const c = oClose >= 0 ? fv[base + oClose]! : Number.NaN;
    symbolIndex[n] = symbolId;
    per[n] = p;
    date[n] = lastDays;
    time[n] = t;
    close[n] = c;
    open[n] = oOpen >= 0 ? fv[base + oOpen]! : c;
    high[n] = oHigh >= 0 ? fv[base + oHigh]! : c;
    low[n] = oLow >= 0 ? fv[base + oLow]! : c;
    volume[n] = oVol >= 0 ? fv[base + oVol]! : 0;
    openint[n] = oOi >= 0 ? fv[base + oOi]! : Number.NaN;
    n++;
  }
  const rows = n - out.length;
  out.length = n;
  return { rows, skipped, errors, warnings };
}

function sameRecord(b: Uint8Array, a: number, c: number, len: number): boolean {
  if (a + len > b.length) return false;
  for (let i = 0; i < len; i++) if (b[a + i] !== b[c + i]) return false;
  return true;
}
