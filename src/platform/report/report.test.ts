/**
 * The report from synthetic lakes: a complete one, one with a single day of history, old and
 * partial lakes (missing tables and columns), hostile symbol names, and the embedding rules that
 * keep the page one safe, self-contained file. The browser side is in browser.test.ts.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDirs } from "../../core/testing/temp-dirs.ts";
import { writeSyntheticLake } from "../testing/report-lake.ts";
import { compactNumber, encodeSteps, esc, scriptJson } from "./format.ts";
import { writeReport } from "./index.ts";
import { loadReport } from "./load.ts";
import { isThirdFriday } from "./options.ts";

setDefaultTimeout(120_000);

const temp = tempDirs();
afterAll(() => temp.removeAll());
const tmp = () => temp.make("ttapi-report-");

/** Planned charts of a payload symbol: kind → series drawn (charts replaced by a note left out). */
function chartsOf(s: { plans: [string, string, string[], string?][] }): Record<string, string[]> {
  return Object.fromEntries(s.plans.filter((p) => p[2].length).map((p) => [p[0], p[2]]));
}

/** The embedded JSON of a report page (both payloads), merged per symbol as the page does. */
function payloadOf(html: string) {
  const read = (id: string) => {
    const m = new RegExp(`<script type="application/json" id="${id}">([\\s\\S]*?)</script>`).exec(html);
    expect(m).not.toBeNull();
    return JSON.parse(m![1]!);
  };
  const head = read("report-head");
  const rest = read("report-data");
  return {
    ...head,
    symbols: rest.symbols.map((s: object, i: number) => ({ ...s, spark: head.spark[i]?.keys ?? [] })),
  };
}

describe("embedding", () => {
  test("scriptJson cannot close its <script> and escapes U+2028/2029, yet parses to the same value", () => {
    const v = { s: "</script><script>alert(1)</script>", t: "a\u2028b\u2029c", u: "<!--" };
    const text = scriptJson(v);
    expect(text).not.toMatch(/<\/script/i);
    expect(text).not.toContain("<!--");
    expect(text).not.toContain("\u2028");
    expect(text).not.toContain("\u2029");
    expect(JSON.parse(text)).toEqual(v);
  });

  test("esc escapes the five HTML metacharacters", () => {
    expect(esc(`<a href="x" title='y'>&</a>`)).toBe(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    );
  });

  test("closes as scaled-integer steps decode to the same prices (5+ significant digits)", () => {
    for (const closes of [
      [412.31, 415.02, 409.99, 409.99],
      [0.0123, 0.0125, 0.0119],
      [51234.5, 51300, 50999.25],
    ]) {
      const { k, q } = encodeSteps(closes);
      let acc = 0;
      const back = q.map((d) => {
        acc += d;
        return acc / 10 ** k;
      });
      for (const [i, v] of back.entries()) expect(Math.abs(v - closes[i]!) / closes[i]!).toBeLessThan(1e-4);
      expect(q.slice(1).every((d) => Number.isInteger(d))).toBe(true);
    }
    expect(compactNumber(0.123456)).toBe(0.1235);
    expect(compactNumber(1234.5678)).toBe(1234.57);
    expect(compactNumber(42)).toBe(42);
  });

  test("monthly expirations by rule: the third Friday (day 15–21)", () => {
    const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
    expect(isThirdFriday(day("2024-10-18"))).toBe(true);
    expect(isThirdFriday(day("2024-10-11"))).toBe(false);
    expect(isThirdFriday(day("2024-10-25"))).toBe(false);
    expect(isThirdFriday(day("2024-10-17"))).toBe(false); // a Thursday
  });
});

describe("a complete lake", async () => {
  const dataDir = tmp();
  const root = join(dataDir, "lake");
  const symbols = ["SPY", "QQQ", "<script>alert(1)</script>", "A&B\u2028"];
  await writeSyntheticLake({ root, symbols, dates: 25 });
  const r = writeReport({ dataDir, now: new Date("2026-01-02T03:04:05Z") });
  const html = readFileSync(r.file, "utf8");

  test("one file under <data-dir>/report with every symbol", () => {
    expect(r.file).toBe(join(dataDir, "report", "index.html"));
    expect(r.symbols).toBe(4);
    expect(r.bytes).toBe(Buffer.byteLength(html));
    expect(r.historyDays).toBe(25);
    expect(r.missingSymbols).toEqual([]);
  });

  test("self-contained: no external script, style, font or image", () => {
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/<img\b/i);
    expect(html).not.toMatch(/@import|url\(\s*['"]?https?:/i);
    // uPlot and the page script are inlined.
    expect(html).toContain("uPlot");
    expect(html).toContain("window.__report");
  });

  test("symbol names are escaped: exactly the page's own four <script> elements", () => {
    expect(html.match(/<script\b/gi)?.length).toBe(4);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("A&amp;B");
    expect(payloadOf(html).symbols.map((s: { symbol: string }) => s.symbol)).toContain(
      "<script>alert(1)</script>",
    );
  });

  test("overview: every column filled for a complete lake, own IV rank with its days", () => {
    const m = loadReport({ root });
    const spy = m.symbols.find((s) => s.symbol === "SPY")!;
    const o = spy.overview;
    for (const k of [
      "price",
      "iv",
      "ivRank",
      "ivPct",
      "hv20yz",
      "hv20c2c",
      "hv60yz",
      "hv60c2c",
      "spread",
      "emMove",
      "emPct",
      "liquidity",
    ] as const)
      expect(o[k]).not.toBeNull();
    expect(o.ivDays).toBe(25);
    expect(m.ownIvRank).toBe(true);
    // The monthly expected move is for a third Friday, not the nearer weeklies.
    expect(isThirdFriday(o.emExp!)).toBe(true);
    expect(html).toMatch(/<td data-v="[\d.]+">\d+% · 25d<\/td>/);
  });

  test("per symbol: every chart planned with its series and no note", () => {
    const p = payloadOf(html);
    for (const s of p.symbols) {
      expect(Object.keys(chartsOf(s)).sort()).toEqual(["cone", "ivhv", "moves", "price", "skew", "term"]);
      expect(chartsOf(s).price).toEqual(["close", "upper", "lower"]);
      expect(chartsOf(s).cone).toHaveLength(6);
      expect(chartsOf(s).skew).toEqual(["call", "put"]);
      expect(s.spark).toEqual(["iv", "hv20yz"]);
      expect(s.history.d).toHaveLength(25);
      expect(s.stats.est).toEqual(["yz", "c2c", "gk", "rs", "parkinson"]);
      expect(s.stats.w).toEqual([10, 20, 30, 60, 90, 252]);
      expect(s.plans.every((p: unknown[]) => p.length === 3)).toBe(true); // no notes
    }
  });

  test("term structure is ATM IV by expiration; skew is the nearest monthly expiration by strike", () => {
    const m = loadReport({ root, symbols: ["SPY"] });
    const s = m.symbols[0]!;
    // 4 weeklies + 4 monthlies, one Friday possibly both.
    expect(s.term!.exp.length).toBeGreaterThanOrEqual(7);
    expect(new Set(s.term!.exp).size).toBe(s.term!.exp.length);
    expect([...s.term!.dte].sort((a, b) => a - b)).toEqual(s.term!.dte);
    expect(isThirdFriday(s.skew!.exp)).toBe(true);
    expect(s.skew!.strike.length).toBe(13);
    expect(s.skew!.dte).toBeGreaterThanOrEqual(1);
    expect(s.moves!.exp).toEqual(s.term!.exp);
  });

  test("--symbols keeps the requested ones and names the unknown ones", () => {
    const m = loadReport({ root, symbols: ["QQQ", "NOPE"] });
    expect(m.symbols.map((s) => s.symbol)).toEqual(["QQQ"]);
    expect(m.missingSymbols).toEqual(["NOPE"]);
    expect(m.notes[0]).toContain("NOPE");
  });
});

describe("the end-of-run report", () => {
  test("ifChanged keeps a current report and regenerates once a partition changes", async () => {
    const dataDir = tmp();
    const root = join(dataDir, "lake");
    await writeSyntheticLake({ root, symbols: ["SPY"], dates: 2 });
    const first = writeReport({ dataDir, ifChanged: true });
    expect(first.unchanged).toBeUndefined();
    const again = writeReport({ dataDir, ifChanged: true });
    expect(again).toMatchObject({ unchanged: true, file: first.file, bytes: first.bytes, symbols: 1 });
    // A new snapshot date (a folder renamed into the table) makes it stale.
    const pl = (await import("nodejs-polars")).default;
    const { writePartition } = await import("../lake/index.ts");
    await writePartition(
      root,
      "metrics",
      { date: "2030-01-02" },
      pl.DataFrame({
        snapshot_time: [new Date("2030-01-02T20:00:00Z")],
        symbol: ["SPY"],
        implied_volatility_index: [0.5],
      }),
    );
    const after = writeReport({ dataDir, ifChanged: true });
    expect(after.unchanged).toBeUndefined();
    expect(after.asOf).toBe("2030-01-02");
    // Without ifChanged (the command), always written.
    expect(writeReport({ dataDir }).unchanged).toBeUndefined();
  });
});

describe("price history", () => {
  test("bars older than the snapshots, and a short history, still give their last bars", async () => {
    const dataDir = tmp();
    const root = join(dataDir, "lake");
    await writeSyntheticLake({ root, symbols: ["SPY"], dates: 2, omit: ["bars"] });
    const { syntheticSeries, writeSymbolBars } = await import("../stats/synthetic.ts");
    // SPY's bars stop two years before the snapshots; NEW has 30 bars only.
    await writeSymbolBars(root, "SPY", syntheticSeries({ rows: 2000, seed: 1, start: 17000 }));
    await writeSymbolBars(root, "NEW", syntheticSeries({ rows: 30, seed: 2, start: 19950 }));
    const m = loadReport({ root });
    const spy = m.symbols.find((s) => s.symbol === "SPY")!;
    expect(spy.bars!.d).toHaveLength(252 + 20 + 1);
    expect(spy.notes.price).toBeUndefined();
    const fresh = m.symbols.find((s) => s.symbol === "NEW")!;
    expect(fresh.bars!.d).toHaveLength(30);
    expect([...fresh.bars!.d].sort((a, b) => a - b)).toEqual(fresh.bars!.d);
  });
});

describe("intraday snapshots", () => {
  test("date=…/time=HHMM partitions: one history point per date, the day's last snapshot", async () => {
    const dataDir = tmp();
    const root = join(dataDir, "lake");
    const pl = (await import("nodejs-polars")).default;
    const { writePartition } = await import("../lake/index.ts");
    const snap = async (date: string, time: string, iv: number) =>
      writePartition(
        root,
        "metrics",
        { date, time },
        pl.DataFrame({
          snapshot_time: [new Date(`${date}T${time.slice(0, 2)}:${time.slice(2)}:00Z`)],
          symbol: ["SPY"],
          implied_volatility_index: [iv],
        }),
      );
    await snap("2026-08-03", "1000", 0.1);
    await snap("2026-08-03", "1530", 0.2);
    await snap("2026-08-04", "0945", 0.3);
    const m = loadReport({ root });
    expect(m.historyDays).toBe(2);
    expect(m.symbols[0]!.history!.iv).toEqual([0.2, 0.3]);
    expect(m.symbols[0]!.overview.iv).toBe(0.3);
  });
});

describe("one day of history", async () => {
  const dataDir = tmp();
  await writeSyntheticLake({ root: join(dataDir, "lake"), symbols: ["SPY"], dates: 1 });
  const r = writeReport({ dataDir });
  const html = readFileSync(r.file, "utf8");

  test("history charts say what they need; the rest are drawn", () => {
    const s = payloadOf(html).symbols[0];
    expect(Object.keys(chartsOf(s)).sort()).toEqual(["cone", "moves", "price", "skew", "term"]);
    expect(html).toContain("needs at least 2 collected days of history (1 so far)");
    expect(s.spark).toEqual([]);
    expect(html).toContain("needs 2+ days");
    expect(html).toContain("insufficient history (1d)");
  });
});

describe("an old or partial lake", async () => {
  test("missing tables: a note in each affected section, the rest still drawn", async () => {
    const dataDir = tmp();
    await writeSyntheticLake({
      root: join(dataDir, "lake"),
      symbols: ["SPY", "IWM"],
      dates: 3,
      omit: ["option_quotes", "volatility", "expected_moves"],
    });
    const r = writeReport({ dataDir });
    const html = readFileSync(r.file, "utf8");
    expect(r.symbols).toBe(2);
    expect(html).toContain("table `option_quotes` is not in the lake yet");
    expect(html).toContain("table `volatility` is not in the lake yet");
    expect(html).toContain("table `expected_moves` is not in the lake yet");
    const s = payloadOf(html).symbols[0];
    expect(Object.keys(chartsOf(s)).sort()).toEqual(["ivhv", "price"]);
    expect(chartsOf(s).ivhv).toEqual(["iv", "atmIv30"]); // no HV without `volatility`
    expect(r.notes.length).toBe(3);
  });

  test("missing columns: own IV rank 'not collected yet'; older partitions without cone columns still read", async () => {
    const dataDir = tmp();
    const root = join(dataDir, "lake");
    await writeSyntheticLake({ root, symbols: ["SPY"], dates: 3, ownIvRank: false });
    const pl = (await import("nodejs-polars")).default;
    const { writePartition } = await import("../lake/index.ts");
    const { partitionDates } = await import("./read.ts");
    // An older ttapi wrote `volatility` without the cone columns.
    const strip = async (date: string) => {
      const file = join(root, "volatility", `date=${date}`, "part-0.parquet");
      const df = pl.readParquet(file).select("snapshot_time", "symbol", "estimator", "window", "vol");
      await writePartition(root, "volatility", { date }, df);
    };
    const dates = partitionDates(root, "volatility");
    for (const d of dates.slice(0, -1)) await strip(d);
    let html = readFileSync(writeReport({ dataDir }).file, "utf8");
    expect(html).toContain("not collected yet");
    let s = payloadOf(html).symbols[0];
    expect(chartsOf(s).cone).toHaveLength(6); // the newest partition has them
    expect(s.history.d).toHaveLength(3); // mixed schemas read as one table
    expect(chartsOf(s).ivhv).toEqual(["iv", "hv20yz", "hv60yz", "hv20c2c"]);
    await strip(dates.at(-1)!);
    html = readFileSync(writeReport({ dataDir }).file, "utf8");
    expect(html).toContain("`volatility` has no cone columns");
    s = payloadOf(html).symbols[0];
    expect(chartsOf(s).cone).toBeUndefined();
    expect(s.stats.vol.flat().filter((v: number | null) => v !== null)).toHaveLength(30); // the table still shows what there is
  });

  test("a required column missing: the table's note names it", async () => {
    const dataDir = tmp();
    const root = join(dataDir, "lake");
    const pl = (await import("nodejs-polars")).default;
    const { writePartition } = await import("../lake/index.ts");
    await writePartition(
      root,
      "metrics",
      { date: "2026-08-04" },
      pl.DataFrame({ snapshot_time: [new Date("2026-08-04T20:00:00Z")], symbol: ["SPY"] }),
    );
    const m = loadReport({ root });
    expect(m.notes.join("\n")).toContain("table `metrics` has no column `implied_volatility_index`");
  });

  test("no lake at all: a page that says so", () => {
    const dataDir = tmp();
    const r = writeReport({ dataDir });
    const html = readFileSync(r.file, "utf8");
    expect(r.symbols).toBe(0);
    expect(html).toContain("No symbols in the lake");
    expect(r.notes).toHaveLength(1);
    expect(r.notes[0]).toContain("has no tables yet");
  });
});
