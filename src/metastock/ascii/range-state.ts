/**
 * The state of one range parse, shared by its fast path (fast-codegen.ts) and its general path:
 * the column buffers it fills, the ticker dictionary (bytes → id, decoded once per ticker in the
 * range's detected encoding), caches, the order check, errors.
 */
import { type BarArrays, daysFromCivil, daysInMonth } from "../../core/bars.ts";
import type { BarColumnsBuilder } from "../columns.ts";
import type { FastEnv } from "./fast-codegen.ts";
import { type Cursor, isPad, PERIOD_OK, POW10 } from "./fields.ts";
import type { AsciiLayout } from "./layout.ts";
import type { RowError } from "./parse.ts";

const utf8 = new TextDecoder("utf-8");
const utf8Strict = new TextDecoder("utf-8", { fatal: true });
const cp1252 = new TextDecoder("windows-1252");

export const ENC_UNKNOWN = 0;
export const ENC_UTF8 = 1;
export const ENC_CP1252 = 2;

/**
 * Everything a range parse carries from line to line. The fast path keeps these in locals while
 * it runs and syncs them here when it hands a line to the general path (rare), so both paths see
 * one state: column buffers, the ticker and date caches, the order check, line count and errors.
 */
export interface RangeState extends BarArrays {
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
  /**
   * Text encoding of the range, decided on the first ticker with a byte ≥ 0x80: UTF-8 when the
   * whole range is valid UTF-8, else Windows-1252 (so `CAFÉ` and `CAFÈ` stay two symbols).
   */
  encoding: number;
  rangeStart: number;
  rangeEnd: number;
  /** The general path's field cursor (this parse's own). */
  cur: Cursor;
}

/** What the compiled canonical-form loops (fast-codegen.ts) call back into. */
export const FAST_ENV: FastEnv<RangeState> = {
  growState: (st) => growState(st),
  tickerId: (st, b, a, z) => tickerId(st, b, a, z),
  daysFromCivil,
  daysInMonth: (y, m) => daysInMonth(y, m),
  isPad: (c) => isPad(c),
  POW10,
  PERIOD_OK,
};

/** Make room for more rows and refresh the column views (the builder reallocates). */
export function growState(st: RangeState): void {
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
export function tickerId(st: RangeState, b: Uint8Array, a: number, z: number): number {
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
  let high = false;
  for (let k = 0; k < len; k++) {
    const x = bytes[k]!;
    if (x === 0) return -1; // a NUL is never part of a ticker: the row is rejected
    if (x >= 0x80) high = true;
  }
  if (high && st.encoding === ENC_UNKNOWN) st.encoding = detectEncoding(b, st.rangeStart, st.rangeEnd);
  const text = (st.encoding === ENC_CP1252 ? cp1252 : utf8).decode(bytes);
  const id = st.out.symbolId(text.toUpperCase());
  st.known.set(h, { bytes, id, next: head });
  st.tickBytes = bytes;
  st.tickLen = len;
  st.tickId = id;
  return id;
}

/** UTF-8 when the whole range decodes strictly, else Windows-1252 (Latin-1 plus € and quotes). */
export function detectEncoding(b: Uint8Array, start: number, end: number): number {
  try {
    utf8Strict.decode(b.subarray(start, end));
    return ENC_UTF8;
  } catch {
    return ENC_CP1252;
  }
}
