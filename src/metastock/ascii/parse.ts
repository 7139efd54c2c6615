/**
 * The byte-level MetaStock ASCII parser: bytes in, typed columns out, no per-row strings or
 * objects. One pass over a byte range that starts at a line start (so a large file can be split
 * across workers); each field is decoded in place by its role from the detected layout.
 *
 * Numbers: digits accumulate into an integer mantissa m (exact below 2^53) and the value is
 * m / 10^k — exact and correctly rounded for k ≤ 22 (Clinger's fast path), i.e. identical to
 * parseFloat; longer or exponent forms fall back to parseFloat on the field text.
 */
import { type BarArrays, daysFromCivil, daysInMonth } from "../../core/bars.ts";
import type { BarColumnsBuilder } from "../columns.ts";
import { compileFastLines, type FastEnv } from "./fast-codegen.ts";
import {
  type AsciiLayout,
  ROLE_CLOSE,
  ROLE_DATE,
  ROLE_HIGH,
  ROLE_LOW,
  ROLE_NAMES,
  ROLE_OI,
  ROLE_OPEN,
  ROLE_PER,
  ROLE_TICKER,
  ROLE_TIME,
  ROLE_VOL,
} from "./layout.ts";

export interface RowError {
  /** 1-based line number within the parsed range (the caller adds the range's first line). */
  line: number;
  reason: string;
}

export interface ParseOptions {
  /** Symbol for files without a ticker column (e.g. Stooq per-symbol `aapl.us.txt`). */
  defaultSymbol?: string;
  /** Keep at most this many error details (all are counted). */
  maxErrors?: number;
  /** Stop at the first malformed row. */
  strict?: boolean;
  /** Two-digit years below this pivot are 20xx, others 19xx (default 50). */
  yearPivot?: number;
  /** Use the canonical-form fast path (default true; false checks it against the general path). */
  fastPath?: boolean;
}

export interface ParseResult {
  rows: number;
  /** Lines consumed (terminated or last), including blank ones. */
  lines: number;
  errors: RowError[];
  errorCount: number;
  /** True when `strict` stopped the parse early. */
  stopped: boolean;
  /**
   * Rows whose (date, time) is not after the previous row of the same symbol: out of order
   * (descending) or a repeat. The first of each is kept with its line (files should be ascending;
   * the import sorts and deduplicates, and reports these).
   */
  descending: number;
  firstDescendingLine: number;
  repeated: number;
  firstRepeatedLine: number;
}

/** A parse that cannot start (nothing in the input is usable): one error, no rows, stopped. */
export function unparsable(line: number, reason: string): ParseResult {
  return {
    rows: 0,
    lines: 0,
    errors: [{ line, reason }],
    errorCount: 1,
    stopped: true,
    descending: 0,
    firstDescendingLine: 0,
    repeated: 0,
    firstRepeatedLine: 0,
  };
}

const POW10 = new Float64Array(23);
for (let i = 0; i < 23; i++) POW10[i] = 10 ** i;

const C_NL = 0x0a;
const C_CR = 0x0d;
const C_SP = 0x20;
const C_TAB = 0x09;
const C_DQ = 0x22;
const C_SQ = 0x27;

const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder("utf-8");

// Per-call parse state shared by the field decoders (avoids returning tuples on the hot path).
let pos = 0;
let fieldErr = "";

function isPad(c: number): boolean {
  return c === C_SP || c === C_DQ || c === C_SQ || c === C_TAB;
}

/** Text of the field starting at p (for error messages only). */
function fieldText(b: Uint8Array, p: number, end: number, sep: number): string {
  let q = p;
  while (q < end && b[q] !== sep && q - p < 24) q++;
  return latin1.decode(b.subarray(p, q)).trim();
}

/** Parse a decimal number at `pos`; NaN + fieldErr on failure, NaN + "" when the field is empty. */
function parseNumber(b: Uint8Array, end: number, sep: number): number {
  while (pos < end && isPad(b[pos]!) && b[pos] !== sep) pos++;
  const start = pos;
  let neg = false;
  let c = b[pos]!;
  if (pos < end && (c === 0x2d || c === 0x2b)) {
    neg = c === 0x2d;
    pos++;
  }
  let m = 0;
  let digits = 0;
  let frac = 0;
  while (pos < end) {
    c = b[pos]! - 0x30;
    if (c < 0 || c > 9) break;
    m = m * 10 + c;
    digits++;
    pos++;
  }
  if (pos < end && b[pos] === 0x2e) {
    pos++;
    while (pos < end) {
      c = b[pos]! - 0x30;
      if (c < 0 || c > 9) break;
      m = m * 10 + c;
      digits++;
      frac++;
      pos++;
    }
  }
  let slow = false;
  if (pos < end && (b[pos] === 0x65 || b[pos] === 0x45) && digits > 0) {
    slow = true;
    pos++;
    if (pos < end && (b[pos] === 0x2d || b[pos] === 0x2b)) pos++;
    let ed = 0;
    while (pos < end && b[pos]! >= 0x30 && b[pos]! <= 0x39) {
      pos++;
      ed++;
    }
    if (ed === 0) {
      fieldErr = "bad number";
      return Number.NaN;
    }
  }
  const stop = pos;
  while (pos < end && b[pos] !== sep && isPad(b[pos]!)) pos++;
  if (pos < end && b[pos] !== sep) {
    fieldErr = "bad number";
    return Number.NaN;
  }
  if (digits === 0) {
    fieldErr = stop === start ? "" : "bad number";
    return Number.NaN;
  }
  if (slow || digits > 15 || frac > 22) return Number.parseFloat(latin1.decode(b.subarray(start, stop)));
  const v = frac === 0 ? m : m / POW10[frac]!;
  return neg ? -v : v;
}

/** Unsigned digit run at `pos` (stops at the first non-digit); -1 when none. Sets `ndig`. */
let ndig = 0;
function digitsAt(b: Uint8Array, end: number): number {
  let v = 0;
  ndig = 0;
  while (pos < end) {
    const c = b[pos]! - 0x30;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
    ndig++;
    pos++;
  }
  return ndig === 0 ? -1 : v;
}

let lastYmd = -1;
let lastDays = 0;

/** Date field → days since epoch, or NaN + fieldErr. YYYYMMDD, YYMMDD, YYYY-MM-DD, M/D/YYYY. */
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

function upperAt(b: Uint8Array, p: number): number {
  const c = b[p]!;
  return c >= 0x61 && c <= 0x7a ? c - 0x20 : c;
}

/** `21 Jan 2008` or `Sat, 21 Jan 2008` (MetaStock's DATE column accepts both) at `pos`. */
function parseTextDate(b: Uint8Array, end: number, sep: number): number {
  // Optional weekday: letters, then a comma (unless the comma is the separator) and spaces.
  if (upperAt(b, pos) >= 0x41 && upperAt(b, pos) <= 0x5a) {
    while (pos < end && upperAt(b, pos) >= 0x41 && upperAt(b, pos) <= 0x5a) pos++;
    if (b[pos] === 0x2c && sep !== 0x2c) pos++;
    while (pos < end && b[pos] === C_SP && sep !== C_SP) pos++;
  }
  const d = digitsAt(b, end);
  if (ndig < 1 || ndig > 2 || b[pos] !== C_SP || sep === C_SP) return Number.NaN;
  pos++;
  const mon = MONTHS.findIndex(
    (m) =>
      upperAt(b, pos) === m.charCodeAt(0) &&
      upperAt(b, pos + 1) === m.charCodeAt(1) &&
      upperAt(b, pos + 2) === m.charCodeAt(2),
  );
  if (mon < 0) return Number.NaN;
  pos += 3;
  if (b[pos] !== C_SP) return Number.NaN;
  pos++;
  const y = digitsAt(b, end);
  if (ndig !== 4) return Number.NaN;
  return y * 10000 + (mon + 1) * 100 + d;
}

function parseDate(b: Uint8Array, end: number, sep: number, pivot: number): number {
  while (pos < end && isPad(b[pos]!) && b[pos] !== sep) pos++;
  const start = pos;
  const text = parseTextDate(b, end, sep);
  if (!Number.isNaN(text))
    return finishDate(b, end, sep, (text / 10000) | 0, ((text / 100) | 0) % 100, text % 100);
  pos = start;
  const a = digitsAt(b, end);
  let y: number;
  let m: number;
  let d: number;
  const c = pos < end ? b[pos] : sep;
  if (ndig === 8 && (c === sep || isPad(c!) || pos >= end)) {
    y = (a / 10000) | 0;
    m = ((a / 100) | 0) % 100;
    d = a % 100;
  } else if (ndig === 6 && (c === sep || isPad(c!) || pos >= end)) {
    const yy = (a / 10000) | 0;
    y = yy < pivot ? 2000 + yy : 1900 + yy;
    m = ((a / 100) | 0) % 100;
    d = a % 100;
  } else if (ndig === 4 && c === 0x2d) {
    y = a;
    pos++;
    m = digitsAt(b, end);
    if (ndig < 1 || ndig > 2 || b[pos] !== 0x2d) return badDate();
    pos++;
    d = digitsAt(b, end);
    if (ndig < 1 || ndig > 2) return badDate();
  } else if ((ndig === 1 || ndig === 2) && c === 0x2f) {
    m = a;
    pos++;
    d = digitsAt(b, end);
    if (ndig < 1 || ndig > 2 || b[pos] !== 0x2f) return badDate();
    pos++;
    y = digitsAt(b, end);
    if ((ndig as number) !== 4) return badDate();
  } else return badDate();
  return finishDate(b, end, sep, y, m, d);
}

function finishDate(b: Uint8Array, end: number, sep: number, y: number, m: number, d: number): number {
  while (pos < end && b[pos] !== sep && isPad(b[pos]!)) pos++;
  if (pos < end && b[pos] !== sep) return badDate();
  const ymd = y * 10000 + m * 100 + d;
  if (ymd === lastYmd) return lastDays;
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m) || y < 1000 || y > 2200) return badDate();
  lastYmd = ymd;
  lastDays = daysFromCivil(y, m, d);
  return lastDays;
}
function badDate(): number {
  fieldErr = "bad date";
  return Number.NaN;
}

/** Time field → HHMMSS; HHMM (≤ 4 digits) is scaled; `HH:MM[:SS]` accepted. -2 + fieldErr on error, -1 if empty. */
function parseTime(b: Uint8Array, end: number, sep: number): number {
  while (pos < end && isPad(b[pos]!) && b[pos] !== sep) pos++;
  let v = digitsAt(b, end);
  let n: number = ndig;
  if (n === 0) {
    if (pos >= end || b[pos] === sep) return -1;
    fieldErr = "bad time";
    return -2;
  }
  if (b[pos] === 0x3a && n <= 2) {
    pos++;
    const mm = digitsAt(b, end);
    if (ndig !== 2) return badTime();
    v = v * 100 + mm;
    n = 4;
    if (b[pos] === 0x3a) {
      pos++;
      const ss = digitsAt(b, end);
      if (ndig !== 2) return badTime();
      v = v * 100 + ss;
      n = 6;
    }
  }
  while (pos < end && b[pos] !== sep && isPad(b[pos]!)) pos++;
  if (pos < end && b[pos] !== sep) return badTime();
  if (n > 6) return badTime();
  const hms = n <= 4 ? v * 100 : v;
  if (hms > 235959 || ((hms / 100) | 0) % 100 > 59 || hms % 100 > 59) return badTime();
  return hms;
}
function badTime(): number {
  fieldErr = "bad time";
  return -2;
}

const PERIOD_OK = new Uint8Array(128);
for (const c of "IDWMQY") PERIOD_OK[c.charCodeAt(0)] = 1;

/** Period field → upper-case letter code; a number of minutes (Finam, tick exports) is intraday `I`. */
function parsePeriod(b: Uint8Array, end: number, sep: number): number {
  while (pos < end && isPad(b[pos]!) && b[pos] !== sep) pos++;
  let c = b[pos]!;
  let code = 0;
  if (pos < end && c >= 0x30 && c <= 0x39) {
    digitsAt(b, end);
    code = 0x49; // "I"
  } else if (pos < end) {
    if (c >= 0x61 && c <= 0x7a) c -= 0x20;
    if (c < 128 && PERIOD_OK[c]) code = c;
    pos++;
  }
  while (pos < end && b[pos] !== sep && isPad(b[pos]!)) pos++;
  if (code === 0 || (pos < end && b[pos] !== sep)) {
    fieldErr = "bad period";
    return 0;
  }
  return code;
}

/**
 * Everything a range parse carries from line to line. The fast path keeps these in locals while
 * it runs and syncs them here when it hands a line to the general path (rare), so both paths see
 * one state: column buffers, the ticker and date caches, the order check, line count and errors.
 */
interface RangeState extends BarArrays {
  out: BarColumnsBuilder;
  n: number;
  cap: number;
  // Last ticker bytes → id: files hold long runs of one ticker, so decode a string only on change.
  tickBytes: Uint8Array;
  tickLen: number;
  tickId: number;
  known: Map<number, KnownTicker>;
  // Last YYYYMMDD → days since epoch (consecutive rows share the month).
  ymdCache: number;
  daysCache: number;
  prevSym: number;
  prevPer: number;
  prevKey: number;
  descending: number;
  firstDescendingLine: number;
  repeated: number;
  firstRepeatedLine: number;
  line: number;
  errors: RowError[];
  errorCount: number;
  stopped: boolean;
  defaultId: number;
  layout: AsciiLayout;
  roles: Int32Array;
  pivot: number;
  maxErrors: number;
  strict: boolean;
}

/** What the compiled canonical-form loops (fast-codegen.ts) call back into. */
const FAST_ENV: FastEnv<RangeState> = {
  growState: (st) => growState(st),
  tickerId: (st, b, a, z) => tickerId(st, b, a, z),
  daysFromCivil,
  daysInMonth: (y, m) => daysInMonth(y, m),
  isPad: (c) => isPad(c),
  POW10,
  PERIOD_OK,
};

/** Make room for more rows and refresh the column views (the builder reallocates). */
function growState(st: RangeState): void {
  st.out.length = st.n;
  st.out.reserve(Math.max(1024, st.n >> 1));
  st.cap = st.out.capacity;
  st.symbolIndex = st.out.symbolIndex;
  st.period = st.out.period;
  st.date = st.out.date;
  st.time = st.out.time;
  st.open = st.out.open;
  st.high = st.out.high;
  st.low = st.out.low;
  st.close = st.out.close;
  st.volume = st.out.volume;
  st.openint = st.out.openint;
}

/** A ticker seen in this range: its bytes and dictionary id (chained on hash collisions). */
interface KnownTicker {
  bytes: Uint8Array;
  id: number;
  next: KnownTicker | null;
}

/**
 * Dictionary id of the ticker bytes `b[a, z)` (already trimmed, non-empty). Single-symbol files
 * hit the one-entry cache; multi-symbol files (a day of every symbol per file) change ticker on
 * every line, so tickers seen before are found by a hash of their bytes: no string is decoded
 * after a ticker's first line.
 */
function tickerId(st: RangeState, b: Uint8Array, a: number, z: number): number {
  const len = z - a;
  if (len === st.tickLen) {
    const t = st.tickBytes;
    let k = 0;
    while (k < len && b[a + k] === t[k]) k++;
    if (k === len) return st.tickId;
  }
  let h = 0x811c9dc5; // FNV-1a
  for (let k = a; k < z; k++) h = Math.imul(h ^ b[k]!, 0x01000193);
  const head = st.known.get(h) ?? null;
  for (let e = head; e !== null; e = e.next) {
    const t = e.bytes;
    if (t.length !== len) continue;
    let k = 0;
    while (k < len && b[a + k] === t[k]) k++;
    if (k === len) {
      st.tickBytes = t;
      st.tickLen = len;
      st.tickId = e.id;
      return e.id;
    }
  }
  const bytes = b.slice(a, z);
  const id = st.out.symbolId(utf8.decode(bytes).toUpperCase());
  st.known.set(h, { bytes, id, next: head });
  st.tickBytes = bytes;
  st.tickLen = len;
  st.tickId = id;
  return id;
}

/**
 * Parse the lines of `bytes[start, end)` (start at a line start) with `layout`, appending rows to
 * `out`. Blank lines are skipped; a malformed row is skipped and reported (or stops the parse when
 * `strict`).
 *
 * Two paths share one state: the fast path (a loop compiled for the layout, fast-codegen.ts)
 * takes the lines in the layout's canonical form (unpadded fields, plain decimals, 8-digit dates,
 * 6-digit times, one-letter periods); the first line it does not recognise goes to `generalLine`,
 * which knows every variant and reports errors, and then the fast path resumes. Files the fast path never fits (space
 * separated, other date forms) stop trying it after a few lines.
 */
export function parseAsciiRange(
  bytes: Uint8Array,
  start: number,
  end: number,
  layout: AsciiLayout,
  out: BarColumnsBuilder,
  opts: ParseOptions = {},
): ParseResult {
  // The digit loops stop at the first non-digit without a bounds check, so the byte after the
  // last line must exist: append a newline when the range ends the buffer without one.
  let b = bytes;
  if (end === bytes.length && end > start && bytes[end - 1] !== C_NL) {
    b = new Uint8Array(end + 1);
    b.set(bytes);
    b[end] = C_NL;
  }
  lastYmd = -1;
  let defaultId = -1;
  if (!layout.has.ticker) {
    if (opts.defaultSymbol === undefined) {
      return unparsable(1, "no ticker column and no symbol from the file name");
    }
    defaultId = out.symbolId(opts.defaultSymbol.toUpperCase());
  }
  out.reserve(Math.min(Math.ceil((end - start) / 40) + 16, 1 << 22));
  const st: RangeState = {
    out,
    n: out.length,
    cap: out.capacity,
    symbolIndex: out.symbolIndex,
    period: out.period,
    date: out.date,
    time: out.time,
    open: out.open,
    high: out.high,
    low: out.low,
    close: out.close,
    volume: out.volume,
    openint: out.openint,
    tickBytes: new Uint8Array(0),
    tickLen: -1,
    tickId: -1,
    known: new Map(),
    ymdCache: -1,
    daysCache: 0,
    prevSym: -1,
    prevPer: -1,
    prevKey: Number.NEGATIVE_INFINITY,
    descending: 0,
    firstDescendingLine: 0,
    repeated: 0,
    firstRepeatedLine: 0,
    line: 0,
    errors: [],
    errorCount: 0,
    stopped: false,
    defaultId,
    layout,
    roles: Int32Array.from(layout.roles),
    pivot: opts.yearPivot ?? 50,
    maxErrors: opts.maxErrors ?? 100,
    strict: opts.strict ?? false,
  };
  const rowsBefore = out.length;

  // The fast path only runs over newline-terminated lines (every scan in it stops at the newline).
  let fastEnd = b.lastIndexOf(C_NL, end - 1) + 1;
  if (fastEnd < start) fastEnd = start;
  let fast = layout.sep !== C_SP && opts.fastPath !== false;
  const fastLines = fast ? compileFastLines(layout, FAST_ENV) : null;
  let misses = 0;
  let p = start;
  while (p < end && !st.stopped) {
    if (fast && fastLines && p < fastEnd) {
      const q = fastLines(st, b, p, fastEnd);
      // A layout whose lines keep missing the fast path (e.g. ISO dates) stops trying it.
      if (q === p && ++misses > 16 && misses * 2 > st.line) fast = false;
      p = q;
      if (p >= end) break;
    }
    p = generalLine(st, b, p, end);
  }
  out.length = st.n;
  return {
    rows: st.n - rowsBefore,
    lines: st.line,
    errors: st.errors,
    errorCount: st.errorCount,
    stopped: st.stopped,
    descending: st.descending,
    firstDescendingLine: st.firstDescendingLine,
    repeated: st.repeated,
    firstRepeatedLine: st.firstRepeatedLine,
  };
}

/** One line at `p` by the general rules (every variant, errors reported); returns the next line start. */
function generalLine(st: RangeState, b: Uint8Array, p: number, end: number): number {
  const layout = st.layout;
  const sep = layout.sep;
  const spaceSep = sep === C_SP;
  const roles = st.roles;
  const nRoles = roles.length;
  let nl = b.indexOf(C_NL, p);
  if (nl < 0 || nl >= end) nl = end;
  let le = nl;
  if (le > p && b[le - 1] === C_CR) le--;
  const line = ++st.line;
  const lineStart = p;
  const next = nl + 1;
  let q = lineStart;
  while (q < le && (b[q] === C_SP || b[q] === C_TAB || b[q] === sep)) q++;
  if (q >= le) return next; // blank line

  if (st.n >= st.cap) growState(st);
  let i = spaceSep ? q : lineStart;
  let period = 0x44; // "D"
  let dateV = -1;
  let timeV = -1;
  let o = Number.NaN;
  let h = Number.NaN;
  let l = Number.NaN;
  let c = Number.NaN;
  let v = 0;
  let oi = Number.NaN;
  let sym = st.defaultId;
  let f = 0;
  let err = "";
  let errField = -1;
  let errPos = 0;
  for (; f < nRoles; f++) {
    const role = roles[f]!;
    const fstart = i;
    if (role >= ROLE_OPEN) {
      // Fast decimal: [-]digits[.digits] then separator/end.
      let neg = false;
      let ch = i < le ? b[i]! : sep;
      if (ch === 0x2d) {
        neg = true;
        i++;
      }
      let m = 0;
      const i0 = i;
      for (;;) {
        const d = (b[i]! - 0x30) >>> 0;
        if (d > 9) break;
        m = m * 10 + d;
        i++;
      }
      let nd = i - i0;
      let fr = 0;
      if (b[i] === 0x2e && i < le) {
        const i1 = ++i;
        for (;;) {
          const d = (b[i]! - 0x30) >>> 0;
          if (d > 9) break;
          m = m * 10 + d;
          i++;
        }
        fr = i - i1;
        nd += fr;
      }
      ch = i < le ? b[i]! : sep;
      let x: number;
      if (ch === sep && nd > 0 && nd <= 15) {
        x = fr === 0 ? m : m / POW10[fr]!;
        if (neg) x = -x;
      } else {
        pos = fstart;
        fieldErr = "";
        x = parseNumber(b, le, sep);
        i = pos;
        if (Number.isNaN(x)) {
          if (fieldErr !== "") err = fieldErr;
          else if (role !== ROLE_VOL && role !== ROLE_OI) err = "empty value";
          if (err !== "") {
            errField = f;
            errPos = fstart;
            break;
          }
        }
      }
      if (role === ROLE_CLOSE) c = x;
      else if (role === ROLE_OPEN) o = x;
      else if (role === ROLE_HIGH) h = x;
      else if (role === ROLE_LOW) l = x;
      else if (role === ROLE_VOL) v = !Number.isNaN(x) ? x : 0;
      else oi = x;
    } else if (role === ROLE_DATE) {
      let a = 0;
      const i0 = i;
      for (;;) {
        const d = (b[i]! - 0x30) >>> 0;
        if (d > 9) break;
        a = a * 10 + d;
        i++;
      }
      const nd = i - i0;
      if (nd === 8 && (i >= le || b[i] === sep)) {
        const ymdCache = st.ymdCache;
        if (a === ymdCache) dateV = st.daysCache;
        else if (((a / 100) | 0) === ((ymdCache / 100) | 0) && a % 100 <= 28 && a % 100 >= 1) {
          // Same month as the previous row: day arithmetic, no calendar conversion.
          dateV = st.daysCache + (a - ymdCache);
          st.ymdCache = a;
          st.daysCache = dateV;
        } else {
          const y = (a / 10000) | 0;
          const mo = ((a / 100) | 0) % 100;
          const d = a % 100;
          if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || y < 1000) {
            err = "bad date";
            errField = f;
            errPos = fstart;
            break;
          }
          st.ymdCache = a;
          st.daysCache = daysFromCivil(y, mo, d);
          dateV = st.daysCache;
        }
      } else {
        pos = fstart;
        fieldErr = "";
        const dv = parseDate(b, le, sep, st.pivot);
        i = pos;
        if (Number.isNaN(dv)) {
          err = fieldErr || "empty date";
          errField = f;
          errPos = fstart;
          break;
        }
        dateV = dv;
      }
    } else if (role === ROLE_TICKER) {
      let z = i;
      if (spaceSep) while (z < le && b[z] !== C_SP) z++;
      else while (z < le && b[z] !== sep) z++;
      let a = i;
      let zz = z;
      while (a < zz && isPad(b[a]!)) a++;
      while (zz > a && isPad(b[zz - 1]!)) zz--;
      if (zz === a) {
        err = "empty ticker";
        errField = f;
        errPos = fstart;
        break;
      }
      sym = tickerId(st, b, a, zz);
      i = z;
    } else if (role === ROLE_TIME) {
      let a = 0;
      const i0 = i;
      for (;;) {
        const d = (b[i]! - 0x30) >>> 0;
        if (d > 9) break;
        a = a * 10 + d;
        i++;
      }
      const nd = i - i0;
      if (
        nd === 6 &&
        (i >= le || b[i] === sep) &&
        a <= 235959 &&
        ((a / 100) | 0) % 100 < 60 &&
        a % 100 < 60
      ) {
        timeV = a;
      } else {
        pos = fstart;
        fieldErr = "";
        timeV = parseTime(b, le, sep);
        i = pos;
        if (timeV === -2) {
          err = fieldErr;
          errField = f;
          errPos = fstart;
          break;
        }
      }
    } else if (role === ROLE_PER) {
      let ch = i < le ? b[i]! : 0;
      const nx = i + 1 < le ? b[i + 1]! : sep;
      if (ch >= 0x61 && ch <= 0x7a) ch -= 0x20;
      if (nx === sep && ch < 128 && PERIOD_OK[ch]) {
        period = ch;
        i++;
      } else {
        pos = fstart;
        fieldErr = "";
        period = parsePeriod(b, le, sep);
        i = pos;
        if (period === 0) {
          err = fieldErr;
          errField = f;
          errPos = fstart;
          break;
        }
      }
    } else {
      // Skipped column: move to its end.
      if (spaceSep) while (i < le && b[i] !== C_SP) i++;
      else while (i < le && b[i] !== sep) i++;
    }
    // Past the separator to the next field; the row may end early (optional trailing fields).
    if (i >= le) {
      f++;
      break;
    }
    if (spaceSep) while (i < le && b[i] === C_SP) i++;
    else i++;
  }
  if (err === "" && f < layout.minFields) err = `expected at least ${layout.minFields} fields, found ${f}`;
  if (err === "" && Number.isNaN(c)) err = "missing close";
  if (err !== "") {
    st.errorCount++;
    if (st.errors.length < st.maxErrors) {
      const what =
        errField >= 0 ? ` in ${ROLE_NAMES[roles[errField]!]} field "${fieldText(b, errPos, le, sep)}"` : "";
      st.errors.push({ line, reason: `${err}${what}` });
    }
    if (st.strict) st.stopped = true;
    return next;
  }
  const n = st.n;
  if (!layout.has.per && layout.has.time && timeV > 0) period = 0x49; // intraday rows in a file without PER
  st.symbolIndex[n] = sym;
  st.period[n] = period;
  st.date[n] = dateV;
  const t = !layout.has.time || (timeV === 0 && period !== 0x49) ? -1 : timeV;
  st.time[n] = t;
  // Order check against the previous row of the same symbol and period (files are ascending).
  const key = dateV * 1_000_000 + t + 1;
  if (sym === st.prevSym && period === st.prevPer) {
    if (key < st.prevKey) {
      if (st.descending++ === 0) st.firstDescendingLine = line;
    } else if (key === st.prevKey) {
      if (st.repeated++ === 0) st.firstRepeatedLine = line;
    }
  }
  st.prevSym = sym;
  st.prevPer = period;
  st.prevKey = key;
  st.open[n] = layout.has.open ? o : c;
  st.high[n] = layout.has.high ? h : c;
  st.low[n] = layout.has.low ? l : c;
  st.close[n] = c;
  st.volume[n] = v;
  st.openint[n] = oi;
  st.n = n + 1;
  return next;
}
