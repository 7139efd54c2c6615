import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pl from "nodejs-polars";
import { tempDirs } from "../../core/testing/temp-dirs.ts";
import { hiveSafeRoot, lakeStatus, scanTable, writePartition } from "../lake/index.ts";
import { syntheticSeries, writeSymbolBars } from "../stats/synthetic.ts";
import { walkBars, weekdays, writeBars } from "../testing/lake-fixtures.ts";
import {
  checkReadOnly,
  collectQuery,
  contractHistory,
  describeScans,
  filesRead,
  lakeInventory,
  openCatalog,
  prepareQuery,
} from "./index.ts";

setDefaultTimeout(60_000);

const temp = tempDirs();
afterAll(() => temp.removeAll());
const tmp = () => temp.make("ttapi-sql-");

const DATES = ["2026-08-03", "2026-08-04", "2026-08-05"];

function metricsFrame(symbols: string[], iv: number, withRank = true): pl.DataFrame {
  return pl.DataFrame({
    snapshot_time: symbols.map(() => new Date("2026-08-04T20:00:00Z")),
    symbol: symbols,
    implied_volatility_index: symbols.map((_, i) => iv + i / 100),
    ...(withRank ? { implied_volatility_index_rank: symbols.map(() => 0.5) } : {}),
  });
}

/** A lake with bars for three symbols and metrics for three dates. */
async function smallLake(): Promise<{
  root: string;
  barFiles: Record<string, string>;
  metricFiles: string[];
}> {
  const root = tmp();
  const dates = weekdays("2026-01-05", 30);
  const barFiles: Record<string, string> = {};
  for (const [i, s] of ["AAA", "BBB", "CCC"].entries())
    barFiles[s] = writeBars(root, s, walkBars(dates, i + 1));
  const metricFiles: string[] = [];
  // The oldest partition predates the rank column: it must read as null, not fail.
  for (const [i, d] of DATES.entries())
    metricFiles.push(
      (await writePartition(root, "metrics", { date: d }, metricsFrame(["SPY", "QQQ"], 0.1 + i / 10, i > 0)))
        .file,
    );
  return { root, barFiles, metricFiles };
}

/** Overwrite a Parquet file with garbage: any attempt to read it now fails loudly. */
function corrupt(file: string): void {
  writeFileSync(file, "this is not parquet");
}

describe("ttapi sql: the lake as tables", () => {
  test("tables are registered by name with their hive columns; absent tables are absent", async () => {
    const { root } = await smallLake();
    const catalog = openCatalog(root);
    expect([...catalog.keys()]).toEqual(["bars", "metrics"]);
    const q = prepareQuery(
      root,
      "SELECT symbol, period, count(*) AS n FROM bars GROUP BY symbol, period ORDER BY symbol",
    );
    const df = q.frame.collectSync();
    expect(df.getColumn("symbol").toArray()).toEqual(["AAA", "BBB", "CCC"]);
    expect(df.getColumn("period").toArray()).toEqual(["D", "D", "D"]);
    expect(df.getColumn("n").toArray().map(Number)).toEqual([30, 30, 30]);
    const m = prepareQuery(
      root,
      "SELECT date, symbol, implied_volatility_index_rank FROM metrics ORDER BY date, symbol",
    ).frame.collectSync();
    expect(m.height).toBe(6);
    expect(m.schema.date?.equals(pl.Date)).toBe(true);
    // The first date was written before the rank column existed: null there, values later.
    expect([...m.getColumn("implied_volatility_index_rank").toArray()] as unknown[]).toEqual([
      null,
      null,
      0.5,
      0.5,
      0.5,
      0.5,
    ]);
  });

  test("text columns stored as Categorical (as the import writes them) work with LIKE and string functions", async () => {
    const { root } = await smallLake();
    const df = prepareQuery(
      root,
      "SELECT DISTINCT symbol, lower(source) AS src FROM bars WHERE symbol LIKE 'B%'",
    ).frame.collectSync();
    expect(df.getColumn("symbol").toArray()).toEqual(["BBB"]);
    expect(df.getColumn("src").toArray()).toEqual(["synthetic"]);
  });

  test("a filter on one symbol reads only that symbol's partition (the others are unreadable)", async () => {
    const { root, barFiles } = await smallLake();
    // The schema comes from the footer of the newest partition (CCC); every other file is garbage.
    corrupt(barFiles.AAA!);
    const q = prepareQuery(root, "SELECT date, close FROM bars WHERE symbol = 'BBB' ORDER BY date");
    expect(filesRead(q)).toEqual(new Map([["bars", 1]]));
    expect(describeScans(q)).toEqual([
      `read bars: 1 of 3 files (${barFiles.BBB})`,
      `listed bars: only ${join(root, "bars", "*", "symbol=BBB", "*.parquet")} (the filter fixes its partition)`,
    ]);
    expect(q.frame.collectSync().height).toBe(30);
    // Proof that the corruption is real: a query that needs AAA fails.
    expect(() => prepareQuery(root, "SELECT * FROM bars WHERE symbol = 'AAA'").frame.collectSync()).toThrow();
    // IN and LIKE prune too.
    expect(filesRead(prepareQuery(root, "SELECT * FROM bars WHERE symbol IN ('BBB', 'CCC')"))).toEqual(
      new Map([["bars", 2]]),
    );
    expect(filesRead(prepareQuery(root, "SELECT * FROM bars WHERE symbol LIKE 'C%'"))).toEqual(
      new Map([["bars", 1]]),
    );
  });

  test("a filter on one date reads only that date's partition", async () => {
    const { root, metricFiles } = await smallLake();
    corrupt(metricFiles[0]!);
    corrupt(metricFiles[1]!);
    for (const where of ["date = '2026-08-05'", "date = DATE '2026-08-05'", "date >= '2026-08-05'"]) {
      const q = prepareQuery(root, `SELECT symbol, implied_volatility_index FROM metrics WHERE ${where}`);
      expect(filesRead(q)).toEqual(new Map([["metrics", 1]]));
      expect(q.frame.collectSync().height).toBe(2);
    }
    const all = prepareQuery(root, "SELECT * FROM metrics");
    expect(filesRead(all)).toEqual(new Map([["metrics", 3]]));
    expect(() => all.frame.collectSync()).toThrow();
  });
});

describe("ttapi sql: a filter fixing the partition lists only its folder", () => {
  const sorted = (df: pl.DataFrame) => df.sort(df.columns);

  test("one symbol: only its folder is listed (another's stray folder would fail a whole-table listing)", async () => {
    const { root, barFiles } = await smallLake();
    const wanted = "SELECT date, close, symbol FROM bars WHERE symbol = 'BBB' AND close > 0";
    const whole = collectQuery(prepareQuery(root, wanted.replace("= 'BBB'", "LIKE 'BBB'")).frame);
    // A folder that is no partition of the table's layout, inside another symbol's folder.
    const stray = join(root, "bars", "period=D", "symbol=AAA", "extra=1");
    mkdirSync(stray);
    copyFileSync(barFiles.AAA!, join(stray, "part-0.parquet"));
    expect(() =>
      collectQuery(prepareQuery(root, "SELECT * FROM bars WHERE symbol LIKE 'B%'").frame),
    ).toThrow();
    const q = prepareQuery(root, wanted);
    expect(q.pinned).toEqual(new Map([["bars", join(root, "bars", "*", "symbol=BBB", "*.parquet")]]));
    const df = collectQuery(q.frame);
    expect(df.height).toBe(30);
    expect(sorted(df).frameEqual(sorted(whole))).toBe(true);
    // A quote inside the symbol (written doubled in SQL) names its folder too.
    writeBars(root, "O'K", walkBars(weekdays("2026-01-05", 5), 9));
    const quoted = prepareQuery(root, "SELECT * FROM bars WHERE symbol = 'O''K'");
    expect(quoted.pinned).toEqual(new Map([["bars", join(root, "bars", "*", "symbol=O'K", "*.parquet")]]));
    expect(collectQuery(quoted.frame).getColumn("symbol").toArray()).toEqual(Array(5).fill("O'K"));
    // A symbol the lake does not have: its folder does not exist, no rows, the same columns.
    const none = collectQuery(prepareQuery(root, "SELECT * FROM bars WHERE symbol = 'NOPE'").frame);
    expect([none.height, none.columns]).toEqual([0, Object.keys(openCatalog(root).get("bars")!.schema)]);
    // A count with only the filter (polars plans it as a sum over a frame, not over a scan).
    expect([
      ...prepareQuery(root, "SELECT count(*) AS n FROM bars WHERE symbol = 'BBB'").pinned.keys(),
    ]).toEqual(["bars"]);
    // With the period as well, and written the other way round.
    expect(
      prepareQuery(root, "SELECT * FROM bars WHERE period = 'D' AND (symbol = 'BBB' AND close > 0)").pinned,
    ).toEqual(new Map([["bars", join(root, "bars", "[p]eriod=D", "symbol=BBB", "*.parquet")]]));
  });

  test("a long symbol, stored under an abbreviated folder name, is found by its full name", async () => {
    const { root } = await smallLake();
    const long = `LONG${"X".repeat(200)}`;
    await writeSymbolBars(root, long, syntheticSeries({ rows: 5, seed: 3 }));
    const q = prepareQuery(root, `SELECT symbol, close FROM bars WHERE symbol = '${long}'`);
    expect(q.pinned.get("bars")).toContain(`${join(root, "bars", "*", "symbol=LONG")}`);
    expect(q.pinned.get("bars")).toContain("+");
    const df = collectQuery(q.frame);
    expect(df.height).toBe(5);
    expect(new Set(df.getColumn("symbol").toArray())).toEqual(new Set([long]));
  });

  test("long symbols (abbreviated folder names) show their full name in every query, pinned or not", async () => {
    const { root } = await smallLake();
    const longs = [`LONG${"X".repeat(200)}`, `A${"Д".repeat(60)}`];
    for (const [i, s] of longs.entries())
      await writeSymbolBars(root, s, syntheticSeries({ rows: 4, seed: i + 9 }));
    const names = readdirSync(join(root, "bars", "period=D"));
    expect(names.filter((n) => n.includes("+"))).toHaveLength(2);
    const distinct = collectQuery(
      prepareQuery(root, "SELECT DISTINCT symbol FROM bars ORDER BY symbol").frame,
    );
    expect(distinct.getColumn("symbol").toArray()).toEqual(["AAA", "BBB", "CCC", ...longs].sort());
    const counts = collectQuery(
      prepareQuery(
        root,
        "SELECT symbol, count(*) AS n FROM bars WHERE symbol LIKE 'LONG%' OR symbol LIKE 'AД%' GROUP BY symbol ORDER BY symbol",
      ).frame,
    );
    expect(counts.toRecords()).toEqual([...longs].sort().map((symbol) => ({ symbol, n: 4 })));
    // A plain symbol's filter still reads only its folder; the long ones are read as they were.
    const one = prepareQuery(root, "SELECT count(*) AS n FROM bars WHERE symbol = 'AAA' OR symbol = 'ZZZ'");
    expect(collectQuery(one.frame).getColumn("n").toArray()).toEqual([30]);
    // The lake API's scan (the report reads bars through it) shows them the same way.
    const viaScan = scanTable(root, "bars")
      .select(pl.col("symbol").cast(pl.Utf8))
      .unique()
      .sort("symbol")
      .collectSync();
    expect(viaScan.getColumn("symbol").toArray()).toEqual(["AAA", "BBB", "CCC", ...longs].sort());
    for (const s of longs) {
      const q = prepareQuery(root, `SELECT symbol FROM bars WHERE symbol = '${s}'`);
      expect(new Set(collectQuery(q.frame).getColumn("symbol").toArray())).toEqual(new Set([s]));
    }
  });

  test("a `key=value` folder above the lake adds no column and overrides none", async () => {
    for (const above of ["x=1", "symbol=Z", "date=2020-01-01"]) {
      const root = join(tmp(), above, "lake");
      const dates = weekdays("2026-01-05", 10);
      for (const [i, s] of ["AAA", "BBB"].entries()) writeBars(root, s, walkBars(dates, i + 1));
      await writePartition(root, "metrics", { date: "2026-08-04" }, metricsFrame(["SPY", "QQQ"], 0.2));
      const bars = collectQuery(prepareQuery(root, "SELECT * FROM bars").frame);
      expect([above, bars.columns.sort()]).toEqual([
        above,
        [...bars.columns].filter((c) => c !== "x").sort(),
      ]);
      expect(bars.columns).not.toContain("x");
      const syms = collectQuery(prepareQuery(root, "SELECT DISTINCT symbol FROM bars ORDER BY symbol").frame);
      expect([above, syms.getColumn("symbol").toArray()]).toEqual([above, ["AAA", "BBB"]]);
      const m = collectQuery(prepareQuery(root, "SELECT * FROM metrics ORDER BY symbol").frame);
      expect([above, m.columns.sort(), m.getColumn("symbol").toArray()]).toEqual([
        above,
        ["date", "implied_volatility_index", "implied_volatility_index_rank", "snapshot_time", "symbol"],
        ["QQQ", "SPY"],
      ]);
      expect((m.getColumn("date").toArray()[0] as unknown as Date).toISOString()).toStartWith("2026-08-04");
      // Pinned scans and the plan's paths (-v) name the real lake.
      const one = prepareQuery(root, "SELECT count(*) AS n FROM bars WHERE symbol = 'BBB'");
      expect(collectQuery(one.frame).getColumn("n").toArray()).toEqual([10]);
      expect(describeScans(one).join("\n")).toContain(join(root, "bars", "period=D", "symbol=BBB"));
      expect(one.plan()).toContain(join(root, "bars"));
      expect(one.plan()).not.toContain("ttapi-lake-");
      // So does a polars error that names a file through the alias.
      const viaAlias = `${hiveSafeRoot(root)}/bars/period=D/symbol=BBB/part-0.parquet`;
      const told = one.explain(new Error(`failed to read ${viaAlias}: out of memory`)).message;
      expect(told).toContain(join(root, "bars", "period=D", "symbol=BBB"));
      expect(told).not.toContain("ttapi-lake-");
      // The lake API's scan (report) alike.
      const viaScan = scanTable(root, "bars").select(pl.col("symbol").cast(pl.Utf8)).unique().collectSync();
      expect(viaScan.getColumn("symbol").toArray().sort()).toEqual(["AAA", "BBB"]);
      expect(lakeStatus(root).unreadable).toEqual([]);
    }
  });

  test("symbols with glob metacharacters (`*`, `?`, `[`, `{`): every query reads them, pinned or not", async () => {
    const { root } = await smallLake();
    const odd = ["A*B", "Q?", "C[1]", "D{2}", "*"];
    for (const [i, s] of odd.entries())
      await writeSymbolBars(root, s, syntheticSeries({ rows: 3, seed: i + 5 }));
    // No folder name holds a glob metacharacter (`*` is written %2A).
    for (const name of readdirSync(join(root, "bars", "period=D"))) expect(name).not.toMatch(/[*?[\]{}]/);
    const all = collectQuery(prepareQuery(root, "SELECT DISTINCT symbol FROM bars ORDER BY symbol").frame);
    expect(all.getColumn("symbol").toArray()).toEqual([
      "*",
      "A*B",
      "AAA",
      "BBB",
      "CCC",
      "C[1]",
      "D{2}",
      "Q?",
    ]);
    for (const s of odd) {
      const q = prepareQuery(
        root,
        `SELECT symbol, count(*) AS n FROM bars WHERE symbol = '${s}' GROUP BY symbol`,
      );
      expect(collectQuery(q.frame).toRecords()).toEqual([{ symbol: s, n: 3 }]);
    }
  });

  test("one date of a snapshot table, daily or intraday: the same rows as a whole-table scan", async () => {
    const { root } = await smallLake();
    for (const time of ["1000", "1530"])
      await writePartition(root, "quotes", { date: "2026-08-04", time }, metricsFrame(["SPY", "QQQ"], 0.2));
    await writePartition(root, "quotes", { date: "2026-08-05", time: "1000" }, metricsFrame(["SPY"], 0.3));
    for (const [table, day, rows] of [
      ["metrics", "2026-08-04", 2],
      ["quotes", "2026-08-04", 4],
    ] as const) {
      for (const literal of [`'${day}'`, `DATE '${day}'`]) {
        const q = prepareQuery(root, `SELECT * FROM ${table} WHERE date = ${literal}`);
        expect(q.pinned).toEqual(new Map([[table, join(root, table, `[d]ate=${day}`, "**", "*.parquet")]]));
        const df = collectQuery(q.frame);
        expect(df.height).toBe(rows);
        const whole = collectQuery(
          prepareQuery(root, `SELECT * FROM ${table} WHERE date >= '${day}' AND date <= '${day}'`).frame,
        );
        expect(sorted(df).frameEqual(sorted(whole))).toBe(true);
      }
    }
  });

  test("anything but a plain equality on the partition column reads the table as a whole", async () => {
    const { root } = await smallLake();
    for (const sql of [
      "SELECT * FROM bars WHERE symbol = 'BBB' OR close > 100",
      "SELECT * FROM bars WHERE symbol IN ('BBB')",
      "SELECT * FROM bars WHERE lower(symbol) = 'bbb'",
      "SELECT a.date FROM bars a JOIN bars b USING (date) WHERE a.symbol = 'AAA' AND b.symbol = 'BBB'",
      "SELECT * FROM bars WHERE symbol = 'B(B' OR symbol = 'BBB'",
      "SELECT * FROM bars WHERE symbol = 'BBB' AND source <> 'x(y'",
      "SELECT * FROM bars",
      "SELECT * FROM metrics WHERE date > '2026-08-04'",
    ])
      expect([sql, prepareQuery(root, sql).pinned.size]).toEqual([sql, 0]);
    // A `*` in the symbol is escaped in its folder name (%2A): the pin is a plain folder, no pattern.
    expect(prepareQuery(root, "SELECT * FROM bars WHERE symbol = 'A*'").pinned.get("bars")).toBe(
      join(root, "bars", "*", "symbol=A%2A", "*.parquet"),
    );
    // A self-join on one symbol is pinned: every scan of the table asks for the same folder.
    const same = prepareQuery(
      root,
      "SELECT a.date FROM bars a JOIN bars b USING (date) WHERE a.symbol = 'BBB' AND b.symbol = 'BBB'",
    );
    expect([...same.pinned.keys()]).toEqual(["bars"]);
    expect(collectQuery(same.frame).height).toBe(30);
  });
});

describe("ttapi sql: bad input", () => {
  test("a syntax error is one line with its position", async () => {
    const { root } = await smallLake();
    expect(() => prepareQuery(root, "SELECT *\nFROM bars WHERE close > > 1")).toThrow(
      /SQL syntax error at line 2, column \d+/,
    );
    expect(() => prepareQuery(root, "SELECT * FROM bars WHERE")).toThrow(
      /SQL syntax error at line 1, column 25 \(end of query\)/,
    );
    expect(() => prepareQuery(root, "SELEC * FROM bars")).toThrow(/SQL syntax error at line 1, column 1/);
    try {
      prepareQuery(root, "SELECT * FROM bars WHERE");
    } catch (e) {
      expect((e as Error).message).not.toContain("\n");
      expect((e as { code?: string }).code).toBe("E_USAGE");
    }
  });

  test("an unknown table lists the tables; an unknown column lists the columns", async () => {
    const { root } = await smallLake();
    let err: { message: string; hint?: string } | undefined;
    try {
      prepareQuery(root, "SELECT * FROM chains");
    } catch (e) {
      err = e as typeof err;
    }
    expect(err?.message).toBe('unknown table "chains" ("chains" has no data yet)');
    expect(err?.hint).toContain("tables: bars, metrics");
    try {
      prepareQuery(root, "SELECT closing FROM bars");
    } catch (e) {
      err = e as typeof err;
    }
    expect(err?.message).toBe('unknown column "closing"');
    expect(() => prepareQuery(root, "SELECT b.closing FROM bars b")).toThrow('unknown column "closing"');
    expect(() => prepareQuery(root, "SELECT * FROM BARS")).toThrow(
      'unknown table "BARS" (table names are lowercase: bars)',
    );
    expect(err?.hint).toContain(
      "bars(symbol, period, date, time, open, high, low, close, volume, openint, source)",
    );
  });

  test("statements that would modify anything are refused and the lake is unchanged", async () => {
    const { root } = await smallLake();
    const snapshot = () =>
      readdirSync(root, { recursive: true })
        .map(String)
        .sort()
        .map((f) => {
          const p = join(root, f);
          const st = statSync(p);
          return st.isFile() ? `${f}:${st.size}:${readFileSync(p).toString("base64").length}` : f;
        });
    const before = snapshot();
    for (const sql of [
      "DROP TABLE bars",
      "DELETE FROM bars WHERE symbol = 'AAA'",
      "INSERT INTO bars SELECT * FROM bars",
      "UPDATE bars SET close = 0",
      "CREATE TABLE x AS SELECT * FROM bars",
      "TRUNCATE bars",
      "COPY bars TO 'x.parquet'",
      "ALTER TABLE bars RENAME TO b",
      "SELECT 1; DROP TABLE bars",
      "  -- comment\n  drop table bars",
    ])
      expect(() => prepareQuery(root, sql)).toThrow(/not allowed|only one statement/);
    // Keywords inside strings and comments are not statements.
    expect(checkReadOnly("SELECT 'DROP TABLE bars; x' AS s -- ; DELETE\n")).toBe(
      "SELECT 'DROP TABLE bars; x' AS s -- ; DELETE",
    );
    expect(
      prepareQuery(root, "SELECT count(*) AS n FROM bars;")
        .frame.collectSync()
        .getColumn("n")
        .toArray()
        .map(Number),
    ).toEqual([90]);
    expect(snapshot()).toEqual(before);
  });

  test("an execution error (type mismatch) becomes one clear line", async () => {
    const { root } = await smallLake();
    const q = prepareQuery(root, "SELECT CAST(symbol AS INTEGER) AS x FROM bars");
    let err: Error | undefined;
    try {
      q.frame.collectSync();
    } catch (e) {
      err = q.explain(e);
    }
    expect(err?.message).toMatch(/^query failed: /);
    expect(err?.message).not.toContain("\n");
  });
});

describe("ttapi sql: damaged files", () => {
  test("a damaged file is named (exit 65), at planning (schema file) or at execution", async () => {
    const { root, barFiles } = await smallLake();
    corrupt(barFiles.AAA!);
    const q = prepareQuery(root, "SELECT count(*) AS n FROM bars");
    let err: { code?: string; message?: string } | undefined;
    try {
      q.frame.collectSync();
    } catch (e) {
      err = q.explain(e) as typeof err;
    }
    expect(err?.code).toBe("E_DATA");
    expect(err?.message).toStartWith(`unreadable lake file ${barFiles.AAA}: `);
    expect(() => lakeInventory(root)).toThrow(`unreadable lake file ${barFiles.AAA}`);
    corrupt(barFiles.CCC!); // the newest partition: the schema comes from it
    expect(() => prepareQuery(root, "SELECT * FROM bars")).toThrow(`unreadable lake file ${barFiles.CCC}`);
  });
});

describe("ttapi sql --tables and ttapi history", () => {
  test("the inventory lists columns, types, partitions, files and rows", async () => {
    const { root } = await smallLake();
    const inv = lakeInventory(root);
    expect(inv.tables.map((t) => [t.table, t.partitions, t.files, t.rows])).toEqual([
      ["bars", 3, 3, 90],
      ["metrics", 3, 3, 6],
    ]);
    const metrics = inv.tables[1]!;
    expect(metrics.columns.find((c) => c.name === "date")).toEqual({
      name: "date",
      type: "Date",
      partition: true,
    });
    expect(metrics.columns.find((c) => c.name === "implied_volatility_index")?.type).toBe("Float64");
    expect(metrics.first).toBe("date=2026-08-03");
    expect(metrics.last).toBe("date=2026-08-05");
    expect(inv.absent).toContain("option_quotes");
    expect(lakeInventory(tmp()).tables).toEqual([]);
  });

  test("history: one contract's mark, IV and greeks across dates, matched with or without OCC padding", async () => {
    const root = tmp();
    for (const [i, d] of DATES.entries()) {
      await writePartition(
        root,
        "option_quotes",
        { date: d },
        pl.DataFrame({
          snapshot_time: [new Date(`${d}T20:00:00Z`), new Date(`${d}T20:00:00Z`)],
          underlying_symbol: ["SPY", "SPY"],
          option_symbol: ["SPY   261218C00500000", "SPY   261218P00500000"],
          streamer_symbol: [".SPY261218C500", ".SPY261218P500"],
          mark: [10 + i, 5 - i],
          implied_volatility: [0.2 + i / 100, 0.25],
          delta: [0.5 + i / 100, -0.5],
          gamma: [0.01, 0.01],
          theta: [-0.05, -0.04],
          vega: [0.3, 0.3],
        }),
      );
    }
    for (const sym of ["SPY 261218C00500000", "spy261218c00500000", ".SPY261218C500"]) {
      const h = contractHistory(root, sym).frame.collectSync();
      expect(h.columns).toEqual([
        "date",
        "snapshot_time",
        "option_symbol",
        "mark",
        "implied_volatility",
        "delta",
        "gamma",
        "theta",
        "vega",
      ]);
      expect(h.getColumn("mark").toArray()).toEqual([10, 11, 12]);
      expect(h.getColumn("delta").toArray()).toEqual([0.5, 0.51, 0.52]);
    }
    expect(contractHistory(root, "SPY 261218C00999000").frame.collectSync().height).toBe(0);
    // The SQL example of README "ttapi history" gives the same series.
    const viaSql = prepareQuery(
      root,
      `SELECT date, mark, implied_volatility, delta, gamma, theta, vega
           FROM option_quotes WHERE replace(option_symbol, ' ', '') = 'SPY261218C00500000'
           ORDER BY date`,
    ).frame.collectSync();
    expect(viaSql.getColumn("mark").toArray()).toEqual([10, 11, 12]);
    expect(() => contractHistory(tmp(), "X")).toThrow(/no option_quotes yet/);
  });
});
