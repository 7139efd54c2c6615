/**
 * Parsers for the three MetaStock index files. Each returns plain records plus warnings; none
 * throws on garbage (a broken index is reported and the caller decides what to use).
 *   MASTER  53-byte header + 53-byte records, F1..F255 (.DAT)
 *   EMASTER 192-byte header + 192-byte records, same securities with an explicit field bitset
 *   XMASTER 150-byte header + 150-byte records, F256+ (.MWD)
 */
import { readMbf } from "../mbf.ts";
import { bitsetFromCount, popcount8 } from "./fields.ts";

export interface MasterRecord {
  fileNumber: number;
  /** Field count from the record (MASTER) or popcount of the bitset. */
  fieldCount: number;
  /** Field bitset (explicit for EMASTER/XMASTER, derived for MASTER). */
  fields: number;
  symbol: string;
  name: string;
  /** Period letter, upper-case (D, W, M, I, Q, Y). */
  period: string;
  /**
   * The raw period byte when it was not a period letter (the period above is then a guess from
   * the field bitset: TIME present → I, else D). Undefined for a valid byte.
   */
  badPeriod?: number;
  intradayMinutes: number;
  /** YYYYMMDD, 0 when unknown. */
  firstDate: number;
  lastDate: number;
}

export interface IndexParse {
  records: MasterRecord[];
  /** Notices that lost nothing (a trailing partial record, an index too short to hold one). */
  warnings: string[];
  /** Problems that may lose securities (invalid records, truncation, garbage): errors, not notices. */
  errors: string[];
  /** False when the file is not a usable index at all. */
  usable: boolean;
}

export const MASTER_RECORD = 53;
export const EMASTER_RECORD = 192;
export const XMASTER_RECORD = 150;
/**
 * The largest file each index can be: its header plus as many records as the 16-bit count field
 * can declare. Anything larger is not an index (a wrong file, or a huge sparse one): refused
 * before reading, never read whole.
 */
export const INDEX_MAX_BYTES = {
  MASTER: MASTER_RECORD * 0x10000,
  EMASTER: EMASTER_RECORD * 0x10000,
  XMASTER: XMASTER_RECORD * 0x10000,
} as const;
export const XMASTER_MAGIC = [0x5d, 0xfe, 0x58, 0x4d] as const;

const latin1 = new TextDecoder("latin1");

/** A fixed-width string field: stop at NUL, trim spaces/NULs on both ends. */
export function fixedString(bytes: Uint8Array, offset: number, length: number): string {
  const end = Math.min(bytes.length, offset + length);
  let stop = offset;
  while (stop < end && bytes[stop] !== 0) stop++;
  return latin1.decode(bytes.subarray(offset, stop)).trim();
}

function u16(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}
function i32(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
}
function f32(b: Uint8Array, o: number): number {
  return new DataView(b.buffer, b.byteOffset + o, 4).getFloat32(0, true);
}

/** YYYMMDD (year − 1900) float value → YYYYMMDD; 0 when absent. */
export function yyymmddToYmd(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return 0;
  return Math.trunc(v) + 19000000;
}

/** Period letters of the binary format (MetaStock writes D, W, M, I; Q and Y are seen too). */
const PERIODS = "DWMIQY";

/** The period letter of a byte, or null when the byte is no period at all. */
function periodLetter(code: number): string | null {
  const c = String.fromCharCode(code).toUpperCase();
  return c.length === 1 && PERIODS.includes(c) ? c : null;
}

/** A record's period: its letter, or a guess from the bitset (TIME → intraday) flagged as bad. */
function periodOf(code: number, fields: number): { period: string; badPeriod?: number } {
  const p = periodLetter(code);
  if (p !== null) return { period: p };
  return { period: fields & 0x80 ? "I" : "D", badPeriod: code };
}

/** Index records past the header that the file's size holds whole; the tail is reported. */
function recordsHeld(
  bytes: Uint8Array,
  recordLength: number,
  declared: number,
  file: string,
  warnings: string[],
  errors: string[],
): number {
  const fit = Math.floor(bytes.length / recordLength) - 1;
  const tail = bytes.length % recordLength;
  if (declared > fit) {
    errors.push(`${file}: header declares ${declared} records but the file holds ${fit}; reading ${fit}`);
    return fit;
  }
  if (tail !== 0) warnings.push(`${file}: ${tail} trailing bytes after the last whole record ignored`);
  return declared;
}

function allZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** Vendor quirk: a first date later than the last one had 1,000,000 too many (year 128 for 28). */
function fixFirstDate(first: number, last: number): number {
  return first > last && last > 0 && first - 1000000 > 0 ? first - 1000000 : first;
}

export function parseMaster(bytes: Uint8Array): IndexParse {
  const warnings: string[] = [];
  const errors: string[] = [];
  if (bytes.length < MASTER_RECORD)
    return { records: [], warnings: [], errors: ["MASTER: file too short"], usable: false };
  if (allZero(bytes)) {
    return {
      records: [],
      warnings: [],
      errors: [`MASTER: zero-filled (${bytes.length} bytes of NUL): lists no security`],
      usable: false,
    };
  }
  const count = recordsHeld(bytes, MASTER_RECORD, u16(bytes, 0), "MASTER", warnings, errors);
  const records: MasterRecord[] = [];
  for (let r = 1; r <= count; r++) {
    const o = r * MASTER_RECORD;
    const fileNumber = bytes[o]!;
    const fieldCount = bytes[o + 4]!;
    if (fileNumber === 0 || fieldCount < 4 || fieldCount > 8) {
      errors.push(`MASTER: record ${r} is invalid (F${fileNumber}, ${fieldCount} fields); skipped`);
      continue;
    }
    // MASTER has no bitset: TIME is implied by the period, so a bad period byte guesses from the count.
    const letter = periodLetter(bytes[o + 33]!);
    const period = letter ?? (fieldCount === 8 ? "I" : "D");
    const last = yyymmddToYmd(readMbf(bytes, o + 29));
    records.push({
      fileNumber,
      fieldCount,
      fields: bitsetFromCount(fieldCount, period),
      symbol: fixedString(bytes, o + 36, 14),
      name: fixedString(bytes, o + 7, 16),
      period,
      ...(letter === null ? { badPeriod: bytes[o + 33]! } : {}),
      intradayMinutes: u16(bytes, o + 34),
      firstDate: fixFirstDate(yyymmddToYmd(readMbf(bytes, o + 25)), last),
      lastDate: last,
    });
  }
  return { records, warnings, errors, usable: records.length > 0 || count === 0 };
}

export function parseEmaster(bytes: Uint8Array): IndexParse {
  const warnings: string[] = [];
  const errors: string[] = [];
  if (bytes.length < EMASTER_RECORD)
    return { records: [], warnings: [], errors: ["EMASTER: file too short"], usable: false };
  if (allZero(bytes)) {
    return { records: [], warnings: [], errors: ["EMASTER: zero-filled: lists no security"], usable: false };
  }
  const count = recordsHeld(bytes, EMASTER_RECORD, u16(bytes, 0), "EMASTER", warnings, errors);
  const records: MasterRecord[] = [];
  for (let r = 1; r <= count; r++) {
    const o = r * EMASTER_RECORD;
    const fileNumber = bytes[o + 2]!;
    const fields = bytes[o + 7]!;
    const fieldCount = bytes[o + 6]!;
    if (fileNumber === 0 || (fields & 0x01) === 0 || popcount8(fields) !== fieldCount) {
      errors.push(
        `EMASTER: record ${r} is invalid (F${fileNumber}, bitset 0x${fields.toString(16)}); skipped`,
      );
      continue;
    }
    const shortName = fixedString(bytes, o + 32, 16);
    const longName = fixedString(bytes, o + 139, 52);
    const last = yyymmddToYmd(f32(bytes, o + 72));
    const firstInt = i32(bytes, o + 126);
    records.push({
      fileNumber,
      fieldCount,
      fields,
      symbol: fixedString(bytes, o + 11, 14),
      name: longName.length > shortName.length ? longName : shortName,
      ...periodOf(bytes[o + 60]!, fields),
      intradayMinutes: u16(bytes, o + 62),
      firstDate: fixFirstDate(
        firstInt > 19000101 && firstInt < 30000000 ? firstInt : yyymmddToYmd(f32(bytes, o + 64)),
        last,
      ),
      lastDate: last,
    });
  }
  return { records, warnings, errors, usable: true };
}

export function parseXmaster(bytes: Uint8Array): IndexParse {
  const magicOk = bytes.length >= 4 && XMASTER_MAGIC.every((m, i) => bytes[i] === m);
  // Shorter than one record: holds no security either way (atem says the same words).
  if (bytes.length < XMASTER_RECORD)
    return { records: [], warnings: ["XMASTER: not usable"], errors: [], usable: false };
  if (!magicOk) {
    return {
      records: [],
      warnings: [],
      errors: ["XMASTER: not usable (no XMASTER signature); its securities (F256+, .MWD) are not imported"],
      usable: false,
    };
  }
  const warnings: string[] = [];
  const errors: string[] = [];
  const count = recordsHeld(bytes, XMASTER_RECORD, u16(bytes, 10), "XMASTER", warnings, errors);
  const records: MasterRecord[] = [];
  for (let r = 1; r <= count; r++) {
    const o = r * XMASTER_RECORD;
    const fileNumber = u16(bytes, o + 65);
    const fields = bytes[o + 70]!;
    if (fileNumber < 256 || (fields & 0x01) === 0) {
      errors.push(
        `XMASTER: record ${r} is invalid (F${fileNumber}, bitset 0x${fields.toString(16)}); skipped`,
      );
      continue;
    }
    records.push({
      fileNumber,
      fieldCount: popcount8(fields),
      fields,
      symbol: fixedString(bytes, o + 1, 14),
      name: fixedString(bytes, o + 16, 45),
      ...periodOf(bytes[o + 62]!, fields),
      intradayMinutes: u16(bytes, o + 63),
      firstDate: i32(bytes, o + 108),
      lastDate: i32(bytes, o + 116),
    });
  }
  return { records, warnings, errors, usable: true };
}
