/** `ttapi sql` and `ttapi history` as a user meets them: terminal output, exports, errors, -v. */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pl from "nodejs-polars";
import { runCliSync } from "../../core/testing/cli-process.ts";
import { tempDirs } from "../../core/testing/temp-dirs.ts";
import { prepareQuery } from "../../platform/query/index.ts";
import { walkBars, weekdays, writeBars } from "../../platform/testing/lake-fixtures.ts";
import { renderTable } from "../table/result-table.ts";
import { printResult } from "./sql.ts";

setDefaultTimeout(60_000);

const temp = tempDirs();
afterAll(() => temp.removeAll());
const tmp = () => temp.make("ttapi-sqlcli-");

function lake(days = 300): string {
  const root = tmp();
  const dates = weekdays("2025-01-01", days);
  for (const [i, s] of ["AAA", "BBB"].entries()) writeBars(root, s, walkBars(dates, i + 7));
  return root;
}

function ttapi(args: string[], stdin?: string) {
  const home = tmp();
  const r = runCliSync(args, {
    env: { XDG_CONFIG_HOME: join(home, "c"), XDG_DATA_HOME: join(home, "d"), NO_COLOR: "1" },
    ...(stdin === undefined ? {} : { stdin }),
  });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

function fakeTty(columns: number, rows: number) {
  let text = "";
  return {
    isTTY: true,
    columns,
    rows,
    write: (s: string | Uint8Array, done?: () => void) => {
      text += String(s);
      done?.();
    },
    text: () => text,
  };
}

describe("terminal output", () => {
  test("a large result shows the rows that fit, the total and how to export the rest", async () => {
    const root = lake();
    const out = fakeTty(60, 20);
    const r = await printResult(prepareQuery(root, "SELECT * FROM bars"), "table", out);
    expect(r).toEqual({ rows: 16, total: 600 });
    const lines = out.text().trimEnd().split("\n");
    expect(lines).toHaveLength(2 + 16 + 1);
    for (const l of lines.slice(0, -1)) expect(l.length).toBeLessThanOrEqual(60);
    expect(lines.at(-1)).toMatch(
      /^showing the first 16 of 600 rows · \d+ more columns \(.*\) · export everything with --csv, --json or --parquet FILE$/,
    );
  });

  test("a small result prints all rows with the count; cells are cut to the width", () => {
    const df = pl.DataFrame({ s: ["x".repeat(100), "y"], v: [1.23456789, 2] });
    const lines = renderTable(df, 2, { width: 80 });
    expect(lines[0]).toMatch(/^s +v$/);
    expect(lines[2]).toContain("…");
    expect(lines[2]!.length).toBeLessThanOrEqual(80);
    expect(lines[2]).toMatch(/1\.234568$/);
    expect(lines.at(-1)).toBe("2 rows");
  });
});

describe("ttapi history (process)", () => {
  test("one contract across dates: table, --json; an unknown contract says how to list them", async () => {
    const { writePartition } = await import("../../platform/lake/index.ts");
    const root = tmp();
    for (const [i, d] of ["2026-08-03", "2026-08-04"].entries())
      await writePartition(
        root,
        "option_quotes",
        { date: d },
        pl.DataFrame({
          snapshot_time: [new Date(`${d}T20:00:00Z`)],
          underlying_symbol: ["SPY"],
          option_symbol: ["SPY   261218C00500000"],
          mark: [10 + i],
          implied_volatility: [0.2],
          delta: [0.5],
        }),
      );
    const t = ttapi(["history", "--lake", root, "SPY 261218C00500000"]);
    expect(t.code).toBe(0);
    expect(t.out).toContain("2026-08-04");
    expect(t.out.trimEnd().split("\n").at(-1)).toBe("2 rows");
    const j = ttapi(["history", "--lake", root, "--json", "SPY261218C00500000"]);
    expect(JSON.parse(j.out).map((r: { date: string; mark: number }) => [r.date, r.mark])).toEqual([
      ["2026-08-03", 10],
      ["2026-08-04", 11],
    ]);
    const none = ttapi(["history", "--lake", root, "SPY 261218P00400000"]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('no snapshots of "SPY 261218P00400000" in option_quotes (2 dates)');
  });
});

describe("ttapi sql (process)", () => {
  test("--json, --csv and --parquet export the whole result", () => {
    const root = lake(30);
    const j = ttapi([
      "sql",
      "--lake",
      root,
      "--json",
      "SELECT symbol, count(*) AS n FROM bars GROUP BY symbol ORDER BY symbol",
    ]);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.out)).toEqual([
      { symbol: "AAA", n: 30 },
      { symbol: "BBB", n: 30 },
    ]);
    const c = ttapi([
      "sql",
      "--lake",
      root,
      "--csv",
      "SELECT date, symbol FROM bars WHERE symbol = 'BBB' ORDER BY date LIMIT 2",
    ]);
    expect(c.out).toBe("date,symbol\n2025-01-01,BBB\n2025-01-02,BBB\n");
    const file = join(tmp(), "out.parquet");
    const p = ttapi(["sql", "--lake", root, "--parquet", file, "SELECT * FROM bars"]);
    expect(p.code).toBe(0);
    expect(p.err).toContain("wrote 60 rows");
    expect(pl.readParquet(file).height).toBe(60);
    const inside = ttapi([
      "sql",
      "--lake",
      root,
      "--parquet",
      join(root, "bars", "x.parquet"),
      "SELECT * FROM bars",
    ]);
    expect(inside.code).toBe(2);
    expect(existsSync(join(root, "bars", "x.parquet"))).toBe(false);
  });

  test("a large export through a pipe arrives whole (the process does not exit before stdout drained)", () => {
    const root = lake(3000);
    const r = ttapi(["sql", "--lake", root, "--csv", "SELECT * FROM bars ORDER BY symbol, date"]);
    expect(r.code).toBe(0);
    const lines = r.out.split("\n");
    expect(lines.length).toBe(1 + 6000 + 1); // header, rows, the final newline
    expect(lines.at(-2)).toMatch(/^BBB,D,/);
    const j = ttapi(["sql", "--lake", root, "--json", "SELECT * FROM bars"]);
    expect(JSON.parse(j.out)).toHaveLength(6000);
  });

  test("-f reads the query from a file; -v names the files read", () => {
    const root = lake(30);
    const f = join(tmp(), "q.sql");
    writeFileSync(f, "-- one symbol\nSELECT count(*) AS n\nFROM bars\nWHERE symbol = 'AAA';\n");
    const r = ttapi(["sql", "--lake", root, "-v", "--csv", "-f", f]);
    expect(r.code).toBe(0);
    expect(r.out).toBe("n\n30\n");
    expect(r.err).toContain(
      `read bars: 1 of 2 files (${join(root, "bars", "period=D", "symbol=AAA", "part-0.parquet")})`,
    );
    // The filter fixes the symbol: only that folder was listed.
    expect(r.err).toContain(`listed bars: only ${join(root, "bars", "*", "symbol=AAA", "*.parquet")}`);
  });

  test("-f - reads the query from stdin; --tables --json is the inventory as JSON", () => {
    const root = lake(30);
    const p = ttapi(
      ["sql", "--lake", root, "--csv", "-f", "-"],
      "SELECT count(*) AS n FROM bars WHERE symbol = 'BBB'",
    );
    expect(p.code).toBe(0);
    expect(p.out).toBe("n\n30\n");
    const t = ttapi(["sql", "--lake", root, "--tables", "--json"]);
    const inv = JSON.parse(t.out);
    expect(inv.tables.map((x: { table: string; rows: number }) => [x.table, x.rows])).toEqual([["bars", 60]]);
    expect(inv.absent).toContain("metrics");
    const both = ttapi(["sql", "--lake", root, "--csv", "--json", "SELECT 1"]);
    expect(both.code).toBe(2);
    expect(both.err).toContain("choose one output: --csv, --json");
  });

  test("a syntax error: one line with the position, exit 2; DDL refused", () => {
    const root = lake(30);
    const r = ttapi(["sql", "--lake", root, "SELECT * FROM bars WHERE"]);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err.split("\n")[0]).toBe(
      "ttapi: error E_USAGE: SQL syntax error at line 1, column 25 (end of query): Expected: an expression, found: EOF",
    );
    const d = ttapi(["sql", "--lake", root, "DROP TABLE bars"]);
    expect(d.code).toBe(2);
    expect(d.err).toContain("DROP is not allowed: queries never modify the lake");
  });

  test("--tables lists tables and columns; history of an absent contract says how to list contracts", () => {
    const root = lake(30);
    const t = ttapi(["sql", "--lake", root, "--tables"]);
    expect(t.code).toBe(0);
    expect(t.out).toContain("bars  60 rows · 2 partitions by period/symbol");
    expect(t.out).toMatch(/ {2}symbol +String {2}\(partition\)/);
    expect(t.out).toContain("no data yet: chains, option_quotes");
    const h = ttapi(["history", "--lake", root, "SPY 261218C00500000"]);
    expect(h.code).toBe(2);
    expect(h.err).toContain("the lake has no option_quotes yet");
  });
});
