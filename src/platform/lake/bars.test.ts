/**
 * `publishBars`: a run's merged bars into `lake/bars` — new symbols appear whole, later sessions are
 * appended as one new part (history untouched), MetaStock replaces a DXLink candle of the same key
 * and a changed MetaStock row replaces the old one, a DXLink candle never replaces MetaStock, the
 * same data again changes nothing, and an unreadable lake file is named and its folder left alone.
 */
import { afterAll, expect, test } from "bun:test";
import {
  copyFileSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pl from "nodejs-polars";
import { barsSymbolDir } from "../../core/bars.ts";
import { storedBars } from "../bars-schema.ts";
import { DAILY_PART_ROWS } from "../import/parquet.ts";
import { barsSignature, countBars, publishBars } from "./bars.ts";

const tmp = mkdtempSync(join(tmpdir(), "ttapi-lake-bars-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

const DAY = 86_400_000;
/** Bars of one symbol for day numbers `days` (close = day + `bump`), from `source`. */
function bars(symbol: string, days: number[], source: string, bump = 0): pl.DataFrame {
  return storedBars(
    pl
      .DataFrame({
        symbol: days.map(() => symbol),
        period: days.map(() => "D"),
        date: days.map((d) => new Date(d * DAY)),
        time: days.map(() => null),
        open: days.map((d) => d),
        high: days.map((d) => d + 1),
        low: days.map((d) => d - 1),
        close: days.map((d) => d + bump),
        volume: days.map(() => 1000),
        openint: days.map(() => null),
        source: days.map(() => source),
      })
      .withColumns(pl.col("time").cast(pl.Int32), pl.col("openint").cast(pl.Float64)),
  );
}

/** A staged dataset root holding the given frames (one file each, per symbol). */
function staged(...frames: pl.DataFrame[]): string {
  const root = join(tmp, `staged-${++n}`);
  frames.forEach((f, i) => {
    const sym = String(f.getColumn("symbol").cast(pl.Utf8).get(0));
    const dir = barsSymbolDir(root, "D", sym);
    mkdirSync(dir, { recursive: true });
    f.writeParquet(join(dir, `part-${i}.parquet`));
  });
  return root;
}

const read = (root: string, symbol: string) =>
  pl
    .scanParquet(join(barsSymbolDir(root, "D", symbol), "*.parquet"))
    .select(pl.col("date").cast(pl.Int32).alias("d"), "close", pl.col("source").cast(pl.Utf8))
    .sort("d")
    .collectSync()
    .toRecords();

test("new symbols, appends, replacements by source priority, and nothing for the same data", async () => {
  const lake = join(tmp, "lake");
  const days = [20000, 20001, 20002];
  let r = await publishBars(lake, staged(bars("AAA", days, "ms.txt"), bars("BBB", days, "dxlink")), {
    compression: "zstd",
  });
  expect(r).toMatchObject({ symbols: 2, added: 2, appended: 6, replaced: 0 });
  expect(countBars(lake)).toBe(6);

  // The same again: nothing written.
  const sig = barsSignature(lake);
  r = await publishBars(lake, staged(bars("AAA", days, "ms.txt"), bars("BBB", days, "dxlink")), {
    compression: "zstd",
  });
  expect(r).toMatchObject({ added: 0, appended: 0, replaced: 0, unchanged: 2 });
  expect(barsSignature(lake)).toBe(sig);

  // A later session: one new part, the history file untouched.
  const aaaDir = barsSymbolDir(lake, "D", "AAA");
  const before = statSync(join(aaaDir, "part-0.parquet")).mtimeMs;
  r = await publishBars(lake, staged(bars("AAA", [...days, 20003], "ms.txt")), { compression: "zstd" });
  expect(r).toMatchObject({ appended: 1, replaced: 0 });
  expect(readdirSync(aaaDir).sort()).toEqual(["part-0.parquet", "part-1.parquet"]);
  expect(statSync(join(aaaDir, "part-0.parquet")).mtimeMs).toBe(before);

  // MetaStock now has BBB's days the lake holds from DXLink: MetaStock wins.
  r = await publishBars(lake, staged(bars("BBB", days, "ms.txt", 0.5)), { compression: "zstd" });
  expect(r).toMatchObject({ replaced: 3 });
  expect(read(lake, "BBB").map((x) => x.source)).toEqual(["ms.txt", "ms.txt", "ms.txt"]);
  // A DXLink candle never replaces MetaStock...
  r = await publishBars(lake, staged(bars("BBB", days, "dxlink", 9)), { compression: "zstd" });
  expect(r).toMatchObject({ replaced: 0, appended: 0 });
  expect(read(lake, "BBB").map((x) => x.close)).toEqual([20000.5, 20001.5, 20002.5]);
  // ...but a corrected MetaStock row does.
  r = await publishBars(lake, staged(bars("BBB", [20001], "ms2.txt", 2)), { compression: "zstd" });
  expect(r).toMatchObject({ replaced: 1 });
  expect(read(lake, "BBB").map((x) => x.close)).toEqual([20000.5, 20003, 20002.5]);
  expect(countBars(lake)).toBe(7);
  // No work folders are left behind.
  expect(readdirSync(lake).filter((f) => f.startsWith("."))).toEqual([]);
});

test("an unreadable lake file is named with the fix; that folder is left alone, the rest published", async () => {
  const lake = join(tmp, "lake-broken");
  await publishBars(lake, staged(bars("AAA", [20000], "ms.txt"), bars("CCC", [20000], "ms.txt")), {
    compression: "zstd",
  });
  const bad = join(barsSymbolDir(lake, "D", "AAA"), "part-0.parquet");
  writeFileSync(bad, "garbage");
  const r = await publishBars(
    lake,
    staged(bars("AAA", [20000, 20001], "ms.txt"), bars("CCC", [20000, 20001], "ms.txt")),
    {
      compression: "zstd",
    },
  );
  expect(r.unreadable).toHaveLength(1);
  expect(r.unreadable[0]).toMatch(
    /^lake-broken\/bars\/period=D\/symbol=AAA\/part-0\.parquet cannot be read .*delete it/,
  );
  expect(read(lake, "CCC")).toHaveLength(2);
});

test("daily runs: new sessions join one daily part (history untouched) up to its size, a shared part is never rewritten; the same window again changes nothing; an unreadable part is named", async () => {
  const lake = join(tmp, "lake-daily");
  const dir = barsSymbolDir(lake, "D", "DDD");
  const files = () =>
    readdirSync(dir)
      .filter((f) => f.endsWith(".parquet"))
      .sort();
  // History, then five cron days, each bringing a 3-session candle window that overlaps the lake.
  await publishBars(lake, staged(bars("DDD", [20000, 20001, 20002], "ms.txt")), { compression: "zstd" });
  const history = statSync(join(dir, "part-0.parquet"));
  for (let d = 20003; d < 20008; d++) {
    const r = await publishBars(lake, staged(bars("DDD", [d - 2, d - 1, d], "dxlink")), {
      compression: "zstd",
    });
    expect(r).toMatchObject({ appended: 1, replaced: 0, unreadable: [] });
  }
  expect(files()).toEqual(["part-0.parquet", "part-1.parquet"]);
  expect(statSync(join(dir, "part-0.parquet")).mtimeMs).toBe(history.mtimeMs);
  expect(read(lake, "DDD").map((x) => x.d)).toEqual([20000, 20001, 20002, 20003, 20004, 20005, 20006, 20007]);
  // The same window again: nothing written.
  const sig = barsSignature(lake);
  const again = await publishBars(lake, staged(bars("DDD", [20005, 20006, 20007], "dxlink")), {
    compression: "zstd",
  });
  expect(again).toMatchObject({ appended: 0, replaced: 0, unchanged: 1 });
  expect(barsSignature(lake)).toBe(sig);
  // A changed candle inside the window replaces the lake's DXLink row (the folder rewritten whole).
  const changed = await publishBars(lake, staged(bars("DDD", [20006, 20007], "dxlink", 0.25)), {
    compression: "zstd",
  });
  expect(changed).toMatchObject({ replaced: 2, appended: 0 });
  expect(read(lake, "DDD").map((x) => x.close)).toEqual([
    20000, 20001, 20002, 20003, 20004, 20005, 20006.25, 20007.25,
  ]);
  expect(files()).toEqual(["part-0.parquet"]);
  // A full daily part is left as it is: the next session starts another.
  const many = Array.from({ length: DAILY_PART_ROWS }, (_, i) => 20008 + i);
  await publishBars(lake, staged(bars("DDD", many, "dxlink", 0.25)), { compression: "zstd" });
  expect(files()).toEqual(["part-0.parquet", "part-1.parquet"]);
  const next = 20008 + DAILY_PART_ROWS;
  await publishBars(lake, staged(bars("DDD", [next - 1, next], "dxlink", 0.25)), { compression: "zstd" });
  expect(files()).toEqual(["part-0.parquet", "part-1.parquet", "part-2.parquet"]);
  // A daily part another folder shares (a hard link) is not rewritten either.
  const outside = join(tmp, "shared-part.parquet");
  linkSync(join(dir, "part-2.parquet"), outside);
  await publishBars(lake, staged(bars("DDD", [next, next + 1], "dxlink", 0.25)), { compression: "zstd" });
  expect(files()).toEqual(["part-0.parquet", "part-1.parquet", "part-2.parquet", "part-3.parquet"]);
  expect(countBars(lake)).toBe(8 + DAILY_PART_ROWS + 2);
  // One part damaged: the one-scan read fails, the file at fault is named, nothing written.
  writeFileSync(join(dir, "part-1.parquet"), "garbage");
  const broken = await publishBars(lake, staged(bars("DDD", [next + 1, next + 2], "dxlink", 0.25)), {
    compression: "zstd",
  });
  expect(broken.unreadable).toHaveLength(1);
  expect(broken.unreadable[0]).toContain("symbol=DDD/part-1.parquet cannot be read");
  expect(broken.appended).toBe(0);
});

test("a run's file with the same bytes as a lake file is known rows, not read again (the import redone after a cache clear)", async () => {
  const lake = join(tmp, "lake-same-bytes");
  const first = staged(bars("EEE", [20000, 20001, 20002], "ms.txt"));
  await publishBars(lake, first, { compression: "zstd" });
  // The same import written again: a copy (another inode), not a hard link.
  const again = join(tmp, "staged-copy");
  const dir = barsSymbolDir(again, "D", "EEE");
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(barsSymbolDir(first, "D", "EEE"), "part-0.parquet"), join(dir, "part-0.parquet"));
  // A damaged part beside it would be named if the folder were read at all.
  writeFileSync(join(barsSymbolDir(lake, "D", "EEE"), "part-1.parquet"), "garbage");
  const r = await publishBars(lake, again, { compression: "zstd" });
  expect(r).toMatchObject({ unchanged: 1, appended: 0, replaced: 0, unreadable: [] });
  // One byte different: read and compared as before (here it meets the damaged part).
  const other = staged(bars("EEE", [20000, 20001, 20002], "ms.txt", 0.5));
  expect((await publishBars(lake, other, { compression: "zstd" })).unreadable).toHaveLength(1);
});

test("a corrected import's history files become the folder's own (hard links), so the next run finds them held; the lake's other rows stay", async () => {
  const lake = join(tmp, "lake-adopt");
  const days = Array.from({ length: DAILY_PART_ROWS + 10 }, (_, i) => 20000 + i);
  const last = days.at(-1)!;
  await publishBars(lake, staged(bars("FFF", days, "ms.txt")), { compression: "zstd" });
  // A later candle the MetaStock files do not have.
  await publishBars(lake, staged(bars("FFF", [last + 1], "dxlink")), { compression: "zstd" });
  // The source corrects one session: a new import file with every session.
  const corrected = bars("FFF", days, "ms.txt");
  const fixedClose = corrected
    .getColumn("close")
    .toArray()
    .map((c, i) => (i === 5 ? (c as number) + 0.5 : c));
  const fixedRoot = staged(corrected.withColumns(pl.Series("close", fixedClose, pl.Float64)));
  const fixedFile = join(barsSymbolDir(fixedRoot, "D", "FFF"), "part-0.parquet");
  const r = await publishBars(lake, fixedRoot, { compression: "zstd" });
  expect(r).toMatchObject({ replaced: 1, appended: 0, unreadable: [] });
  const dir = barsSymbolDir(lake, "D", "FFF");
  expect(statSync(join(dir, "part-0.parquet")).ino).toBe(statSync(fixedFile).ino);
  const rows = read(lake, "FFF");
  expect(rows.map((x) => x.d)).toEqual([...days, last + 1]);
  expect(rows[5]).toMatchObject({ close: 20005.5, source: "ms.txt" });
  expect(rows.at(-1)).toMatchObject({ source: "dxlink" });
  // The same import again, as a copy: held by its bytes, so the folder is not even read (a damaged
  // file beside it would be named if it were).
  const copyRoot = join(tmp, "staged-adopt-copy");
  mkdirSync(barsSymbolDir(copyRoot, "D", "FFF"), { recursive: true });
  copyFileSync(fixedFile, join(barsSymbolDir(copyRoot, "D", "FFF"), "part-0.parquet"));
  writeFileSync(join(dir, "part-9.parquet"), "garbage");
  expect(await publishBars(lake, copyRoot, { compression: "zstd" })).toMatchObject({
    unchanged: 1,
    unreadable: [],
  });
});
