/**
 * The two close-to-close kernels — the full suite's (`rollingVariances`, estimator 0) and the lean
 * one (`rollingCloseToClose`, used when only close-to-close is asked for) — run one independent
 * table computed with numpy (fixtures/stats/close_to_close.py), so neither is checked only
 * against the other.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  allocRolling,
  computeReturnTerms,
  computeTerms,
  E_C2C,
  rollingCloseToClose,
  rollingVariances,
} from "./estimators.ts";
import { type PreparedSeries, prepareSeries } from "./series.ts";

interface Case {
  name: string;
  window: number;
  close: number[];
  variance: (number | null)[];
}
const TABLE = JSON.parse(
  readFileSync(join(import.meta.dir, "../../fixtures/stats/close-to-close.json"), "utf8"),
) as { cases: Case[] };

/** Daily bars whose open/high/low equal the close: only the closes matter here. */
function series(close: number[]): PreparedSeries {
  const c = Float64Array.from(close);
  return prepareSeries({
    date: Int32Array.from(close, (_, i) => 18000 + i),
    open: c,
    high: c,
    low: c,
    close: c,
  });
}

const KERNELS: Record<string, (s: PreparedSeries, w: number) => Float64Array> = {
  "full suite (rollingVariances)": (s, w) => {
    const out = allocRolling(s.length);
    rollingVariances(computeTerms(s), w, out);
    return out[E_C2C];
  },
  "lean (rollingCloseToClose)": (s, w) => {
    const out = new Float64Array(s.length);
    rollingCloseToClose(computeReturnTerms(s), w, out);
    return out;
  },
};

describe("close-to-close kernels against the numpy table", () => {
  test("the table covers what it should", () => {
    expect(TABLE.cases.length).toBeGreaterThanOrEqual(14);
    const all = TABLE.cases.flatMap((c) => c.variance);
    expect(all.some((v) => v === null)).toBe(true);
    expect(all.some((v) => v === 0)).toBe(true); // constant stretch
    expect(TABLE.cases.some((c) => c.close.length > 16 * c.window * 2)).toBe(true); // re-anchoring
  });

  for (const [kernel, run] of Object.entries(KERNELS)) {
    for (const c of TABLE.cases) {
      test(`${kernel}: ${c.name}, window ${c.window}`, () => {
        const got = run(series(c.close), c.window);
        expect(got.length).toBe(c.variance.length);
        c.variance.forEach((want, i) => {
          const g = got[i]!;
          if (want === null) expect({ bar: i, v: g }).toEqual({ bar: i, v: Number.NaN });
          else if (Math.abs(g - want) > 1e-15 + 1e-9 * want)
            throw new Error(`bar ${i}: ${g} ≠ ${want} (numpy) in "${c.name}", window ${c.window}`);
        });
      });
    }
  }
});
