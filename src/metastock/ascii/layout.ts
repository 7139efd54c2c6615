/**
 * Layout detection for MetaStock ASCII files: which separator, which column holds what, where the
 * data starts. Handles the header variants seen in the wild (Stooq, Reuters/Yahoo/MT4, EODData,
 * Finam, tick exports, Rahavard, Stooq per-symbol, MetaStock DownLoader) and header-less 7–10
 * column files. Names are case-insensitive and may be bare, quoted, `<…>` or `[…]`.
 */

export const ROLE_SKIP = 0;
export const ROLE_TICKER = 1;
export const ROLE_PER = 2;
export const ROLE_DATE = 3;
export const ROLE_TIME = 4;
export const ROLE_OPEN = 5;
export const ROLE_HIGH = 6;
export const ROLE_LOW = 7;
export const ROLE_CLOSE = 8;
export const ROLE_VOL = 9;
export const ROLE_OI = 10;

export const ROLE_NAMES = [
  "skip",
  "ticker",
  "per",
  "date",
  "time",
  "open",
  "high",
  "low",
  "close",
  "volume",
  "openint",
];

const ALIASES: Record<string, number> = {
  TICKER: ROLE_TICKER,
  SYMBOL: ROLE_TICKER,
  PER: ROLE_PER,
  PERIOD: ROLE_PER,
  DATE: ROLE_DATE,
  DTYYYYMMDD: ROLE_DATE,
  DTYYMMDD: ROLE_DATE,
  TIME: ROLE_TIME,
  HHMMSS: ROLE_TIME,
  HHMM: ROLE_TIME,
  OPEN: ROLE_OPEN,
  HIGH: ROLE_HIGH,
  LOW: ROLE_LOW,
  CLOSE: ROLE_CLOSE,
  VOL: ROLE_VOL,
  VOLUME: ROLE_VOL,
  OPENINT: ROLE_OI,
  OI: ROLE_OI,
  "O/I": ROLE_OI,
  OPENINTEREST: ROLE_OI,
  "OPEN INTEREST": ROLE_OI,
};

export interface AsciiLayout {
  /** Separator byte; 0x20 means "runs of spaces". */
  sep: number;
  /** Role of each field index (ROLE_*); fields past the end are ignored (ragged rows). */
  roles: number[];
  /** Fields a row must have: 1 + the highest index holding a used role. */
  minFields: number;
  /**
   * Fields a row may have (trailing empty fields aside): the header's count, or the first data
   * row's when that is wider (some writers put more columns in every row than the header names).
   * A row wider than this is rejected, never shifted. Undefined: no limit.
   */
  maxFields?: number;
  hasHeader: boolean;
  has: {
    ticker: boolean;
    per: boolean;
    time: boolean;
    open: boolean;
    high: boolean;
    low: boolean;
    vol: boolean;
    oi: boolean;
  };
}

export interface LayoutDetection {
  layout: AsciiLayout;
  /** Byte offset of the first data line. */
  dataStart: number;
  /** Number of lines before dataStart (header and junk), for 1-based line numbers. */
  linesBefore: number;
}

/** Normalise a header token: strip BOM, spaces, quotes, <>, [], then upper-case. */
export function normalizeHeaderToken(raw: string): string {
  let t = raw.replace(/^\uFEFF/, "").trim();
  for (;;) {
    const before = t;
    t = t.replace(/^["']+|["']+$/g, "").trim();
    if ((t.startsWith("<") && t.endsWith(">")) || (t.startsWith("[") && t.endsWith("]")))
      t = t.slice(1, -1).trim();
    if (t === before) break;
  }
  return t.toUpperCase();
}

export function detectSeparator(line: string): number {
  const counts: [number, number][] = [
    [0x2c, count(line, ",")],
    [0x3b, count(line, ";")],
    [0x09, count(line, "\t")],
  ];
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0]![1] > 0 ? counts[0]![0] : 0x20;
}

function count(s: string, ch: string): number {
  let n = 0;
  for (let i = s.indexOf(ch); i >= 0; i = s.indexOf(ch, i + 1)) n++;
  return n;
}

export function splitLine(line: string, sep: number): string[] {
  if (sep === 0x20) return line.trim().split(/ +/);
  return line.split(String.fromCharCode(sep));
}

function finish(roles: number[], hasHeader: boolean, sep: number): AsciiLayout {
  let minFields = 0;
  const has = {
    ticker: false,
    per: false,
    time: false,
    open: false,
    high: false,
    low: false,
    vol: false,
    oi: false,
  };
  roles.forEach((r, i) => {
    if (r === ROLE_SKIP) return;
    // Optional trailing columns (volume/openint) may be missing on ragged rows; they do not count.
    if (r !== ROLE_VOL && r !== ROLE_OI) minFields = Math.max(minFields, i + 1);
    if (r === ROLE_TICKER) has.ticker = true;
    if (r === ROLE_PER) has.per = true;
    if (r === ROLE_TIME) has.time = true;
    if (r === ROLE_OPEN) has.open = true;
    if (r === ROLE_HIGH) has.high = true;
    if (r === ROLE_LOW) has.low = true;
    if (r === ROLE_VOL) has.vol = true;
    if (r === ROLE_OI) has.oi = true;
  });
  return { sep, roles, minFields, hasHeader, has };
}

/** A header line maps to roles when it names at least a date and a close. */
export function layoutFromHeader(line: string): AsciiLayout | null {
  const sep = detectSeparator(line);
  const tokens = splitLine(line, sep).map(normalizeHeaderToken);
  const seen = new Set<number>();
  const roles = tokens.map((t) => {
    const r = ALIASES[t] ?? ROLE_SKIP;
    if (r === ROLE_SKIP || seen.has(r)) return ROLE_SKIP; // unknown (e.g. <NAME>) or repeated: ignore
    seen.add(r);
    return r;
  });
  // Trailing empty tokens (a trailing separator) are simply skipped columns.
  if (!seen.has(ROLE_DATE) || !seen.has(ROLE_CLOSE)) return null;
  return finish(roles, true, sep);
}

const PERIOD_RE = /^["']?([IDWMQYidwmqy]|\d{1,4})["']?$/;
const DATE_RE = /^["']?(\d{8}|\d{6}|\d{4}-\d{2}-\d{2}|\d{1,2}\/\d{1,2}\/\d{4})["']?$/;
const NUM_RE = /^["']?[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?["']?$/;
const TIME_RE = /^["']?\d{3,6}["']?$/;

/**
 * A header-less line: 7 columns (ticker, date, O, H, L, C, V), 8 with PER second (or OI last),
 * 9 with PER and TIME, 10 with PER, TIME and OI (Stooq order).
 */
export function layoutFromDataLine(line: string): AsciiLayout | null {
  const sep = detectSeparator(line);
  const f = splitLine(line, sep).map((s) => s.trim());
  while (f.length > 0 && f[f.length - 1] === "") f.pop();
  const isPer = (s: string | undefined) => s !== undefined && PERIOD_RE.test(s) && !DATE_RE.test(s);
  const allNum = (xs: (string | undefined)[]) => xs.every((s) => s !== undefined && NUM_RE.test(s));
  const T = ROLE_TICKER;
  const P = ROLE_PER;
  const D = ROLE_DATE;
  const H = ROLE_TIME;
  const ohlcv = [ROLE_OPEN, ROLE_HIGH, ROLE_LOW, ROLE_CLOSE, ROLE_VOL];
  let roles: number[] | null = null;
  if (f.length === 7 && DATE_RE.test(f[1]!) && allNum(f.slice(2))) roles = [T, D, ...ohlcv];
  else if (f.length === 8 && isPer(f[1]) && DATE_RE.test(f[2]!) && allNum(f.slice(3)))
    roles = [T, P, D, ...ohlcv];
  else if (f.length === 8 && DATE_RE.test(f[1]!) && allNum(f.slice(2))) roles = [T, D, ...ohlcv, ROLE_OI];
  else if (f.length === 9 && isPer(f[1]) && DATE_RE.test(f[2]!) && TIME_RE.test(f[3]!) && allNum(f.slice(4)))
    roles = [T, P, D, H, ...ohlcv];
  else if (f.length === 10 && isPer(f[1]) && DATE_RE.test(f[2]!) && TIME_RE.test(f[3]!) && allNum(f.slice(4)))
    roles = [T, P, D, H, ...ohlcv, ROLE_OI];
  return roles ? finish(roles, false, sep) : null;
}

const MAX_PREAMBLE_LINES = 50;

/** Fields of a line, trailing empty ones not counted. */
export function fieldCount(line: string, sep: number): number {
  const f = splitLine(line.replace(/\r$/, ""), sep);
  while (f.length > 0 && f[f.length - 1]!.trim() === "") f.pop();
  return f.length;
}

/** Field count of the first non-blank line at or after `pos` (0 when there is none). */
function firstDataWidth(bytes: Uint8Array, pos: number, sep: number, decoder: TextDecoder): number {
  for (let k = 0; k < 8 && pos < bytes.length; k++) {
    let nl = bytes.indexOf(0x0a, pos);
    if (nl < 0) nl = bytes.length;
    const line = decoder.decode(bytes.subarray(pos, Math.min(nl, pos + 4096)));
    if (line.trim() !== "") return fieldCount(line, sep);
    pos = nl + 1;
  }
  return 0;
}

/**
 * Find the layout in the first lines of a file: skip a BOM, blank lines and junk (e.g. PHP warnings
 * above a Stooq header) until a header line or a header-less data line. Null when none of the
 * first 50 lines qualifies.
 */
export function detectLayout(bytes: Uint8Array): LayoutDetection | null {
  let pos = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const decoder = new TextDecoder("utf-8", { fatal: false });
  for (let lineNo = 0; lineNo < MAX_PREAMBLE_LINES && pos < bytes.length; lineNo++) {
    let nl = bytes.indexOf(0x0a, pos);
    if (nl < 0) nl = bytes.length;
    const line = decoder.decode(bytes.subarray(pos, Math.min(nl, pos + 4096))).replace(/\r$/, "");
    const next = Math.min(bytes.length, nl + 1);
    if (line.trim() !== "") {
      const header = layoutFromHeader(line);
      if (header) {
        const width = Math.max(
          fieldCount(line, header.sep),
          firstDataWidth(bytes, next, header.sep, decoder),
        );
        return { layout: { ...header, maxFields: width }, dataStart: next, linesBefore: lineNo + 1 };
      }
      const data = layoutFromDataLine(line);
      if (data)
        return {
          layout: { ...data, maxFields: fieldCount(line, data.sep) },
          dataStart: pos,
          linesBefore: lineNo,
        };
    }
    pos = next;
  }
  return null;
}
