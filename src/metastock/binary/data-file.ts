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
  /** YYYYMMDD of the last record read; 0 when none was. */
  lastYmd: number;
}

/**
 * The index's promise against what the file gave: an index that lists dates for a file that
 * yielded no record means records are missing — e.g. a truncated file whose damaged header count
 * now agrees with its size. (Only "none at all": real indexes' last dates are often stale, so a
 * file ending earlier than its index says is normal.) Null when the promise holds or none is made.
 */
export function indexShortfall(indexLast: number, r: DecodeResult): string | null {
  if (!(indexLast > 0) || r.rows > 0 || r.skipped > 0) return null;
  return `the index lists data up to ${indexLast} but the file holds no record; its records are missing`;
}

/** Reused across calls (decoding is synchronous): no fresh pages per file. */
let ieeeScratch = new Uint32Array(1 << 16);

/** Wrapped u16 counts are believed up to this many records (a 3 GB sparse file is not "wrapped"). */
const MAX_WRAPPED_RECORDS = 16 * 65536;

/**
 * Record count the file really holds: min(header count, size-derived count). `fileSize` is the
 * size on disk when `bytes` is only its head (see `dataBytesWanted`).
 */
export function dataRecordCount(
  bytes: Uint8Array,
  recordLength: number,
  fileSize = bytes.length,
): { count: number; warnings: string[]; truncated: string | null } {
  const warnings: string[] = [];
  if (recordLength <= 0 || bytes.length < 4 || fileSize < recordLength)
    return {
      count: 0,
      warnings,
      truncated: `file too short for its header (${fileSize} of ${Math.max(recordLength, 4)} bytes); no record read`,
    };
  const lastRec = bytes[2]! | (bytes[3]! << 8);
  const declared = Math.max(0, lastRec - 1);
  const fit = Math.max(0, Math.floor(fileSize / recordLength) - 1);
  let count = declared;
  let truncated: string | null = null;
  if (declared > fit) {
    truncated = `truncated: header declares ${declared} records but the file holds ${fit}; read ${fit}`;
    count = fit;
  } else if (fit > declared && (fit - declared) % 65536 === 0 && fit <= MAX_WRAPPED_RECORDS) {
    // More than 65,535 records: the u16 count wrapped; the size tells the truth.
    warnings.push(`header count wrapped at 65,536; reading the ${fit} records the file holds`);
    count = fit;
  } else if (fit > declared) {
    // Whole records past the header's count: unfinished appends, or a damaged count. Not read
    // (nothing says they are valid), but they may be data: an error, never a quiet notice.
    truncated = `header declares ${declared} records but the file holds ${fit} whole records; read ${declared}, ${fit - declared} not imported`;
  } else if (fileSize > (declared + 1) * recordLength) {
    warnings.push(`${fileSize - (declared + 1) * recordLength} bytes after record ${declared} ignored`);
  }
  // Never past what was read (the caller reads what the header promises, see dataBytesWanted).
  count = Math.min(count, Math.max(0, Math.floor(bytes.length / recordLength) - 1));
  return { count, warnings, truncated };
}

/**
 * How many bytes of a data file to read, from its first 4 bytes and its size: the header and the
 * records the header promises (or the whole file when the count wrapped). A sparse 3 GB file
 * whose header says 1 record costs one record, not 3 GB.
 */
export function dataBytesWanted(head: Uint8Array, fileSize: number, recordLength: number): number {
  if (head.length < 4 || recordLength <= 0) return Math.min(fileSize, 4);
  const lastRec = head[2]! | (head[3]! << 8);
  const declared = Math.max(0, lastRec - 1);
  const fit = Math.max(0, Math.floor(fileSize / recordLength) - 1);
  let records = Math.min(declared, fit);
  if (fit > declared && (fit - declared) % 65536 === 0 && fit <= MAX_WRAPPED_RECORDS) records = fit;
  return Math.min(fileSize, (records + 1) * recordLength);
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
  fileSize = bytes.length,
): DecodeResult {
  const off: FieldOffsets = fieldOffsets(fields);
  const rl = off.recordLength;
  if (off.date < 0) {
    return {
      rows: 0,
      skipped: 0,
      errors: [{ record: 0, reason: "field bitset has no DATE field" }],
      warnings: [],
      lastYmd: 0,
    };
  }
  const { count: declaredCount, warnings, truncated } = dataRecordCount(bytes, rl, fileSize);
  const errors: { record: number; reason: string }[] = truncated ? [{ record: 0, reason: truncated }] : [];
  let count = declaredCount;
  // A duplicated last record is a known writer bug: drop identical trailing copies.
  while (count >= 2 && sameRecord(bytes, count * rl, (count - 1) * rl, rl)) {
    count--;
    warnings.push("last record duplicates the one before it; dropped");
  }
  if (count === 0) return { rows: 0, skipped: 0, errors, warnings, lastYmd: 0 };

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
  return { rows, skipped, errors, warnings, lastYmd: rows > 0 ? lastYmd : 0 };
}

function sameRecord(b: Uint8Array, a: number, c: number, len: number): boolean {
  if (a + len > b.length) return false;
  for (let i = 0; i < len; i++) if (b[a + i] !== b[c + i]) return false;
  return true;
}
