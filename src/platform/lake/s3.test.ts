/**
 * The lake on an object store, against a real S3-compatible HTTP server (s3rver) on 127.0.0.1
 * behind a fault proxy: root parsing and credentials' redaction, the one-PUT commit of snapshot
 * partitions, throttling (503) and slow answers retried, a server down during a write, partition
 * pruning of an S3 scan (only one symbol's objects are fetched), kill -9 of a writer mid-upload and
 * two concurrent writer processes (different dates; the same date).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pl from "nodejs-polars";
import { loadConfig } from "../../core/config.ts";
import { isTTError } from "../../core/errors.ts";
import { parseS3Url, registerS3Root, resolveLakeRoot, type S3Connection } from "../../core/lake-root.ts";
import { clearSecrets, redact } from "../../core/redact.ts";
import {
  harnessConnection,
  type S3Harness,
  spawnS3Harness,
  startS3Harness,
  TEST_BUCKET,
} from "../testing/s3-harness.ts";
import { partitionFile } from "./paths.ts";
import { syncBarsDown, syncBarsUp } from "./s3-bars.ts";
import { S3Store } from "./s3-store.ts";
import { listPartitionsAsync, scanTable } from "./scan.ts";
import { writePartition } from "./write.ts";

setDefaultTimeout(120_000);

let h: S3Harness;
const tmp = mkdtempSync(join(tmpdir(), "ttapi-s3-test-"));
beforeAll(async () => {
  h = await startS3Harness();
});
afterAll(async () => {
  await h?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const conn = (o: Partial<S3Connection> = {}): S3Connection => harnessConnection(h, o);

const frame = (tag: string, n: number) =>
  pl.DataFrame({
    snapshot_time: Array.from({ length: n }, () => new Date(Date.UTC(2026, 7, 4, 20))),
    symbol: Array.from({ length: n }, (_, i) => `${tag}${i}`),
    mark: Array.from({ length: n }, (_, i) => i + 0.5),
  });

describe("lake.root", () => {
  test("a local folder by default, s3://bucket/prefix with its settings; bad roots are one clear error", () => {
    const base = loadConfig({ env: { XDG_CONFIG_HOME: tmp }, flags: {} }).config;
    expect(resolveLakeRoot(base, "/data/tt")).toBe("/data/tt/lake");
    const cfg = loadConfig({
      env: { XDG_CONFIG_HOME: tmp, TTAPI_LAKE_ROOT: "s3://team-lake/ttapi/lake/", AWS_REGION: "eu-west-1" },
    }).config;
    expect(resolveLakeRoot(cfg, "/data/tt")).toBe("s3://team-lake/ttapi/lake");
    expect(parseS3Url("s3://b.c-d/x/y")).toEqual({ bucket: "b.c-d", prefix: "x/y" });
    expect(partitionFile("s3://team-lake/ttapi/lake", "quotes", { date: "2026-08-04" })).toBe(
      "s3://team-lake/ttapi/lake/quotes/date=2026-08-04/part-0.parquet",
    );
    for (const bad of ["s3://", "s3://B/x", "s3://ok-bucket/../x", "gs://bucket/x"]) {
      const c = loadConfig({ env: { XDG_CONFIG_HOME: tmp, TTAPI_LAKE_ROOT: bad } }).config;
      let err: unknown;
      try {
        resolveLakeRoot(c, "/d");
      } catch (e) {
        err = e;
      }
      expect(isTTError(err) && err.code === "E_CONFIG").toBe(true);
    }
    // --lake (a flag) wins over the environment.
    const flagged = loadConfig({
      env: { XDG_CONFIG_HOME: tmp, TTAPI_LAKE_ROOT: "s3://env-bucket" },
      flags: { "lake.root": join(tmp, "mylake") },
    }).config;
    expect(resolveLakeRoot(flagged, "/d")).toBe(join(tmp, "mylake"));
  });

  test("credentials from the environment or the config file never reach a log line or an error", async () => {
    clearSecrets();
    const file = join(tmp, "ttapi.toml");
    writeFileSync(file, '[lake.s3]\nsecret-access-key = "cfgSecretValue/42+xyz"\n');
    const cfg = loadConfig({
      configPath: file,
      env: {
        XDG_CONFIG_HOME: tmp,
        AWS_ACCESS_KEY_ID: "AKIAEXAMPLEKEY0001",
        AWS_SESSION_TOKEN: "sessionTokenValue0001",
        TTAPI_LAKE_ROOT: "s3://lake/redact",
        AWS_ENDPOINT_URL: h.endpoint,
      },
    }).config;
    expect(cfg["lake.s3.secret-access-key"]).toBe("cfgSecretValue/42+xyz");
    const root = resolveLakeRoot(cfg, tmp);
    for (const s of ["AKIAEXAMPLEKEY0001", "sessionTokenValue0001", "cfgSecretValue/42+xyz"])
      expect(redact(`key ${s} in a message`)).toBe("key [REDACTED] in a message");
    // A write with those (wrong) credentials fails with one clear error that names none of them.
    let err: unknown;
    try {
      await writePartition(root, "quotes", { date: "2026-08-04" }, frame("A", 3));
    } catch (e) {
      err = e;
    }
    expect(isTTError(err)).toBe(true);
    const shown = redact(`${(err as Error).message} ${JSON.stringify(err)}`);
    expect(shown).toContain("s3://lake/redact/quotes/date=2026-08-04/part-0.parquet");
    for (const s of ["AKIAEXAMPLEKEY0001", "sessionTokenValue0001", "cfgSecretValue/42+xyz"])
      expect(shown).not.toContain(s);
    expect((err as { code: string }).code).toBe("E_AUTH");
  });
});

describe("a store that cannot be used: one clear error line", () => {
  test("no credentials, an unreachable endpoint, a missing bucket", async () => {
    const attempt = async (root: string) => {
      try {
        await writePartition(root, "quotes", { date: "2026-08-04" }, frame("X", 1));
      } catch (e) {
        return e as { code: string; message: string; hint?: string };
      }
      throw new Error("the write should have failed");
    };
    const noKeys = await attempt(
      registerS3Root(`s3://${TEST_BUCKET}/nokeys`, conn({ accessKeyId: "", secretAccessKey: "" })),
    );
    expect(["E_AUTH", "E_HTTP"]).toContain(noKeys.code);
    expect(noKeys.message).toContain("s3://lake/nokeys/quotes/date=2026-08-04/part-0.parquet");

    // A port nothing listens on (the proxy's, once closed): retried, then E_HTTP naming the key.
    const dead = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    const deadUrl = `http://127.0.0.1:${dead.port}`;
    dead.stop(true);
    const refused = await attempt(
      registerS3Root("s3://lake/refused", conn({ endpoint: deadUrl, retries: 2 })),
    );
    expect(refused.code).toBe("E_HTTP");
    expect(refused.message).toContain(
      "S3 PUT s3://lake/refused/quotes/date=2026-08-04/part-0.parquet failed",
    );
    expect(refused.hint).toContain("lake.s3.endpoint");

    const noBucket = await attempt(registerS3Root("s3://no-such-bucket/x", conn({ retries: 1 })));
    expect(noBucket.code).toBe("E_IO");
    expect(noBucket.hint).toContain("create the bucket no-such-bucket");
  });
});

describe("snapshot partitions on S3", () => {
  test("one PUT per partition; read back with hive dates; listed; replaced whole", async () => {
    const root = registerS3Root(`s3://${TEST_BUCKET}/basic`, conn());
    h.requests.length = 0;
    const w = await writePartition(root, "metrics", { date: "2026-08-04" }, frame("A", 5));
    expect(w.rows).toBe(5);
    const writes = h.requests.filter((r) => r.method !== "GET" && r.method !== "HEAD");
    expect(writes.map((r) => `${r.method} ${r.key}`)).toEqual([
      "PUT basic/metrics/date=2026-08-04/part-0.parquet",
    ]);
    await writePartition(root, "metrics", { date: "2026-08-05" }, frame("B", 2));
    await writePartition(root, "metrics", { date: "2026-08-05", time: "1530" }, frame("C", 1));
    expect(await listPartitionsAsync(root, "metrics")).toEqual([
      "date=2026-08-04",
      "date=2026-08-05",
      "date=2026-08-05/time=1530",
    ]);
    await writePartition(root, "quotes", { date: "2026-08-04" }, frame("Q", 4));
    const df = await scanTable(root, "quotes").collect();
    expect(df.height).toBe(4);
    expect(df.getColumn("date").dtype.equals(pl.Date)).toBe(true);
    await writePartition(root, "quotes", { date: "2026-08-04" }, frame("R", 2));
    expect((await scanTable(root, "quotes").collect()).getColumn("symbol").toArray()).toEqual(["R0", "R1"]);
  });

  test("503 SlowDown and slow answers are retried; the write lands whole", async () => {
    const root = registerS3Root(`s3://${TEST_BUCKET}/throttle`, conn());
    const store = S3Store.of(root);
    const before = store.counters.retries;
    h.faults.fail503 = 3;
    h.faults.latencyMs = 300;
    try {
      await writePartition(root, "quotes", { date: "2026-08-04" }, frame("T", 50));
    } finally {
      h.faults.fail503 = 0;
      h.faults.latencyMs = 0;
    }
    expect(store.counters.retries - before).toBe(3);
    expect((await scanTable(root, "quotes").collect()).height).toBe(50);
  });

  test("the server down during a write: retried until it is back; down for good: one error, previous partition intact", async () => {
    const root = registerS3Root(`s3://${TEST_BUCKET}/down`, conn({ retries: 8 }));
    await writePartition(root, "quotes", { date: "2026-08-04" }, frame("OLD", 3));
    await h.stopServer();
    const pending = writePartition(root, "quotes", { date: "2026-08-04" }, frame("NEW", 4));
    await Bun.sleep(600);
    await h.startServer();
    await pending;
    expect((await scanTable(root, "quotes").collect()).getColumn("symbol").toArray()).toEqual([
      "NEW0",
      "NEW1",
      "NEW2",
      "NEW3",
    ]);

    const fragile = registerS3Root(`s3://${TEST_BUCKET}/down`, conn({ retries: 1 }));
    await h.stopServer();
    let err: unknown;
    try {
      await writePartition(fragile, "quotes", { date: "2026-08-04" }, frame("LOST", 9));
    } catch (e) {
      err = e;
    } finally {
      await h.startServer();
    }
    expect(isTTError(err) && err.code === "E_HTTP").toBe(true);
    expect((err as Error).message).toContain("s3://lake/down/quotes/date=2026-08-04/part-0.parquet");
    expect((await scanTable(root, "quotes").collect()).height).toBe(4);
  });

  test("an S3 scan of one symbol fetches only that symbol's objects (hive pruning)", async () => {
    const root = registerS3Root(`s3://${TEST_BUCKET}/prune`, conn());
    const store = S3Store.of(root);
    for (const sym of ["AAA", "BBB", "CCC", "DDD"]) {
      const df = pl.DataFrame({ date: [20_000, 20_001], close: [1, 2] });
      await store.put(`prune/bars/period=D/symbol=${sym}/part-0.parquet`, new Uint8Array(df.writeParquet()));
    }
    h.requests.length = 0;
    const got = await scanTable(root, "bars")
      .filter(pl.col("symbol").eq(pl.lit("BBB")))
      .collect();
    expect(got.height).toBe(2);
    // polars 0.25.2 reads every listed object's footer while planning (one ranged GET each, the
    // Parquet metadata), then the data of the objects the hive filter keeps: BBB's only.
    const gets = h.requests.filter((r) => r.method === "GET" && r.key.endsWith(".parquet"));
    const bbb = "prune/bars/period=D/symbol=BBB/part-0.parquet";
    const others = gets.filter((r) => r.key !== bbb);
    expect(gets.filter((r) => r.key === bbb).length).toBeGreaterThanOrEqual(2);
    for (const key of ["AAA", "CCC", "DDD"].map((s) => `prune/bars/period=D/symbol=${s}/part-0.parquet`))
      expect(others.filter((r) => r.key === key).length).toBeLessThanOrEqual(1);
  });
});

/** A writer process: writes `rows` rows tagged `tag` into one partition of an S3 lake. */
const WRITER = `
import pl from "nodejs-polars";
import { registerS3Root } from "../../core/lake-root.ts";
import { writePartition } from "./write.ts";
const [endpoint, prefix, date, tag, rows] = process.argv.slice(2);
const root = registerS3Root("s3://lake/" + prefix, { endpoint, region: "us-east-1", accessKeyId: "S3RVER",
  secretAccessKey: "S3RVER", sessionToken: "", pathStyle: true, retries: 6, timeout: 60 });
const n = Number(rows);
const df = pl.DataFrame({ tag: Array.from({ length: n }, () => tag), i: Array.from({ length: n }, (_, k) => k),
  noise: Array.from({ length: n }, () => Math.random()) });
process.stdout.write("start\\n");
await writePartition(root, "quotes", { date }, df);
process.stdout.write("done\\n");
`;

describe("writer processes", () => {
  const script = join(import.meta.dir, `.s3-writer-${process.pid}.fixture.ts`);
  beforeAll(() => writeFileSync(script, WRITER));
  afterAll(() => rmSync(script, { force: true }));
  const spawnWriter = (prefix: string, date: string, tag: string, rows: number) =>
    Bun.spawn([process.execPath, script, h.endpoint, prefix, date, tag, String(rows)], {
      stdout: "pipe",
      stderr: "pipe",
    });

  test("kill -9 mid-upload leaves the previous partition whole", async () => {
    const root = registerS3Root(`s3://${TEST_BUCKET}/killed`, conn());
    await writePartition(root, "quotes", { date: "2026-08-04" }, frame("OLD", 7));
    h.faults.bodyChunkDelayMs = 50; // bodies trickle in: the writer is surely mid-upload
    h.requests.length = 0;
    const child = spawnWriter("killed", "2026-08-04", "NEW", 4_000_000);
    try {
      const deadline = Date.now() + 90_000;
      while (
        !h.requests.some((r) => r.key.startsWith("killed/quotes/") && r.method !== "GET") &&
        Date.now() < deadline
      )
        await Bun.sleep(20);
      expect(h.requests.some((r) => r.key.startsWith("killed/quotes/"))).toBe(true);
      child.kill(9);
      expect(await child.exited).not.toBe(0);
    } finally {
      h.faults.bodyChunkDelayMs = 0;
    }
    await Bun.sleep(2000); // whatever the proxy still holds has been answered by now
    // The upload was cut mid-body: the store never answered it with success.
    const put = h.requests.filter((r) => r.key.startsWith("killed/quotes/") && r.method !== "GET");
    expect(put.some((r) => r.status === 200)).toBe(false);
    const df = await scanTable(root, "quotes").collect();
    expect(df.getColumn("symbol").toArray()).toEqual(Array.from({ length: 7 }, (_, i) => `OLD${i}`));
    const objects = await S3Store.of(root).list("killed/");
    expect(objects.map((o) => o.key)).toEqual(["killed/quotes/date=2026-08-04/part-0.parquet"]);
  });

  test("two writers at once: different dates both land; the same date ends with one complete write", async () => {
    const root = registerS3Root(`s3://${TEST_BUCKET}/concurrent`, conn());
    const ws = [
      spawnWriter("concurrent", "2026-08-04", "A", 200_000),
      spawnWriter("concurrent", "2026-08-05", "B", 150_000),
      spawnWriter("concurrent", "2026-08-06", "X", 200_000),
      spawnWriter("concurrent", "2026-08-06", "Y", 120_000),
    ];
    const codes = await Promise.all(ws.map((w) => w.exited));
    expect(codes).toEqual([0, 0, 0, 0]);
    expect(await listPartitionsAsync(root, "quotes")).toEqual([
      "date=2026-08-04",
      "date=2026-08-05",
      "date=2026-08-06",
    ]);
    const df = await scanTable(root, "quotes")
      .groupBy(["date", "tag"])
      .agg(pl.len().alias("n"))
      .sort(["date", "tag"])
      .collect();
    const rows = df.toRecords().map((r) => `${String(r.tag)}:${r.n}`);
    expect(rows.slice(0, 2)).toEqual(["A:200000", "B:150000"]);
    // The same date: exactly one writer's rows, all of them.
    expect(rows.length).toBe(3);
    expect(["X:200000", "Y:120000"]).toContain(rows[2]!);
  });
});

describe("synchronous readers and bars sync", () => {
  test("polars SQL and collectSync over an S3 table (the store in another process)", async () => {
    const remote = await spawnS3Harness();
    try {
      const root = registerS3Root(`s3://${TEST_BUCKET}/sql`, conn({ endpoint: remote.endpoint }));
      for (const sym of ["AAA", "BBB", "CCC"]) {
        const df = pl.DataFrame({ date: [20_000, 20_001, 20_002], close: [1, 2, 3] });
        await S3Store.of(root).put(
          `sql/bars/period=D/symbol=${sym}/part-0.parquet`,
          new Uint8Array(df.writeParquet()),
        );
      }
      await remote.reset();
      const ctx = pl.SQLContext({ bars: scanTable(root, "bars") });
      const got = ctx
        .execute("SELECT symbol, max(close) AS hi FROM bars WHERE symbol = 'BBB' GROUP BY symbol")
        .collectSync();
      expect(got.toRecords()).toEqual([{ symbol: "BBB", hi: 3 }]);
      const dataGets = (await remote.requests()).filter(
        (r) => r.method === "GET" && r.key.endsWith(".parquet"),
      );
      for (const s of ["AAA", "CCC"])
        expect(dataGets.filter((r) => r.key.includes(`symbol=${s}/`)).length).toBeLessThanOrEqual(1);
      expect(scanTable(root, "bars").collectSync().height).toBe(9);
    } finally {
      await remote.close();
    }
  });

  test("bars: a changed folder becomes one object, stray parts go; another machine picks it up; unchanged folders cost no transfer", async () => {
    const root = registerS3Root(`s3://${TEST_BUCKET}/sync`, conn());
    const store = S3Store.of(root);
    const a = join(tmp, "sync-a");
    const b = join(tmp, "sync-b");
    const folder = (base: string, sym: string) => join(base, "bars", "period=D", `symbol=${sym}`);
    const bars = (from: number, n: number) =>
      pl.DataFrame({
        symbol: Array.from({ length: n }, () => "AAA"),
        date: Array.from({ length: n }, (_, i) => from + i),
        time: Array.from({ length: n }, () => null as number | null),
        close: Array.from({ length: n }, (_, i) => 100 + i),
      });
    mkdirSync(folder(a, "AAA"), { recursive: true });
    bars(20_000, 5).writeParquet(join(folder(a, "AAA"), "part-0.parquet"));
    bars(20_005, 3).writeParquet(join(folder(a, "AAA"), "part-1.parquet"));
    // A stray object some other tool left in the folder: it would double rows.
    await store.put(
      "sync/bars/period=D/symbol=AAA/part-9.parquet",
      new Uint8Array(bars(1, 1).writeParquet()),
    );
    const up = await syncBarsUp(a, root);
    expect(up).toMatchObject({ folders: 1, objects: 1, removed: 1 });
    expect((await store.list("sync/")).map((o) => o.key)).toEqual([
      "sync/bars/period=D/symbol=AAA/part-0.parquet",
    ]);
    expect((await scanTable(root, "bars").collect()).height).toBe(8);

    const down = await syncBarsDown(root, b);
    expect(down).toMatchObject({ folders: 1, objects: 1 });
    expect(pl.readParquet(join(folder(b, "AAA"), "part-0.parquet")).height).toBe(8);
    // Nothing changed on either side: no object moves.
    expect(await syncBarsUp(a, root)).toMatchObject({ folders: 0, unchanged: 1 });
    expect(await syncBarsDown(root, b)).toMatchObject({ folders: 0, unchanged: 1, bytes: 0 });
    // Machine B appends a day and sends it; machine A gets B's version.
    bars(20_008, 1).writeParquet(join(folder(b, "AAA"), "part-1.parquet"));
    expect(await syncBarsUp(b, root)).toMatchObject({ folders: 1 });
    expect(await syncBarsDown(root, a)).toMatchObject({ folders: 1 });
    expect(readdirSync(folder(a, "AAA"))).toEqual(["part-0.parquet"]);
    expect(pl.readParquet(join(folder(a, "AAA"), "part-0.parquet")).height).toBe(9);
  });
});
