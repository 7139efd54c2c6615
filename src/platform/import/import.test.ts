import { afterAll, describe, expect, test } from "bun:test";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pl from "nodejs-polars";
import { isTTError } from "../../core/errors.ts";
import { DATABASES, expectedRows, extractDatabases, formatRow } from "../../metastock/testing/fixtures.ts";
import { isStoredBarsFile } from "../bars-schema.ts";
import { importBars } from "./import.ts";

const tmp = mkdtempSync(join(tmpdir(), "ttapi-import-"));
const dbs = extractDatabases();
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  rmSync(dbs, { recursive: true, force: true });
});
let n = 0;
const fresh = () => join(tmp, `out${n++}`);

function readBars(out: string) {
  const df = pl.scanParquet(join(out, "bars", "**", "*.parquet")).collectSync();
  return df.sort(["symbol", "period", "date", "time"]).toRecords() as Record<string, unknown>[];
}

function writeText(name: string, text: string): string {
  const p = join(tmp, name);
  mkdirSync(join(p, ".."), { recursive: true });
  writeFileSync(p, text);
  return p;
}

const HEADER = "<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,<HIGH>,<LOW>,<CLOSE>,<VOL>,<OPENINT>";

describe("importBars", () => {
  test("binary databases → Parquet match the atem oracle row for row", async () => {
    const out = fresh();
    const s = await importBars({ inputs: DATABASES.map((d) => join(dbs, d)), outDir: out, workers: 2 });
    const expected = DATABASES.flatMap((d) => expectedRows(d));
    expect(s.rows).toBe(expected.length);
    expect(s.warnings.some((w) => w.includes("XMASTER: not usable"))).toBe(true);
    const got = readBars(out).map((r) =>
      formatRow({
        symbol: r.symbol as string,
        date: (r.date as Date).toISOString().slice(0, 10),
        time: (r.time as number | null) ?? null,
        open: r.open as number,
        high: r.high as number,
        low: r.low as number,
        close: r.close as number,
        volume: r.volume as number,
        openint: (r.openint as number | null) ?? null,
      }),
    );
    const key = (x: { symbol: string; date: string; time: string }) => `${x.symbol}|${x.date}|${x.time}`;
    const sort = <T extends { symbol: string; date: string; time: string }>(a: T[]) =>
      [...a].sort((x, y) => (key(x) < key(y) ? -1 : 1));
    expect(sort(got)).toEqual(sort(expected));
    // Layout: one folder per (period, symbol); schema as documented in core/bars.ts.
    expect(existsSync(join(out, "bars", "period=I", "symbol=2HR.DE", "part-0.parquet"))).toBe(true);
    const schema = pl.readParquet(join(out, "bars", "period=I", "symbol=2HR.DE", "part-0.parquet")).schema;
    expect(Object.keys(schema)).toEqual([
      "symbol",
      "period",
      "date",
      "time",
      "open",
      "high",
      "low",
      "close",
      "volume",
      "openint",
      "source",
    ]);
    expect(String(schema.date)).toContain("Date");
    // Text columns are dictionary-encoded (Categorical): see platform/bars-schema.ts.
    expect([schema.symbol?.variant, schema.period?.variant, schema.source?.variant]).toEqual([
      "Categorical",
      "Categorical",
      "Categorical",
    ]);
  });

  test("ASCII: duplicates within and across inputs removed, first input wins, counted", async () => {
    const a = writeText(
      "dup/a.txt",
      `${HEADER}\nAAA.US,D,20200102,000000,1,2,0.5,1.5,10,0\nAAA.US,D,20200103,000000,1,2,0.5,1.6,10,0\nAAA.US,D,20200103,000000,9,9,9,9,9,0\n`,
    );
    const b = writeText(
      "dup/b.txt",
      `${HEADER}\nAAA.US,D,20200103,000000,7,7,7,7,7,0\nAAA.US,D,20200106,000000,1,2,0.5,1.7,10,0\n`,
    );
    const out = fresh();
    const s = await importBars({ inputs: [a, b], outDir: out });
    expect(s.duplicates).toBe(2);
    expect(s.rows).toBe(3);
    expect(s.warnings).toContain(`${a}:4: same date/time as the previous row (1 such rows; first kept)`);
    const rows = readBars(out);
    expect(rows.map((r) => r.close)).toEqual([1.5, 1.6, 1.7]);
    expect(rows[1]!.source).toBe(a);
    // Reversed order: b wins for 2020-01-03.
    const out2 = fresh();
    await importBars({ inputs: [b, a], outDir: out2 });
    expect(readBars(out2).map((r) => r.close)).toEqual([1.5, 7, 1.7]);
  });

  test("bad rows are skipped and reported with file and line; --strict writes nothing and fails", async () => {
    const f = writeText(
      "bad/x.txt",
      `${HEADER}\nB.US,D,20200102,000000,1,2,0.5,1.5,10,0\nB.US,D,2020010x,000000,1,2,0.5,1.5,10,0\nB.US,D,20200106,000000,1,2,0.5,1.7,10,0\n`,
    );
    const out = fresh();
    const s = await importBars({ inputs: [f], outDir: out });
    expect(s.rows).toBe(2);
    expect(s.skipped).toBe(1);
    expect(s.errors).toEqual([{ file: f, line: 3, reason: 'bad date in date field "2020010x"' }]);

    const out2 = fresh();
    let err: unknown;
    try {
      await importBars({ inputs: [f], outDir: out2, strict: true });
    } catch (e) {
      err = e;
    }
    expect(isTTError(err)).toBe(true);
    expect((err as Error).message).toBe(`${f}:3: bad date in date field "2020010x"`);
    expect(existsSync(join(out2, "bars"))).toBe(false);
  });

  test("rows out of date order are sorted and reported with file:line", async () => {
    const f = writeText(
      "order/x.txt",
      `${HEADER}\nO.US,D,20200103,000000,1,1,1,2,1,0\nO.US,D,20200102,000000,1,1,1,1,1,0\nO.US,D,20200106,000000,1,1,1,3,1,0\n`,
    );
    const out = fresh();
    const s = await importBars({ inputs: [f], outDir: out });
    expect(s.warnings).toContain(`${f}:3: date before the previous row's (1 such rows; sorted on import)`);
    expect(readBars(out).map((r) => r.close)).toEqual([1, 2, 3]);
  });

  test("a file whose rows are all bad does not leak its name into the next file's source", async () => {
    const bad = writeText("src/a-bad.txt", `${HEADER}\nQ.US,D,2020010x,000000,1,2,0.5,1.5,10,0\n`);
    const good = writeText("src/b-good.txt", `${HEADER}\nQ.US,D,20200106,000000,1,2,0.5,1.7,10,0\n`);
    const out = fresh();
    const s = await importBars({ inputs: [join(tmp, "src")], outDir: out });
    expect(s.rows).toBe(1);
    expect(s.errors[0]!.file).toBe(bad);
    expect(readBars(out)[0]!.source).toBe(good);
  });

  test("a large file is split into line-aligned byte ranges; errors keep absolute line numbers", async () => {
    const lines = [HEADER];
    for (let i = 0; i < 3000; i++) {
      const d = new Date(Date.UTC(2000, 0, 1) + i * 86400000).toISOString().slice(0, 10).replace(/-/g, "");
      lines.push(
        i === 2500
          ? `C.US,D,${d},000000,1,2,0.5,oops,10,0`
          : `C.US,D,${d},000000,1,2,0.5,${(i / 100).toFixed(2)},10,0`,
      );
    }
    const f = writeText("big/c.txt", `${lines.join("\r\n")}\r\n`);
    const out = fresh();
    const s = await importBars({ inputs: [f], outDir: out, tuning: { chunkBytes: 16 * 1024 }, workers: 2 });
    expect(s.rows).toBe(2999);
    expect(s.errors).toEqual([{ file: f, line: 2502, reason: 'bad number in close field "oops"' }]);
    const rows = readBars(out);
    expect(rows.length).toBe(2999);
    expect(rows[0]!.close).toBe(0);
    expect(rows[2998]!.close).toBe(29.99);
  });

  test("truncated binary data file is reported, the rest imported", async () => {
    const dir = join(tmp, "trunc");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    for (const name of ["MASTER", "EMASTER", "XMASTER", "F1.DAT", "F2.DAT", "F256.MWD", "F2853.MWD"]) {
      writeFileSync(join(dir, name), readFileSync(join(dbs, "msdir_equis_b", name)));
    }
    const f2 = readFileSync(join(dbs, "msdir_equis_b", "F2.DAT"));
    writeFileSync(join(dir, "F2.DAT"), f2.subarray(0, f2.length - 10)); // cut into the 2nd record
    const out = fresh();
    const s = await importBars({ inputs: [dir], outDir: out });
    expect(s.rows).toBe(5);
    expect(s.errors[0]).toMatchObject({ file: join(dir, "F2.DAT"), line: 0 });
    expect(s.errors[0]!.reason).toContain("truncated");
  });

  test("merge into an existing dataset: untouched symbols kept, new rows win; --replace drops the rest", async () => {
    const out = fresh();
    const a = writeText(
      "m/a.txt",
      `${HEADER}\nA.US,D,20200102,000000,1,1,1,1,1,0\nA.US,D,20200103,000000,1,1,1,2,1,0\n`,
    );
    const b = writeText("m/b.txt", `${HEADER}\nB.US,D,20200102,000000,1,1,1,3,1,0\n`);
    await importBars({ inputs: [a, b], outDir: out });
    const a2 = writeText(
      "m2/a.txt",
      `${HEADER}\nA.US,D,20200103,000000,5,5,5,5,5,0\nA.US,D,20200106,000000,1,1,1,6,1,0\n`,
    );
    const s = await importBars({ inputs: [a2], outDir: out, csv: true });
    expect(s.rows).toBe(2);
    expect(readBars(out).map((r) => [r.symbol, r.close])).toEqual([
      ["A.US", 1],
      ["A.US", 5],
      ["A.US", 6],
      ["B.US", 3],
    ]);
    expect(readFileSync(join(out, "bars", "period=D", "symbol=A.US", "part-0.csv"), "utf8")).toContain(
      "2020-01-06",
    );
    await importBars({ inputs: [a2], outDir: out, replace: true });
    expect(readBars(out).map((r) => r.symbol)).toEqual(["A.US", "A.US"]);
  });

  test("daily update: rows after the previous range are appended as a new part, history not rewritten", async () => {
    const out = fresh();
    const hist = writeText(
      "daily/hist.txt",
      `${HEADER}\nD.US,D,20200102,000000,1,1,1,1,1,0\nD.US,D,20200103,000000,1,1,1,2,1,0\n`,
    );
    await importBars({ inputs: [hist], outDir: out });
    const dir = join(out, "bars", "period=D", "symbol=D.US");
    const before = statSync(join(dir, "part-0.parquet"));
    const day = writeText("daily/day.txt", `${HEADER}\nD.US,D,20200106,000000,1,1,1,3,1,0\n`);
    const s = await importBars({ inputs: [day], outDir: out });
    expect(s.rows).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(["part-0.parquet", "part-1.parquet"]);
    expect(statSync(join(dir, "part-0.parquet")).ino).toBe(before.ino); // the same file, hard-linked
    expect(readBars(out).map((r) => r.close)).toEqual([1, 2, 3]);
    // An overlapping update rewrites (merges) into one file, new rows winning.
    const fix = writeText("daily/fix.txt", `${HEADER}\nD.US,D,20200103,000000,1,1,1,9,1,0\n`);
    await importBars({ inputs: [fix], outDir: out });
    expect(readdirSync(dir)).toEqual(["part-0.parquet"]);
    expect(readBars(out).map((r) => r.close)).toEqual([1, 9, 3]);
  });

  test("a dataset from before the Categorical text columns is upgraded, never mixed", async () => {
    const out = fresh();
    const old = writeText(
      "legacy/old.txt",
      `${HEADER}\nL.US,D,20200102,000000,1,1,1,1,1,0\nK.US,D,20200102,000000,1,1,1,4,1,0\n`,
    );
    await importBars({ inputs: [old], outDir: out });
    // Turn it into what an earlier version wrote: plain string text columns.
    const legacyFiles = ["L.US", "K.US"].map((sym) =>
      join(out, "bars", "period=D", `symbol=${sym}`, "part-0.parquet"),
    );
    for (const f of legacyFiles) {
      const df = pl.readParquet(f);
      df.withColumns(...["symbol", "period", "source"].map((c) => pl.col(c).cast(pl.Utf8))).writeParquet(f);
      expect(isStoredBarsFile(f)).toBe(false);
    }
    // L.US gets a later day (would be appended as a new part), K.US is not touched at all.
    const day = writeText("legacy/day.txt", `${HEADER}\nL.US,D,20200103,000000,1,1,1,2,1,0\n`);
    await importBars({ inputs: [day], outDir: out });
    const files = readdirSync(join(out, "bars"), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith(".parquet"));
    for (const f of files) expect(isStoredBarsFile(join(out, "bars", f))).toBe(true);
    // The whole dataset still reads as one (a mixed one fails in a glob scan), rows intact.
    expect(readBars(out).map((r) => [r.symbol, r.close])).toEqual([
      ["K.US", 4],
      ["L.US", 1],
      ["L.US", 2],
    ]);
  });

  test("an unreadable file of an untouched symbol is kept as it was and reported, the import goes on", async () => {
    const out = fresh();
    const first = writeText("keep/first.txt", `${HEADER}\nP.US,D,20200102,000000,1,1,1,1,1,0\n`);
    await importBars({ inputs: [first], outDir: out });
    const bad = join(out, "bars", "period=D", "symbol=P.US", "part-0.parquet");
    writeFileSync(bad, "PAR1 not really");
    const other = writeText("keep/other.txt", `${HEADER}\nQ.US,D,20200102,000000,1,1,1,7,1,0\n`);
    const s = await importBars({ inputs: [other], outDir: out });
    expect(s.rows).toBe(1);
    expect(s.warnings.some((w) => w.startsWith(`${bad}: unreadable, kept as it was`))).toBe(true);
    expect(readFileSync(bad, "utf8")).toBe("PAR1 not really");
  });

  test("unreadable path: one clear error, nothing written", async () => {
    const out = fresh();
    await expect(importBars({ inputs: [join(tmp, "nope.txt")], outDir: out })).rejects.toThrow(
      /cannot read .*nope\.txt: no such file/,
    );
    await expect(importBars({ inputs: [join(tmp, "*.nomatch")], outDir: out })).rejects.toThrow(
      /no file matches/,
    );
  });

  test("globs and folders expand; a non-MetaStock file is reported, others imported", async () => {
    writeText("g/x1.txt", `${HEADER}\nX1.US,D,20200102,000000,1,1,1,1,1,0\n`);
    writeText("g/sub/x2.txt", `${HEADER}\nX2.US,D,20200102,000000,1,1,1,1,1,0\n`);
    writeText("g/readme.txt", "just some notes\nnothing here\n");
    const out = fresh();
    const s = await importBars({ inputs: [join(tmp, "g", "**", "x*.txt")], outDir: out });
    expect(s.rows).toBe(2);
    const s2 = await importBars({ inputs: [join(tmp, "g")], outDir: fresh() });
    expect(s2.rows).toBe(2);
    expect(s2.errors).toEqual([
      {
        file: join(tmp, "g", "readme.txt"),
        line: 1,
        reason: expect.stringContaining("not a MetaStock ASCII file"),
      },
    ]);
  });

  test("one import per output folder: a concurrent one is refused with a clear error", async () => {
    const out = fresh();
    const a = writeText("lock/a.txt", `${HEADER}\nA.US,D,20200102,000000,1,1,1,1,1,0\n`);
    const first = importBars({ inputs: [a], outDir: out });
    await expect(importBars({ inputs: [a], outDir: out })).rejects.toThrow(/another import .* is writing to/);
    await first;
    expect(existsSync(join(out, ".import.lock"))).toBe(false);
    await importBars({ inputs: [a], outDir: out }); // free again
  });

  test("cancellation: an aborted import leaves the previous dataset intact and no staging", async () => {
    const out = fresh();
    const a = writeText("c/a.txt", `${HEADER}\nA.US,D,20200102,000000,1,1,1,1,1,0\n`);
    await importBars({ inputs: [a], outDir: out });
    const ctl = new AbortController();
    const p = importBars({ inputs: [join(dbs, "msdir_bbfinance")], outDir: out, signal: ctl.signal });
    ctl.abort();
    await expect(p).rejects.toThrow(/cancelled/);
    expect(readBars(out).map((r) => r.symbol)).toEqual(["A.US"]);
  });
});
