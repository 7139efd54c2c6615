/**
 * The byte-level MetaStock ASCII parser: bytes in, typed columns out, no per-row strings or
 * objects. One pass over a byte range that starts at a line start (so a large file can be split
 * across workers); each field is decoded in place by its role from the detected layout.
 *
 * Numbers: digits accumulate into an integer mantissa m (exact below 2^53) and the value is
 * m / 10^k — exact and correctly rounded for k ≤ 22 (Clinger's fast path), i.e. identical to
 * parseFloat; longer or exponent forms fall back to parseFloat on the field text.
 */
import { daysFromCivil, daysInMonth } from "../../core/bars.ts";
import type { BarColumnsBuilder } from "../columns.ts";
import { compileFastLines } from "./fast-codegen.ts";
import {
  fieldText,
  isPad,
  newCursor,
  PERIOD_OK,
  POW10,
  parseDate,
  parseNumber,
  parsePeriod,
  parseTime,
} from "./fields.ts";
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
import { ENC_CP1252, ENC_UNKNOWN, FAST_ENV, growState, type RangeState, tickerId } from "./range-state.ts";

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
  /** Set when tickers were decoded as Windows-1252 (the range is not valid UTF-8). */
  encoding?: "windows-1252";
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

const C_NL = 0x0a;
const C_CR = 0x0d;
const C_SP = 0x20;
const C_TAB = 0x09;

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
    encoding: ENC_UNKNOWN,
    rangeStart: start,
    rangeEnd: end,
    cur: newCursor(),
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
    ...(st.encoding === ENC_CP1252 ? { encoding: "windows-1252" as const } : {}),
  };
}

/** Non-empty fields in `b[i, le)` (i at a field start), trailing empty fields not counted. */
function extraFields(b: Uint8Array, i: number, le: number, sep: number): number {
  let n = 0;
  if (sep === C_SP) {
    // Runs of spaces separate: count the runs of anything else.
    let inField = false;
    for (let j = i; j < le; j++) {
      const blank = b[j] === C_SP || b[j] === C_TAB || b[j] === C_CR;
      if (!blank && !inField) n++;
      inField = !blank;
    }
    return n;
  }
  let pending = 1;
  for (let j = i; j < le; j++) {
    const x = b[j]!;
    if (x === sep) pending++;
    else if (x !== C_SP && x !== C_TAB && x !== C_CR) {
      n += pending;
      pending = 0;
    }
  }
  return n;
}

/** One line at `p` by the general rules (every variant, errors reported); returns the next line start. */
function generalLine(st: RangeState, b: Uint8Array, p: number, end: number): number {
  const layout = st.layout;
  const cur = st.cur;
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
        cur.pos = fstart;
        cur.err = "";
        x = parseNumber(cur, b, le, sep);
        i = cur.pos;
        if (Number.isNaN(x)) {
          if (cur.err !== "") err = cur.err;
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
        cur.pos = fstart;
        cur.err = "";
        const dv = parseDate(cur, b, le, sep, st.pivot);
        i = cur.pos;
        if (Number.isNaN(dv)) {
          err = cur.err || "empty date";
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
      if (sym < 0) {
        err = "NUL byte in ticker";
        errField = f;
        errPos = fstart;
        break;
      }
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
        cur.pos = fstart;
        cur.err = "";
        timeV = parseTime(cur, b, le, sep);
        i = cur.pos;
        if (timeV === -2) {
          err = cur.err;
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
        cur.pos = fstart;
        cur.err = "";
        period = parsePeriod(cur, b, le, sep);
        i = cur.pos;
        if (period === 0) {
          err = cur.err;
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
  if (err === "" && f === nRoles && i < le && layout.maxFields !== undefined) {
    // Fields past the layout: tolerated up to the file's width (trailing empty ones always);
    // one more than that is a broken row whose values would land in the wrong columns.
    const total = nRoles + extraFields(b, i, le, sep);
    if (total > layout.maxFields) err = `${total} fields, but the file's rows have ${layout.maxFields}`;
  }
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
