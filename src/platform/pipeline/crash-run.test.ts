/**
 * Crash safety of a real run, for the cache and for the lake: `ttapi run --demo` alternating between two market seeds (so every
 * artifact really changes from one run to the next) is killed with SIGKILL at random moments, many
 * times. After every kill each artifact on disk is one complete version — exactly the content of
 * one of the two seeds' uninterrupted runs — and its manifest names files that exist with the
 * recorded sizes and Parquet files that read back with the recorded row counts. Then
 * `ttapi run --demo --cached` repairs whatever is missing or stale, and the artifacts equal those
 * of an uninterrupted run.
 *
 * The lake is checked the way another tool sees it, through `lake/<table>/**\/*.parquet` globs
 * (which include hidden folders): after every kill each table scans without error, each snapshot
 * partition is one file holding one seed's complete snapshot, and the bars hold no key twice.
 * The merged bars' cache entry is metadata over `lake/bars` (its fingerprint says which files, not
 * which seed), so their content is compared through the lake instead.
 */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pl from "nodejs-polars";
import { loadConfig } from "../../core/config.ts";
import { spawnCli } from "../../core/testing/cli-process.ts";
import { frameFingerprint } from "../cache/fingerprint.ts";
import { readManifest, verifyFiles } from "../cache/manifest.ts";
import { ArtifactStore } from "../cache/store.ts";
import { lakeRoot, listPartitions, SNAPSHOT_TABLES, scanTable } from "../lake/index.ts";
import { PersistWriter } from "../persist/writer.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

const KILLS = 15;
const dir = mkdtempSync(join(tmpdir(), "ttapi-crash-run-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const config = loadConfig({ env: { XDG_CONFIG_HOME: "/nonexistent" } }).config;
const store = () => new ArtifactStore({ dataDir: dir, config, writer: new PersistWriter() });

function rand(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

const spawnRun = (...extra: string[]) =>
  spawnCli(["run", "--demo", "-q", "--data-dir", dir, ...extra], {
    env: { XDG_CONFIG_HOME: join(dir, "cfg") },
  });

function parquetRows(root: string): number {
  let n = 0;
  for (const e of readdirSync(root, { withFileTypes: true })) {
    const p = join(root, e.name);
    if (e.isDirectory()) n += parquetRows(p);
    else if (e.name.endsWith(".parquet")) n += pl.readParquet(p, { columns: ["date"] }).height;
  }
  return n;
}

/** Every committed artifact is complete and consistent with its manifest. */
function verifyAll(where: string): number {
  const s = store();
  let checked = 0;
  for (const row of s.status()) {
    const adir = s.dirOf(row);
    const r = readManifest(adir);
    expect({ where, id: row.id, ok: r.ok }).toEqual({ where, id: row.id, ok: true });
    if (!r.ok) continue;
    const m = r.manifest;
    expect({ where, id: row.id, files: verifyFiles(adir, m) }).toEqual({ where, id: row.id, files: null });
    const pq = m.files.find((f) => f.format === "parquet");
    const ds = m.files.find((f) => f.format === "dir");
    if (pq)
      expect({ where, id: row.id, rows: pl.readParquet(join(adir, pq.path)).height }).toEqual({
        where,
        id: row.id,
        rows: m.rows,
      });
    else if (ds && row.kind === "eod")
      expect({ where, id: row.id, rows: parquetRows(join(adir, ds.path, "bars")) }).toEqual({
        where,
        id: row.id,
        rows: m.rows,
      });
    else if (ds && m.rows > 0)
      expect(pl.readParquet(join(adir, ds.path, "stats", "latest.parquet")).height).toBe(m.rows);
    checked++;
  }
  return checked;
}

const contentOf = () =>
  Object.fromEntries(
    store()
      .status()
      .filter((r) => r.id !== "quote-token/token" && r.id !== "eod/bars")
      .map((r) => [r.id, `${r.fingerprint}:${r.rows}`]),
  );

const TABLES = SNAPSHOT_TABLES.filter((t) => t !== "option_quotes");

/** What a glob reader sees of the lake: per snapshot table its one partition's content; the bars'. */
function lakeContent(where: string): Record<string, string> {
  const root = lakeRoot(dir);
  const out: Record<string, string> = {};
  for (const t of TABLES) {
    const parts = listPartitions(root, t);
    if (parts.length === 0) continue;
    expect({ where, t, parts: parts.length }).toEqual({ where, t, parts: 1 });
    // One file per partition: never a doubled snapshot (temp files end in .tmp, not .parquet).
    const files = readdirSync(join(root, t, parts[0]!)).filter((f) => f.endsWith(".parquet"));
    expect({ where, t, files }).toEqual({ where, t, files: ["part-0.parquet"] });
    const df = scanTable(root, t).collectSync();
    out[t] = `${frameFingerprint(df.drop("snapshot_time", "date"))}:${df.height}`;
  }
  if (listPartitions(root, "bars").length > 0) {
    const bars = scanTable(root, "bars")
      .select(pl.col("symbol").cast(pl.Utf8), "date", "time", "open", "high", "low", "close", "volume")
      .sort(["symbol", "date"])
      .collectSync();
    // Never a doubled row: each (symbol, date, time) once.
    expect({ where, dup: bars.height - bars.select("symbol", "date", "time").unique().height }).toEqual({
      where,
      dup: 0,
    });
    // Partition by partition (period, symbol): a kill during the publish may leave some symbols at
    // the previous seed's history and others at the new one, but each one complete.
    for (const part of bars.partitionBy(["symbol"], true, true)) {
      const sym = String(part.getColumn("symbol").get(0));
      out[`bars/${sym}`] = `${frameFingerprint(part)}:${part.height}`;
    }
  }
  return out;
}

test(`SIGKILL during ${KILLS} runs that change every artifact: each is one complete version; a cached run repairs`, async () => {
  const seeds = ["1", "2"] as const;
  const reference: Record<string, Record<string, string>> = {};
  const lakeRef: Record<string, Record<string, string>> = {};
  // Uninterrupted runs give the reference content and how long a run takes on this machine now,
  // so the kill moments below fall inside a run however fast or loaded the machine is.
  let runMs = Number.POSITIVE_INFINITY;
  for (const seed of seeds) {
    const t0 = performance.now();
    const p = spawnRun("--seed", seed);
    expect(await p.exited).toBe(0);
    runMs = Math.min(runMs, performance.now() - t0);
    reference[seed] = contentOf();
    lakeRef[seed] = lakeContent(`reference ${seed}`);
  }
  expect(
    Object.keys(lakeRef["1"]!)
      .filter((k) => !k.startsWith("bars/"))
      .sort(),
  ).toEqual([...TABLES].sort());
  expect(Object.keys(lakeRef["1"]!).filter((k) => k.startsWith("bars/")).length).toBe(10);
  // The two seeds differ in (nearly) every artifact, so a kill can catch a real replacement.
  const differing = Object.keys(reference["1"]!).filter((id) => reference["1"]![id] !== reference["2"]![id]);
  expect(differing.length).toBeGreaterThanOrEqual(10);

  const r = rand(8);
  let killedMidRun = 0;
  for (let k = 0; k < KILLS; k++) {
    const p = spawnRun("--seed", seeds[k % 2]!);
    await Bun.sleep(Math.floor(runMs * (0.05 + 0.85 * r())));
    const finished = p.exitCode !== null;
    p.kill("SIGKILL");
    await p.exited;
    if (!finished) killedMidRun++;
    verifyAll(`after kill ${k + 1}`);
    // Every artifact holds one seed's complete content: the previous version or the new one.
    for (const [id, content] of Object.entries(contentOf())) {
      const ok = content === reference["1"]![id] || content === reference["2"]![id];
      expect({ where: `after kill ${k + 1}`, id, ok }).toEqual({
        where: `after kill ${k + 1}`,
        id,
        ok: true,
      });
    }
    // The lake, as a glob reader sees it: every table one seed's complete content.
    for (const [t, content] of Object.entries(lakeContent(`after kill ${k + 1}`))) {
      const ok = content === lakeRef["1"]![t] || content === lakeRef["2"]![t];
      expect({ where: `after kill ${k + 1}`, t, ok }).toEqual({ where: `after kill ${k + 1}`, t, ok: true });
    }
  }
  expect(killedMidRun).toBeGreaterThan(KILLS / 2);

  // Some kills land between a data file and its manifest, or while a stage was half done: the
  // cached run rebuilds exactly what is not fresh (or belongs to the other seed) and ends complete.
  const repair = spawnRun("--seed", "1", "--cached", "--json");
  const [out] = await Promise.all([new Response(repair.stdout).text(), repair.exited]);
  const summary = JSON.parse(out);
  expect(summary.status).toBe("complete");
  expect(verifyAll("after repair")).toBeGreaterThanOrEqual(15);
  expect(
    store()
      .status()
      .filter((x) => x.state !== "fresh"),
  ).toEqual([]);
  expect(contentOf()).toEqual(reference["1"]!);
  expect(lakeContent("after repair")).toEqual(lakeRef["1"]!);
}, 180_000);
