/**
 * Honest outcomes of `ttapi run` against a stand-alone sim, as cron sees them: a task that yields
 * nothing it was asked for is not "complete" (the sim's market date behind the wall clock), the
 * sandbox's missing market data is "not available in sandbox", failures are named by symbol and
 * reason in the terminal, `--json` and the log, and the log ends with one outcome line.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CliResult, runCli } from "../../core/testing/cli-process.ts";
import { type SimServer, startSim } from "../../platform/sim.ts";

setDefaultTimeout(120_000);

const dir = mkdtempSync(join(tmpdir(), "ttapi-run-outcome-"));
const sims: SimServer[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

async function ttapi(
  sim: SimServer,
  env: "sim" | "sandbox",
  dataDir: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return ttapiWith(sim, env, dataDir, {}, ...args);
}

function ttapiWith(
  sim: SimServer,
  env: "sim" | "sandbox",
  dataDir: string,
  extra: Record<string, string>,
  ...args: string[]
): Promise<CliResult> {
  return runCli(args, {
    env: {
      XDG_CONFIG_HOME: join(dir, "cfg"),
      TTAPI_DATA_DIR: dataDir,
      TTAPI_ENV: env,
      TTAPI_API_URL: sim.url,
      TT_CLIENT_SECRET: sim.clientSecret,
      TT_REFRESH_TOKEN: sim.refreshToken,
      TTAPI_SYMBOLS: "SPY,AAPL,MSFT,QQQ,IWM,NVDA,AMZN,GOOGL,META,NOPE1",
      NO_COLOR: "1",
      ...extra,
    },
  });
}

interface Summary {
  status: string;
  exitCode: number;
  failures: { task: string; kind: string; reason: string }[];
}

describe("ttapi run against a stand-alone sim", () => {
  test("a sim on today's date (what `ttapi sim` starts by default): the suggested command completes", async () => {
    const sim = await startSim({ seed: "outcome", today: "now" });
    sims.push(sim);
    const r = await ttapiWith(
      sim,
      "sim",
      join(dir, "today"),
      { TTAPI_SYMBOLS: "SPY,AAPL,MSFT" },
      "run",
      "--json",
    );
    const j = JSON.parse(r.stdout) as Summary & { tasks: { id: string; count: number }[] };
    expect(j.failures).toEqual([]);
    expect(j.status).toBe("complete");
    expect(r.code).toBe(0);
    expect(j.tasks.find((t) => t.id === "eod.candles")!.count).toBeGreaterThan(0);
  });

  test("bad credentials: exit 77, stopped at the first auth failure, only the credentials hint", async () => {
    const sim = await startSim({ seed: "outcome", today: "now" });
    sims.push(sim);
    const r = await ttapiWith(sim, "sim", join(dir, "badcreds"), { TT_CLIENT_SECRET: "wrong-secret" }, "run");
    expect(r.code).toBe(77);
    const hints = r.stderr.split("\n").filter((l) => l.trim().startsWith("hint:"));
    expect(hints.length).toBe(1);
    expect(hints[0]).toMatch(/credential|auth login/);
    expect(r.stderr).toContain("stopped after that failure");
  });

  test("market date behind the wall clock: degraded with the reason, named failures, never cached as fresh", async () => {
    const sim = await startSim({ seed: "outcome", today: "2026-08-04" });
    sims.push(sim);
    const data = join(dir, "behind");
    const r = await ttapi(sim, "sim", data, "run", "--json");
    expect(r.code).toBe(3);
    const j = JSON.parse(r.stdout) as Summary;
    expect(j.status).toBe("degraded");
    const candles = j.failures.find((f) => f.task === "eod.candles");
    expect(candles?.reason).toMatch(
      /no candles after \d{4}-\d{2}-\d{2}; its market date looks \d+ days behind/,
    );
    // The unknown symbol is named with its reason, not only counted.
    const eq = j.failures.find((f) => f.task === "sym.equities");
    expect(eq?.reason).toContain("NOPE1");
    // The log holds the shortfalls at warn and one final outcome line.
    const log = readFileSync(join(data, "logs", "ttapi.log"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { level: string; msg: string });
    expect(log.some((l) => l.level === "warn" && l.msg.includes("dxlink candles incomplete"))).toBe(true);
    expect(log.filter((l) => /^run (complete|degraded|failed|cancelled) in /.test(l.msg)).length).toBe(1);
    // The degraded candles are not reused as fresh: --cached asks the server again.
    const again = await ttapi(sim, "sim", data, "run", "--cached", "--json");
    const k = JSON.parse(again.stdout) as Summary & { tasks: { id: string; cached: boolean }[] };
    expect(k.tasks.find((t) => t.id === "eod.candles")?.cached).toBe(false);
  });

  test("sandbox: market metrics and quotes 'not available in sandbox' (degraded, no retries); terminal names them", async () => {
    const sim = await startSim({ seed: "outcome", today: "now", environment: "sandbox" });
    sims.push(sim);
    const r = await ttapi(sim, "sandbox", join(dir, "sandbox"), "run");
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(
      "Symbol Data / market metrics: incomplete: market metrics not available in sandbox",
    );
    expect(r.stderr).toContain("Symbol Data / quotes: incomplete: quotes not available in sandbox");
    expect(sim.stats.byRoute["sandbox-502"]).toBe(2); // one probe each, never retried
    expect(r.stderr).toContain("NOPE1");
  });
});
