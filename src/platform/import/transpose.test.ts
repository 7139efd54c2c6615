/**
 * Daily all-symbol files: the rows of each symbol are gathered across every file and task and
 * written as one part per symbol (see transpose.ts), with the same content, priorities (first
 * input wins on a repeated day), sources and counts as any other import — also when the rows are
 * gathered in several rounds.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pl from "nodejs-polars";
import { allocBarArrays } from "../../core/bars.ts";
import { syncFilesystem } from "../../core/sync-fs.ts";
import { isStoredBarsFile } from "../bars-schema.ts";
import { importBars } from "./import.ts";
import { Transposer } from "./transpose.ts";

const tmp = mkdtempSync(join(tmpdir(), "ttapi-transpose-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const HEADER = "<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>";
const SYMBOLS = 300; // above the 256 symbols from which a task's rows are gathered
const DAYS = [20240102, 20240103, 20240104, 20240105, 20240108];

/** One file per day holding every symbol; `close` encodes (symbol, day, file) to trace the winner. */
function dailyFiles(): { dir: string; files: string[] } {
  const dir = join(tmp, "daily");
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const write = (name: string, day: number, tag: number, skip: (s: number) => boolean) => {
    const lines = [HEADER];
    for (let s = 0; s < SYMBOLS; s++) {
      if (skip(s)) continue;
      const c = s + tag / 10;
      lines.push(`S${s}.US,D,${day},000000,${c},${c + 1},${c - 1},${c},${1000 + s},0`);
    }
    const p = join(dir, name);
    writeFileSync(p, `${lines.join("\n")}\n`);
    files.push(p);
  };
  DAYS.forEach((day, i) => {
    // Symbol 7 is missing on the third day; every file is its own source.
    write(`d${i}.txt`, day, i + 1, (s) => i === 2 && s === 7);
  });
  // A second file for the third day (sorted after the others): every row of it is a duplicate
  // of an earlier input and loses, except symbol 7's, which the first file lacked.
  write("d9-repeat.txt", DAYS[2]!, 9, () => false);
  return { dir, files };
}

function readAll(out: string) {
  return pl
    .scanParquet(join(out, "bars", "**", "*.parquet"))
    .collectSync()
    .sort(["symbol", "date"])
    .select(pl.col("symbol").cast(pl.Utf8), "date", "close", pl.col("source").cast(pl.Utf8));
}

describe("daily all-symbol files", () => {
  const { dir } = dailyFiles();

  test("one part per symbol, first input wins, each row keeps its own source", async () => {
    const out = join(tmp, "out-one");
    // Two files per task: the rows of one symbol come back from three tasks and are gathered.
    const s = await importBars({ inputs: [dir], outDir: out, workers: 2, tuning: { batchFiles: 2 } });
    expect(s.rows).toBe(SYMBOLS * DAYS.length);
    expect(s.duplicates).toBe(SYMBOLS - 1);
    expect(s.symbols).toBe(SYMBOLS);
    expect(s.parquetFiles).toBe(SYMBOLS);
    const period = join(out, "bars", "period=D");
    for (const d of readdirSync(period)) {
      const files = readdirSync(join(period, d));
      expect(files).toEqual(["part-0.parquet"]);
      expect(isStoredBarsFile(join(period, d, files[0]!))).toBe(true);
    }
    const df = readAll(out);
    expect(df.height).toBe(SYMBOLS * DAYS.length);
    const rows = df.filter(pl.col("symbol").eq(pl.lit("S7.US"))).toRecords();
    expect(rows.map((r) => r.close)).toEqual([7.1, 7.2, 7.9, 7.4, 7.5]);
    expect(rows.map((r) => String(r.source).split("/").pop())).toEqual([
      "d0.txt",
      "d1.txt",
      "d9-repeat.txt",
      "d3.txt",
      "d4.txt",
    ]);
    const s5 = df
      .filter(pl.col("symbol").eq(pl.lit("S5.US")))
      .getColumn("close")
      .toArray();
    expect(s5).toEqual([5.1, 5.2, 5.3, 5.4, 5.5]);
  }, 60_000);

  test("gathered in several rounds (small memory budget): the same dataset", async () => {
    const one = join(tmp, "out-one");
    const out = join(tmp, "out-rounds");
    const s = await importBars({
      inputs: [dir],
      outDir: out,
      workers: 2,
      tuning: { batchFiles: 1, transposeRows: 500 },
    });
    expect(s.rows).toBe(SYMBOLS * DAYS.length);
    expect(s.duplicates).toBe(SYMBOLS - 1);
    expect(readAll(out).toRecords()).toEqual(readAll(one).toRecords());
  }, 60_000);
});

describe("Transposer", () => {
  test("a symbol's rows are gathered in task order whatever order the tasks come back in", () => {
    const chunk = (symbols: string[], sym: number[], date: number[], source: string) => {
      const a = allocBarArrays(sym.length);
      a.symbolIndex.set(sym);
      a.date.set(date);
      a.period.fill(68);
      return {
        columns: { length: sym.length, symbols, ...a },
        rowSource: new Int32Array(sym.length),
        sources: [{ source, priority: 0 }],
      };
    };
    const t = new Transposer();
    t.add(2, chunk(["B", "A"], [0, 1], [30, 30], "third"));
    t.add(0, chunk(["A", "B"], [0, 1, 0], [10, 10, 11], "first"));
    t.add(1, chunk(["A"], [0], [20], "second"));
    expect(t.rows).toBe(6);
    const tasks = t.take(100, 1);
    expect(t.rows).toBe(0);
    expect(tasks.map((x) => x.id)).toEqual([100]);
    const { columns, rowSource, sources } = tasks[0]!.rows;
    const rows = Array.from({ length: columns.length }, (_, i) => [
      columns.symbols[columns.symbolIndex[i]!],
      columns.date[i],
      sources[rowSource[i]!]!.source,
    ]);
    expect(rows).toEqual([
      ["A", 10, "first"],
      ["A", 11, "first"],
      ["A", 20, "second"],
      ["A", 30, "third"],
      ["B", 10, "first"],
      ["B", 30, "third"],
    ]);
  });
});

test("syncFilesystem flushes the filesystem of a folder on Linux (elsewhere: false, per-file fsync)", () => {
  expect(syncFilesystem(tmp)).toBe(process.platform === "linux");
  expect(syncFilesystem(join(tmp, "no-such-folder"))).toBe(false);
});
