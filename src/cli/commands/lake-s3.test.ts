/**
 * The commands on an `s3://` lake, end to end against a local S3-compatible server (s3rver behind
 * the test proxy): `ttapi import --out s3://…` (merging into what the bucket holds, one object per
 * symbol folder), `ttapi lake status --lake s3://…`, `ttapi stats` reading the bucket's bars,
 * `ttapi run --demo` writing its snapshots and bars there, `ttapi lake compact` (bars merged in the
 * working copy and published one object per symbol), and credentials that never appear in
 * any output or in the log file.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pl from "nodejs-polars";
import { registerS3Root } from "../../core/lake-root.ts";
import { type CliResult, runCli, spawnCli } from "../../core/testing/cli-process.ts";
import { importBars } from "../../platform/import/index.ts";
import { lakeRoot, S3Store, scanTable, syncBarsUp } from "../../platform/lake/index.ts";
import { asciiBarsFile } from "../../platform/testing/lake-fixtures.ts";
import {
  harnessConnection,
  harnessEnv,
  type S3Harness,
  startS3Harness,
  TEST_BUCKET,
  TEST_KEY,
} from "../../platform/testing/s3-harness.ts";

setDefaultTimeout(240_000);

const tmp = mkdtempSync(join(tmpdir(), "ttapi-lake-s3-cli-"));
let h: S3Harness;
beforeAll(async () => {
  h = await startS3Harness();
});
afterAll(async () => {
  await h?.close();
  rmSync(tmp, { recursive: true, force: true });
});

// s3rver accepts only its own key pair; the session token is a marker that must never be printed.
const SESSION = "sessionTokenMustNotLeak0042";

async function ttapi(dataDir: string, ...args: string[]): Promise<CliResult> {
  const r = await runCli([...args, "--data-dir", dataDir], {
    env: {
      XDG_CONFIG_HOME: join(tmp, "cfg"),
      TTAPI_LOG_LEVEL: "warn",
      ...harnessEnv(h),
      AWS_SESSION_TOKEN: SESSION,
    },
  });
  for (const out of [r.stdout, r.stderr]) expect(out).not.toContain(SESSION);
  return r;
}

test("import --out s3://, lake status and stats on the bucket; a second machine's import merges", async () => {
  const url = `s3://${TEST_BUCKET}/team`;
  const a = join(tmp, "machine-a");
  const b = join(tmp, "machine-b");
  const i1 = await ttapi(
    a,
    "import",
    asciiBarsFile(join(tmp, "src"), "AAA", "202606", 20),
    "--out",
    url,
    "--json",
  );
  expect(i1.stderr).toBe("");
  expect(i1.code).toBe(0);
  expect(JSON.parse(i1.stdout)).toMatchObject({ rows: 20, outDir: url, s3: { folders: 1, objects: 1 } });
  // Another machine adds July for AAA and a new symbol: AAA's June rows stay (merged, not replaced).
  const i2 = await ttapi(
    b,
    "import",
    asciiBarsFile(join(tmp, "src"), "AAA", "202607", 20),
    asciiBarsFile(join(tmp, "src"), "BBB", "202607", 10),
    "--out",
    url,
    "--json",
  );
  expect(i2.code).toBe(0);

  const root = registerS3Root(url, harnessConnection(h, { retries: 3 }));
  const keys = (await S3Store.of(root).list("team/")).map((o) => o.key).sort();
  expect(keys).toEqual([
    "team/bars/period=D/symbol=AAA/part-0.parquet",
    "team/bars/period=D/symbol=BBB/part-0.parquet",
  ]);
  const bars = await scanTable(root, "bars").collect();
  expect(bars.filter(pl.col("symbol").eq(pl.lit("AAA"))).height).toBe(40);

  const st = await ttapi(a, "lake", "status", "--lake", url, "--json");
  expect(st.code).toBe(0);
  const status = JSON.parse(st.stdout) as {
    root: string;
    tables: { table: string; rows: number; files: number; from: string; to: string }[];
  };
  expect(status.root).toBe(url);
  expect(status.tables.find((t) => t.table === "bars")).toMatchObject({
    rows: 50,
    files: 2,
    from: "2026-06-01",
    to: "2026-07-20",
  });

  const stats = await ttapi(a, "stats", "--lake", url, "--symbols", "AAA", "--json");
  expect(stats.stderr).toContain("1 symbol, 40 bars");
  expect(stats.code).toBe(0);
  const latest = JSON.parse(stats.stdout) as { symbol: string; n: number }[];
  expect(latest.length).toBeGreaterThan(0);
  expect(new Set(latest.map((r) => r.symbol))).toEqual(new Set(["AAA"]));

  const inc = await ttapi(a, "stats", "--incremental", "--lake", url, "--json");
  expect(inc.code).toBe(0);
  expect(inc.stderr).toContain("stats: 2 symbols");
  expect(new Set((JSON.parse(inc.stdout) as { symbol: string }[]).map((r) => r.symbol))).toEqual(
    new Set(["AAA", "BBB"]),
  );

  // A damaged object is named with the fix by `lake status`; the rest is counted.
  await S3Store.of(root).put(
    "team/quotes/date=2026-08-04/part-0.parquet",
    new TextEncoder().encode("not parquet"),
  );
  const bad = await ttapi(a, "lake", "status", "--lake", url, "--json");
  expect(bad.code).toBe(65);
  const badStatus = JSON.parse(bad.stdout) as {
    unreadable: string[];
    tables: { table: string; rows: number }[];
  };
  expect(badStatus.unreadable.length).toBe(1);
  expect(badStatus.unreadable[0]).toContain(`${url}/quotes/date=2026-08-04/part-0.parquet`);
  expect(badStatus.tables.find((t) => t.table === "bars")?.rows).toBe(50);
  await S3Store.of(root).delete("team/quotes/date=2026-08-04/part-0.parquet");

  // compact on a bucket ttapi wrote: every symbol is one object already, nothing is re-sent.
  const keysBefore = (await S3Store.of(root).list("team/")).map((o) => `${o.key} ${o.etag}`).sort();
  const pr = await ttapi(a, "lake", "compact", "--lake", url);
  expect(pr.code).toBe(0);
  expect(pr.stderr).toContain(`nothing to compact in ${url}`);
  expect((await S3Store.of(root).list("team/")).map((o) => `${o.key} ${o.etag}`).sort()).toEqual(keysBefore);

  // Nothing secret in the trace logs either.
  for (const d of [a, b]) expect(readFileSync(join(d, "logs", "ttapi.log"), "utf8")).not.toContain(SESSION);
});

test("ttapi run --demo with lake.root = s3://…: snapshots and bars land in the bucket; a cached rerun sends nothing", async () => {
  const url = `s3://${TEST_BUCKET}/cron`;
  const d = join(tmp, "cron");
  const r1 = await ttapi(d, "run", "--demo", "--lake", url, "--json");
  expect(r1.code).toBe(0);
  const s1 = JSON.parse(r1.stdout) as {
    report: { file: string; symbols: number };
    status: string;
    lake: { root: string; tables: { table: string; state: string }[]; s3Bars: { folders: number } };
  };
  expect(s1.status).toBe("complete");
  expect(s1.lake.root).toBe(url);
  expect(s1.lake.s3Bars.folders).toBeGreaterThan(0);
  expect(s1.lake.tables.filter((t) => t.state === "failed")).toEqual([]);
  const root = registerS3Root(url, harnessConnection(h, { retries: 3 }));
  const keys = (await S3Store.of(root).list("cron/")).map((o) => o.key);
  for (const t of s1.lake.tables.filter((x) => x.state === "written"))
    expect(keys.some((k) => k.startsWith(`cron/${t.table}/date=`) && k.endsWith("/part-0.parquet"))).toBe(
      true,
    );
  expect(keys.some((k) => k.startsWith("cron/bars/period=D/symbol="))).toBe(true);
  // Nothing written locally under <data-dir>/lake but the bars working copy.
  expect((await scanTable(root, "quotes").collect()).height).toBeGreaterThan(0);

  const before = h.requests.length;
  const r2 = await ttapi(d, "run", "--demo", "--cached", "--lake", url, "--json");
  expect(r2.code).toBe(0);
  const s2 = JSON.parse(r2.stdout) as {
    lake: { tables: { state: string }[]; s3Bars: { folders: number } };
    report: { unchanged: boolean };
  };
  expect(s2.lake.s3Bars.folders).toBe(0);
  // The end-of-run report read the bucket; the cached rerun changed no object, so it is kept.
  expect(s1.report.symbols).toBeGreaterThan(0);
  expect(readFileSync(s1.report.file, "utf8")).toContain("SPY");
  expect(s2.report.unchanged).toBe(true);
  expect(s2.lake.tables.every((t) => t.state !== "written")).toBe(true);
  const puts = h.requests.slice(before).filter((r) => r.method === "PUT" || r.method === "POST");
  expect(puts).toEqual([]);

  const rep = await ttapi(d, "report", "--lake", url, "--json", "--out", join(d, "r.html"));
  expect(rep.code).toBe(0);
  const repJson = JSON.parse(rep.stdout) as { symbols: number; notes: string[] };
  expect(repJson.symbols).toBe(s1.report.symbols);
  // Every table the run wrote to the bucket is in the report (a table the demo does not produce yet
  // may be noted as absent).
  const wrote = new Set(s1.lake.tables.filter((t) => t.state === "written").map((t) => t.table));
  const absent = repJson.notes.filter((n) => n.includes("not in the lake"));
  expect(absent.filter((n) => [...wrote].some((t) => n.includes(`\`${t}\``)))).toEqual([]);

  // ttapi sql over the bucket: the same rows as a direct scan; --tables lists it.
  const direct = (await scanTable(root, "quotes").collect()).height;
  const q = await ttapi(d, "sql", "--lake", url, "--json", "SELECT count(*) AS n FROM quotes");
  expect(q.stderr).toBe("");
  expect(q.code).toBe(0);
  expect(JSON.parse(q.stdout)).toEqual([{ n: direct }]);
  const one = await ttapi(
    d,
    "sql",
    "--lake",
    url,
    "--csv",
    "SELECT symbol, close FROM bars WHERE symbol = 'SPY' ORDER BY date",
  );
  expect(one.code).toBe(0);
  expect(one.stdout.split("\n")[0]).toBe("symbol,close");
  expect(one.stdout.trim().split("\n").length).toBeGreaterThan(10);
  const tables = await ttapi(d, "sql", "--lake", url, "--tables", "--json");
  expect(tables.code).toBe(0);
  expect(tables.stdout).toContain("option_quotes");

  // prune on S3: every snapshot date before the cutoff goes, one DELETE per partition object.
  const pr = await ttapi(d, "lake", "prune", "--before", "2100-01-01", "--lake", url, "--json");
  expect(pr.code).toBe(0);
  const pruned = JSON.parse(pr.stdout) as { table: string; partitions: number; rows: number }[];
  const written = s1.lake.tables.filter((t) => t.state === "written").map((t) => t.table);
  for (const t of written) expect(pruned.find((p) => p.table === t)?.partitions).toBe(1);
  const left = (await S3Store.of(root).list("cron/")).map((o) => o.key);
  expect(left.length).toBeGreaterThan(0);
  expect(left.every((k) => k.startsWith("cron/bars/"))).toBe(true);

  // bars: pruned through the mirror; a symbol whose bars all go leaves the bucket.
  const barsBefore = (await scanTable(root, "bars").collect()).height;
  const pb = await ttapi(
    d,
    "lake",
    "prune",
    "--before",
    "2100-01-01",
    "--table",
    "bars",
    "--lake",
    url,
    "--json",
  );
  expect(pb.stderr).toBe("");
  expect(pb.code).toBe(0);
  expect(JSON.parse(pb.stdout)).toEqual([expect.objectContaining({ table: "bars", rows: barsBefore })]);
  expect(await S3Store.of(root).list("cron/")).toEqual([]);
});

test("kill -9 of `ttapi run` mid-upload: every object in the bucket is whole, the previous partitions stand", async () => {
  const url = `s3://${TEST_BUCKET}/killrun`;
  const d = join(tmp, "killrun");
  const r1 = await ttapi(d, "run", "--demo", "--lake", url, "--json");
  expect(r1.code).toBe(0);
  const root = registerS3Root(url, harnessConnection(h, { retries: 3 }));
  const before = new Map((await S3Store.of(root).list("killrun/")).map((o) => [o.key, o]));
  const rowsBefore = (await scanTable(root, "quotes").collect()).height;

  // The same trading date again with everything recomputed, uploads trickling: killed mid-body.
  h.faults.bodyChunkDelayMs = 40;
  const seen = h.requests.length;
  const p = spawnCli(["run", "--demo", "--force", "--lake", url, "--data-dir", d], {
    // Piped, unread: a non-TTY run writes a few dozen lines, far below a pipe's buffer.
    env: {
      XDG_CONFIG_HOME: join(tmp, "cfg"),
      ...harnessEnv(h),
    },
  });
  try {
    const deadline = Date.now() + 120_000;
    while (
      !h.requests.slice(seen).some((r) => r.method === "PUT" && r.key.startsWith("killrun/")) &&
      Date.now() < deadline
    )
      await Bun.sleep(10);
    expect(h.requests.slice(seen).some((r) => r.method === "PUT")).toBe(true);
    p.kill(9);
    await p.exited;
  } finally {
    h.faults.bodyChunkDelayMs = 0;
  }
  await Bun.sleep(1500);
  // The run died part-way through its uploads (a small object whose bytes had all left the
  // process still lands whole, as on S3; a PUT cut mid-body is the writer test in lake/s3.test.ts).
  const puts = h.requests.slice(seen).filter((r) => r.method === "PUT" && r.key.startsWith("killrun/"));
  expect(puts.length).toBeLessThan(before.size);
  const after = await S3Store.of(root).list("killrun/");
  expect(after.map((o) => o.key).sort()).toEqual([...before.keys()].sort());
  // Every object reads whole (a torn object would fail its footer or its pages).
  for (const o of after) {
    const df = await pl
      .scanParquet(`s3://${TEST_BUCKET}/${o.key}`, {
        cloudOptions: {
          aws_endpoint_url: h.endpoint,
          aws_access_key_id: TEST_KEY,
          aws_secret_access_key: TEST_KEY,
          aws_region: "us-east-1",
          aws_allow_http: "true",
        },
      } as Parameters<typeof pl.scanParquet>[1])
      .collect();
    expect(df.height).toBeGreaterThan(0);
  }
  expect((await scanTable(root, "quotes").collect()).height).toBe(rowsBefore);
});

test("two machines run at once into one bucket: both succeed; every partition is one run's, whole", async () => {
  const url = `s3://${TEST_BUCKET}/team2`;
  const [ra, rb] = await Promise.all([
    ttapi(join(tmp, "m1"), "run", "--demo", "--lake", url, "--json"),
    ttapi(join(tmp, "m2"), "run", "--demo", "--lake", url, "--json"),
  ]);
  expect([ra.code, rb.code]).toEqual([0, 0]);
  const root = registerS3Root(url, harnessConnection(h, { retries: 3 }));
  const wrote = (
    JSON.parse(ra.stdout) as { lake: { tables: { table: string; state: string }[] } }
  ).lake.tables
    .filter((t) => t.state === "written")
    .map((t) => t.table);
  expect(wrote.length).toBeGreaterThan(3);
  for (const t of wrote) {
    // One snapshot_time per partition: the rows of one run, never a mix of both.
    const times = await scanTable(root, t as "quotes")
      .select(pl.col("snapshot_time").nUnique().alias("n"), pl.len().alias("rows"))
      .collect();
    expect({ t, n: Number(times.getColumn("n").get(0)) }).toEqual({ t, n: 1 });
    expect(Number(times.getColumn("rows").get(0))).toBeGreaterThan(0);
  }
  // Bars: each symbol is one object, readable.
  const keys = (await S3Store.of(root).list("team2/bars/")).map((o) => o.key);
  expect(keys.length).toBeGreaterThan(0);
  expect(keys.every((k) => k.endsWith("/part-0.parquet"))).toBe(true);
  expect((await scanTable(root, "bars").collect()).height).toBeGreaterThan(0);
});

test("lake compact on s3://: a symbol left in several objects becomes one; the same rows read before and after", async () => {
  const url = `s3://${TEST_BUCKET}/cmp`;
  const d = join(tmp, "compact-machine");
  const imp = await ttapi(
    d,
    "import",
    asciiBarsFile(join(tmp, "cmp-src"), "AAA", "202606", 20),
    asciiBarsFile(join(tmp, "cmp-src"), "BBB", "202606", 10),
    "--out",
    url,
    "--json",
  );
  expect(imp.code).toBe(0);
  // Another tool adds July for AAA as a second object in AAA's folder (its own part name).
  const other = join(tmp, "cmp-other-lake");
  expect(
    (await ttapi(d, "import", asciiBarsFile(join(tmp, "cmp-src2"), "AAA", "202607", 20), "--out", other))
      .code,
  ).toBe(0);
  const otherDir = join(other, "bars", "period=D", "symbol=AAA");
  const otherParts = new Bun.Glob("*.parquet").scanSync(otherDir);
  const root = registerS3Root(url, harnessConnection(h, { retries: 3 }));
  const store = S3Store.of(root);
  for (const f of otherParts)
    await store.put(
      `cmp/bars/period=D/symbol=AAA/other-${f}`,
      new Uint8Array(readFileSync(join(otherDir, f))),
    );
  const barKeys = async () => (await store.list("cmp/bars/")).map((o) => o.key).sort();
  expect((await barKeys()).length).toBe(3);

  const query = "SELECT symbol, date, close FROM bars ORDER BY symbol, date";
  const before = await ttapi(d, "sql", "--lake", url, "--json", query);
  expect(before.code).toBe(0);
  const rowsBefore = JSON.parse(before.stdout) as { symbol: string }[];
  expect(rowsBefore.length).toBe(50);

  const c = await ttapi(d, "lake", "compact", "--lake", url, "--json");
  expect(c.stderr).toBe("");
  expect(c.code).toBe(0);
  const out = JSON.parse(c.stdout) as {
    results: { table: string; partitions: number; rows: number; filesBefore: number; filesAfter: number }[];
    published: { folders: number; objects: number; removed: number };
    alreadyOneObject: string[];
  };
  expect(out.results.find((r) => r.table === "bars")).toMatchObject({
    partitions: 1,
    rows: 40,
    filesBefore: 3,
    filesAfter: 2,
  });
  expect(out.published).toMatchObject({ folders: 1, objects: 1, removed: 1 });
  expect(out.alreadyOneObject).toContain("quotes");
  // One object per symbol folder on the bucket, the same rows through ttapi sql.
  expect(await barKeys()).toEqual([
    "cmp/bars/period=D/symbol=AAA/part-0.parquet",
    "cmp/bars/period=D/symbol=BBB/part-0.parquet",
  ]);
  const after = await ttapi(d, "sql", "--lake", url, "--json", query);
  expect(after.code).toBe(0);
  expect(JSON.parse(after.stdout)).toEqual(rowsBefore);

  // Again: nothing left to merge, and the output says why the snapshot tables need nothing.
  const again = await ttapi(d, "lake", "compact", "--lake", url);
  expect(again.code).toBe(0);
  expect(again.stderr).toContain("every partition on S3 is already one object, nothing to compact");
  expect(again.stderr).toContain(`nothing to compact in ${url}`);
  expect((await barKeys()).length).toBe(2);
});

test("lake compact on s3://: the run's working copy <data-dir>/lake is merged and each merged symbol re-sent as one object", async () => {
  const url = `s3://${TEST_BUCKET}/wc`;
  const d = join(tmp, "wc-machine");
  const root = registerS3Root(url, harnessConnection(h, { retries: 3 }));
  // Two daily runs' worth of parts for AAA in the working copy, already published (one object).
  const wc = lakeRoot(d);
  await importBars({ inputs: [asciiBarsFile(join(tmp, "wc-src1"), "AAA", "202606", 20)], outDir: wc });
  await importBars({ inputs: [asciiBarsFile(join(tmp, "wc-src2"), "AAA", "202607", 20)], outDir: wc });
  await importBars({ inputs: [asciiBarsFile(join(tmp, "wc-src3"), "BBB", "202607", 10)], outDir: wc });
  const aaa = join(wc, "bars", "period=D", "symbol=AAA");
  const parts = () => readdirSync(aaa).filter((f) => f.endsWith(".parquet"));
  expect(parts().length).toBe(2);
  expect(await syncBarsUp(wc, root)).toMatchObject({ folders: 2, objects: 2 });
  const store = S3Store.of(root);
  const etagBefore = new Map((await store.list("wc/bars/")).map((o) => [o.key, o.etag]));
  expect(etagBefore.size).toBe(2);

  const c = await ttapi(d, "lake", "compact", "--lake", url, "--table", "bars", "--json");
  expect(c.stderr).toBe("");
  expect(c.code).toBe(0);
  const out = JSON.parse(c.stdout) as {
    results: { table: string; partitions: number; rows: number; filesBefore: number; filesAfter: number }[];
    published: { folders: number; removed: number; unchanged: number };
    alreadyOneObject: string[];
  };
  expect(out.results).toEqual([
    expect.objectContaining({ table: "bars", partitions: 1, rows: 40, filesBefore: 3, filesAfter: 2 }),
  ]);
  // Only AAA was merged, so only AAA is sent again (BBB's object is left as it was).
  expect(out.published).toMatchObject({ folders: 1, removed: 0 });
  expect(out.alreadyOneObject).toEqual([]);
  expect(parts()).toEqual(["part-0.parquet"]);
  const after = await store.list("wc/bars/");
  expect(after.map((o) => o.key).sort()).toEqual([
    "wc/bars/period=D/symbol=AAA/part-0.parquet",
    "wc/bars/period=D/symbol=BBB/part-0.parquet",
  ]);
  expect(after.find((o) => o.key.includes("BBB"))?.etag).toBe(
    etagBefore.get("wc/bars/period=D/symbol=BBB/part-0.parquet"),
  );
  const bars = await scanTable(root, "bars").collect();
  expect(bars.filter(pl.col("symbol").eq(pl.lit("AAA"))).height).toBe(40);
  expect(bars.height).toBe(50);
  // The working copy and the bucket are in sync: a second compact sends nothing.
  const again = await ttapi(d, "lake", "compact", "--lake", url, "--table", "bars", "--json");
  expect(again.code).toBe(0);
  expect(JSON.parse(again.stdout).published).toMatchObject({ folders: 0, objects: 0 });
});
