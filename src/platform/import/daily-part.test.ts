/**
 * Daily imports into one dataset (`ttapi import DAY --out <lake>` from cron): each day's sessions
 * join the symbol's daily part, so the folder keeps two files — the history, never rewritten, and
 * the daily part — instead of gaining one per day and, after MAX_APPENDED_PARTS days, rewriting the
 * whole history into one file. The rows are exactly those imported.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pl from "nodejs-polars";
import { importBars } from "./import.ts";
import { MAX_APPENDED_PARTS } from "./worker-task.ts";

const tmp = mkdtempSync(join(tmpdir(), "ttapi-daily-part-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const HEADER = "<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>";
const DAY = 86_400_000;
const ymd = (day: number) => new Date(day * DAY).toISOString().slice(0, 10).replaceAll("-", "");
const line = (sym: string, day: number) => `${sym},D,${ymd(day)},000000,1,2,0.5,${day},100,0`;

function source(name: string, lines: string[]): string {
  const dir = join(tmp, "src", name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "bars.txt"), `${HEADER}\n${lines.join("\n")}\n`);
  return dir;
}

test("daily imports join one daily part: the history file stays, nothing is compacted, every row is there", async () => {
  const out = join(tmp, "lake");
  const first = 19000;
  const hist = Array.from({ length: 300 }, (_, i) => first + i);
  await importBars({
    inputs: [
      source(
        "hist",
        hist.flatMap((d) => [line("A.US", d), line("B.US", d)]),
      ),
    ],
    outDir: out,
  });
  const dirA = join(out, "bars", "period=D", "symbol=A.US");
  const history = statSync(join(dirA, "part-0.parquet"));
  const days = MAX_APPENDED_PARTS + 4;
  for (let i = 0; i < days; i++) {
    const d = first + 300 + i;
    // B.US skips every third day: its daily part only grows on the days it trades.
    const lines = [line("A.US", d), ...(i % 3 === 0 ? [] : [line("B.US", d)])];
    const s = await importBars({ inputs: [source(`day-${i}`, lines)], outDir: out });
    expect(s.rows).toBe(lines.length);
    expect(s.errorCount).toBe(0);
  }
  expect(readdirSync(dirA).sort()).toEqual(["part-0.parquet", "part-1.parquet"]);
  expect(statSync(join(dirA, "part-0.parquet")).ino).toBe(history.ino); // the history, hard-linked
  const rows = pl
    .scanParquet(join(out, "bars", "**", "*.parquet"))
    .select(pl.col("symbol").cast(pl.Utf8), pl.col("date").cast(pl.Int32).alias("d"), "close")
    .sort(["symbol", "d"])
    .collectSync();
  const a = rows.filter(pl.col("symbol").eq(pl.lit("A.US")));
  expect(a.getColumn("d").toArray()).toEqual(Array.from({ length: 300 + days }, (_, i) => first + i));
  expect(a.getColumn("close").toArray()).toEqual(a.getColumn("d").toArray());
  const b = rows.filter(pl.col("symbol").eq(pl.lit("B.US")));
  expect(b.height).toBe(300 + days - Math.ceil(days / 3));
  expect(new Set(b.getColumn("d").toArray()).size).toBe(b.height);
}, 120_000);
