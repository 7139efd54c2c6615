import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import pl from "nodejs-polars";
import { daysFromCivil, isoFromDays } from "../../core/bars.ts";
import { tempDirs } from "../../core/testing/temp-dirs.ts";
import { isTradingDay } from "../../core/time.ts";
import { writePartition } from "../lake/index.ts";
import { IV_HISTORY_COLUMNS, ivHistoryFrame } from "./iv-history.ts";

setDefaultTimeout(60_000);
const temp = tempDirs();
afterAll(() => temp.removeAll());
const tmp = () => temp.make("ttapi-ivh-");

const TODAY = daysFromCivil(2026, 8, 4);
function tradingDays(n: number): number[] {
  const out: number[] = [];
  for (let d = TODAY; out.length < n; d--) if (isTradingDay(d)) out.unshift(d);
  return out;
}

function metrics(day: number, iv: Record<string, number>, rank = 0.42): pl.DataFrame {
  const syms = Object.keys(iv);
  return pl.DataFrame({
    snapshot_time: syms.map(() => new Date(`${isoFromDays(day)}T20:00:00Z`)),
    symbol: syms,
    implied_volatility_index: syms.map((s) => iv[s]!),
    implied_volatility_index_rank: syms.map(() => rank),
  });
}

/** One underlying's quotes: expirations at 20 and 45 days, strikes around 100, flat IV `iv`. */
function quotes(day: number, sym: string, iv: number): pl.DataFrame {
  const rows = [20, 45].flatMap((dte) =>
    [95, 100, 105].flatMap((strike) => ["C", "P"].map((t) => ({ dte, strike, t }))),
  );
  return pl.DataFrame({
    snapshot_time: rows.map(() => new Date(`${isoFromDays(day)}T20:00:00Z`)),
    underlying_symbol: rows.map(() => sym),
    option_type: rows.map((r) => r.t),
    strike_price: rows.map((r) => r.strike),
    days_to_expiration: pl.Series(
      "days_to_expiration",
      rows.map((r) => r.dte),
      pl.Int32,
    ),
    implied_volatility: rows.map(() => iv),
    underlying_price: rows.map(() => 100),
  });
}

describe("iv_hv's own IV history", () => {
  test("rank and percentile from the lake's metrics history, ATM IV30 from iv_hv and option_quotes", async () => {
    const root = tmp();
    const days = tradingDays(25);
    // 24 earlier days: SPY's IV index walks 0.10 … 0.33; QQQ only on the last 3 days.
    for (const [i, d] of days.slice(0, -1).entries()) {
      const iv: Record<string, number> = { SPY: 0.1 + i / 100 };
      if (i >= 21) iv.QQQ = 0.2;
      await writePartition(join(root), "metrics", { date: isoFromDays(d) }, metrics(d, iv));
      // ATM IV30: the first 12 days already in iv_hv, the next 12 only as option quotes (back-filled).
      const atm = 0.15 + i / 100;
      if (i < 12)
        await writePartition(
          root,
          "iv_hv",
          { date: isoFromDays(d) },
          pl.DataFrame({ symbol: ["SPY"], atm_iv30: [atm] }),
        );
      else await writePartition(root, "option_quotes", { date: isoFromDays(d) }, quotes(d, "SPY", atm));
    }
    const todayQuotes = pl.concat([quotes(TODAY, "SPY", 0.3), quotes(TODAY, "QQQ", 0.25)]);
    const f = ivHistoryFrame({
      lakeRoot: root,
      date: isoFromDays(TODAY),
      metrics: metrics(TODAY, { SPY: 0.2, QQQ: 0.3 }),
      optionQuotes: todayQuotes,
      symbols: ["QQQ", "SPY", "IWM"],
    });
    expect(f.columns).toEqual(["symbol", ...IV_HISTORY_COLUMNS]);
    const row = (s: string) => f.toRecords().find((r) => r.symbol === s)!;
    const spy = row("SPY");
    expect(spy.iv_history_days).toBe(25);
    expect(spy.iv_rank).toBeCloseTo((0.2 - 0.1) / (0.33 - 0.1), 12);
    expect(spy.iv_percentile).toBeCloseTo(10 / 24, 12); // 0.10 … 0.19 are below 0.20
    expect(spy.api_iv_rank).toBe(0.42);
    expect(spy.atm_iv30).toBeCloseTo(0.3, 12);
    expect(spy.atm_iv30_history_days).toBe(25); // 12 from iv_hv + 12 back-filled + today
    expect(spy.atm_iv30_rank).toBeCloseTo((0.3 - 0.15) / (0.38 - 0.15), 12);
    expect(spy.iv_note).toBeNull();
    const qqq = row("QQQ");
    expect(qqq.iv_history_days).toBe(4);
    expect(qqq.iv_rank).toBeNull();
    expect(qqq.atm_iv30).toBeCloseTo(0.25, 12);
    expect(qqq.atm_iv30_rank).toBeNull();
    expect(qqq.iv_note).toBe(
      "IV index: insufficient history (4 of 20 days); ATM IV30: insufficient history (1 of 20 days)",
    );
    const iwm = row("IWM");
    expect(iwm.iv_rank).toBeNull();
    expect(iwm.atm_iv30).toBeNull();
    expect(iwm.iv_note).toBe("IV index: no current value; ATM IV30: no option quotes");
  });

  test("an empty lake: every symbol says insufficient history, never a number", () => {
    const f = ivHistoryFrame({
      lakeRoot: tmp(),
      date: isoFromDays(TODAY),
      metrics: metrics(TODAY, { SPY: 0.2 }),
    });
    const r = f.toRecords()[0]!;
    expect(r.iv_rank).toBeNull();
    expect(r.iv_percentile).toBeNull();
    expect(r.iv_history_days).toBe(1);
    expect(r.iv_note).toContain("IV index: insufficient history (1 of 20 days)");
  });
});
