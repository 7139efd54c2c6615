/**
 * `ttapi stream` end to end (subprocess) against the in-process sim: a timed run with a chain
 * expansion and a --json summary, Ctrl-C flushing and exiting 0, and flag errors as usage errors.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pl from "nodejs-polars";
import { spawnCli } from "../../core/testing/cli-process.ts";
import { tempDirs } from "../../core/testing/temp-dirs.ts";
import { type SimServer, startSim } from "../../platform/sim.ts";
import { simSignInEnv } from "../../platform/testing/sim-client.ts";
import { parseTypes } from "./stream.ts";

const tmp = tempDirs();

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

let sim: SimServer;
const home = tmp.make("ttapi-stream-cli-");

beforeAll(async () => {
  sim = await startSim({ port: 0, seed: "stream-cli" });
});
afterAll(async () => {
  await sim.stop();
  tmp.removeAll();
});

function spawnStream(args: string[]) {
  return spawnCli(["stream", "--env", "sim", "--url", sim.url, ...args], {
    env: {
      XDG_CONFIG_HOME: join(home, "config"),
      XDG_DATA_HOME: join(home, "data"),
      ...simSignInEnv(sim),
    },
  });
}

describe("ttapi stream", () => {
  test("--duration with --chains writes Parquet per type and a JSON summary", async () => {
    const out = join(home, "out1");
    const symFile = join(home, "syms.txt");
    // Options as the pipeline's ticker rule would refuse them: OCC (padded) and streamer form.
    const root = sim.universe.chain("SPY")!.roots[0]!;
    const exp = root.expirations[0]!;
    const strike = exp.strikes[Math.floor(exp.strikes.length / 2)]!;
    const ymd = exp.date.slice(2).replaceAll("-", "");
    const occ = `${root.root.padEnd(6)}${ymd}C${String(strike * 1000).padStart(8, "0")}`;
    const call = `.${root.root}${ymd}C${strike}`;
    const put = `.${root.root}${ymd}P${strike}`;
    writeFileSync(symFile, `# watchlist\nMSFT\n\nQQQ\n${occ}  # OCC\n${put}\n`);
    const p = spawnStream([
      "--symbols",
      "AAPL,SPX",
      "--symbols-file",
      symFile,
      "--chains",
      "IWM",
      "--types",
      "quote,Greeks,Candle",
      "--duration",
      "2s",
      "--out",
      out,
      "--json",
    ]);
    const [stdout, stderr, code] = await Promise.all([
      new Response(p.stdout).text(),
      new Response(p.stderr).text(),
      p.exited,
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.ended).toBe("duration");
    expect(summary.optionSymbols).toBeGreaterThan(100);
    expect(summary.eventsByType.Quote).toBeGreaterThan(0);
    expect(summary.eventsByType.Greeks).toBeGreaterThan(0);
    expect(summary.eventsByType.Candle).toBeGreaterThan(10);
    const quotes = pl.concat(
      summary.files
        .filter((f: { type: string }) => f.type === "Quote")
        .map((f: { path: string }) => pl.readParquet(f.path)),
    );
    const syms = new Set(quotes.getColumn("eventSymbol").toArray() as string[]);
    for (const s of ["AAPL", "SPX", "MSFT", "QQQ", call, put]) expect(syms.has(s)).toBe(true);
    expect([...syms].some((s) => s.startsWith(".IWM"))).toBe(true);
    expect(readdirSync(out).sort()).toEqual(["Candle", "Greeks", "Quote"]);
  }, 30_000);

  test("SIGINT flushes what was received and exits 0", async () => {
    const out = join(home, "out2");
    const p = spawnStream(["--symbols", "SPY", "--types", "Quote", "--out", out, "--json"]);
    await Bun.sleep(2500);
    p.kill("SIGINT");
    const [stdout, code] = await Promise.all([new Response(p.stdout).text(), p.exited]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.ended).toBe("aborted");
    expect(summary.events).toBeGreaterThan(0);
    expect(pl.readParquet(summary.files[0].path).height).toBe(summary.events);
  }, 30_000);

  test("an unknown event type is a usage error (exit 2) naming it", async () => {
    const p = spawnStream(["--symbols", "SPY", "--types", "Quote,Bogus"]);
    const [stderr, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown event type "Bogus"');
  });

  test("parseTypes defaults and normalises", () => {
    expect(parseTypes(undefined)).toEqual(["Quote", "Trade"]);
    expect(parseTypes("greeks, candle,Greeks")).toEqual(["Greeks", "Candle"]);
  });
});
