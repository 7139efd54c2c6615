/**
 * The bars dataset schema shared by the import engine (writer), the statistics engine and the
 * pipeline (readers). `DIR/bars/**\/*.parquet` is the whole dataset.
 *
 * Columns (in this order); the text columns are stored as Categorical (dictionary-encoded
 * strings, see src/platform/bars-schema.ts):
 *   symbol  Categorical                    ticker as in the source, upper-case
 *   period  Categorical                    D, W, M, I (intraday), Q, Y — upper-case
 *   date    Date                           trading date
 *   time    Int32, nullable                HHMMSS for intraday bars, null for EOD
 *   open, high, low, close  Float64
 *   volume  Float64
 *   openint Float64, nullable
 *   source  Categorical                    where the row came from (file path / "dxlink")
 */
import { createHash } from "node:crypto";

export const BAR_COLUMNS = [
  "symbol",
  "period",
  "date",
  "time",
  "open",
  "high",
  "low",
  "close",
  "volume",
  "openint",
  "source",
] as const;
export type BarColumn = (typeof BAR_COLUMNS)[number];

export const PERIODS = ["D", "W", "M", "Q", "Y", "I"] as const;
export type Period = (typeof PERIODS)[number];

/**
 * The per-row typed-array columns of bars: the one place their names and array types are written
 * (builders, parsers and transfer lists derive from it). `date` is days since 1970-01-01 (Int32,
 * the Parquet/Arrow Date32 representation); `time` is HHMMSS or -1 for "no time"; `openint` NaN
 * for "absent"; `period` the char code of the period letter.
 */
export interface BarArrays {
  symbolIndex: Int32Array;
  period: Uint8Array;
  date: Int32Array;
  time: Int32Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  openint: Float64Array;
}
export type BarArray = BarArrays[keyof BarArrays];

type ArrayType<A> = {
  new (n: number): A;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): A;
};
const BAR_ARRAY_TYPES: { [K in keyof BarArrays]: ArrayType<BarArrays[K]> } = {
  symbolIndex: Int32Array,
  period: Uint8Array,
  date: Int32Array,
  time: Int32Array,
  open: Float64Array,
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  volume: Float64Array,
  openint: Float64Array,
};
export const BAR_ARRAY_NAMES = Object.keys(BAR_ARRAY_TYPES) as readonly (keyof BarArrays)[];

/** Fresh zeroed columns of `n` rows each. */
export function allocBarArrays(n: number): BarArrays {
  return mapBarArrays(BAR_ARRAY_TYPES, (C) => new C(n));
}

/** Views of `rows` rows from the start of each column's whole buffer (recycled columns). */
export function viewBarArrays(c: BarArrays, rows: number): BarArrays {
  return mapBarArrays(BAR_ARRAY_TYPES, (C, k) => new C(c[k].buffer, 0, rows));
}

/** One column per name, each made by `f` from that column of `from` (whose type it keeps). */
export function mapBarArrays<T extends { [K in keyof BarArrays]: unknown }>(
  from: T,
  f: <K extends keyof BarArrays>(v: T[K], name: K) => BarArrays[K],
): BarArrays {
  const out = {} as Record<keyof BarArrays, BarArray>;
  for (const k of BAR_ARRAY_NAMES) out[k] = f(from[k], k);
  return out as BarArrays;
}

/**
 * Columnar bars as they travel between workers: typed arrays (transferable), no per-row objects.
 * Symbols are dictionary-encoded: `symbolIndex[i]` indexes `symbols`.
 */
export interface BarColumns extends BarArrays {
  length: number;
  symbols: string[];
}

/** Days since epoch for a calendar date (UTC, proleptic Gregorian). */
export function daysFromCivil(y: number, m: number, d: number): number {
  // Howard Hinnant's algorithm: exact integer arithmetic, no Date objects on the hot path.
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Inverse of daysFromCivil. */
export function civilFromDays(z: number): { y: number; m: number; d: number } {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

export function isoFromDays(z: number): string {
  const { y, m, d } = civilFromDays(z);
  return `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

/** Days since epoch of a `YYYY-MM-DD` date (already validated by the caller). */
export function daysFromIso(iso: string): number {
  const [y, m, d] = iso.split("-").map(Number) as [number, number, number];
  return daysFromCivil(y, m, d);
}

/**
 * Dataset layout: `<root>/bars/period=<P>/symbol=<ENC>/part-<k>.parquet`, one folder per
 * (period, symbol) so reading one symbol opens only its files, while `<root>/bars/**\/*.parquet`
 * is still the whole dataset (every file carries all columns, including symbol and period).
 *
 * ENC = encodeURIComponent(symbol) so `BRK/B` → `BRK%2FB` stays one path segment. Folder names
 * must fit the filesystem's 255-byte limit: an ENC longer than MAX_SYMBOL_ENC characters (a
 * 300-character ticker, or 60 Cyrillic letters, 6 bytes each once percent-encoded) becomes
 * `<first ≤ 96 characters of ENC>+<16 hex digits of SHA-256(symbol)>`. `+` never occurs in ENC
 * (encodeURIComponent writes it as `%2B`), so an abbreviated name is recognisable and never
 * collides with a plain one; the full symbol is the `symbol` column of the folder's files
 * (`symbolFromDirName` returns null for such a folder: read one file to get it back).
 */
export const MAX_SYMBOL_ENC = 180;
const ABBREVIATED_PREFIX = 96;

export function barsRoot(root: string): string {
  return `${root}/bars`;
}

/** The folder name (`symbol=<ENC>`) of a symbol; see the layout note above. */
export function symbolDirName(symbol: string): string {
  const enc = encodeURIComponent(symbol);
  if (enc.length <= MAX_SYMBOL_ENC) return `symbol=${enc}`;
  let prefix = enc.slice(0, ABBREVIATED_PREFIX);
  // Never cut a %XX escape in half.
  const pct = prefix.lastIndexOf("%");
  if (pct >= 0 && pct > prefix.length - 3) prefix = prefix.slice(0, pct);
  const hash = createHash("sha256").update(symbol).digest("hex").slice(0, 16);
  return `symbol=${prefix}+${hash}`;
}

export function barsSymbolDir(root: string, period: string, symbol: string): string {
  return `${root}/bars/period=${period}/${symbolDirName(symbol)}`;
}

/** Whether a `symbol=` folder name is the abbreviated form of a long symbol. */
export function isAbbreviatedSymbolDir(dirName: string): boolean {
  return dirName.startsWith("symbol=") && dirName.includes("+");
}

/** The symbol of a `symbol=<ENC>` folder; null for other names and for abbreviated ones. */
export function symbolFromDirName(dirName: string): string | null {
  if (!dirName.startsWith("symbol=") || isAbbreviatedSymbolDir(dirName)) return null;
  try {
    return decodeURIComponent(dirName.slice("symbol=".length));
  } catch {
    return null; // not written by us (a stray `%` escape)
  }
}

/**
 * Order of a symbol folder's part files: by the number in `part-<n>.parquet` (part-10 after
 * part-9: later parts win on a repeated date), other names after them by name.
 */
export function comparePartNames(a: string, b: string): number {
  const na = /^part-(\d+)\.parquet$/.exec(a);
  const nb = /^part-(\d+)\.parquet$/.exec(b);
  if (na && nb) return Number(na[1]) - Number(nb[1]) || (a < b ? -1 : a > b ? 1 : 0);
  if (na) return -1;
  if (nb) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
