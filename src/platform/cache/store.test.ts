import { afterAll, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pl from "nodejs-polars";
import { loadConfig } from "../../core/config.ts";
import { PersistWriter } from "../persist/writer.ts";
import { frameFingerprint } from "./fingerprint.ts";
import type { ArtifactKind } from "./kinds.ts";
import { ArtifactStore } from "./store.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

const config = loadConfig({ env: { XDG_CONFIG_HOME: "/nonexistent" } }).config;
const tmpRoots: string[] = [];
afterAll(() => {
  for (const d of tmpRoots) rmSync(d, { recursive: true, force: true });
});

function frame(n: number, offset = 0) {
  const x = new Float64Array(n).map((_, i) => i + offset);
  return pl.DataFrame([
    pl.Series(
      "symbol",
      Array.from({ length: n }, (_, i) => `S${i % 7}`),
    ),
    pl.Series("x", x),
  ]);
}

let clock = Date.parse("2026-07-15T14:00:00Z");
let dir = "";
let writer: PersistWriter;
let store: ArtifactStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ttapi-store-"));
  tmpRoots.push(dir);
  writer = new PersistWriter({ mode: "worker" });
  clock = Date.parse("2026-07-15T14:00:00Z");
  store = new ArtifactStore({ dataDir: dir, config, writer, now: () => clock });
});

const chains = { kind: "chains", key: "nested" } as const;
const eod = { kind: "eod", key: "bars" } as const;
const stats = { kind: "stats", key: "vol" } as const;

describe("fingerprints", () => {
  test("depend on content only, not on chunking or a Parquet round trip", () => {
    const chunked = pl.concat([frame(500), frame(500, 500)], { rechunk: false, how: "vertical" });
    const whole = chunked.rechunk();
    expect(frameFingerprint(chunked)).toBe(frameFingerprint(whole));
    const p = join(mkdtempSync(join(tmpdir(), "ttapi-fp-")), "x.parquet");
    tmpRoots.push(p.slice(0, p.lastIndexOf("/")));
    whole.writeParquet(p, { compression: "zstd" });
    expect(frameFingerprint(pl.readParquet(p))).toBe(frameFingerprint(whole));
    expect(frameFingerprint(whole)).not.toBe(frameFingerprint(frame(1000, 1)));
    expect(frameFingerprint(whole.select("x", "symbol"))).not.toBe(frameFingerprint(whole));
  });
});

describe("ArtifactStore", () => {
  test("put → durable Parquet + manifest; check fresh; read back equal", async () => {
    expect(store.check(chains).state).toBe("missing");
    const df = frame(5000);
    const c = await store.put(chains, df, { params: "p1", csv: true });
    const m = await c.durable;
    expect(m.rows).toBe(5000);
    expect(m.files.map((f) => f.format).sort()).toEqual(["csv", "parquet"]);
    expect(store.check(chains, { params: "p1" }).state).toBe("fresh");
    expect(store.check(chains, { params: "p2" })).toMatchObject({
      state: "stale",
      reason: "parameters changed",
    });
    expect(store.readFrame(chains).frameEqual(df)).toBe(true);
    await writer.close();
  });

  test("TTL by kind: chains expire after cache.ttl.chains", async () => {
    await (await store.put(chains, frame(10))).durable;
    clock += (config["cache.ttl.chains"] - 1) * 1000;
    expect(store.check(chains).state).toBe("fresh");
    clock += 2000;
    expect(store.check(chains)).toMatchObject({ state: "stale", reason: "expired" });
    await writer.close();
  });

  test("status() applies check()'s TTL rule: fresh up to the expiry instant, stale from it, for every kind", async () => {
    const created = clock;
    const ttlSeconds = {
      accounts: config["cache.ttl.accounts"],
      "quote-token": config["cache.ttl.quote-token"],
      instruments: config["cache.ttl.instruments"],
      chains: config["cache.ttl.chains"],
      metrics: config["cache.ttl.metrics"],
      quotes: config["cache.ttl.quotes"],
    } as const;
    const expiry: [ref: { kind: ArtifactKind; key: string }, at: number | null][] = [
      ...Object.entries(ttlSeconds).map(
        ([kind, s]) =>
          [{ kind: kind as ArtifactKind, key: "k" }, created + s * 1000] as [
            { kind: ArtifactKind; key: string },
            number,
          ],
      ),
      [eod, Date.parse("2026-07-15T20:00:00Z")], // 16:00 New York, the session close after 14:00 UTC
      [stats, null], // derived: never by age
    ];
    for (const [ref] of expiry) await (await store.put(ref, frame(3))).durable;
    const row = (id: string) => store.status().find((r) => r.id === id)!;
    for (const [ref, at] of expiry) {
      const id = `${ref.kind}/${ref.key}`;
      expect(at === null || at > created).toBe(true); // the table's TTLs are positive
      if (at === null) {
        clock = created + 10 * 365 * 86_400_000;
        expect(row(id)).toMatchObject({ state: "fresh", expiresInSeconds: null, ttl: "inputs" });
        continue;
      }
      clock = at - 1;
      expect([id, row(id).state, row(id).expiresInSeconds]).toEqual([id, "fresh", 0.001]);
      expect(store.check(ref).state).toBe("fresh");
      clock = at;
      expect([id, row(id).state, row(id).reason, row(id).expiresInSeconds]).toEqual([
        id,
        "stale",
        "expired",
        0,
      ]);
      expect(store.check(ref)).toMatchObject({ state: "stale", reason: "expired" });
    }
    // status and check agree on the inputs rule too: a deleted upstream makes its downstream stale.
    clock = created;
    await (await store.put(stats, frame(3), { inputs: { "eod/bars": "whatever" } })).durable;
    store.clear("eod");
    expect(row("stats/vol")).toMatchObject({ state: "stale", reason: "input eod/bars missing" });
    await writer.close();
  });

  test("EOD stays fresh until the next session close (16:00 New York = 20:00 UTC in July)", async () => {
    await (await store.put(eod, frame(10))).durable;
    clock = Date.parse("2026-07-15T19:59:59Z");
    expect(store.check(eod).state).toBe("fresh");
    clock = Date.parse("2026-07-15T20:00:00Z");
    expect(store.check(eod).state).toBe("stale");
    await writer.close();
  });

  test("input fingerprints: a changed upstream makes downstream stale, an identical one does not", async () => {
    const up = await store.put(eod, frame(100));
    await up.durable;
    await (await store.put(stats, frame(3), { inputs: { "eod/bars": up.fingerprint } })).durable;
    const same = await store.put(eod, frame(100));
    expect(same.unchanged).toBe(true);
    expect(store.check(stats, { inputs: { "eod/bars": same.fingerprint } }).state).toBe("fresh");
    const changed = await store.put(eod, frame(101));
    await changed.durable;
    expect(store.check(stats, { inputs: { "eod/bars": changed.fingerprint } })).toMatchObject({
      state: "stale",
      reason: "input eod/bars changed",
    });
    const st = store.status();
    expect(st.find((r) => r.id === "stats/vol")).toMatchObject({
      state: "stale",
      reason: "input eod/bars changed",
    });
    expect(st.find((r) => r.id === "eod/bars")).toMatchObject({
      state: "fresh",
      rows: 101,
      ttl: "next close",
    });
    await writer.close();
  });

  test("superseded versions and dead processes' temp files are collected; live ones kept", async () => {
    await (await store.put(chains, frame(10))).durable;
    const d = store.dirOf(chains);
    writeFileSync(join(d, ".x.parquet.999999.1.tmp"), "partial"); // dead pid
    writeFileSync(join(d, `.y.parquet.${process.ppid}.1.tmp`), "partial"); // live pid
    await (await store.put(chains, frame(11))).durable;
    const names = readdirSync(d).sort();
    expect(names.filter((n) => n.endsWith(".parquet"))).toHaveLength(1);
    expect(names).toContain(`.y.parquet.${process.ppid}.1.tmp`);
    expect(names).not.toContain(".x.parquet.999999.1.tmp");
    await writer.close();
  });

  test("a missing or truncated data file makes the artifact invalid", async () => {
    const m = await (await store.put(chains, frame(10))).durable;
    const p = join(store.dirOf(chains), m.files[0]!.path);
    writeFileSync(p, "PAR1");
    expect(store.check(chains)).toMatchObject({ state: "invalid" });
    rmSync(p);
    expect(store.check(chains).reason).toContain("missing file");
    writeFileSync(join(store.dirOf(chains), "manifest.json"), "{not json");
    expect(store.check(chains).state).toBe("invalid");
    expect(store.status()[0]).toMatchObject({ id: "chains/nested", state: "invalid" });
    await writer.close();
  });

  test("requireCsv: an artifact without a CSV mirror is stale when CSV is wanted", async () => {
    await (await store.put(chains, frame(10))).durable;
    expect(store.check(chains, { requireCsv: true })).toMatchObject({
      state: "stale",
      reason: "no CSV mirror",
    });
    const c = await store.put(chains, frame(10), { csv: true });
    expect(c.unchanged).toBe(false);
    await c.durable;
    expect(store.check(chains, { requireCsv: true }).state).toBe("fresh");
    await writer.close();
  });

  test("putDataset: staging folder renamed into place; clear(kind) and clear()", async () => {
    const m = await store.putDataset(eod, async (staging) => {
      const sub = join(staging, "bars", "period=D");
      await Bun.write(join(sub, "part-0.parquet"), "x");
      return { rows: 1, fingerprint: "abc" };
    });
    expect(m.files[0]).toMatchObject({ path: "v-abc", format: "dir" });
    expect(existsSync(join(store.dirOf(eod), "v-abc", "bars", "period=D", "part-0.parquet"))).toBe(true);
    expect(store.check(eod).state).toBe("fresh");
    await (await store.put(chains, frame(2))).durable;
    expect(store.clear("eod")).toBe(1);
    expect(store.status().map((r) => r.id)).toEqual(["chains/nested"]);
    expect(store.clear()).toBe(1);
    expect(store.status()).toEqual([]);
    // Expected artifacts that were never built (or were cleared) are listed as missing.
    expect(store.status([chains]).map((r) => [r.id, r.state, r.reason])).toEqual([
      ["chains/nested", "missing", "never built"],
    ]);
    await writer.close();
  });

  test("every manifest takes the caller's createdAt, else one reading of the store's clock", async () => {
    const at = Date.UTC(2026, 7, 4, 20);
    const d = await store.putDataset(eod, async () => ({ rows: 0, fingerprint: "d1" }), { createdAt: at });
    expect([d.createdAt, d.createdIso]).toEqual([at, new Date(at).toISOString()]);
    const x = store.commitExternal(eod, { rows: 0, fingerprint: "x1" }, { createdAt: at + 1 });
    expect(x.createdAt).toBe(at + 1);
    const now = store.commitExternal(eod, { rows: 0, fingerprint: "x2" });
    expect(now.createdAt).toBe(clock);
    expect(now.createdIso).toBe(new Date(clock).toISOString());
    await writer.close();
  });

  test("superseded dataset versions are moved aside before deletion; a killed deletion's leftover is collected", async () => {
    const put = (fp: string) =>
      store.putDataset(eod, async (staging) => {
        await Bun.write(join(staging, "bars", "period=D", "part-0.parquet"), fp);
        return { rows: 1, fingerprint: fp };
      });
    await put("one");
    const d = store.dirOf(eod);
    // What a run killed in the middle of deleting a superseded version leaves behind.
    await Bun.write(join(d, ".trash-999999-v-old", "bars", "period=D", "part-0.parquet"), "x");
    await put("two");
    expect(readdirSync(d).sort()).toEqual(["manifest.json", "v-two"]);
    // The same content again: the version folder is rebuilt complete, not found half-deleted.
    await put("one");
    expect(readdirSync(d).sort()).toEqual(["manifest.json", "v-one"]);
    expect(existsSync(join(d, "v-one", "bars", "period=D", "part-0.parquet"))).toBe(true);
    await writer.close();
  });

  test("token artifacts can be written with mode 0600", async () => {
    const m = await (await store.put({ kind: "quote-token", key: "token" }, frame(1), { mode: 0o600 }))
      .durable;
    const st = Bun.file(join(store.dirOf({ kind: "quote-token", key: "token" }), m.files[0]!.path));
    const { statSync } = await import("node:fs");
    expect(statSync(st.name!).mode & 0o777).toBe(0o600);
    await writer.close();
  });
});

describe("TTL policies from the config", () => {
  test("an explicit cache.ttl.eod replaces the session-close rule; 0 means never reuse", async () => {
    const { ttlPolicy, expiresAt } = await import("./kinds.ts");
    const c = loadConfig({
      env: { XDG_CONFIG_HOME: "/nonexistent", TTAPI_TTL_EOD: "2h", TTAPI_TTL_QUOTES: "0" },
    }).config;
    expect(ttlPolicy("eod", c)).toEqual({ type: "seconds", seconds: 7200 });
    expect(ttlPolicy("eod", config)).toEqual({ type: "session-close" });
    expect(expiresAt(ttlPolicy("quotes", c), 1000)).toBe(1000);
    expect(ttlPolicy("stats", c)).toEqual({ type: "derived" });
    expect(expiresAt({ type: "derived" }, 1000)).toBeNull();
  });
});

describe("PersistWriter", () => {
  test("bounded queue: producers wait for capacity until the worker has written the queued job", async () => {
    const w = new PersistWriter({ mode: "worker", maxQueuedJobs: 1 });
    const d = mkdtempSync(join(tmpdir(), "ttapi-writer-"));
    tmpRoots.push(d);
    const ipc = frame(1000).writeIPC();
    const first = w.write({ dir: d, name: "a", ipc: frame(1000).writeIPC(), compression: "zstd", csv: true });
    while (w.queued === 0) await Promise.resolve();
    let atCapacity: { queued: number; durable: boolean } | null = null;
    const waiting = w.capacity().then(() => {
      atCapacity = { queued: w.queued, durable: existsSync(join(d, "a.parquet")) };
    });
    expect(atCapacity).toBeNull();
    const files = await first;
    await waiting;
    // Room for the next job only once the queued one is durable.
    expect(atCapacity!).toEqual({ queued: 0, durable: true });
    expect(files.map((f) => f.format)).toEqual(["parquet", "csv"]);
    expect(pl.readParquet(join(d, "a.parquet")).frameEqual(frame(1000))).toBe(true);
    await w.close();
    await expect(w.write({ dir: d, name: "b", ipc, compression: "zstd", csv: false })).rejects.toThrow(
      "closed",
    );
  });
});
