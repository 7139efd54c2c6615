/**
 * The whole estimator suite for one symbol: clean the series, compute per-bar terms once, roll
 * every window, and append the latest estimates (with chi-square intervals), mean-return
 * intervals (Student t) and the volatility cone to columnar result tables.
 *
 * Result tables hold one row per (symbol, window[, estimator]) — a few thousand rows, never one
 * per input bar — as plain column arrays that cross worker boundaries cheaply. Every number in
 * them is finite or null, and a null always comes with a reason.
 */
import { isoFromDays } from "../core/bars.ts";
import {
  allocRolling,
  allocTerms,
  computeReturnTerms,
  computeTerms,
  degreesOfFreedom,
  E_C2C,
  ESTIMATORS,
  type Estimator,
  NEEDS_PREVIOUS_CLOSE,
  type RollingOut,
  type RollState,
  rollingCloseToClose,
  rollingVariances,
  type Terms,
} from "./estimators.ts";
import { IntervalCache, meanInterval } from "./intervals.ts";
import { type QuantileResult, QuantileScratch, quantilesNonNegative } from "./quantiles.ts";
import { describeFlags, type PreparedSeries, type PriceSeries, prepareSeries } from "./series.ts";

export interface SuiteOptions {
  windows: readonly number[];
  /** Confidence level of every interval, e.g. 0.95. */
  confidence: number;
  /** Periods per year, e.g. 252 trading days. */
  annualization: number;
  /** Compute the volatility cone (default true). */
  cone?: boolean;
  /**
   * Bars the volatility cone (and the latest estimate's percentile) looks back over: the cone
   * of a window is the distribution of its rolling estimates ending on the last `coneLookback`
   * bars (default DEFAULT_CONE_LOOKBACK). Bounded so a daily update keeps a bounded state.
   */
  coneLookback?: number;
  /** Estimators to report (default all five). Close-to-close alone takes a leaner kernel. */
  estimators?: readonly Estimator[];
}

/** Latest estimate per (symbol, window, estimator); vol and bounds are annualised fractions. */
export interface LatestTable {
  symbol: string[];
  window: number[];
  estimator: string[];
  vol: (number | null)[];
  ci_low: (number | null)[];
  ci_high: (number | null)[];
  n: number[];
  asof: (number | null)[]; // days since epoch of the window's last bar
  reason: (string | null)[];
}

/** Mean return per (symbol, window), annualised (× periods per year), with t intervals. */
export interface ReturnsTable {
  symbol: string[];
  window: number[];
  n: number[];
  mean_log: (number | null)[];
  mean_log_ci_low: (number | null)[];
  mean_log_ci_high: (number | null)[];
  mean_simple: (number | null)[];
  mean_simple_ci_low: (number | null)[];
  mean_simple_ci_high: (number | null)[];
  asof: (number | null)[];
  reason: (string | null)[];
}

/**
 * Volatility cone per (symbol, window, estimator): the distribution of the rolling estimates
 * ending on the last `coneLookback` bars (annualised).
 */
export interface ConeTable {
  symbol: string[];
  window: number[];
  estimator: string[];
  count: number[];
  min: (number | null)[];
  p25: (number | null)[];
  median: (number | null)[];
  p75: (number | null)[];
  max: (number | null)[];
  latest: (number | null)[];
  /** Share of the cone's estimates at or below the latest one (0–1): "HV percentile". */
  latest_pct: (number | null)[];
  reason: (string | null)[];
}

/** Per-symbol data quality summary. */
export interface SymbolTable {
  symbol: string[];
  rows: number[];
  first_date: (number | null)[];
  last_date: (number | null)[];
  missing: number[];
  duplicates: number[];
  flagged: number[];
  hv30: (number | null)[];
}

export interface StatsTables {
  latest: LatestTable;
  returns: ReturnsTable;
  cone: ConeTable;
  symbols: SymbolTable;
}

export function emptyTables(): StatsTables {
  return {
    latest: {
      symbol: [],
      window: [],
      estimator: [],
      vol: [],
      ci_low: [],
      ci_high: [],
      n: [],
      asof: [],
      reason: [],
    },
    returns: {
      symbol: [],
      window: [],
      n: [],
      mean_log: [],
      mean_log_ci_low: [],
      mean_log_ci_high: [],
      mean_simple: [],
      mean_simple_ci_low: [],
      mean_simple_ci_high: [],
      asof: [],
      reason: [],
    },
    cone: {
      symbol: [],
      window: [],
      estimator: [],
      count: [],
      min: [],
      p25: [],
      median: [],
      p75: [],
      max: [],
      latest: [],
      latest_pct: [],
      reason: [],
    },
    symbols: {
      symbol: [],
      rows: [],
      first_date: [],
      last_date: [],
      missing: [],
      duplicates: [],
      flagged: [],
      hv30: [],
    },
  };
}

/** Append every column of `b` to `a` (merging worker results). */
export function mergeTables(a: StatsTables, b: StatsTables): void {
  for (const t of ["latest", "returns", "cone", "symbols"] as const) {
    const ta = a[t] as unknown as Record<string, unknown[]>;
    const tb = b[t] as unknown as Record<string, unknown[]>;
    for (const k of Object.keys(ta)) {
      const src = tb[k]!;
      const dst = ta[k]!;
      for (let i = 0; i < src.length; i++) dst.push(src[i]);
    }
  }
}

/**
 * Receives each window's rolling daily variances (NaN = unavailable; buffers are reused, copy
 * what you keep) and the cleaned dates, e.g. to persist the rolling series.
 */
export type RollingSink = (window: number, variances: RollingOut, dates: Int32Array) => void;

/** Reusable buffers: one per worker, grown to the longest series seen. */
export class SuiteContext {
  terms: Terms = allocTerms(0);
  rolling: RollingOut = allocRolling(0);
  simpleRet = new Float64Array(0);
  quantiles = new QuantileScratch();
  qOut = new Float64Array(3);
  intervals: IntervalCache;
  /** Indexes into ESTIMATORS of the estimators to report, in ESTIMATORS order. */
  estimatorIndexes: number[];
  constructor(readonly options: SuiteOptions) {
    this.intervals = new IntervalCache(options.confidence);
    const wanted = options.estimators ?? ESTIMATORS;
    this.estimatorIndexes = ESTIMATORS.flatMap((e, i) => (wanted.includes(e) ? [i] : []));
  }
  ensure(n: number): void {
    if (this.rolling[0].length < n) {
      const cap = Math.max(n, Math.ceil(this.rolling[0].length * 1.5));
      this.terms = allocTerms(cap);
      this.rolling = allocRolling(cap);
      this.simpleRet = new Float64Array(cap);
    }
  }
}

const CONE_PROBS = [0.25, 0.5, 0.75] as const;

/**
 * One year of trading days, the same span as the IV rank and percentile (iv_hv): the cone and
 * the HV percentile then answer "where is today's volatility within the last year". Longer spans
 * are one setting away (`stats.cone-lookback`); the daily update's state grows with it.
 */
export const DEFAULT_CONE_LOOKBACK = 252;
/** The incremental state tags cone entries by position modulo 2^16: the lookback stays below. */
export const MAX_CONE_LOOKBACK = 65_535;

/** The cone's lookback in bars. */
export function coneLookback(o: SuiteOptions): number {
  return o.coneLookback ?? DEFAULT_CONE_LOOKBACK;
}

/** Validate suite options; returns a reason string or null. */
export function validateOptions(o: SuiteOptions): string | null {
  if (o.windows.length === 0) return "no windows given";
  if (o.estimators) {
    if (o.estimators.length === 0) return "no estimators given";
    for (const e of o.estimators)
      if (!ESTIMATORS.includes(e)) return `unknown estimator "${e}" (known: ${ESTIMATORS.join(", ")})`;
  }
  for (const w of o.windows) if (!Number.isInteger(w) || w < 2) return `window ${w} is not an integer ≥ 2`;
  if (!(o.confidence > 0 && o.confidence < 1)) return `confidence ${o.confidence} is not between 0 and 1`;
  if (!(o.annualization > 0) || !Number.isFinite(o.annualization))
    return `annualization ${o.annualization} is not positive`;
  const l = coneLookback(o);
  if (!Number.isInteger(l) || l < 2 || l > MAX_CONE_LOOKBACK)
    return `cone lookback ${l} is not an integer from 2 to ${MAX_CONE_LOOKBACK}`;
  return null;
}

/** First flagged bar (most recent first) in [from, to] for the reason text, or -1. */
function lastFlagged(s: PreparedSeries, from: number, to: number, mask: (f: number) => boolean): number {
  for (let i = to; i >= from; i--) if (mask(s.flags[i]!)) return i;
  return -1;
}

/**
 * What the rows of one symbol are computed from: the cleaned series and its terms, either whole
 * (full run) or a bounded tail of it (incremental update; `s`, `terms` and `simpleRet` then hold
 * the last bars only, and `last` is the local index of the newest bar).
 */
export interface SeriesView {
  symbol: string;
  /** Cleaned bars in the whole series. */
  n: number;
  s: PreparedSeries;
  terms: Terms;
  /** Simple returns (expm1 of the log returns), filled for the longest window's tail. */
  simpleRet: Float64Array;
  last: number;
}

/**
 * The cone of one rolling series: its quantiles written to ctx.qOut (CONE_PROBS, mapped to
 * annualised volatility) and count/min/max/"at or below" the latest variance.
 */
export type ConeSource = (estimator: number, latestVariance: number | undefined) => QuantileResult | null;

export const CONE_QUANTILES = CONE_PROBS;

/**
 * Append the rows of one window: mean-return intervals, then per selected estimator the latest
 * estimate with its interval and the cone. `rolling[e][v.last]` is the latest rolling variance.
 * Returns the close-to-close 30-bar volatility when this window yields it (HV30).
 */
export function emitWindowRows(
  ctx: SuiteContext,
  out: StatsTables,
  v: SeriesView,
  w: number,
  rolling: RollingOut,
  cone: ConeSource,
): number | null {
  const { annualization: ann } = ctx.options;
  const withCone = ctx.options.cone !== false;
  const { symbol, n, s, terms, last } = v;
  const toVol = (x: number) => Math.sqrt(x * ann);
  let hv30: number | null = null;

  // Mean returns (Student t), over the last w returns.
  {
    const R = out.returns;
    R.symbol.push(symbol);
    R.window.push(w);
    R.n.push(w);
    const from = last - w + 1;
    let reason: string | null = null;
    if (n === 0) reason = "no bars";
    else if (n - 1 < w) reason = `window ${w} longer than series (${Math.max(0, n - 1)} returns)`;
    else if (terms.badRet[last + 1]! - terms.badRet[from]! !== 0) {
      const at = lastFlagged(s, from - 1, last, (f) => (f & 1) !== 0);
      reason = `non-positive close on ${at >= 0 ? isoFromDays(s.date[at]!) : "?"} within window`;
    }
    const ml = reason === null ? meanInterval(terms.ret, from, last + 1, ctx.intervals) : null;
    const ms = reason === null ? meanInterval(v.simpleRet, from, last + 1, ctx.intervals) : null;
    R.mean_log.push(ml ? ml.mean * ann : null);
    R.mean_log_ci_low.push(ml ? ml.low * ann : null);
    R.mean_log_ci_high.push(ml ? ml.high * ann : null);
    R.mean_simple.push(ms ? ms.mean * ann : null);
    R.mean_simple_ci_low.push(ms ? ms.low * ann : null);
    R.mean_simple_ci_high.push(ms ? ms.high * ann : null);
    R.asof.push(n > 0 ? s.date[last]! : null);
    if (reason === null && (ml === null || ms === null)) reason = "returns overflow (absurd price ratio)";
    R.reason.push(reason);
  }

  for (const e of ctx.estimatorIndexes) {
    const series = rolling[e]!;
    const needsPrev = NEEDS_PREVIOUS_CLOSE[e]!;
    const available = needsPrev ? n - 1 : n;
    let reason: string | null = null;
    let vol: number | null = null;
    if (n === 0) reason = "no bars";
    else if (available < w)
      reason = `window ${w} longer than series (${Math.max(0, available)} ${needsPrev ? "returns" : "bars"})`;
    else {
      const x = series[last]!;
      if (!Number.isNaN(x)) vol = toVol(x);
      else {
        const from = needsPrev ? last - w : last - w + 1;
        const mask = e === E_C2C ? (f: number) => (f & 1) !== 0 : (f: number) => f !== 0;
        const at = lastFlagged(s, Math.max(0, from), last, mask);
        reason =
          at >= 0
            ? `${describeFlags(s.flags[at]!)} on ${isoFromDays(s.date[at]!)} within window`
            : "unusable window";
      }
    }
    const L = out.latest;
    L.symbol.push(symbol);
    L.window.push(w);
    L.estimator.push(ESTIMATORS[e]!);
    L.n.push(w);
    L.asof.push(n > 0 ? s.date[last]! : null);
    if (vol !== null) {
      const [lo, hi] = ctx.intervals.volMultipliers(degreesOfFreedom(e, w));
      L.vol.push(vol);
      L.ci_low.push(vol * lo);
      L.ci_high.push(vol * hi);
      L.reason.push(null);
      if (e === E_C2C && w === 30) hv30 = vol;
    } else {
      L.vol.push(null);
      L.ci_low.push(null);
      L.ci_high.push(null);
      L.reason.push(reason);
    }

    if (withCone) {
      const C = out.cone;
      C.symbol.push(symbol);
      C.window.push(w);
      C.estimator.push(ESTIMATORS[e]!);
      C.latest.push(vol);
      const q = n > 0 ? cone(e, vol !== null ? series[last]! : undefined) : null;
      if (q && q.count > 0) {
        C.latest_pct.push(vol !== null && !Number.isNaN(q.atOrBelow) ? q.atOrBelow / q.count : null);
        C.count.push(q.count);
        C.min.push(toVol(q.min));
        C.p25.push(ctx.qOut[0]!);
        C.median.push(ctx.qOut[1]!);
        C.p75.push(ctx.qOut[2]!);
        C.max.push(toVol(q.max));
        C.reason.push(null);
      } else {
        C.count.push(0);
        C.latest_pct.push(null);
        C.min.push(null);
        C.p25.push(null);
        C.median.push(null);
        C.p75.push(null);
        C.max.push(null);
        C.reason.push(reason ?? "no usable window in the history");
      }
    }
  }
  return hv30;
}

/** Append the per-symbol summary row. */
export function emitSymbolRow(
  out: StatsTables,
  symbol: string,
  n: number,
  firstDate: number | null,
  lastDate: number | null,
  counts: { missing: number; duplicates: number; flagged: number },
  hv30: number | null,
): void {
  const S = out.symbols;
  S.symbol.push(symbol);
  S.rows.push(n);
  S.first_date.push(n > 0 ? firstDate : null);
  S.last_date.push(n > 0 ? lastDate : null);
  S.missing.push(counts.missing);
  S.duplicates.push(counts.duplicates);
  S.flagged.push(counts.flagged);
  S.hv30.push(hv30);
}

/** Whether the suite takes the close-to-close-only kernel. */
export function isLean(ctx: SuiteContext): boolean {
  return ctx.estimatorIndexes.length === 1 && ctx.estimatorIndexes[0] === E_C2C;
}

/**
 * Run the suite for one symbol and append its rows to `out`. Returns the cleaned series length.
 * With `states` (one per window, in `windows` order) the kernels' final running sums are saved
 * there, for incremental updates.
 */
export function computeSymbolStats(
  symbol: string,
  input: PriceSeries,
  ctx: SuiteContext,
  out: StatsTables,
  onRolling?: RollingSink,
  states?: RollState[],
): number {
  const { windows, annualization: ann } = ctx.options;
  const s = prepareSeries(input);
  const n = s.length;
  ctx.ensure(n);
  const lean = isLean(ctx);
  const terms = lean ? computeReturnTerms(s, ctx.terms) : computeTerms(s, ctx.terms);
  const rolling = ctx.rolling;
  const toVol = (v: number) => Math.sqrt(v * ann);

  // Returns for the mean-return intervals: only the longest window's tail is ever read.
  const simpleRet = ctx.simpleRet;
  const tail = Math.max(1, n - Math.max(...windows));
  for (let i = tail; i < n; i++) simpleRet[i] = Math.expm1(terms.ret[i]!);
  const view: SeriesView = { symbol, n, s, terms, simpleRet, last: n - 1 };

  let hv30: number | null = null;
  const coneFrom = Math.max(0, n - coneLookback(ctx.options));
  for (const [wi, w] of windows.entries()) {
    if (n > 0) {
      const resume = states ? { base: 0, from: 0, state: states[wi]! } : undefined;
      if (lean) rollingCloseToClose(terms, w, rolling[E_C2C], resume);
      else rollingVariances(terms, w, rolling, resume);
    }
    if (onRolling && n > 0) onRolling(w, rolling, s.date);
    const cone: ConeSource = (e, x) =>
      quantilesNonNegative(rolling[e]!.subarray(coneFrom, n), CONE_PROBS, ctx.qOut, ctx.quantiles, toVol, x);
    hv30 = emitWindowRows(ctx, out, view, w, rolling, cone) ?? hv30;
  }
  if (hv30 === null && !windows.includes(30)) hv30 = latestCloseToClose(terms, 30, ann);
  emitSymbolRow(out, symbol, n, s.date[0] ?? null, s.date[n - 1] ?? null, s, hv30);
  return n;
}

/** Annualised close-to-close volatility of the last w returns, or null (used for HV30). */
export function latestCloseToClose(t: Terms, w: number, ann: number): number | null {
  const n = t.length;
  if (n - 1 < w) return null;
  const from = n - w;
  if (t.badRet[n]! - t.badRet[from]! !== 0) return null;
  let sum = 0;
  for (let i = from; i < n; i++) sum += t.ret[i]!;
  const mean = sum / w;
  let ss = 0;
  for (let i = from; i < n; i++) {
    const d = t.ret[i]! - mean;
    ss += d * d;
  }
  return Math.sqrt((ss / (w - 1)) * ann);
}
