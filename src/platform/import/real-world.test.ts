/**
 * The import on real-world inputs (issue 16): old Mac line endings, broken rows, Latin-1 tickers,
 * unusable prices, long tickers, pipes, damaged databases. Each fixture is built here, small.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pl from "nodejs-polars";
import { daysFromCivil, MAX_SYMBOL_ENC } from "../../core/bars.ts";
import { isTTError } from "../../core/errors.ts";
import { MASTER_RECORD, readDatabase, type WriterSecurity, writeMetastockDb } from "../../metastock/index.ts";
import { prepareSeries } from "../../stats/index.ts";
import { importBars } from "./import.ts";

const tmp = mkdtempSync(join(tmpdir(), "ttapi-import-rw-"));
// Hundreds of symbol folders: removing them takes a while on a loaded machine.
afterAll(() => rmSync(tmp, { recursive: true, force: true }), 120_000);
let n = 0;
const fresh = () => join(tmp, `out${n++}`);

function writeFile(name: string, data: string | Uint8Array): string {
  const p = join(tmp, name);
  mkdirSync(join(p, ".."), { recursive: true });
  writeFileSync(p, data);
  return p;
}

function writeDb(name: string, files: Map<string, Uint8Array>): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, b] of files) writeFileSync(join(dir, f), b);
  return dir;
}

function bars(out: string) {
  return pl
    .scanParquet(join(out, "bars", "**", "*.parquet"))
    .collectSync()
    .sort(["symbol", "date"])
    .toRecords() as Record<string, unknown>[];
}

const HEADER = "<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>";
const row = (t: string, d: number, c = 10) => `${t},D,${d},000000,${c},${c + 1},${c - 1},${c},100,0`;

function sec(symbol: string, rows: number, name?: string): WriterSecurity {
  const d0 = daysFromCivil(2021, 3, 1);
  return {
    symbol,
    name,
    period: "D",
    rows: {
      length: rows,
      date: Int32Array.from({ length: rows }, (_, i) => d0 + i),
      open: new Float64Array(rows).fill(10),
      high: new Float64Array(rows).fill(11),
      low: new Float64Array(rows).fill(9),
      close: new Float64Array(rows).fill(10.5),
      volume: new Float64Array(rows).fill(1000),
    },
  };
}

describe("ASCII inputs", () => {
  test("carriage-return-only line endings (old Mac exports) are read as lines", async () => {
    const f = writeFile("mac/a.txt", [HEADER, row("A", 20200102), row("A", 20200103), ""].join("\r"));
    const s = await importBars({ inputs: [f], outDir: fresh(), workers: 1 });
    expect(s.rows).toBe(2);
    expect(s.errorCount).toBe(0);
    expect(s.warnings.some((w) => w.includes("carriage-return-only"))).toBe(true);
  });

  test("a row with one field more than the file's rows is rejected with file:line, never shifted", async () => {
    const f = writeFile(
      "wide/a.txt",
      [HEADER, row("A", 20200102), "A,D,20200103,000000,10,1,5,9,10.2,100,0", row("A", 20200106), ""].join(
        "\n",
      ),
    );
    const out = fresh();
    const s = await importBars({ inputs: [f], outDir: out, workers: 1 });
    expect(s.rows).toBe(2);
    expect(s.errors).toEqual([{ file: f, line: 3, reason: "11 fields, but the file's rows have 10" }]);
    expect(bars(out).map((r) => r.high)).toEqual([11, 11]);
    // Every row wider than the header (Rahavard writes them so) is the file's shape: accepted.
    const g = writeFile(
      "wide/b.txt",
      [HEADER, `${row("B", 20200102)},x`, `${row("B", 20200103)},y`, ""].join("\n"),
    );
    expect((await importBars({ inputs: [g], outDir: fresh(), workers: 1 })).rows).toBe(2);
  });

  test("per-file encoding: Windows-1252 CAFÉ and CAFÈ stay two symbols; UTF-8 is read as UTF-8", async () => {
    const latin = Buffer.concat([
      Buffer.from(`${HEADER}\n`),
      Buffer.from("CAF\xc9,D,20200102,000000,1,2,0.5,1.5,10,0\n", "latin1"),
      Buffer.from("CAF\xc8,D,20200102,000000,3,4,2.5,3.5,10,0\n", "latin1"),
    ]);
    const f = writeFile("enc/latin.txt", latin);
    const g = writeFile("enc/utf8.txt", `${HEADER}\nNAÏVE,D,20200102,000000,1,2,0.5,1.5,10,0\n`);
    const out = fresh();
    const s = await importBars({ inputs: [f, g], outDir: out, workers: 1 });
    expect(s.rows).toBe(3);
    expect(s.duplicates).toBe(0);
    expect(bars(out).map((r) => r.symbol)).toEqual(["CAFÈ", "CAFÉ", "NAÏVE"]);
    expect(s.warnings).toContain(`${f}: not valid UTF-8: text decoded as windows-1252`);
  });

  test("a NUL inside a ticker rejects the row", async () => {
    const f = writeFile(
      "nul/a.txt",
      `${HEADER}\nA\u0000B,D,20200102,000000,1,2,0.5,1.5,10,0\n${row("C", 20200102)}\n`,
    );
    const s = await importBars({ inputs: [f], outDir: fresh(), workers: 1 });
    expect(s.rows).toBe(1);
    expect(s.errors[0]).toMatchObject({ file: f, line: 2 });
    expect(s.errors[0]!.reason).toStartWith("NUL byte in ticker");
  });

  test("inf, negative prices and high < low are kept, counted, named, and skipped by statistics", async () => {
    const f = writeFile(
      "flags/a.txt",
      [
        HEADER,
        row("A", 20200102),
        "A,D,20200103,000000,10,1e309,9,10,100,0",
        "A,D,20200106,000000,-1,11,9,10,100,0",
        "A,D,20200107,000000,10,8,9,10,100,0",
        row("A", 20200108),
        "",
      ].join("\n"),
    );
    const out = fresh();
    const s = await importBars({ inputs: [f], outDir: out, workers: 1 });
    expect(s.rows).toBe(5);
    expect(s.flagged).toBe(3);
    const w = s.warnings.find((x) => x.startsWith(`${f}: 3 rows with unusable prices`));
    expect(w).toContain("first 2020-01-03: non-finite price");
    const rows = bars(out);
    const series = prepareSeries({
      date: Int32Array.from(rows, (r) => Math.round((r.date as Date).getTime() / 86_400_000)),
      open: Float64Array.from(rows, (r) => r.open as number),
      high: Float64Array.from(rows, (r) => r.high as number),
      low: Float64Array.from(rows, (r) => r.low as number),
      close: Float64Array.from(rows, (r) => r.close as number),
    });
    expect(series.flagged).toBe(3);
  });

  test("long tickers (300 characters, 60 Cyrillic) get a folder name within limits; re-import merges", async () => {
    const long = "X".repeat(300);
    const cyr = "Ж".repeat(60);
    const f = writeFile(
      "long/a.txt",
      [HEADER, row(long, 20200102), row(cyr, 20200102), row("OK", 20200102), ""].join("\n"),
    );
    const out = fresh();
    const s = await importBars({ inputs: [f], outDir: out, workers: 1 });
    expect(s.rows).toBe(3);
    const names = readdirSync(join(out, "bars", "period=D"));
    for (const d of names) expect(Buffer.byteLength(d)).toBeLessThanOrEqual(MAX_SYMBOL_ENC + 7);
    expect(names.filter((d) => d.includes("+"))).toHaveLength(2);
    expect(bars(out).map((r) => r.symbol)).toEqual(["OK", long, cyr]);
    // Merge mode finds the abbreviated folders again (symbol from the files), so nothing doubles.
    const g = writeFile("long/b.txt", [HEADER, row(long, 20200103), ""].join("\n"));
    const again = await importBars({ inputs: [g], outDir: out, workers: 1 });
    expect(again.rows).toBe(1);
    expect(bars(out).filter((r) => r.symbol === long)).toHaveLength(2);
    expect(readdirSync(join(out, "bars", "period=D"))).toHaveLength(3);
  });
});

describe("binary databases", () => {
  test("blank symbols: every security keeps its rows; the summary counts the derived symbols", async () => {
    const db = writeDb("blank", writeMetastockDb([sec("", 5, "ENI"), sec("", 6, "FIAT"), sec("", 7, "")]));
    const out = fresh();
    const s = await importBars({ inputs: [db], outDir: out, workers: 1 });
    expect(s.rows).toBe(18);
    expect(s.symbols).toBe(3);
    expect(s.derivedSymbols).toBe(3);
    expect(new Set(bars(out).map((r) => r.symbol))).toEqual(new Set(["ENI", "FIAT", "F3"]));
  });

  test("a zero-filled MASTER: errors, no rows, and --strict fails", async () => {
    const files = writeMetastockDb([sec("A", 3)]);
    files.set("MASTER", new Uint8Array(files.get("MASTER")!.length));
    files.delete("EMASTER");
    const db = writeDb("zero", files);
    const s = await importBars({ inputs: [db], outDir: fresh(), workers: 1 });
    expect(s.rows).toBe(0);
    expect(s.errors.map((e) => e.reason)).toContain(
      "MASTER: zero-filled (106 bytes of NUL): lists no security",
    );
    const e = await importBars({ inputs: [db], outDir: fresh(), strict: true }).catch((x) => x);
    expect(isTTError(e)).toBe(true);
    expect((e as Error).message).toContain("MASTER: zero-filled");
  });

  test("a FIFO named F1.DAT is refused with one line; the other securities import", async () => {
    const files = writeMetastockDb([sec("A", 3), sec("B", 4)]);
    files.delete("F1.DAT");
    const db = writeDb("fifo", files);
    expect(spawnSync("mkfifo", [join(db, "F1.DAT")]).status).toBe(0);
    const s = await importBars({ inputs: [db], outDir: fresh(), workers: 1 });
    expect(s.rows).toBe(4);
    expect(s.errors).toEqual([
      { file: join(db, "F1.DAT"), line: 0, reason: "a FIFO (named pipe), not a data file; A skipped" },
    ]);
    // Named on the command line, the pipe stands for its database: the same outcome, no hang.
    const viaFile = await importBars({ inputs: [join(db, "F1.DAT")], outDir: fresh(), workers: 1 });
    expect(viaFile.rows).toBe(4);
    const pipe = join(tmp, "pipe.txt");
    spawnSync("mkfifo", [pipe]);
    const p = await importBars({ inputs: [pipe], outDir: fresh() }).catch((x) => x);
    expect((p as Error).message).toBe(
      `${pipe}: a FIFO (named pipe), not a regular file; refusing to read it`,
    );
  });

  test("a FIFO or a sparse 3 GB MASTER: one line each, EMASTER used, no hang and no big read", async () => {
    const files = writeMetastockDb([sec("A", 3), sec("B", 4)]);
    files.delete("MASTER");
    const fifoDb = writeDb("fifo-master", files);
    expect(spawnSync("mkfifo", [join(fifoDb, "MASTER")]).status).toBe(0);
    const f = await importBars({ inputs: [fifoDb], outDir: fresh(), workers: 1 });
    expect(f.rows).toBe(7);
    expect(f.errors).toEqual([
      {
        file: join(fifoDb, "MASTER"),
        line: 0,
        reason: "MASTER is a FIFO (named pipe), not a regular file; pass a regular file as MASTER",
      },
    ]);
    const sparseDb = writeDb("sparse-master", writeMetastockDb([sec("A", 3), sec("B", 4)]));
    truncateSync(join(sparseDb, "MASTER"), 3 * 1024 ** 3);
    const s = await importBars({ inputs: [sparseDb], outDir: fresh(), workers: 1 });
    expect(s.rows).toBe(7);
    expect(s.errors).toEqual([
      {
        file: join(sparseDb, "MASTER"),
        line: 0,
        reason: "MASTER is larger than 3 MiB; not a MetaStock MASTER: check the folder",
      },
    ]);
  });

  test("a sparse 3 GB F1.DAT whose header says 1 record: one record read, the rest reported", async () => {
    const files = writeMetastockDb([sec("A", 1), sec("B", 2)]);
    const dir = writeDb("sparse", files);
    // Extend F1.DAT to 3 GB without writing it (a hole): only the header and one record are data.
    truncateSync(join(dir, "F1.DAT"), 3 * 1024 ** 3);
    const s = await importBars({ inputs: [dir], outDir: fresh(), workers: 1 });
    expect(s.rows).toBe(3);
    expect(s.errors[0]!.file).toBe(join(dir, "F1.DAT"));
    expect(s.errors[0]!.reason).toStartWith("header declares 1 records but the file holds");
  });

  test("damaged databases: the import (workers, header-bounded reads) recovers what the reader does", async () => {
    const secs = Array.from({ length: 262 }, (_, i) => sec(`D${i}`, 1 + (i % 5)));
    const damages: [string, (db: Map<string, Uint8Array>) => void][] = [
      ["truncated MASTER", (db) => db.set("MASTER", db.get("MASTER")!.subarray(0, 40 * MASTER_RECORD + 9))],
      ["zeroed MASTER records", (db) => db.get("MASTER")!.fill(0, 3 * MASTER_RECORD, 9 * MASTER_RECORD)],
      ["XMASTER tail", (db) => db.set("XMASTER", Uint8Array.from([...db.get("XMASTER")!, 1, 2, 3]))],
      ["no XMASTER", (db) => db.delete("XMASTER")],
      ["truncated data file", (db) => db.set("F7.DAT", db.get("F7.DAT")!.subarray(0, 50))],
      ["data count zeroed", (db) => db.get("F9.DAT")!.fill(0, 2, 4)],
    ];
    for (const [what, damage] of damages) {
      const files = writeMetastockDb(secs);
      damage(files);
      const dir = writeDb(`dmg-${what.replaceAll(" ", "-")}`, files);
      const ref = readDatabase([...files.keys()], (f) => files.get(f));
      const s = await importBars({ inputs: [dir], outDir: fresh(), workers: 2 });
      expect({ what, rows: s.rows }).toEqual({ what, rows: ref.columns.length });
      expect({ what, errors: s.errorCount }).toEqual({ what, errors: ref.errors.length + ref.skipped });
    }
  }, 120_000);
});
