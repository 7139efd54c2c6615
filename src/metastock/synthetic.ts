/**
 * Deterministic synthetic market data for benchmarks, demos and tests: seeded OHLCV random walks
 * for a list of symbols, encoded as Stooq-layout text (one `<sym>.us.txt` per ticker under nested
 * folders, Stooq header) and optionally as a binary MetaStock database (via the writer).
 *
 * Generation is pure (`syntheticSeries`, `encodeStooqText`); `writeSyntheticStooq` adds the file
 * writing with large buffers so 29M rows (~1.9 GB of text) take seconds, not minutes.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { civilFromDays, daysFromCivil } from "../core/bars.ts";
import { internalError } from "../core/errors.ts";
import { mulberry32 } from "../core/prng.ts";
import { dataFileName } from "./binary/directory.ts";
import {
  encodeDataFile,
  encodeIndexFiles,
  fileNumberOf,
  type IndexEntry,
  MAX_RECORDS_PER_FILE,
  type WriterSeries,
} from "./binary/writer.ts";

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** `n` distinct ticker-like symbols (`AAA`, `AAB`, …), deterministic. */
export function syntheticSymbols(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let s = "";
    let k = i;
    for (let j = 0; j < 3 || k > 0; j++) {
      s = String.fromCharCode(65 + (k % 26)) + s;
      k = Math.floor(k / 26);
    }
    out.push(s);
  }
  return out;
}

/** Split `total` rows over `count` symbols with ±30% variation, deterministic, summing exactly to total. */
export function rowsPerSymbol(total: number, count: number, seed = 1): number[] {
  const rnd = mulberry32(seed ^ 0x9e3779b9);
  const w = Array.from({ length: count }, () => 0.7 + 0.6 * rnd());
  const sum = w.reduce((a, b) => a + b, 0);
  const rows = w.map((x) => Math.floor((x / sum) * total));
  let rest = total - rows.reduce((a, b) => a + b, 0);
  for (let i = 0; rest > 0; i = (i + 1) % count, rest--) rows[i]!++;
  return rows;
}

/** Last bar date of every synthetic series: a fixed day, so output does not depend on "now". */
export const SYNTHETIC_END_DAY = daysFromCivil(2026, 10, 30);

/**
 * One symbol's daily bars: a geometric random walk (prices with 4 decimals), consecutive calendar
 * days ending at SYNTHETIC_END_DAY, integer volumes, open interest 0.
 */
export function syntheticSeries(symbol: string, rows: number, seed = 1, into?: WriterSeries): WriterSeries {
  const rnd = mulberry32(seed ^ hashString(symbol));
  // `into`: the first `rows` rows of caller-owned columns (a generator of many series reuses one set).
  const date = into ? into.date : new Int32Array(rows);
  const open = into ? into.open : new Float64Array(rows);
  const high = into ? into.high : new Float64Array(rows);
  const low = into ? into.low : new Float64Array(rows);
  const close = into ? into.close : new Float64Array(rows);
  const volume = into ? into.volume : new Float64Array(rows);
  const openint = into?.openint ?? new Float64Array(rows);
  if (into && into.date.length < rows)
    throw internalError(`syntheticSeries: ${rows} rows do not fit the given columns`);
  let px = 10 + rnd() * 190;
  const start = SYNTHETIC_END_DAY - rows + 1;
  const q = (x: number) => Math.round(x * 10000) / 10000;
  for (let i = 0; i < rows; i++) {
    date[i] = start + i;
    const o = px * (1 + (rnd() - 0.5) * 0.01);
    const c = o * (1 + (rnd() - 0.5) * 0.04);
    const hi = Math.max(o, c) * (1 + rnd() * 0.01);
    const lo = Math.min(o, c) * (1 - rnd() * 0.01);
    open[i] = q(o);
    close[i] = q(c);
    high[i] = q(Math.max(hi, o, c));
    low[i] = q(Math.min(lo, o, c));
    volume[i] = Math.floor(1000 + rnd() * 5_000_000);
    px = c < 1 ? 1 + rnd() : c > 5000 ? 2500 : c;
  }
  return { length: rows, date, open, high, low, close, volume, openint };
}

export const STOOQ_HEADER = "<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>";

/** Bytes per row upper bound for buffer sizing. */
const MAX_ROW_BYTES = 160;

/** Write the decimal digits of a non-negative integer (< 2^31 on the fast path) at `o`. */
function putUint(b: Uint8Array, o: number, v: number): number {
  if (v >= 2147483648) {
    const t = String(Math.trunc(v));
    for (let i = 0; i < t.length; i++) b[o + i] = t.charCodeAt(i);
    return o + t.length;
  }
  let x = v | 0;
  let len = 1;
  for (let p = 10; p <= x && len < 10; p *= 10) len++;
  for (let i = o + len - 1; i >= o; i--) {
    const q = (x / 10) | 0;
    b[i] = 0x30 + (x - q * 10);
    x = q;
  }
  return o + len;
}

/** Price with exactly 4 decimals (the values are generated on a 1/10000 grid). */
function putPrice(b: Uint8Array, o: number, v: number): number {
  const ticks = Math.round(v * 10000);
  const whole = Math.floor(ticks / 10000);
  o = putUint(b, o, whole);
  b[o++] = 0x2e;
  let f = ticks - whole * 10000;
  for (let i = o + 3; i >= o; i--) {
    const q = (f / 10) | 0;
    b[i] = 0x30 + (f - q * 10);
    f = q;
  }
  return o + 4;
}

/** Bytes `encodeStooqText` may need for `rows` rows of `ticker`. */
export function stooqTextBound(ticker: string, rows: number, crlf = false): number {
  const lead = new TextEncoder().encode(`${ticker},D,`).length;
  return STOOQ_HEADER.length + (crlf ? 2 : 1) + rows * (MAX_ROW_BYTES + lead);
}

/** Stooq per-ticker text for one series: header + `SYM.US,D,YYYYMMDD,000000,O,H,L,C,V,0`. */
export function encodeStooqText(
  ticker: string,
  s: WriterSeries,
  crlf = false,
  into?: Uint8Array,
): Uint8Array {
  const enc = new TextEncoder();
  const head = enc.encode(STOOQ_HEADER + (crlf ? "\r\n" : "\n"));
  const lead = enc.encode(`${ticker},D,`);
  const mid = enc.encode(",000000,");
  const tail = enc.encode(crlf ? ",0\r\n" : ",0\n");
  // `into`: a caller's buffer, used when it is large enough (the result is then a view of it).
  const size = stooqTextBound(ticker, s.length, crlf);
  const b = into && into.length >= size ? into : new Uint8Array(size);
  b.set(head, 0);
  let o = head.length;
  let lastDay = Number.NaN;
  let ymd = 0;
  for (let i = 0; i < s.length; i++) {
    for (let k = 0; k < lead.length; k++) b[o++] = lead[k]!;
    const day = s.date[i]!;
    if (day === lastDay + 1 && ymd % 100 < 28) ymd++;
    else if (day !== lastDay) {
      const { y, m, d } = civilFromDays(day);
      ymd = y * 10000 + m * 100 + d;
    }
    lastDay = day;
    o = putUint(b, o, ymd);
    for (let k = 0; k < mid.length; k++) b[o++] = mid[k]!;
    o = putPrice(b, o, s.open[i]!);
    b[o++] = 0x2c;
    o = putPrice(b, o, s.high[i]!);
    b[o++] = 0x2c;
    o = putPrice(b, o, s.low[i]!);
    b[o++] = 0x2c;
    o = putPrice(b, o, s.close[i]!);
    b[o++] = 0x2c;
    o = putUint(b, o, s.volume[i]!);
    for (let k = 0; k < tail.length; k++) b[o++] = tail[k]!;
  }
  return b.subarray(0, o);
}

export interface SyntheticOptions {
  /** Output folder (created). */
  outDir: string;
  /** Number of symbols, or the symbols themselves. */
  symbols: number | readonly string[];
  /** Total rows over all symbols. */
  rows: number;
  seed?: number;
  /** Also write a binary MetaStock database (MASTER/EMASTER/XMASTER + F#.DAT/.MWD) under `<outDir>/metastock`. */
  binary?: boolean;
  /** Skip the Stooq text files (binary only). */
  text?: boolean;
  crlf?: boolean;
  /** Called after each symbol with the rows written so far. */
  onProgress?: (rows: number) => void;
}

export interface SyntheticResult {
  /** The Stooq text files written. */
  files: string[];
  /** Folder holding the Stooq tree (`<outDir>/data/daily/us`). */
  textDir: string;
  /** Folder of the binary database, when written. */
  binaryDir?: string;
  rows: number;
  /** Rows in the binary database (each series is capped at 65,534 records there). */
  binaryRows: number;
  bytes: number;
  symbols: string[];
}

/**
 * Write the synthetic Stooq tree: `<outDir>/data/daily/us/<market> stocks/<k>/<sym>.us.txt`
 * (paths contain spaces, as in Stooq's bulk zip), 200 tickers per numbered folder.
 */
export function writeSyntheticStooq(opts: SyntheticOptions): SyntheticResult {
  const seed = opts.seed ?? 1;
  const symbols = typeof opts.symbols === "number" ? syntheticSymbols(opts.symbols) : [...opts.symbols];
  const counts = rowsPerSymbol(opts.rows, symbols.length, seed);
  const textDir = join(opts.outDir, "data", "daily", "us");
  const binaryDir = opts.binary ? join(opts.outDir, "metastock") : undefined;
  if (binaryDir) mkdirSync(binaryDir, { recursive: true });
  const files: string[] = [];
  const entries: IndexEntry[] = [];
  let rows = 0;
  let binaryRows = 0;
  let bytes = 0;
  symbols.forEach((sym, i) => {
    const series = syntheticSeries(sym, counts[i]!, seed);
    const ticker = `${sym.toUpperCase()}.US`;
    if (opts.text !== false) {
      const market = i % 3 === 0 ? "nasdaq stocks" : i % 3 === 1 ? "nyse stocks" : "nysemkt stocks";
      const dir = join(textDir, market, String(1 + Math.floor(i / 200)));
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${sym.toLowerCase()}.us.txt`);
      const text = encodeStooqText(ticker, series, opts.crlf);
      writeFileSync(file, text);
      files.push(file);
      bytes += text.length;
    }
    rows += series.length;
    if (binaryDir) {
      const keep = Math.min(series.length, MAX_RECORDS_PER_FILE);
      const tailOf = <T extends Int32Array | Float64Array>(a: T) => a.subarray(series.length - keep) as T;
      const capped: WriterSeries = {
        length: keep,
        date: tailOf(series.date),
        open: tailOf(series.open),
        high: tailOf(series.high),
        low: tailOf(series.low),
        close: tailOf(series.close),
        volume: tailOf(series.volume),
        openint: tailOf(series.openint!),
      };
      const sec = { symbol: ticker, period: "D", rows: capped };
      writeFileSync(join(binaryDir, dataFileName(fileNumberOf(i))), encodeDataFile(sec));
      entries.push({
        symbol: ticker,
        period: "D",
        firstDay: keep ? capped.date[0] : undefined,
        lastDay: keep ? capped.date[keep - 1] : undefined,
      });
      binaryRows += keep;
    }
    opts.onProgress?.(rows);
  });
  if (binaryDir)
    for (const [name, data] of encodeIndexFiles(entries)) writeFileSync(join(binaryDir, name), data);
  return { files, textDir, binaryDir, rows, binaryRows, bytes, symbols };
}
