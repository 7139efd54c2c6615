/**
 * Incremental statistics equal a full recompute: random histories split into a first run and
 * daily appends (with bad bars, missing closes, duplicate rows), corrections of past bars (which
 * force a full recompute of that symbol) and symbols that appear later, with cone lookbacks both
 * shorter and longer than the histories (the cone window slides). Every table cell must match the
 * full run over the whole history to 1e-12 relative (in practice: bit for bit).
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ESTIMATORS, type Estimator } from "./estimators.ts";
import { appendBars, computeWithState, type SymbolState, updateSymbol } from "./incremental.ts";
import type { PriceSeries } from "./series.ts";
import {
  computeSymbolStats,
  emptyTables,
  type StatsTables,
  SuiteContext,
  type SuiteOptions,
} from "./suite.ts";

interface Row {
  date: number;
  open: number;
  high: number;
  low: number;
  close: number;
}

function columns(rows: readonly Row[]): PriceSeries {
  return {
    date: Int32Array.from(rows.map((r) => r.date)),
    open: Float64Array.from(rows.map((r) => r.open)),
    high: Float64Array.from(rows.map((r) => r.high)),
    low: Float64Array.from(rows.map((r) => r.low)),
    close: Float64Array.from(rows.map((r) => r.close)),
  };
}

/** A day's bar from a random step; `kind` injects the bad input a real feed has. */
function bar(date: number, prev: number, step: number, spread: number, kind: number): Row {
  const close = prev * Math.exp(step);
  const open = prev * Math.exp(step / 3);
  const row = {
    date,
    open,
    high: Math.max(open, close) * (1 + spread),
    low: Math.min(open, close) * (1 - spread),
    close,
  };
  if (kind === 1) row.close = Number.NaN; // missing close: dropped and counted
  if (kind === 2) row.close = 0; // non-positive close: flagged
  if (kind === 3) row.high = row.low * 0.9; // inconsistent bar: flagged
  if (kind === 4) row.close = prev; // flat price
  return row;
}

const stepArb = fc.record({
  step: fc.double({ min: -0.08, max: 0.08, noNaN: true }),
  spread: fc.double({ min: 0, max: 0.03, noNaN: true }),
  kind: fc.oneof(
    fc.constant(0),
    fc.constant(0),
    fc.constant(0),
    fc.constant(0),
    fc.integer({ min: 0, max: 4 }),
  ),
  dup: fc.boolean(),
});

function makeRows(
  startDate: number,
  steps: { step: number; spread: number; kind: number; dup: boolean }[],
  p0: number,
): Row[] {
  const rows: Row[] = [];
  let price = p0;
  let date = startDate;
  for (const s of steps) {
    const r = bar(date, price, s.step, s.spread, s.kind);
    rows.push(r);
    if (s.dup && s.kind === 0) rows.push({ ...r, close: r.close * 1.001 }); // duplicate date: the later row wins
    if (Number.isFinite(r.close) && r.close > 0) price = r.close;
    date += 1;
  }
  return rows;
}

function expectSameTables(inc: StatsTables, full: StatsTables): void {
  for (const t of ["latest", "returns", "cone", "symbols"] as const) {
    const a = inc[t] as unknown as Record<string, unknown[]>;
    const b = full[t] as unknown as Record<string, unknown[]>;
    for (const col of Object.keys(b)) {
      const x = a[col]!;
      const y = b[col]!;
      expect(x.length).toBe(y.length);
      for (let i = 0; i < y.length; i++) {
        const u = x[i];
        const v = y[i];
        if (typeof u === "number" && typeof v === "number" && u !== v) {
          const rel = Math.abs(u - v) / Math.max(Math.abs(u), Math.abs(v));
          if (!(rel <= 1e-12)) throw new Error(`${t}.${col}[${i}]: incremental ${u} vs full ${v}`);
        } else if (u !== v)
          throw new Error(`${t}.${col}[${i}]: incremental ${String(u)} vs full ${String(v)}`);
      }
    }
  }
}

const optionsArb = fc.record({
  windows: fc.uniqueArray(fc.integer({ min: 2, max: 9 }), { minLength: 1, maxLength: 3 }),
  estimators: fc.oneof(
    fc.constant(undefined),
    fc.constant(["close_to_close"] as Estimator[]),
    fc.subarray([...ESTIMATORS] as Estimator[], { minLength: 1 }),
  ),
  // Short lookbacks slide within the histories (fast-check keeps most arrays short, up to ~420
  // bars); 500 covers them whole.
  coneLookback: fc.oneof(
    fc.integer({ min: 2, max: 8 }),
    fc.integer({ min: 2, max: 60 }),
    fc.integer({ min: 61, max: 300 }),
    fc.constant(500),
  ),
});

describe("incremental statistics", () => {
  test("property: appends, corrections and new symbols equal a full recompute (1e-12 relative)", () => {
    const seen = { incremental: 0, recomputed: 0, created: 0 };
    fc.assert(
      fc.property(
        optionsArb,
        // Per symbol: first-run history (0 … 400 bars: crosses the kernels' re-anchoring every 16·w),
        // then per day: bars to append (0 … 3), or a correction of a past bar.
        fc.array(
          fc.record({
            first: fc.array(stepArb, { maxLength: 400 }),
            startsOnDay: fc.integer({ min: 0, max: 3 }),
            p0: fc.double({ min: 1, max: 500, noNaN: true }),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        fc.array(
          fc.record({
            bars: fc.array(stepArb, { maxLength: 3 }),
            correct: fc.option(fc.integer({ min: 0, max: 10_000 }), { freq: 5 }),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        (opts, symbols, days) => {
          const options: SuiteOptions = {
            windows: opts.windows,
            confidence: 0.95,
            annualization: 252,
            coneLookback: opts.coneLookback,
            ...(opts.estimators ? { estimators: opts.estimators } : {}),
          };
          const ctxFull = new SuiteContext(options);
          const ctxInc = new SuiteContext(options);
          const history = new Map<string, Row[]>();
          const states = new Map<string, SymbolState>();
          for (const [d, day] of [undefined, ...days].entries()) {
            const inc = emptyTables();
            const full = emptyTables();
            for (const [k, sym] of symbols.entries()) {
              const name = `S${k}`;
              if (d < sym.startsOnDay) continue; // a symbol that appears later
              const rows = history.get(name) ?? [];
              let fresh: Row[];
              if (!history.has(name)) fresh = makeRows(20_000, sym.first, sym.p0);
              else {
                const lastDate = rows.length ? rows[rows.length - 1]!.date : 20_000;
                const lastClose = [...rows].reverse().find((r) => r.close > 0)?.close ?? sym.p0;
                fresh = makeRows(lastDate + 1, day!.bars, lastClose);
                if (day!.correct !== null && rows.length > 0) {
                  // A corrected past bar: same date as an earlier one, a different close.
                  const past = rows[day!.correct % rows.length]!;
                  fresh.push({
                    ...past,
                    close: Math.abs(past.close || 1) * 1.01,
                    high: Math.abs(past.high || 1) * 1.02,
                  });
                }
              }
              const all = [...rows, ...fresh];
              history.set(name, all);
              const u = updateSymbol(name, states.get(name), columns(fresh), () => columns(all), ctxInc, inc);
              seen[
                u.mode === "full" ? (u.reason === "new symbol" ? "created" : "recomputed") : "incremental"
              ]++;
              states.set(name, u.state);
              computeSymbolStats(name, columns(all), ctxFull, full);
            }
            expectSameTables(inc, full);
          }
        },
      ),
      { numRuns: 150 },
    );
    // Every path was taken: incremental appends, recomputes after corrections, new symbols.
    expect(seen.incremental).toBeGreaterThan(30);
    expect(seen.recomputed).toBeGreaterThan(3);
    expect(seen.created).toBeGreaterThan(50);
  }, 120_000);

  test("bit for bit across the kernels' re-anchoring and the cone's sliding: 300 single-day appends after 1,000 bars", () => {
    const options: SuiteOptions = {
      windows: [5, 21],
      confidence: 0.95,
      annualization: 252,
      coneLookback: 120,
    };
    const rows = makeRows(
      1000,
      Array.from({ length: 1300 }, (_, i) => ({
        step: Math.sin(i * 1.7) / 40 + 0.002, // trending: the running mean matters
        spread: 0.005 + (i % 7) / 1000,
        kind: i % 97 === 0 ? 3 : 0,
        dup: false,
      })),
      50,
    );
    const ctx = new SuiteContext(options);
    const state = computeWithState("X", columns(rows.slice(0, 1000)), ctx, emptyTables());
    let exact = 0;
    for (let i = 1000; i < rows.length; i++) {
      const inc = emptyTables();
      expect(appendBars(state, columns([rows[i]!]), ctx, inc).ok).toBe(true);
      const full = emptyTables();
      computeSymbolStats("X", columns(rows.slice(0, i + 1)), new SuiteContext(options), full);
      expect(inc.latest.vol).toEqual(full.latest.vol);
      expect(inc.cone).toEqual(full.cone);
      // The cone is the last 120 bars' estimates, not the history's (the 1,000 bars before).
      expect(Math.max(...full.cone.count)).toBeLessThanOrEqual(120);
      exact++;
    }
    expect(exact).toBe(300);
  });

  test("a correction of a past bar is refused by appendBars and leaves the state as it was", () => {
    const options: SuiteOptions = { windows: [3, 5], confidence: 0.95, annualization: 252 };
    const ctx = new SuiteContext(options);
    const rows = makeRows(
      1000,
      Array.from({ length: 50 }, (_, i) => ({ step: Math.sin(i) / 50, spread: 0.01, kind: 0, dup: false })),
      100,
    );
    const state = computeWithState("X", columns(rows), ctx, emptyTables());
    const before = JSON.stringify({
      n: state.n,
      roll: state.roll,
      lastVar: [...state.lastVar.map((a) => [...a])],
    });
    const out = emptyTables();
    const r = appendBars(state, columns([{ ...rows[10]!, close: 1 }]), ctx, out);
    expect(r).toEqual({
      ok: false,
      recompute: expect.stringMatching(/is not after the last bar .*: a correction/),
    });
    expect(out.latest.symbol).toEqual([]);
    expect(
      JSON.stringify({ n: state.n, roll: state.roll, lastVar: [...state.lastVar.map((a) => [...a])] }),
    ).toBe(before);
    expect(appendBars(state, columns([]), new SuiteContext({ ...options, windows: [4] }), out)).toEqual({
      ok: false,
      recompute: "statistics options changed",
    });
  });
});
