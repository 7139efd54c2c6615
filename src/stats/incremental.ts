/**
 * Incremental statistics: when a day's bars are appended to a symbol, update every estimator ×
 * window, the intervals and the cone from a saved state instead of recomputing the history.
 *
 * The state of a symbol is bounded whatever the length of its history:
 * - the kernels' running sums after the last bar (one RollState per window) and a bounded tail of
 *   the cleaned series (the last max(window, 30) + 1 bars): the rolling kernels resume on that
 *   tail with the same arithmetic, positions and re-anchoring as a full run, so the new rolling
 *   variances — hence the latest estimates, their intervals, the mean-return intervals and HV30 —
 *   equal a full recompute to the last bit;
 * - per (window, estimator) the cone's window: the counted rolling variances ending on the last
 *   `coneLookback` bars, sorted, each tagged with its bar's position (mod 2^16). A new bar's
 *   variance is inserted by binary search and the one that left the lookback removed by its tag,
 *   so the cone's quantiles and the latest value's percentile are read with the same type-7
 *   interpolation as the full run, in O(lookback) per day;
 * - the cleaning counters (rows, first date, missing, duplicates, flagged).
 *
 * Only appends are incremental: a bar dated on or before the last bar (a correction of the past)
 * makes `appendBars` answer `recompute`, and the caller runs the full suite for that symbol (which
 * also yields a fresh state). A state made with other options is refused the same way.
 */
import { isoFromDays } from "../core/bars.ts";
import {
  computeReturnTerms,
  computeTerms,
  E_C2C,
  newRollState,
  type RollState,
  rollingCloseToClose,
  rollingVariances,
} from "./estimators.ts";
import type { QuantileResult } from "./quantiles.ts";
import { type PreparedSeries, type PriceSeries, prepareSeries } from "./series.ts";
import {
  CONE_QUANTILES,
  computeSymbolStats,
  coneLookback,
  emitSymbolRow,
  emitWindowRows,
  isLean,
  latestCloseToClose,
  type SeriesView,
  type StatsTables,
  type SuiteContext,
} from "./suite.ts";

/**
 * The cone's window of one rolling series: its counted variances over the lookback, ascending
 * (`values[0..length)`, capacity = lookback), and the position (mod 2^16) of each one's bar.
 */
export interface ConeWindow {
  values: Float64Array;
  slots: Uint16Array;
  length: number;
}

export interface SymbolState {
  symbol: string;
  /** The suite options the state was made with (windows, estimators, annualization…). */
  optionsKey: string;
  n: number;
  firstDate: number | null;
  missing: number;
  duplicates: number;
  flagged: number;
  /** The last bars of the cleaned series. */
  tail: {
    date: Int32Array;
    open: Float64Array;
    high: Float64Array;
    low: Float64Array;
    close: Float64Array;
    flags: Uint8Array;
  };
  /** Kernel running sums after the last bar, per window (options' order). */
  roll: RollState[];
  /** The cone's window per window, per estimator index (null: estimator not selected). */
  cone: (ConeWindow | null)[][];
  /** The latest rolling variance per window and estimator index (NaN = unavailable). */
  lastVar: Float64Array[];
}

export function optionsKey(ctx: SuiteContext): string {
  const o = ctx.options;
  return JSON.stringify([
    o.windows,
    ctx.estimatorIndexes,
    o.annualization,
    o.confidence,
    o.cone !== false,
    coneLookback(o),
  ]);
}

/** Bars kept in the tail: the longest window (and HV30's 30 returns) plus the previous close. */
export function tailLength(ctx: SuiteContext): number {
  return Math.max(30, ...ctx.options.windows) + 1;
}

/** Counted the way the cone counts: finite, non-negative, not -0. */
const counted = (v: number) => v >= 0 && v < Number.POSITIVE_INFINITY && !Object.is(v, -0);

function upperBound(a: Float64Array, len: number, x: number): number {
  let lo = 0;
  let hi = len;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const SLOT_MASK = 0xffff;

/** An empty cone window with room for the lookback. */
export function emptyCone(lookback: number): ConeWindow {
  return { values: new Float64Array(lookback), slots: new Uint16Array(lookback), length: 0 };
}

/**
 * Slide the cone window to bar `pos`: drop the variance of bar pos − lookback (when it was
 * counted), then insert `x` (when it counts). Capacity holds: at most lookback − 1 entries remain
 * before the insert once pos ≥ lookback, and at most pos before that.
 */
export function slideCone(cw: ConeWindow, pos: number, lookback: number, x: number): void {
  const { values, slots } = cw;
  if (pos >= lookback) {
    const leaving = (pos - lookback) & SLOT_MASK;
    for (let j = 0; j < cw.length; j++)
      if (slots[j] === leaving) {
        values.copyWithin(j, j + 1, cw.length);
        slots.copyWithin(j, j + 1, cw.length);
        cw.length--;
        break;
      }
  }
  if (!counted(x)) return;
  const at = upperBound(values, cw.length, x);
  values.copyWithin(at + 1, at, cw.length);
  slots.copyWithin(at + 1, at, cw.length);
  values[at] = x;
  slots[at] = pos & SLOT_MASK;
  cw.length++;
}

/** The cone from sorted values, exactly as quantilesFromIndex computes it from a bucket index. */
function coneFromSorted(
  sv: ConeWindow,
  out: Float64Array,
  map: (x: number) => number,
  rankOf: number | undefined,
): QuantileResult {
  const count = sv.length;
  const a = sv.values;
  if (count === 0) return { count, min: Number.NaN, max: Number.NaN, atOrBelow: Number.NaN };
  for (let q = 0; q < CONE_QUANTILES.length; q++) {
    const h = CONE_QUANTILES[q]! * (count - 1);
    const lo = Math.floor(h);
    const x = map(a[lo]!);
    const y = map(a[Math.min(lo + 1, count - 1)]!);
    out[q] = x + (h - lo) * (y - x);
  }
  const atOrBelow =
    rankOf !== undefined && rankOf >= 0 && Number.isFinite(rankOf)
      ? upperBound(a, count, rankOf)
      : Number.NaN;
  return { count, min: a[0]!, max: a[count - 1]!, atOrBelow };
}

/** The cone window of positions from..n−1 of one rolling series, as the full run sees them. */
function coneOf(series: Float64Array, n: number, lookback: number): ConeWindow {
  const from = Math.max(0, n - lookback);
  const cw = emptyCone(lookback);
  const order: number[] = [];
  for (let i = from; i < n; i++) if (counted(series[i]!)) order.push(i);
  order.sort((a, b) => series[a]! - series[b]! || a - b);
  for (const [j, i] of order.entries()) {
    cw.values[j] = series[i]!;
    cw.slots[j] = i & SLOT_MASK;
  }
  cw.length = order.length;
  return cw;
}

function tailOf(s: PreparedSeries, k: number): SymbolState["tail"] {
  const from = Math.max(0, s.length - k);
  return {
    date: s.date.slice(from),
    open: s.open.slice(from),
    high: s.high.slice(from),
    low: s.low.slice(from),
    close: s.close.slice(from),
    flags: s.flags.slice(from),
  };
}

/** Full run of one symbol (rows appended to `out`) that also returns its incremental state. */
export function computeWithState(
  symbol: string,
  input: PriceSeries,
  ctx: SuiteContext,
  out: StatsTables,
): SymbolState {
  const windows = ctx.options.windows;
  const roll = windows.map((w) => newRollState(w));
  const cone: (ConeWindow | null)[][] = windows.map(() => []);
  const lookback = coneLookback(ctx.options);
  const lastVar = windows.map(() => new Float64Array(5).fill(Number.NaN));
  const wIndex = new Map(windows.map((w, i) => [w, i]));
  const s = prepareSeries(input);
  computeSymbolStats(
    symbol,
    input,
    ctx,
    out,
    (w, rolling) => {
      const wi = wIndex.get(w)!;
      cone[wi] = rolling.map((series, e) =>
        ctx.estimatorIndexes.includes(e) ? coneOf(series, s.length, lookback) : null,
      );
      for (const e of ctx.estimatorIndexes) lastVar[wi]![e] = rolling[e]![s.length - 1]!;
    },
    roll,
  );
  if (s.length === 0)
    for (let wi = 0; wi < windows.length; wi++)
      cone[wi] = [0, 1, 2, 3, 4].map((e) => (ctx.estimatorIndexes.includes(e) ? emptyCone(lookback) : null));
  return {
    symbol,
    optionsKey: optionsKey(ctx),
    n: s.length,
    firstDate: s.length > 0 ? s.date[0]! : null,
    missing: s.missing,
    duplicates: s.duplicates,
    flagged: s.flagged,
    tail: tailOf(s, tailLength(ctx)),
    roll,
    cone,
    lastVar,
  };
}

export type AppendResult = { ok: true; added: number } | { ok: false; recompute: string };

function concat<T extends Float64Array | Int32Array | Uint8Array>(a: T, b: T, make: (n: number) => T): T {
  const out = make(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Append `bars` (the new rows of one symbol, any order) to `state` and append the symbol's rows —
 * identical to a full run over the whole history — to `out`. Updates `state` in place. Answers
 * `recompute` (touching neither) when a bar is not after the last one or the options differ.
 */
export function appendBars(
  state: SymbolState,
  bars: PriceSeries,
  ctx: SuiteContext,
  out: StatsTables,
): AppendResult {
  if (state.optionsKey !== optionsKey(ctx)) return { ok: false, recompute: "statistics options changed" };
  const fresh = prepareSeries(bars);
  const lastDate = state.n > 0 ? state.tail.date[state.tail.date.length - 1]! : Number.NEGATIVE_INFINITY;
  if (fresh.length > 0 && fresh.date[0]! <= lastDate)
    return {
      ok: false,
      recompute: `bar dated ${isoFromDays(fresh.date[0]!)} is not after the last bar (${isoFromDays(lastDate)}): a correction`,
    };
  const { windows, annualization: ann } = ctx.options;
  const lookback = coneLookback(ctx.options);
  const k = state.tail.date.length;
  const m = fresh.length;
  const len = k + m;
  const base = state.n - k;
  const s: PreparedSeries = {
    length: len,
    date: concat(state.tail.date, fresh.date, (x) => new Int32Array(x)),
    open: concat(state.tail.open, fresh.open, (x) => new Float64Array(x)),
    high: concat(state.tail.high, fresh.high, (x) => new Float64Array(x)),
    low: concat(state.tail.low, fresh.low, (x) => new Float64Array(x)),
    close: concat(state.tail.close, fresh.close, (x) => new Float64Array(x)),
    flags: concat(state.tail.flags, fresh.flags, (x) => new Uint8Array(x)),
    missing: 0,
    duplicates: 0,
    flagged: 0,
  };
  // Local index 0's terms lack its previous close when base > 0; the kernels never read them
  // (they start at k ≥ every window + 1 and only difference the prefix counts).
  const lean = isLean(ctx);
  // The context's buffers (grown to the longest series seen) are reused symbol after symbol.
  ctx.ensure(len);
  const terms = lean ? computeReturnTerms(s, ctx.terms) : computeTerms(s, ctx.terms);
  const n = state.n + m;
  const simpleRet = ctx.simpleRet;
  for (let i = Math.max(1, len - Math.max(...windows)); i < len; i++)
    simpleRet[i] = Math.expm1(terms.ret[i]!);
  const view: SeriesView = { symbol: state.symbol, n, s, terms, simpleRet, last: len - 1 };
  const rolling = ctx.rolling;
  let hv30: number | null = null;
  for (const [wi, w] of windows.entries()) {
    if (m > 0) {
      const resume = { base, from: k, state: state.roll[wi]! };
      if (lean) rollingCloseToClose(terms, w, rolling[E_C2C], resume);
      else rollingVariances(terms, w, rolling, resume);
      for (const e of ctx.estimatorIndexes) {
        const cw = state.cone[wi]![e]!;
        for (let i = k; i < len; i++) slideCone(cw, base + i, lookback, rolling[e]![i]!);
        state.lastVar[wi]![e] = rolling[e]![len - 1]!;
      }
    } else if (len > 0) for (const e of ctx.estimatorIndexes) rolling[e]![len - 1] = state.lastVar[wi]![e]!;
    const toVol = (x: number) => Math.sqrt(x * ann);
    hv30 =
      emitWindowRows(ctx, out, view, w, rolling, (e, x) =>
        coneFromSorted(state.cone[wi]![e]!, ctx.qOut, toVol, x),
      ) ?? hv30;
  }
  if (hv30 === null && !windows.includes(30)) hv30 = latestCloseToClose(terms, 30, ann);
  state.n = n;
  if (state.firstDate === null && m > 0) state.firstDate = fresh.date[0]!;
  state.missing += fresh.missing;
  state.duplicates += fresh.duplicates;
  state.flagged += fresh.flagged;
  state.tail = tailOf(s, tailLength(ctx));
  emitSymbolRow(out, state.symbol, n, state.firstDate, s.date[len - 1] ?? null, state, hv30);
  return { ok: true, added: m };
}

export interface SymbolUpdate {
  state: SymbolState;
  mode: "incremental" | "full";
  /** Why the symbol was recomputed in full (new symbol, correction, options changed). */
  reason: string | null;
}

/**
 * One symbol's daily update: incremental when its state allows, else a full run over
 * `history()` (the whole stored series, new bars included) that also renews the state.
 */
export function updateSymbol(
  symbol: string,
  state: SymbolState | undefined,
  newBars: PriceSeries,
  history: () => PriceSeries,
  ctx: SuiteContext,
  out: StatsTables,
): SymbolUpdate {
  if (state) {
    const r = appendBars(state, newBars, ctx, out);
    if (r.ok) return { state, mode: "incremental", reason: null };
    return { state: computeWithState(symbol, history(), ctx, out), mode: "full", reason: r.recompute };
  }
  return { state: computeWithState(symbol, history(), ctx, out), mode: "full", reason: "new symbol" };
}
