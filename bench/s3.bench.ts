/**
 * The lake on an object store vs on local disk, measured in the same run (the local figure is the
 * baseline; ratios are S3 / local). The store is s3rver behind the test proxy, in its own process,
 * on 127.0.0.1 (a loopback "network" and a Node/Koa server writing files: it shows ttapi's protocol
 * cost and request counts, not a real bucket's throughput).
 *
 *   import      MetaStock text of N bars → the bars table: `importBars` into a local lake vs the
 *               S3 path (import into the local mirror, then one PUT per symbol folder)
 *   snapshots   a cron day's snapshot tables (from one `ttapi run --demo`): `writePartition` of
 *               every table to the local lake vs to S3 (one PUT each)
 *   one symbol  one symbol's bars through a hive-pruned scan (polars `scanParquet` with a filter on
 *               `symbol`, as `ttapi sql`/`stats` read it): time, requests and bytes by kind
 *
 *   BENCH_SCALE=small bun bench/s3.bench.ts     300k bars, 50 symbols
 *   bun bench/s3.bench.ts                        3M bars, 507 symbols
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pl from "nodejs-polars";
import { loadConfig } from "../src/core/config.ts";
import { writeSyntheticStooq } from "../src/metastock/synthetic.ts";
import { importBars } from "../src/platform/import/index.ts";
import {
  lakeRoot,
  listPartitions,
  primeS3Listing,
  registerS3Root,
  S3Store,
  SNAPSHOT_TABLES,
  s3MirrorDir,
  scanTable,
  syncBarsUp,
  writePartition,
} from "../src/platform/lake/index.ts";
import { runPipeline } from "../src/platform/pipeline/index.ts";
import { prepareQuery } from "../src/platform/query/index.ts";
import { harnessConnection, spawnS3Harness, TEST_BUCKET } from "../src/platform/testing/s3-harness.ts";

const small = process.env.BENCH_SCALE === "small";
const ROWS = small ? 300_000 : 3_000_000;
const SYMBOLS = small ? 50 : 507;
const tmp = mkdtempSync(join(tmpdir(), "ttapi-s3-bench-"));
const remote = await spawnS3Harness();
const conn = harnessConnection(remote, { timeout: 300 });
const secs = (t0: number) => (performance.now() - t0) / 1000;
const lines: string[] = [];
const row = (what: string, local: number, s3: number, extra = "") =>
  lines.push(
    `${what.padEnd(34)} local ${local.toFixed(2).padStart(7)} s   s3 ${s3.toFixed(2).padStart(7)} s   ratio ${(s3 / local).toFixed(2)}x${extra ? `   ${extra}` : ""}`,
  );

try {
  // --- import -------------------------------------------------------------------------------
  const src = join(tmp, "src");
  writeSyntheticStooq({ outDir: src, rows: ROWS, symbols: SYMBOLS, seed: 5 });
  const local = join(tmp, "local-lake");
  let t = performance.now();
  const li = await importBars({ inputs: [src], outDir: local });
  const importLocal = secs(t);
  const s3Root = registerS3Root(`s3://${TEST_BUCKET}/bench`, conn);
  const mirror = s3MirrorDir(join(tmp, "data"), s3Root);
  await remote.reset();
  t = performance.now();
  await importBars({ inputs: [src], outDir: mirror });
  const up = await syncBarsUp(mirror, s3Root);
  const importS3 = secs(t);
  row(
    `import ${li.rows.toLocaleString("en-US")} bars`,
    importLocal,
    importS3,
    `${up.objects} PUTs, ${(up.bytes / 1e6).toFixed(1)} MB, ${up.requests} requests`,
  );

  // --- a cron day's snapshots ----------------------------------------------------------------
  const data = join(tmp, "run");
  const config = loadConfig({ env: { XDG_CONFIG_HOME: "/nonexistent" } }).config;
  const run = await runPipeline({
    config,
    dataDir: data,
    demo: { seed: 1, scale: small ? "small" : "full" },
    asOf: new Date("2026-08-04T20:30:00Z"),
  });
  if (run.status !== "complete") throw new Error(`demo run ${run.status}`);
  const frames = SNAPSHOT_TABLES.filter((tb) => listPartitions(lakeRoot(data), tb).length > 0).map(
    (tb) => [tb, scanTable(lakeRoot(data), tb).drop("date").collectSync()] as const,
  );
  const snapRows = frames.reduce((n, [, f]) => n + f.height, 0);
  const localSnap = join(tmp, "snap-lake");
  t = performance.now();
  for (const [tb, f] of frames) await writePartition(localSnap, tb, { date: "2026-08-05" }, f);
  const snapLocal = secs(t);
  const store = S3Store.of(s3Root);
  const req0 = store.counters.requests;
  const bytes0 = store.counters.bytesUp;
  t = performance.now();
  for (const [tb, f] of frames) await writePartition(s3Root, tb, { date: "2026-08-05" }, f);
  const snapS3 = secs(t);
  row(
    `snapshots: ${frames.length} tables, ${snapRows.toLocaleString("en-US")} rows`,
    snapLocal,
    snapS3,
    `${store.counters.requests - req0} PUTs, ${((store.counters.bytesUp - bytes0) / 1e6).toFixed(2)} MB`,
  );

  // --- one symbol's bars through a pruned scan -------------------------------------------------
  const sym = String(
    scanTable(local, "bars")
      .select(pl.col("symbol").cast(pl.Utf8).first())
      .collectSync()
      .getColumn("symbol")
      .get(0),
  );
  const one = (root: string) =>
    scanTable(root, "bars")
      .filter(pl.col("symbol").eq(pl.lit(sym)))
      .collectSync();
  t = performance.now();
  const nLocal = one(local).height;
  const scanLocal = secs(t);
  await remote.reset();
  t = performance.now();
  const nS3 = one(s3Root).height;
  const scanS3 = secs(t);
  if (nLocal !== nS3) throw new Error(`one symbol: ${nLocal} rows locally, ${nS3} from S3`);
  const reqs = await remote.requests();
  const parquet = reqs.filter((r) => r.key.endsWith(".parquet"));
  const mine = parquet.filter((r) => r.key.includes(`symbol=${sym}/`));
  const others = parquet.filter((r) => !r.key.includes(`symbol=${sym}/`));
  const kinds = (rs: typeof reqs) =>
    ["LIST", "HEAD", "GET"]
      .map((k) => {
        const n = rs.filter((r) =>
          k === "LIST"
            ? r.method === "GET" && r.query.includes("list-type")
            : r.method === k && !r.query.includes("list-type"),
        ).length;
        return `${n} ${k}`;
      })
      .join(", ");
  row(
    `one symbol (${sym}, ${nS3} bars) of ${SYMBOLS}`,
    scanLocal,
    scanS3,
    `${reqs.length} requests: ${kinds(reqs)}; its object ${mine.length} (${mine.reduce((n, r) => n + r.bytes, 0)} B), ` +
      `${others.length} on ${new Set(others.map((r) => r.key)).size} other objects (${others.reduce((n, r) => n + r.bytes, 0)} B: footers)`,
  );

  // --- the same through `ttapi sql`'s engine (catalog: listing primed, schema from one footer) ---
  const sqlText = `SELECT date, close FROM bars WHERE symbol = '${sym}' ORDER BY date`;
  t = performance.now();
  const sqlLocal = prepareQuery(local, sqlText).frame.collectSync().height;
  const sqlLocalS = secs(t);
  await remote.reset();
  t = performance.now();
  await primeS3Listing(s3Root);
  const sqlS3 = prepareQuery(s3Root, sqlText).frame.collectSync().height;
  const sqlS3S = secs(t);
  if (sqlLocal !== sqlS3) throw new Error(`sql: ${sqlLocal} rows locally, ${sqlS3} from S3`);
  const sreqs = await remote.requests();
  const sparquet = sreqs.filter((r) => r.key.endsWith(".parquet"));
  const smine = sparquet.filter((r) => r.key.includes(`symbol=${sym}/`));
  const sothers = sparquet.filter((r) => !r.key.includes(`symbol=${sym}/`));
  row(
    `sql: one symbol (${sym}) of ${SYMBOLS}`,
    sqlLocalS,
    sqlS3S,
    `${sreqs.length} requests: ${kinds(sreqs)}; its object ${smine.length} (${smine.reduce((n, r) => n + r.bytes, 0)} B), ` +
      `${sothers.length} on ${new Set(sothers.map((r) => r.key)).size} other objects (${sothers.reduce((n, r) => n + r.bytes, 0)} B)`,
  );
} finally {
  await remote.close();
  rmSync(tmp, { recursive: true, force: true });
}
process.stdout.write(
  `s3 lake vs local disk (${small ? "small" : "full"} scale), same run:\n${lines.join("\n")}\n`,
);
