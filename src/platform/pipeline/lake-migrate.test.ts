/**
 * A data directory written before the lake (fixtures/lake/legacy-datadir: `artifacts/` only, from
 * `ttapi run --demo` of the last pre-lake commit) is migrated on first use without losing data:
 * its bars become `lake/bars`, each snapshot artifact the partition of the date it was taken on;
 * the next runs add their own dates beside it.
 */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pl from "nodejs-polars";
import { loadConfig } from "../../core/config.ts";
import { readManifest } from "../cache/manifest.ts";
import { snapshotDate } from "../lake/calendar.ts";
import { lakeRoot, listPartitions, scanTable } from "../lake/index.ts";
import { LAKE_MARKER, migrateDataDir } from "./lake-migrate.ts";
import { runPipeline } from "./run.ts";

setDefaultTimeout(120_000);

const FIXTURE = join(import.meta.dir, "..", "..", "..", "fixtures", "lake", "legacy-datadir");
const tmp = mkdtempSync(join(tmpdir(), "ttapi-lake-migrate-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const config = () => loadConfig({ env: { XDG_CONFIG_HOME: "/nonexistent" } }).config;

function legacyDir(name: string): string {
  const dir = join(tmp, name);
  cpSync(join(FIXTURE, "artifacts"), join(dir, "artifacts"), { recursive: true });
  return dir;
}

/** The old merged bars dataset, sorted, as plain strings. */
function oldBars(dir: string): pl.DataFrame {
  const m = readManifest(join(dir, "artifacts", "eod", "bars"));
  if (!m.ok) throw new Error("fixture has no bars manifest");
  const root = join(dir, "artifacts", "eod", "bars", m.manifest.files[0]!.path, "bars");
  return pl
    .scanParquet(join(root, "**", "*.parquet"), { hivePartitioning: false } as Parameters<
      typeof pl.scanParquet
    >[1])
    .select(
      pl.col(["symbol", "period", "source"]).cast(pl.Utf8),
      pl.col(["date", "time", "open", "close", "volume"]),
    )
    .sort(["symbol", "date"])
    .collectSync();
}

test("the artifacts of an earlier version become the lake's first day, nothing lost", async () => {
  const dir = legacyDir("plain");
  const expected = oldBars(dir);
  const chainsManifest = readManifest(join(dir, "artifacts", "chains", "chains"));
  if (!chainsManifest.ok) throw new Error("fixture has no chains manifest");
  const date = snapshotDate(new Date(chainsManifest.manifest.createdAt));

  const r = await migrateDataDir(dir);
  expect(r.migrated).toBe(true);
  expect(r.problems).toEqual([]);
  const root = lakeRoot(dir);
  expect(existsSync(join(root, LAKE_MARKER))).toBe(true);
  const bars = scanTable(root, "bars")
    .select(
      pl.col(["symbol", "period", "source"]).cast(pl.Utf8),
      pl.col(["date", "time", "open", "close", "volume"]),
    )
    .sort(["symbol", "date"])
    .collectSync();
  expect(bars.height).toBe(expected.height);
  expect(bars.frameEqual(expected)).toBe(true);
  for (const t of [
    "chains",
    "metrics",
    "quotes",
    "positions",
    "balances",
    "volatility",
    "iv_hv",
    "expected_moves",
  ] as const)
    expect({ t, parts: listPartitions(root, t) }).toEqual({ t, parts: [`date=${date}`] });
  const chains = scanTable(root, "chains").collectSync();
  expect(chains.height).toBe(2 * chainsManifest.manifest.rows);
  // Snapshot time = when the old artifact was made.
  expect(Number(chains.getColumn("snapshot_time").cast(pl.Int64).cast(pl.Float64).get(0))).toBe(
    chainsManifest.manifest.createdAt,
  );
  // A second call does nothing (the marker says it is done).
  expect((await migrateDataDir(dir)).migrated).toBe(false);
});

test("a run on a legacy data dir migrates first, then adds its own date; old history stays", async () => {
  const dir = legacyDir("run");
  const expected = oldBars(dir);
  const chainsManifest = readManifest(join(dir, "artifacts", "chains", "chains"));
  if (!chainsManifest.ok) throw new Error("fixture has no chains manifest");
  const oldDate = snapshotDate(new Date(chainsManifest.manifest.createdAt));
  const asOf = new Date(chainsManifest.manifest.createdAt + 3 * 86_400_000);
  const newDate = snapshotDate(asOf);
  expect(newDate).not.toBe(oldDate);
  const s = await runPipeline({
    config: config(),
    dataDir: dir,
    demo: { seed: 1, scale: "small" },
    cached: true,
    asOf,
  });
  expect(s.status).toBe("complete");
  const root = lakeRoot(dir);
  expect(listPartitions(root, "chains")).toEqual([`date=${oldDate}`, `date=${newDate}`]);
  // Every old bar is still there (the demo regenerates the same history, so nothing doubles).
  const keys = (df: pl.DataFrame) => df.select("symbol", "date").sort(["symbol", "date"]);
  const bars = scanTable(root, "bars").select(pl.col("symbol").cast(pl.Utf8), "date").collectSync();
  expect(keys(expected).join(keys(bars), { on: ["symbol", "date"], how: "anti" }).height).toBe(0);
  // The old content-addressed bars folder is gone from the cache: the lake holds the data now.
  expect(readdirSync(join(dir, "artifacts", "eod", "bars")).filter((f) => f.startsWith("v-"))).toEqual([]);
});
