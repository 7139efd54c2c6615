/**
 * Field decoders of the ASCII parser's general path (the fast path, fast-codegen.ts, handles the
 * canonical forms inline): numbers, the date forms MetaStock accepts, times, periods. Each reads
 * at `cur.pos` and leaves it after the field; a bad field returns NaN / -2 / 0 with `cur.err`
 * saying why. The cursor is per range parse (no module state): a parse owns its own.
 */
import { daysFromCivil, daysInMonth } from "../../core/bars.ts";

/** Where a field decoder reads, and what it found out. */
export interface Cursor {
  pos: number;
  /** Why the last field failed ("" when it was only empty). */
  err: string;
  /** Digits read by the last digitsAt. */
  ndig: number;
  /** Last YYYYMMDD → days cache of finishDate (reset per range). */
  lastYmd: number;
  lastDays: number;
}

export function newCursor(): Cursor {
  return { pos: 0, err: "", ndig: 0, lastYmd: -1, lastDays: 0 };
}

export const POW10 = new Float64Array(23);
for (let i = 0; i < 23; i++) POW10[i] = 10 ** i;

const C_SP = 0x20;
const C_TAB = 0x09;
const C_DQ = 0x22;
const C_SQ = 0x27;

const latin1 = new TextDecoder("latin1");

export function isPad(c: number): boolean {
  return c === C_SP || c === C_DQ || c === C_SQ || c === C_TAB;
}

/** Text of the field starting at p (for error messages only). */
export function fieldText(b: Uint8Array, p: number, end: number, sep: number): string {
  let q = p;
  while (q < end && b[q] !== sep && q - p < 24) q++;
  return latin1.decode(b.subarray(p, q)).trim();
}

/** Parse a decimal number at `cur.pos`; NaN + cur.err on failure, NaN + "" when the field is empty. */
export function parseNumber(cur: Cursor, b: Uint8Array, end: number, sep: number): number {
  while (cur.pos < end && isPad(b[cur.pos]!) && b[cur.pos] !== sep) cur.pos++;
  const start = cur.pos;
  let neg = false;
  let c = b[cur.pos]!;
  if (cur.pos < end && (c === 0x2d || c === 0x2b)) {
    neg = c === 0x2d;
    cur.pos++;
  }
  let m = 0;
  let digits = 0;
  let frac = 0;
  while (cur.pos < end) {
    c = b[cur.pos]! - 0x30;
    if (c < 0 || c > 9) break;
    m = m * 10 + c;
    digits++;
    cur.pos++;
  }
  if (cur.pos < end && b[cur.pos] === 0x2e) {
    cur.pos++;
    while (cur.pos < end) {
      c = b[cur.pos]! - 0x30;
      if (c < 0 || c > 9) break;
      m = m * 10 + c;
      digits++;
      frac++;
      cur.pos++;
    }
  }
  let slow = false;
  if (cur.pos < end && (b[cur.pos] === 0x65 || b[cur.pos] === 0x45) && digits > 0) {
    slow = true;
    cur.pos++;
    if (cur.pos < end && (b[cur.pos] === 0x2d || b[cur.pos] === 0x2b)) cur.pos++;
    let ed = 0;
    while (cur.pos < end && b[cur.pos]! >= 0x30 && b[cur.pos]! <= 0x39) {
      cur.pos++;
      ed++;
    }
    if (ed === 0) {
      cur.err = "bad number";
      return Number.NaN;
    }
  }
  const stop = cur.pos;
  while (cur.pos < end && b[cur.pos] !== sep && isPad(b[cur.pos]!)) cur.pos++;
  if (cur.pos < end && b[cur.pos] !== sep) {
    cur.err = "bad number";
    return Number.NaN;
  }
  if (digits === 0) {
    cur.err = stop === start ? "" : "bad number";
    return Number.NaN;
  }
  if (slow || digits > 15 || frac > 22) return Number.parseFloat(latin1.decode(b.subarray(start, stop)));
  const v = frac === 0 ? m : m / POW10[frac]!;
  return neg ? -v : v;
}

/** Unsigned digit run at `cur.pos` (stops at the first non-digit); -1 when none. Sets `cur.ndig`. */
export function digitsAt(cur: Cursor, b: Uint8Array, end: number): number {
  let v = 0;
  cur.ndig = 0;
  while (cur.pos < end) {
    const c = b[cur.pos]! - 0x30;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
    cur.ndig++;
    cur.pos++;
  }
  return cur.ndig === 0 ? -1 : v;
}

/** Date field → days since epoch, or NaN + cur.err. YYYYMMDD, YYMMDD, YYYY-MM-DD, M/D/YYYY. */
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

function upperAt(b: Uint8Array, p: number): number {
  const c = b[p]!;
  return c >= 0x61 && c <= 0x7a ? c - 0x20 : c;
}

/** `21 Jan 2008` or `Sat, 21 Jan 2008` (MetaStock's DATE column accepts both) at `pos`. */
function parseTextDate(cur: Cursor, b: Uint8Array, end: number, sep: number): number {
  // Optional weekday: letters, then a comma (unless the comma is the separator) and spaces.
  if (upperAt(b, cur.pos) >= 0x41 && upperAt(b, cur.pos) <= 0x5a) {
    while (cur.pos < end && upperAt(b, cur.pos) >= 0x41 && upperAt(b, cur.pos) <= 0x5a) cur.pos++;
    if (b[cur.pos] === 0x2c && sep !== 0x2c) cur.pos++;
    while (cur.pos < end && b[cur.pos] === C_SP && sep !== C_SP) cur.pos++;
  }
  const d = digitsAt(cur, b, end);
  if (cur.ndig < 1 || cur.ndig > 2 || b[cur.pos] !== C_SP || sep === C_SP) return Number.NaN;
  cur.pos++;
  const mon = MONTHS.findIndex(
    (m) =>
      upperAt(b, cur.pos) === m.charCodeAt(0) &&
      upperAt(b, cur.pos + 1) === m.charCodeAt(1) &&
      upperAt(b, cur.pos + 2) === m.charCodeAt(2),
  );
  if (mon < 0) return Number.NaN;
  cur.pos += 3;
  if (b[cur.pos] !== C_SP) return Number.NaN;
  cur.pos++;
  const y = digitsAt(cur, b, end);
  if (cur.ndig !== 4) return Number.NaN;
  return y * 10000 + (mon + 1) * 100 + d;
}

export function parseDate(cur: Cursor, b: Uint8Array, end: number, sep: number, pivot: number): number {
  while (cur.pos < end && isPad(b[cur.pos]!) && b[cur.pos] !== sep) cur.pos++;
  const start = cur.pos;
  const text = parseTextDate(cur, b, end, sep);
  if (!Number.isNaN(text))
    return finishDate(cur, b, end, sep, (text / 10000) | 0, ((text / 100) | 0) % 100, text % 100);
  cur.pos = start;
  const a = digitsAt(cur, b, end);
  let y: number;
  let m: number;
  let d: number;
  const c = cur.pos < end ? b[cur.pos] : sep;
  if (cur.ndig === 8 && (c === sep || isPad(c!) || cur.pos >= end)) {
    y = (a / 10000) | 0;
    m = ((a / 100) | 0) % 100;
    d = a % 100;
  } else if (cur.ndig === 6 && (c === sep || isPad(c!) || cur.pos >= end)) {
    const yy = (a / 10000) | 0;
    y = yy < pivot ? 2000 + yy : 1900 + yy;
    m = ((a / 100) | 0) % 100;
    d = a % 100;
  } else if (cur.ndig === 4 && c === 0x2d) {
    y = a;
    cur.pos++;
    m = digitsAt(cur, b, end);
    if (cur.ndig < 1 || cur.ndig > 2 || b[cur.pos] !== 0x2d) return badDate(cur);
    cur.pos++;
    d = digitsAt(cur, b, end);
    if (cur.ndig < 1 || cur.ndig > 2) return badDate(cur);
  } else if ((cur.ndig === 1 || cur.ndig === 2) && c === 0x2f) {
    m = a;
    cur.pos++;
    d = digitsAt(cur, b, end);
    if (cur.ndig < 1 || cur.ndig > 2 || b[cur.pos] !== 0x2f) return badDate(cur);
    cur.pos++;
    y = digitsAt(cur, b, end);
    if ((cur.ndig as number) !== 4) return badDate(cur);
  } else return badDate(cur);
  return finishDate(cur, b, end, sep, y, m, d);
}

function finishDate(
  cur: Cursor,
  b: Uint8Array,
  end: number,
  sep: number,
  y: number,
  m: number,
  d: number,
): number {
  while (cur.pos < end && b[cur.pos] !== sep && isPad(b[cur.pos]!)) cur.pos++;
  if (cur.pos < end && b[cur.pos] !== sep) return badDate(cur);
  const ymd = y * 10000 + m * 100 + d;
  if (ymd === cur.lastYmd) return cur.lastDays;
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m) || y < 1000 || y > 2200) return badDate(cur);
  cur.lastYmd = ymd;
  cur.lastDays = daysFromCivil(y, m, d);
  return cur.lastDays;
}
function badDate(cur: Cursor): number {
  cur.err = "bad date";
  return Number.NaN;
}

/** Time field → HHMMSS; HHMM (≤ 4 digits) is scaled; `HH:MM[:SS]` accepted. -2 + cur.err on error, -1 if empty. */
export function parseTime(cur: Cursor, b: Uint8Array, end: number, sep: number): number {
  while (cur.pos < end && isPad(b[cur.pos]!) && b[cur.pos] !== sep) cur.pos++;
  let v = digitsAt(cur, b, end);
  let n: number = cur.ndig;
  if (n === 0) {
    if (cur.pos >= end || b[cur.pos] === sep) return -1;
    cur.err = "bad time";
    return -2;
  }
  if (b[cur.pos] === 0x3a && n <= 2) {
    cur.pos++;
    const mm = digitsAt(cur, b, end);
    if (cur.ndig !== 2) return badTime(cur);
    v = v * 100 + mm;
    n = 4;
    if (b[cur.pos] === 0x3a) {
      cur.pos++;
      const ss = digitsAt(cur, b, end);
      if (cur.ndig !== 2) return badTime(cur);
      v = v * 100 + ss;
      n = 6;
    }
  }
  while (cur.pos < end && b[cur.pos] !== sep && isPad(b[cur.pos]!)) cur.pos++;
  if (cur.pos < end && b[cur.pos] !== sep) return badTime(cur);
  if (n > 6) return badTime(cur);
  const hms = n <= 4 ? v * 100 : v;
  if (hms > 235959 || ((hms / 100) | 0) % 100 > 59 || hms % 100 > 59) return badTime(cur);
  return hms;
}
function badTime(cur: Cursor): number {
  cur.err = "bad time";
  return -2;
}

export const PERIOD_OK = new Uint8Array(128);
for (const c of "IDWMQY") PERIOD_OK[c.charCodeAt(0)] = 1;

/** Period field → upper-case letter code; a number of minutes (Finam, tick exports) is intraday `I`. */
export function parsePeriod(cur: Cursor, b: Uint8Array, end: number, sep: number): number {
  while (cur.pos < end && isPad(b[cur.pos]!) && b[cur.pos] !== sep) cur.pos++;
  let c = b[cur.pos]!;
  let code = 0;
  if (cur.pos < end && c >= 0x30 && c <= 0x39) {
    digitsAt(cur, b, end);
    code = 0x49; // "I"
  } else if (cur.pos < end) {
    if (c >= 0x61 && c <= 0x7a) c -= 0x20;
    if (c < 128 && PERIOD_OK[c]) code = c;
    cur.pos++;
  }
  while (cur.pos < end && b[cur.pos] !== sep && isPad(b[cur.pos]!)) cur.pos++;
  if (code === 0 || (cur.pos < end && b[cur.pos] !== sep)) {
    cur.err = "bad period";
    return 0;
  }
  return code;
}
