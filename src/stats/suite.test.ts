/**
 * Property tests: every estimator, interval and cone quantile of the O(n) kernels against a
 * plain reference written the obvious way (explicit loops over each window, Array.sort for
 * quantiles, scipy's chi-square and t quantiles), on random series with missing bars, gaps, duplicates, constant stretches and
 * non-positive prices.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { isoFromDays } from "../core/bars.ts";
import { ESTIMATORS } from "./estimators.ts";
import { logReturns, simpleReturns } from "./returns.ts";
import type { PriceSeries } from "./series.ts";
import {
  computeSymbolStats,
  emptyTables,
  type StatsTables,
  SuiteContext,
  type SuiteOptions,
  validateOptions,
} from "./suite.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

interface Bar {
  date: number;
  open: number;
  high: number;
  low: number;
  close: number;
}

// ---------------------------------------------------------------- reference implementation

/** Clean as documented: sort by date (stable), last duplicate wins, drop rows without a close. */
function refClean(bars: Bar[]): Bar[] {
  const sorted = bars.map((b, i) => ({ b, i })).sort((x, y) => x.b.date - y.b.date || x.i - y.i);
  const out: Bar[] = [];
  for (const { b } of sorted) {
    if (!Number.isFinite(b.close)) continue;
    if (out.length > 0 && out[out.length - 1]!.date === b.date) out[out.length - 1] = b;
    else out.push(b);
  }
  return out;
}
const closeOk = (b: Bar) => b.close > 0;
const barOk = (b: Bar) =>
  closeOk(b) &&
  [b.open, b.high, b.low].every((x) => Number.isFinite(x) && x > 0) &&
  b.high >= b.low &&
  b.high >= b.open &&
  b.high >= b.close &&
  b.low <= b.open &&
  b.low <= b.close;

function sampleVar(xs: number[]): number {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Daily variance of estimator e for the window of w bars ending at index t, or null. */
function refVariance(bars: Bar[], t: number, w: number, e: string): number | null {
  const needsPrev = e === "close_to_close" || e === "yang_zhang";
  const from = t - w + 1;
  if (from < (needsPrev ? 1 : 0)) return null;
  const win = bars.slice(from, t + 1);
  if (e === "close_to_close") {
    const prevAndWin = bars.slice(from - 1, t + 1);
    if (!prevAndWin.every(closeOk)) return null;
    const r = win.map((b, i) => Math.log(b.close / prevAndWin[i]!.close));
    return Math.max(0, sampleVar(r));
  }
  if (!win.every(barOk)) return null;
  if (e === "parkinson") return mean(win.map((b) => Math.log(b.high / b.low) ** 2)) / (4 * Math.log(2));
  if (e === "garman_klass")
    return Math.max(
      0,
      mean(
        win.map(
          (b) =>
            0.5 * Math.log(b.high / b.low) ** 2 - (2 * Math.log(2) - 1) * Math.log(b.close / b.open) ** 2,
        ),
      ),
    );
  const rs = win.map(
    (b) =>
      Math.log(b.high / b.close) * Math.log(b.high / b.open) +
      Math.log(b.low / b.close) * Math.log(b.low / b.open),
  );
  if (e === "rogers_satchell") return Math.max(0, mean(rs));
  // Yang–Zhang
  if (!closeOk(bars[from - 1]!)) return null;
  const overnight = win.map((b, i) => Math.log(b.open / bars[from - 1 + i]!.close));
  const openClose = win.map((b) => Math.log(b.close / b.open));
  const k = 0.34 / (1.34 + (w + 1) / (w - 1));
  return Math.max(0, sampleVar(overnight) + k * sampleVar(openClose) + (1 - k) * mean(rs));
}

/**
 * Chi-square and t quantiles from scipy (fixtures/stats/scipy_quantiles.py), not the library's own
 * distributions.ts: the reference must not share the code it checks.
 */
const SCIPY = JSON.parse(
  readFileSync(join(import.meta.dir, "../../fixtures/stats/scipy-quantiles.json"), "utf8"),
) as {
  chi2: Record<string, number>;
  t: Record<string, number>;
};
function scipyQuantile(table: Record<string, number>, p: number, nu: number): number {
  for (const [k, q] of Object.entries(table)) {
    const [kp, kn] = k.split("|").map(Number);
    if (kn === nu && Math.abs(kp! - p) < 1e-9) return q;
  }
  throw new Error(`no scipy quantile for p=${p}, ν=${nu}: extend fixtures/stats/scipy_quantiles.py`);
}
const chiSquareQuantile = (p: number, nu: number) => scipyQuantile(SCIPY.chi2, p, nu);
const studentTQuantile = (p: number, nu: number) => scipyQuantile(SCIPY.t, p, nu);

function refQuantile(sorted: number[], p: number): number {
  const h = p * (sorted.length - 1);
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

// ---------------------------------------------------------------- generators

const DAY0 = 18000;
/** A random daily series as bar objects (the test side may use objects; the kernels do not). */
const seriesArb = fc
  .record({
    n: fc.integer({ min: 0, max: 160 }),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    vol: fc.double({ min: 0.001, max: 0.08, noNaN: true }),
    constantFrom: fc.option(fc.integer({ min: 0, max: 160 }), { nil: undefined }),
    anomalies: fc.array(
      fc.record({
        at: fc.nat(),
        kind: fc.constantFrom(
          "nanClose",
          "zeroClose",
          "negClose",
          "nanHigh",
          "zeroLow",
          "dupDate",
          "gap",
          "swap",
        ),
      }),
      { maxLength: 4 },
    ),
  })
  .map(({ n, seed, vol, constantFrom, anomalies }) => {
    let s = seed;
    const rnd = () => {
      s = (s * 48271) % 2147483647;
      return s / 2147483647;
    };
    const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-300)) * Math.cos(2 * Math.PI * rnd());
    const bars: Bar[] = [];
    let price = 10 + 100 * rnd();
    let date = DAY0;
    for (let i = 0; i < n; i++) {
      const constant = constantFrom !== undefined && i >= constantFrom;
      const open = constant ? price : price * Math.exp(vol * 0.3 * gauss());
      const close = constant ? open : open * Math.exp(vol * gauss());
      const high = constant ? open : Math.max(open, close) * Math.exp(Math.abs(vol * 0.5 * gauss()));
      const low = constant ? open : Math.min(open, close) * Math.exp(-Math.abs(vol * 0.5 * gauss()));
      bars.push({ date, open, high, low, close });
      price = close;
      date += 1 + (rnd() < 0.2 ? 2 : 0);
    }
    for (const a of anomalies) {
      if (bars.length === 0) break;
      const i = a.at % bars.length;
      const b = bars[i]!;
      if (a.kind === "nanClose") b.close = Number.NaN;
      else if (a.kind === "zeroClose") b.close = 0;
      else if (a.kind === "negClose") b.close = -b.close;
      else if (a.kind === "nanHigh") b.high = Number.NaN;
      else if (a.kind === "zeroLow") b.low = 0;
      else if (a.kind === "dupDate" && i > 0)
        bars.splice(i, 0, { ...b, date: bars[i - 1]!.date, close: b.close * 1.01 });
      else if (a.kind === "gap") for (let j = i; j < bars.length; j++) bars[j]!.date += 30;
      else if (a.kind === "swap" && i > 0) {
        // out-of-order rows: the kernel must sort them
        const t = bars[i - 1]!;
        bars[i - 1] = b;
        bars[i] = t;
      }
    }
    return bars;
  });

function toColumns(bars: Bar[]): PriceSeries {
  return {
    date: Int32Array.from(bars.map((b) => b.date)),
    open: Float64Array.from(bars.map((b) => b.open)),
    high: Float64Array.from(bars.map((b) => b.high)),
    low: Float64Array.from(bars.map((b) => b.low)),
    close: Float64Array.from(bars.map((b) => b.close)),
  };
}

/**
 * Rounding of running sums is relative to the size of the log moves in the series (the kernels
 * also report variances within rounding of 0 as exactly 0), so the absolute tolerance scales
 * with the largest annualised log move of the series.
 */
function moveScale(bars: Bar[]): number {
  let m = 0;
  const lg = (x: number) => (x > 0 && Number.isFinite(x) ? Math.abs(Math.log(x)) : 0);
  for (let i = 0; i < bars.length; i++) {
    const b = bars[i]!;
    const p = bars[i - 1];
    m = Math.max(
      m,
      lg(b.high / b.low),
      lg(b.close / b.open),
      p ? lg(b.close / p.close) : 0,
      p ? lg(b.open / p.close) : 0,
    );
  }
  return Math.sqrt(252) * m;
}
let absTol = 2e-7;
const near = (a: number | null, b: number | null, rel = 1e-7, abs = absTol) => {
  if (a === null || b === null) return a === b;
  return Math.abs(a - b) <= abs + rel * Math.abs(b);
};

function run(bars: Bar[], options: SuiteOptions): StatsTables {
  const out = emptyTables();
  computeSymbolStats("TEST", toColumns(bars), new SuiteContext(options), out);
  return out;
}

function assertNoNaN(t: StatsTables): void {
  for (const table of Object.values(t)) {
    for (const col of Object.values(table as Record<string, unknown[]>)) {
      for (const v of col) if (typeof v === "number") expect(Number.isFinite(v)).toBe(true);
    }
  }
}

// ---------------------------------------------------------------- properties

const windowsArb = fc.uniqueArray(fc.constantFrom(2, 3, 5, 10, 21, 40), { minLength: 1, maxLength: 3 });

describe("estimator suite vs reference", () => {
  test("latest estimates, intervals and nulls match the reference on random series", () => {
    fc.assert(
      fc.property(seriesArb, windowsArb, fc.constantFrom(0.9, 0.95, 0.99), (bars, windows, confidence) => {
        const ann = 252;
        const out = run(bars, { windows, confidence, annualization: ann });
        assertNoNaN(out);
        const clean = refClean(bars);
        absTol = 2e-7 * (1 + moveScale(clean));
        const t = clean.length - 1;
        const L = out.latest;
        expect(L.symbol.length).toBe(windows.length * ESTIMATORS.length);
        for (let row = 0; row < L.symbol.length; row++) {
          const w = L.window[row]!;
          const e = L.estimator[row]!;
          const v = t >= 0 ? refVariance(clean, t, w, e) : null;
          const vol = v === null ? null : Math.sqrt(v * ann);
          expect(near(L.vol[row]!, vol)).toBe(true);
          if (vol === null) {
            expect(L.reason[row]).toBeString();
            expect(L.ci_low[row]).toBeNull();
          } else {
            expect(L.reason[row]).toBeNull();
            const nu = e === "close_to_close" || e === "yang_zhang" ? w - 1 : w;
            const alpha = 1 - confidence;
            expect(near(L.ci_low[row]!, vol * Math.sqrt(nu / chiSquareQuantile(1 - alpha / 2, nu)))).toBe(
              true,
            );
            expect(near(L.ci_high[row]!, vol * Math.sqrt(nu / chiSquareQuantile(alpha / 2, nu)))).toBe(true);
            expect(L.ci_low[row]!).toBeLessThanOrEqual(L.vol[row]!);
            expect(L.ci_high[row]!).toBeGreaterThanOrEqual(L.vol[row]!);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  test("mean-return t intervals match the reference", () => {
    fc.assert(
      fc.property(seriesArb, windowsArb, (bars, windows) => {
        const out = run(bars, { windows, confidence: 0.95, annualization: 252 });
        const clean = refClean(bars);
        absTol = 2e-7 * (1 + moveScale(clean));
        const R = out.returns;
        for (let row = 0; row < R.symbol.length; row++) {
          const w = R.window[row]!;
          const win = clean.slice(clean.length - w - 1);
          const ok = clean.length - 1 >= w && win.every(closeOk);
          if (!ok) {
            expect(R.mean_log[row]).toBeNull();
            expect(R.reason[row]).toBeString();
            continue;
          }
          const r = win.slice(1).map((b, i) => Math.log(b.close / win[i]!.close));
          const sr = win.slice(1).map((b, i) => b.close / win[i]!.close - 1);
          const tq = studentTQuantile(0.975, w - 1);
          const half = (xs: number[]) => (tq * Math.sqrt(sampleVar(xs))) / Math.sqrt(w);
          expect(near(R.mean_log[row]!, mean(r) * 252)).toBe(true);
          expect(near(R.mean_log_ci_low[row]!, (mean(r) - half(r)) * 252)).toBe(true);
          expect(near(R.mean_log_ci_high[row]!, (mean(r) + half(r)) * 252)).toBe(true);
          expect(near(R.mean_simple[row]!, mean(sr) * 252)).toBe(true);
          expect(near(R.mean_simple_ci_high[row]!, (mean(sr) + half(sr)) * 252)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  test("volatility cone quantiles match sort-based quantiles of every rolling estimate", () => {
    fc.assert(
      fc.property(seriesArb, windowsArb, (bars, windows) => {
        const out = run(bars, { windows, confidence: 0.95, annualization: 252 });
        const clean = refClean(bars);
        absTol = 2e-7 * (1 + moveScale(clean));
        const C = out.cone;
        for (let row = 0; row < C.symbol.length; row++) {
          const w = C.window[row]!;
          const e = C.estimator[row]!;
          const vols: number[] = [];
          for (let t = 0; t < clean.length; t++) {
            const v = refVariance(clean, t, w, e);
            if (v !== null) vols.push(Math.sqrt(v * 252));
          }
          vols.sort((a, b) => a - b);
          expect(C.count[row]).toBe(vols.length);
          if (vols.length === 0) {
            expect(C.median[row]).toBeNull();
            expect(C.reason[row]).toBeString();
            continue;
          }
          expect(near(C.min[row]!, vols[0]!)).toBe(true);
          expect(near(C.p25[row]!, refQuantile(vols, 0.25))).toBe(true);
          expect(near(C.median[row]!, refQuantile(vols, 0.5))).toBe(true);
          expect(near(C.p75[row]!, refQuantile(vols, 0.75))).toBe(true);
          expect(near(C.max[row]!, vols[vols.length - 1]!)).toBe(true);
          // Percentile of the latest estimate: exact up to near-ties with the reference's rounding.
          const latest = C.latest[row];
          if (latest === null || latest === undefined) expect(C.latest_pct[row]).toBeNull();
          else {
            const le = vols.filter((v) => v <= latest).length;
            const ties = vols.filter((v) => near(v, latest)).length;
            expect(Math.abs(Math.round(C.latest_pct[row]! * vols.length) - le)).toBeLessThanOrEqual(ties);
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe("edge cases", () => {
  const opts: SuiteOptions = { windows: [2, 5], confidence: 0.95, annualization: 252 };
  const bar = (date: number, c: number, o = c, h = Math.max(o, c), l = Math.min(o, c)): Bar => ({
    date,
    open: o,
    high: h,
    low: l,
    close: c,
  });

  test("a single row gives nulls with 'longer than series' reasons", () => {
    const out = run([bar(DAY0, 10)], opts);
    assertNoNaN(out);
    expect(out.latest.vol.every((v) => v === null)).toBe(true);
    expect(out.latest.reason[0]).toMatch(/window 2 longer than series \(0 returns\)/);
    expect(out.latest.reason[1]).toMatch(/window 2 longer than series \(1 bars\)/);
    expect(out.cone.count.every((c) => c === 0)).toBe(true);
  });

  test("no rows at all", () => {
    const out = run([], opts);
    assertNoNaN(out);
    expect(out.latest.reason.every((r) => r === "no bars")).toBe(true);
    expect(out.symbols.rows[0]).toBe(0);
  });

  test("constant prices give zero volatility and a zero-width interval, not NaN", () => {
    const out = run(
      Array.from({ length: 30 }, (_, i) => bar(DAY0 + i, 42)),
      opts,
    );
    assertNoNaN(out);
    expect(out.latest.vol.every((v) => v === 0)).toBe(true);
    expect(out.latest.ci_high.every((v) => v === 0)).toBe(true);
    expect(out.returns.mean_log.every((v) => v === 0)).toBe(true);
  });

  test("a zero or negative price is rejected with a reason naming the date", () => {
    const bars = Array.from({ length: 10 }, (_, i) => bar(DAY0 + i, 10 + i));
    bars[8]!.close = -1;
    const out = run(bars, opts);
    assertNoNaN(out);
    const i = out.latest.estimator.indexOf("close_to_close");
    expect(out.latest.vol[i]).toBeNull();
    expect(out.latest.reason[i]).toBe(`non-positive close on ${isoFromDays(DAY0 + 8)} within window`);
    bars[8]!.close = 18;
    bars[9]!.low = 0;
    const out2 = run(bars, opts);
    expect(out2.latest.vol[i]).not.toBeNull(); // close-to-close does not read the low
    expect(out2.latest.reason[out2.latest.estimator.indexOf("parkinson")]).toBe(
      `non-positive open/high/low on ${isoFromDays(DAY0 + 9)} within window`,
    );
  });

  test("missing closes are dropped and counted; duplicates keep the last row", () => {
    const bars = Array.from({ length: 10 }, (_, i) => bar(DAY0 + i, 10 + i));
    bars[3]!.close = Number.NaN;
    bars.push(bar(DAY0 + 9, 30));
    const out = run(bars, opts);
    expect(out.symbols.missing[0]).toBe(1);
    expect(out.symbols.duplicates[0]).toBe(1);
    expect(out.symbols.rows[0]).toBe(9);
  });
});

describe("returns", () => {
  test("log and simple returns agree and mark the first row and bad closes", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.double({ min: 1e-6, max: 1e6, noNaN: true }), fc.constantFrom(0, -1, Number.NaN)),
          {
            maxLength: 50,
          },
        ),
        (xs) => {
          const c = Float64Array.from(xs);
          const lr = logReturns(c);
          const sr = simpleReturns(c);
          for (let i = 0; i < c.length; i++) {
            const ok = i > 0 && c[i]! > 0 && c[i - 1]! > 0;
            if (!ok) {
              expect(lr[i]).toBeNaN();
              expect(sr[i]).toBeNaN();
            } else {
              expect(near(lr[i]!, Math.log(c[i]! / c[i - 1]!), 1e-12, 1e-15)).toBe(true);
              expect(near(Math.expm1(lr[i]!), sr[i]!, 1e-9, 1e-12)).toBe(true);
            }
          }
        },
      ),
    );
  });
});

describe("estimator selection", () => {
  test("the lean close-to-close kernel gives the same rows as the full suite", () => {
    fc.assert(
      fc.property(seriesArb, windowsArb, (bars, windows) => {
        const full = run(bars, { windows, confidence: 0.95, annualization: 252 });
        const lean = run(bars, {
          windows,
          confidence: 0.95,
          annualization: 252,
          estimators: ["close_to_close"],
        });
        const pick = (t: StatsTables) => {
          const idx = t.latest.estimator.flatMap((e, i) => (e === "close_to_close" ? [i] : []));
          return {
            latest: idx.map((i) => [t.latest.vol[i], t.latest.ci_low[i], t.latest.reason[i]]),
            cone: idx.length,
          };
        };
        expect(lean.latest.estimator.every((e) => e === "close_to_close")).toBe(true);
        const a = pick(full);
        const b = pick(lean);
        expect(b.latest.length).toBe(a.latest.length);
        a.latest.forEach((row, i) => {
          expect(near(b.latest[i]![0] as number | null, row[0] as number | null, 1e-12, 1e-15)).toBe(true);
          expect(b.latest[i]![2]).toBe(row[2]!);
        });
        const coneFull = full.cone.median.filter((_, i) => full.cone.estimator[i] === "close_to_close");
        expect(lean.cone.median).toEqual(coneFull);
        expect(lean.returns).toEqual(full.returns);
      }),
      { numRuns: 100 },
    );
  });

  test("a subset is reported in the canonical order; unknown names are rejected", () => {
    const bars = Array.from({ length: 40 }, (_, i) => ({
      date: DAY0 + i,
      open: 10,
      high: 11 + (i % 3),
      low: 9,
      close: 10 + (i % 2),
    }));
    const out = run(bars, {
      windows: [5],
      confidence: 0.95,
      annualization: 252,
      estimators: ["yang_zhang", "parkinson"],
    });
    expect(out.latest.estimator).toEqual(["parkinson", "yang_zhang"]);
    expect(
      validateOptions({ windows: [5], confidence: 0.95, annualization: 252, estimators: ["nope" as never] }),
    ).toMatch(/unknown estimator "nope"/);
  });
});
