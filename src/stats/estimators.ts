/**
 * Realized-volatility estimators as rolling, single-pass O(n) kernels over typed arrays.
 *
 * Per bar we take four logs once (ln O, ln H, ln L, ln C) and derive the per-bar terms:
 *   r   = ln C_t − ln C_{t−1}                     close-to-close log return
 *   hl² = (ln H − ln L)²                          Parkinson / Garman–Klass
 *   co  = ln C − ln O                             open-to-close (GK, Yang–Zhang)
 *   rs  = ln(H/C)·ln(H/O) + ln(L/C)·ln(L/O)       Rogers–Satchell
 *   on  = ln O_t − ln C_{t−1}                     overnight return (Yang–Zhang)
 * and a window of w bars ending at t gives the daily variance:
 *   close-to-close  Σ(r − r̄)² / (w − 1)                     (w returns, sample variance)
 *   Parkinson       Σ hl² / (4 ln 2 · w)
 *   Garman–Klass    Σ [½ hl² − (2 ln 2 − 1) co²] / w
 *   Rogers–Satchell Σ rs / w
 *   Yang–Zhang      σ²_on + k σ²_co + (1 − k) σ²_rs,  k = 0.34 / (1.34 + (w + 1)/(w − 1)),
 *                   σ²_on, σ²_co sample variances (w − 1), σ²_rs as above
 * Estimators needing the previous close (close-to-close, Yang–Zhang) use w returns, so they need
 * w + 1 bars; the range estimators need w bars.
 *
 * Rolling sums are updated by adding the entering and subtracting the leaving term (sliding
 * Welford for the sample variances); to stop rounding drift over long histories they are
 * recomputed exactly every REANCHOR·w steps (amortised O(1)). Terms of unusable bars are stored as 0 (a NaN would poison every later sum)
 * and prefix counts of bad terms decide whether a window is usable.
 */
import { BAD_CLOSE, type PreparedSeries } from "./series.ts";

export const ESTIMATORS = [
  "close_to_close",
  "parkinson",
  "garman_klass",
  "rogers_satchell",
  "yang_zhang",
] as const;
export type Estimator = (typeof ESTIMATORS)[number];
/** Index of close-to-close in ESTIMATORS (and in RollingOut, which follows the same order). */
export const E_C2C = 0;

/** Whether an estimator consumes the previous close (needs w + 1 bars). */
export const NEEDS_PREVIOUS_CLOSE: readonly boolean[] = [true, false, false, false, true];
/**
 * Degrees of freedom of the chi-square interval for a window of w: sample variances lose one,
 * mean-of-squares estimators do not. (This ignores the efficiency gain of the range estimators,
 * so their intervals are conservative.)
 */
export function degreesOfFreedom(estimator: number, w: number): number {
  return NEEDS_PREVIOUS_CLOSE[estimator] ? w - 1 : w;
}

const LN2 = Math.LN2;
const PARKINSON_K = 1 / (4 * LN2);
const GK_CO = 2 * LN2 - 1;
const REANCHOR = 16;
/**
 * Daily variances below this are rounding residue of the running sums (e.g. a constant-price
 * stretch after a volatile one leaves ~1e-20) and are reported as exactly 0. It corresponds to
 * an annualised volatility of ~1.6e-7, far below any traded instrument.
 */
const SNAP = 1e-16;
/**
 * A sum of squared deviations below REL·w·mean² is indistinguishable from rounding error of the
 * running mean (identical returns in a strongly trending window): report it as 0 too.
 */
const REL = 1e-13;

export function yangZhangK(w: number): number {
  return 0.34 / (1.34 + (w + 1) / (w - 1));
}

/** Per-bar terms and prefix counts of unusable terms (length n + 1). */
export interface Terms {
  length: number;
  ret: Float64Array;
  hl2: Float64Array;
  co: Float64Array;
  rs: Float64Array;
  on: Float64Array;
  /** prefix count of bars whose return is unusable (index 0 always is: no previous close). */
  badRet: Int32Array;
  /** prefix count of bars whose open/high/low/close are unusable. */
  badBar: Int32Array;
  /** prefix count of bars unusable for Yang–Zhang (bad bar or bad return). */
  badYz: Int32Array;
}

export function allocTerms(capacity: number): Terms {
  return {
    length: 0,
    ret: new Float64Array(capacity),
    hl2: new Float64Array(capacity),
    co: new Float64Array(capacity),
    rs: new Float64Array(capacity),
    on: new Float64Array(capacity),
    badRet: new Int32Array(capacity + 1),
    badBar: new Int32Array(capacity + 1),
    badYz: new Int32Array(capacity + 1),
  };
}

/** Fill `t` (reused between symbols to avoid allocation) with the terms of `s`. */
export function computeTerms(s: PreparedSeries, t: Terms = allocTerms(s.length)): Terms {
  const n = s.length;
  if (t.ret.length < n) t = allocTerms(n);
  t.length = n;
  const { open, high, low, close, flags } = s;
  const { ret, hl2, co, rs, on, badRet, badBar, badYz } = t;
  let prevLc = 0;
  let prevCloseBad = true; // bar 0 has no previous close
  let cRet = 0;
  let cBar = 0;
  let cYz = 0;
  badRet[0] = 0;
  badBar[0] = 0;
  badYz[0] = 0;
  for (let i = 0; i < n; i++) {
    const f = flags[i]!;
    const closeBad = (f & BAD_CLOSE) !== 0;
    const barBad = f !== 0;
    const lc = closeBad ? 0 : Math.log(close[i]!);
    const retBad = closeBad || prevCloseBad;
    if (barBad) {
      hl2[i] = 0;
      co[i] = 0;
      rs[i] = 0;
      on[i] = 0;
    } else {
      const lo = Math.log(open[i]!);
      const lh = Math.log(high[i]!);
      const ll = Math.log(low[i]!);
      const hl = lh - ll;
      hl2[i] = hl * hl;
      co[i] = lc - lo;
      rs[i] = (lh - lc) * (lh - lo) + (ll - lc) * (ll - lo);
      on[i] = prevCloseBad ? 0 : lo - prevLc;
    }
    ret[i] = retBad ? 0 : lc - prevLc;
    if (retBad) cRet++;
    if (barBad) cBar++;
    if (barBad || retBad) cYz++;
    badRet[i + 1] = cRet;
    badBar[i + 1] = cBar;
    badYz[i + 1] = cYz;
    prevLc = lc;
    prevCloseBad = closeBad;
  }
  return t;
}

/** Rolling daily variances of the five estimators, one array each (NaN = not available). */
export type RollingOut = [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];

export function allocRolling(capacity: number): RollingOut {
  return [
    new Float64Array(capacity),
    new Float64Array(capacity),
    new Float64Array(capacity),
    new Float64Array(capacity),
    new Float64Array(capacity),
  ];
}

/**
 * The running sums of a rolling kernel after its last bar: saved with a bounded tail of terms,
 * they let the next bars be rolled without the history (`ttapi` incremental statistics).
 * `nextAnchor` is a position in the whole series.
 */
export interface RollState {
  mR: number;
  m2R: number;
  mCo: number;
  m2Co: number;
  mOn: number;
  m2On: number;
  sHl2: number;
  sCo2: number;
  sRs: number;
  nextAnchor: number;
}

export function newRollState(w: number): RollState {
  return {
    mR: 0,
    m2R: 0,
    mCo: 0,
    m2Co: 0,
    mOn: 0,
    m2On: 0,
    sHl2: 0,
    sCo2: 0,
    sRs: 0,
    nextAnchor: REANCHOR * w,
  };
}

/**
 * Continue a kernel: `t` holds the terms of bars base … base + t.length − 1 of the whole series;
 * roll local indexes from `from` on (at least w terms must precede it in `t`) starting from
 * `state`, which is updated in place. Without `resume` a kernel rolls the whole series from 0;
 * with `resume = {base: 0, from: 0, state: newRollState(w)}` it does the same and saves the state.
 */
export interface Resume {
  base: number;
  from: number;
  state: RollState;
}

/**
 * Rolling daily variances for window `w` (≥ 2) over terms `t`: out[e][i] is the estimate for the
 * window ending at bar i, NaN where the window does not fit or touches an unusable bar.
 */
export function rollingVariances(t: Terms, w: number, out: RollingOut, resume?: Resume): void {
  const n = t.length;
  const [oC2c, oPk, oGk, oRs, oYz] = out;
  const { ret, hl2, co, rs, on, badRet, badBar, badYz } = t;
  const invW = 1 / w;
  const invW1 = 1 / (w - 1);
  // Index i is local to `t`; bar i is bar i + base of the whole series (base > 0 when resuming
  // on a tail). The anchors and the warm-up are positions in the whole series, so a resumed run
  // does the very same arithmetic as a full one and agrees with it to the last bit.
  const base = resume?.base ?? 0;
  // Nothing flagged but the first bar's missing previous close (the usual case): validity is
  // then positional and the prefix-count loads can be skipped.
  const clean = base === 0 && n > 0 && badRet[n] === 1 && badBar[n] === 0 && badYz[n] === 1;
  const k = yangZhangK(w);
  const kRs = (1 - k) * invW;
  // Sample variances use sliding Welford updates (mean + sum of squared deviations): a trending
  // series has a mean return far larger than its spread, and Σx² − (Σx)²/w would cancel
  // catastrophically there. Plain sums suffice for the mean-of-squares estimators.
  const st = resume?.state;
  let mR = st ? st.mR : 0;
  let m2R = st ? st.m2R : 0;
  let mCo = st ? st.mCo : 0;
  let m2Co = st ? st.m2Co : 0;
  let mOn = st ? st.mOn : 0;
  let m2On = st ? st.m2On : 0;
  let sHl2 = st ? st.sHl2 : 0;
  let sCo2 = st ? st.sCo2 : 0;
  let sRs = st ? st.sRs : 0;
  let nextAnchor = st ? st.nextAnchor - base : REANCHOR * w;
  for (let i = resume?.from ?? 0; i < n; i++) {
    const r = ret[i]!;
    const c = co[i]!;
    const o = on[i]!;
    const j = i - w;
    if (j + base < 0) {
      // Warm-up: ordinary Welford accumulation of the first w terms.
      const inv = 1 / (i + base + 1);
      let d = r - mR;
      mR += d * inv;
      m2R += d * (r - mR);
      d = c - mCo;
      mCo += d * inv;
      m2Co += d * (c - mCo);
      d = o - mOn;
      mOn += d * inv;
      m2On += d * (o - mOn);
      sHl2 += hl2[i]!;
      sCo2 += c * c;
      sRs += rs[i]!;
    } else {
      // Slide: replace the leaving term x0 by x with the count fixed at w.
      const r0 = ret[j]!;
      const c0 = co[j]!;
      const o0 = on[j]!;
      let prev = mR;
      let d = r - r0;
      mR += d * invW;
      m2R += d * (r - mR + r0 - prev);
      prev = mCo;
      d = c - c0;
      mCo += d * invW;
      m2Co += d * (c - mCo + c0 - prev);
      prev = mOn;
      d = o - o0;
      mOn += d * invW;
      m2On += d * (o - mOn + o0 - prev);
      sHl2 += hl2[i]! - hl2[j]!;
      sCo2 += c * c - c0 * c0;
      sRs += rs[i]! - rs[j]!;
      if (i === nextAnchor) {
        // Exact two-pass recomputation of the current window bounds accumulated rounding drift.
        nextAnchor += REANCHOR * w;
        mR = mCo = mOn = sHl2 = sCo2 = sRs = 0;
        for (let q = j + 1; q <= i; q++) {
          mR += ret[q]!;
          mCo += co[q]!;
          mOn += on[q]!;
          sHl2 += hl2[q]!;
          sCo2 += co[q]! * co[q]!;
          sRs += rs[q]!;
        }
        mR *= invW;
        mCo *= invW;
        mOn *= invW;
        m2R = m2Co = m2On = 0;
        for (let q = j + 1; q <= i; q++) {
          const dr = ret[q]! - mR;
          const dc = co[q]! - mCo;
          const dn = on[q]! - mOn;
          m2R += dr * dr;
          m2Co += dc * dc;
          m2On += dn * dn;
        }
      }
    }
    const from = i - w + 1; // first bar of the window
    if (from + base < 0) {
      oC2c[i] = Number.NaN;
      oPk[i] = Number.NaN;
      oGk[i] = Number.NaN;
      oRs[i] = Number.NaN;
      oYz[i] = Number.NaN;
      continue;
    }
    if (clean ? from >= 1 : badRet[i + 1]! - badRet[from]! === 0) {
      const v = m2R > REL * w * mR * mR ? m2R * invW1 : 0;
      oC2c[i] = v > SNAP ? v : 0;
    } else oC2c[i] = Number.NaN;
    if (clean || badBar[i + 1]! - badBar[from]! === 0) {
      const p = sHl2 * PARKINSON_K * invW;
      oPk[i] = p > SNAP ? p : 0;
      const g = (0.5 * sHl2 - GK_CO * sCo2) * invW;
      oGk[i] = g > SNAP ? g : 0;
      const q = sRs * invW;
      oRs[i] = q > SNAP ? q : 0;
    } else {
      oPk[i] = Number.NaN;
      oGk[i] = Number.NaN;
      oRs[i] = Number.NaN;
    }
    if (clean ? from >= 1 : badYz[i + 1]! - badYz[from]! === 0) {
      const vOn = m2On > REL * w * mOn * mOn ? m2On * invW1 : 0;
      const vCo = m2Co > REL * w * mCo * mCo ? m2Co * invW1 : 0;
      const y = vOn + k * vCo + kRs * sRs;
      oYz[i] = y > SNAP ? y : 0;
    } else oYz[i] = Number.NaN;
  }
  if (st) {
    st.mR = mR;
    st.m2R = m2R;
    st.mCo = mCo;
    st.m2Co = m2Co;
    st.mOn = mOn;
    st.m2On = m2On;
    st.sHl2 = sHl2;
    st.sCo2 = sCo2;
    st.sRs = sRs;
    st.nextAnchor = nextAnchor + base;
  }
}

/**
 * Close-to-close only (one log per bar): fills `ret` and `badRet` of `t`; the other terms are
 * left untouched and must not be read. Used when only close-to-close volatility is asked for.
 */
export function computeReturnTerms(s: PreparedSeries, t: Terms = allocTerms(s.length)): Terms {
  const n = s.length;
  if (t.ret.length < n) t = allocTerms(n);
  t.length = n;
  const { close, flags } = s;
  const { ret, badRet } = t;
  let prevLc = 0;
  let prevBad = true;
  let c = 0;
  badRet[0] = 0;
  for (let i = 0; i < n; i++) {
    const bad = (flags[i]! & BAD_CLOSE) !== 0;
    const lc = bad ? 0 : Math.log(close[i]!);
    const retBad = bad || prevBad;
    ret[i] = retBad ? 0 : lc - prevLc;
    if (retBad) c++;
    badRet[i + 1] = c;
    prevLc = lc;
    prevBad = bad;
  }
  return t;
}

/** Rolling close-to-close daily variance alone (same rules as rollingVariances). */
export function rollingCloseToClose(t: Terms, w: number, out: Float64Array, resume?: Resume): void {
  const n = t.length;
  const { ret, badRet } = t;
  const invW = 1 / w;
  const invW1 = 1 / (w - 1);
  const base = resume?.base ?? 0; // as in rollingVariances
  const st = resume?.state;
  let mR = st ? st.mR : 0;
  let m2R = st ? st.m2R : 0;
  let nextAnchor = st ? st.nextAnchor - base : REANCHOR * w;
  for (let i = resume?.from ?? 0; i < n; i++) {
    const r = ret[i]!;
    const j = i - w;
    if (j + base < 0) {
      // Same arithmetic as rollingVariances so both kernels agree to the last bit.
      const inv = 1 / (i + base + 1);
      const d = r - mR;
      mR += d * inv;
      m2R += d * (r - mR);
      out[i] = Number.NaN;
      if (i + base < w - 1) continue;
    } else {
      const r0 = ret[j]!;
      const prev = mR;
      const d = r - r0;
      mR += d * invW;
      m2R += d * (r - mR + r0 - prev);
      if (i === nextAnchor) {
        nextAnchor += REANCHOR * w;
        mR = 0;
        for (let q = j + 1; q <= i; q++) mR += ret[q]!;
        mR *= invW;
        m2R = 0;
        for (let q = j + 1; q <= i; q++) m2R += (ret[q]! - mR) * (ret[q]! - mR);
      }
    }
    if (badRet[i + 1]! - badRet[i - w + 1]! === 0) {
      const v = m2R > REL * w * mR * mR ? m2R * invW1 : 0;
      out[i] = v > SNAP ? v : 0;
    } else out[i] = Number.NaN;
  }
  if (st) {
    st.mR = mR;
    st.m2R = m2R;
    st.nextAnchor = nextAnchor + base;
  }
}
