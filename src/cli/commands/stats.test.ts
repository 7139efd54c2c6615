import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../core/testing/cli-process.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

const REPO = join(import.meta.dir, "..", "..", "..");
const tmp = mkdtempSync(join(tmpdir(), "ttapi-stats-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function dataset(name: string): string {
  const dir = join(tmp, name);
  cpSync(join(REPO, "fixtures", "stats", "golden", "data"), dir, { recursive: true });
  return dir;
}

const ttapi = (...args: string[]) =>
  runCli(args, { env: { XDG_CONFIG_HOME: join(tmp, "cfg"), TTAPI_LOG_LEVEL: "warn" } });

test("--json prints one array of latest estimates (annualised fractions)", async () => {
  const dir = dataset("json");
  const r = await ttapi("stats", "--data", dir, "--symbols", "AAA,DDD", "--windows", "20,60", "--json");
  expect(r.code).toBe(0);
  const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
  expect(rows.length).toBe(2 * 2 * 5);
  expect(Object.keys(rows[0]!)).toEqual(["symbol", "window", "estimator", "vol", "ci_low", "ci_high", "n"]);
  const aaa = rows.find((x) => x.symbol === "AAA" && x.window === 20 && x.estimator === "close_to_close")!;
  expect(aaa.vol).toBeGreaterThan(0.05);
  expect(aaa.vol).toBeLessThan(0.5);
  expect(aaa.ci_low as number).toBeLessThan(aaa.vol as number);
  const ddd = rows.find((x) => x.symbol === "DDD")!;
  expect(ddd.vol).toBeNull();
  expect(ddd.reason).toMatch(/longer than series/);
  expect(existsSync(join(dir, "stats", "latest.parquet"))).toBe(true);
  expect(existsSync(join(dir, "stats", "latest.csv"))).toBe(false);
});

test("the table goes to stdout, the summary to stderr; --csv writes mirrors", async () => {
  const dir = dataset("table");
  const r = await ttapi("stats", "--data", dir, "--windows", "20", "--csv", "--workers", "2");
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("SYMBOL  WIN");
  expect(r.stdout).toMatch(/EEE: non-positive close on \d{4}-\d\d-\d\d within window/);
  expect(r.stderr).toMatch(/stats: 7 symbols, 3851 bars/);
  expect(existsSync(join(dir, "stats", "cone.csv"))).toBe(true);
});

test("bad flags and a damaged symbol give clear errors and exit codes", async () => {
  const dir = dataset("bad");
  expect((await ttapi("stats", "--data", dir, "--windows", "20,x")).code).toBe(78);
  const unknown = await ttapi("stats", "--data", dir, "--symbols", "NOPE");
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain("no daily bars for NOPE");
  await Bun.write(join(dir, "bars", "period=D", "symbol=FFF", "part-0.parquet"), "garbage");
  const degraded = await ttapi("stats", "--data", dir, "--windows", "20", "--json");
  expect(degraded.code).toBe(3);
  expect(degraded.stderr).toContain("skipped FFF");
  expect((JSON.parse(degraded.stdout) as unknown[]).length).toBe(6 * 5);
});

test("--estimators picks and orders the columns; unknown names are usage errors", async () => {
  const dir = dataset("estimators");
  const r = await ttapi(
    "stats",
    "--data",
    dir,
    "--symbols",
    "AAA",
    "--windows",
    "20",
    "--estimators",
    "yz,c2c",
  );
  expect(r.code).toBe(0);
  expect(r.stdout.split("\n")[0]).toMatch(/^SYMBOL\s+WIN\s+C2C\s+\[95% CI\]\s+YZ$/);
  const bad = await ttapi("stats", "--data", dir, "--estimators", "c2c,garch");
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('unknown estimator "garch"');
});

test("--metrics adds IV vs HV30 and expected moves (table + files); a bad file is one clear error", async () => {
  const dir = dataset("metrics");
  const metrics = join(tmp, "metrics.json");
  await Bun.write(
    metrics,
    JSON.stringify([
      {
        symbol: "AAA",
        ivIndex: 0.31,
        price: 101.5,
        expirations: [{ expiration: "1996-01-19", dte: 14, iv: 0.29 }],
      },
    ]),
  );
  const r = await ttapi("stats", "--data", dir, "--windows", "30", "--metrics", metrics);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/SYMBOL\s+IV\s+HV30\s+IV−HV\s+IV\/HV/);
  expect(r.stdout).toMatch(/AAA\s+1996-01-19\s+14\s+29\.0\s+101\.50\s+5\.76\s+95\.74–107\.26/); // 101.5 × 0.29 × √(14/365)
  expect(existsSync(join(dir, "stats", "iv_hv.parquet"))).toBe(true);
  await Bun.write(metrics, JSON.stringify([{ symbol: "AAA", ivIndex: "high" }]));
  const bad = await ttapi("stats", "--data", dir, "--metrics", metrics);
  expect(bad.code).toBe(65);
  expect(bad.stderr).toContain('element 0 (AAA) ivIndex: expected a number or null, got "high"');
  // A device or a pipe is refused at once (a read of /dev/zero never ended).
  const dev = await runCli(["stats", "--data", dir, "--metrics", "/dev/zero"], {
    env: { XDG_CONFIG_HOME: join(tmp, "cfg") },
    timeoutMs: 30_000,
  });
  expect(dev.killed).toBe(false);
  expect(dev.code).toBe(74);
  expect(dev.stderr).toContain("--metrics file /dev/zero is a character device, not a regular file");
});

test("after `ttapi run --demo`, `ttapi stats --data-dir` reads the lake (no 'import bars first')", async () => {
  const dir = join(tmp, "after-run");
  const run = await ttapi("run", "--demo", "-q", "--data-dir", dir);
  expect(run.code).toBe(0);
  const r = await ttapi("stats", "--data-dir", dir, "--windows", "20", "--json");
  expect(r.stderr).not.toMatch(/no daily bars/);
  expect(r.code).toBe(0);
  const rows = JSON.parse(r.stdout) as { symbol: string }[];
  expect(new Set(rows.map((x) => x.symbol)).size).toBe(10);
  // Results go beside the lake, not into it.
  expect(existsSync(join(dir, "stats", "latest.parquet"))).toBe(true);
  expect(existsSync(join(dir, "lake", "stats"))).toBe(false);
});

test("an empty data directory: one error line naming where bars come from", async () => {
  const r = await ttapi("stats", "--data-dir", join(tmp, "empty"));
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/no daily bars/);
  expect(r.stderr).toMatch(/ttapi run|ttapi import/);
});

test("the latest table keeps its columns aligned whatever the widths of the numbers", async () => {
  const { latestTable } = await import("./stats.ts");
  const latest = {
    symbol: ["A", "A", "B", "B"],
    window: [20, 20, 20, 20],
    estimator: ["close_to_close", "yang_zhang", "close_to_close", "yang_zhang"],
    vol: [0.052, 0.06, 1.234, 1.1],
    ci_low: [0.041, null, 0.987, null],
    ci_high: [0.071, null, 1.652, null],
    reason: [null, null, null, null],
  };
  const text = latestTable({ latest } as unknown as Parameters<typeof latestTable>[0], 0.95);
  const rows = text.split("\n").filter((l) => /^[AB] /.test(l));
  expect(rows).toHaveLength(2);
  // The interval's dash and closing bracket sit in the same column on every row.
  expect(rows[0]!.indexOf("–")).toBe(rows[1]!.indexOf("–"));
  expect(rows[0]!.indexOf("]")).toBe(rows[1]!.indexOf("]"));
  expect(rows[0]!.length).toBe(rows[1]!.length);
});
