/**
 * Turning one symbol's raw daily bars into a clean, date-ordered series the estimators can trust.
 *
 * - Rows come sorted by date from the import engine; anything else is sorted here (rare path).
 * - Duplicate dates keep the last row (a later source corrects an earlier one).
 * - A row whose close is missing (NaN/±Infinity) is a missing bar: it is dropped and counted, so
 *   the next return spans the gap (exactly like a holiday).
 * - Rows with a non-positive close or an unusable open/high/low are kept but flagged: every
 *   window that touches them yields null with a reason naming the date, never NaN.
 */

/** Plain per-symbol input: typed arrays of equal length. `date` is days since 1970-01-01. */
export interface PriceSeries {
  date: Int32Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
}

/** Why a row cannot be used; bit flags so one row may carry several. */
export const BAD_CLOSE = 1; // close ≤ 0 → no log return into or out of this bar
export const BAD_OHLC_MISSING = 2; // open/high/low missing (NaN) → range estimators unusable
export const BAD_OHLC_NONPOSITIVE = 4; // open/high/low ≤ 0
export const BAD_OHLC_INCONSISTENT = 8; // high < low, or high/low do not bracket open and close

export interface PreparedSeries extends PriceSeries {
  length: number;
  /** Per-row bit flags (BAD_*); 0 = fully usable bar. */
  flags: Uint8Array;
  /** Rows dropped because the close was missing. */
  missing: number;
  /** Rows dropped because their date repeated an earlier row. */
  duplicates: number;
  /** Rows kept with a nonzero flag. */
  flagged: number;
}

export function describeFlags(flags: number): string {
  if (flags & BAD_CLOSE) return "non-positive close";
  if (flags & BAD_OHLC_NONPOSITIVE) return "non-positive open/high/low";
  if (flags & BAD_OHLC_MISSING) return "missing open/high/low";
  if (flags & BAD_OHLC_INCONSISTENT) return "inconsistent bar (high/low do not bracket open/close)";
  return "usable";
}

function isSorted(date: Int32Array): boolean {
  for (let i = 1; i < date.length; i++) if (date[i]! < date[i - 1]!) return false;
  return true;
}

function flagOf(o: number, h: number, l: number, c: number): number {
  let f = 0;
  if (!(c > 0)) f |= BAD_CLOSE;
  if (!Number.isFinite(o) || !Number.isFinite(h) || !Number.isFinite(l)) f |= BAD_OHLC_MISSING;
  else if (!(o > 0 && h > 0 && l > 0)) f |= BAD_OHLC_NONPOSITIVE;
  else if (h < l || h < o || h < c || l > o || l > c) f |= BAD_OHLC_INCONSISTENT;
  return f;
}

/**
 * Fast path for the common case (what the import engine writes): strictly increasing dates and
 * no missing close. Then the input arrays are used as they are and only the flags are computed;
 * returns null when the slow path is needed.
 */
function prepareClean(input: PriceSeries): PreparedSeries | null {
  const n = input.date.length;
  const { date, open, high, low, close } = input;
  const flags = new Uint8Array(n);
  let prevDate = Number.NEGATIVE_INFINITY;
  let flagged = 0;
  for (let i = 0; i < n; i++) {
    const d = date[i]!;
    const c = close[i]!;
    if (!(d > prevDate) || !Number.isFinite(c)) return null;
    prevDate = d;
    const f = flagOf(open[i]!, high[i]!, low[i]!, c);
    flags[i] = f;
    if (f !== 0) flagged++;
  }
  return { length: n, date, open, high, low, close, flags, missing: 0, duplicates: 0, flagged };
}

/** Clean and flag a series (see the module comment). Inputs are not modified. */
export function prepareSeries(input: PriceSeries): PreparedSeries {
  const fast = prepareClean(input);
  if (fast) return fast;
  const n = input.date.length;
  let order: Int32Array | null = null;
  if (!isSorted(input.date)) {
    // Stable sort of row indexes by date so "last duplicate wins" keeps input order meaning.
    order = Int32Array.from({ length: n }, (_, i) => i);
    const d = input.date;
    const idx = Array.from(order);
    idx.sort((a, b) => d[a]! - d[b]! || a - b);
    order = Int32Array.from(idx);
  }
  const date = new Int32Array(n);
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  const flags = new Uint8Array(n);
  let m = 0;
  let missing = 0;
  let duplicates = 0;
  for (let k = 0; k < n; k++) {
    const i = order === null ? k : order[k]!;
    const c = input.close[i]!;
    if (!Number.isFinite(c)) {
      missing++;
      continue;
    }
    const d = input.date[i]!;
    let j = m;
    if (m > 0 && date[m - 1] === d) {
      duplicates++;
      j = m - 1; // overwrite: the later row for the same date wins
    } else m++;
    const o = input.open[i]!;
    const h = input.high[i]!;
    const l = input.low[i]!;
    const f = flagOf(o, h, l, c);
    date[j] = d;
    open[j] = o;
    high[j] = h;
    low[j] = l;
    close[j] = c;
    flags[j] = f;
  }
  let flagged = 0;
  for (let i = 0; i < m; i++) if (flags[i] !== 0) flagged++;
  return {
    length: m,
    date: date.subarray(0, m),
    open: open.subarray(0, m),
    high: high.subarray(0, m),
    low: low.subarray(0, m),
    close: close.subarray(0, m),
    flags: flags.subarray(0, m),
    missing,
    duplicates,
    flagged,
  };
}
