/**
 * The durability flush has two paths: syncfs in the background (Linux, the default) and an fsync
 * per written file (elsewhere, or when syncfs fails; TTAPI_NO_SYNCFS=1 forces it). Both must give
 * the same complete dataset. The variable is read once per process: the fallback runs in a child.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pl from "nodejs-polars";
import { writeSyntheticStooq } from "../../metastock/index.ts";
import { importBars } from "./import.ts";

const tmp = mkdtempSync(join(tmpdir(), "ttapi-durability-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const content = (out: string) =>
  pl
    .scanParquet(join(out, "bars", "**", "*.parquet"))
    .select(pl.col("symbol").cast(pl.Utf8), "date", "close")
    .sort(["symbol", "date"])
    .collectSync()
    .toRecords();

test("syncfs in the background and an fsync per file give the same dataset", async () => {
  const src = writeSyntheticStooq({ outDir: join(tmp, "src"), symbols: 30, rows: 30 * 200, seed: 5 });
  const batched = join(tmp, "batched");
  const s = await importBars({ inputs: [src.textDir], outDir: batched, workers: 2 });
  expect(s.rows).toBe(30 * 200);

  const perFile = join(tmp, "per-file");
  const child = Bun.spawnSync(
    [process.execPath, join(import.meta.dir, "crash.fixture.ts"), perFile, src.textDir],
    { env: { ...process.env, TTAPI_NO_SYNCFS: "1" }, stdout: "pipe", stderr: "pipe" },
  );
  expect(child.stdout.toString()).toContain("done");
  expect(content(perFile)).toEqual(content(batched));
  // No staging folder, temp file or lock is left in either.
  for (const out of [batched, perFile]) expect(readdirSync(out).filter((n) => n.startsWith("."))).toEqual([]);
}, 60_000);
