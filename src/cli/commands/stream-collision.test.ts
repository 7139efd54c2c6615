/**
 * Two `ttapi stream` processes started together into one `--out` (the case: two runs
 * reported 68 and 66 Quote events, 66 rows were on disk): each run's files are its own, and every
 * event either run reports is on disk.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pl from "nodejs-polars";
import { runCli } from "../../core/testing/cli-process.ts";
import { type SimServer, startSim } from "../../platform/sim.ts";
import { simSignInEnv } from "../../platform/testing/sim-client.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(120_000);

let sim: SimServer;
const home = mkdtempSync(join(tmpdir(), "ttapi-stream-collide-"));
beforeAll(async () => {
  sim = await startSim({ port: 0, seed: "stream-collide" });
});
afterAll(async () => {
  await sim.stop();
  rmSync(home, { recursive: true, force: true });
});

async function stream(out: string, tag: string) {
  const r = await runCli(
    [
      "stream",
      "--env",
      "sim",
      "--url",
      sim.url,
      "--symbols",
      "AAPL,MSFT,SPY",
      "--types",
      "Quote",
      "--duration",
      "2s",
      "--roll",
      "1s",
      "--out",
      out,
      "--json",
    ],
    {
      env: {
        XDG_CONFIG_HOME: join(home, "config"),
        XDG_DATA_HOME: join(home, `data-${tag}`),
        ...simSignInEnv(sim),
      },
    },
  );
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as { events: number; files: { path: string }[] };
}

test("two stream processes into one --out × 2 trials: no file overwritten, every event on disk", async () => {
  for (let t = 0; t < 2; t++) {
    const out = join(home, `out${t}`);
    const [a, b] = await Promise.all([stream(out, `a${t}`), stream(out, `b${t}`)]);
    const listed = [...a.files, ...b.files].map((f) => f.path);
    const onDisk = readdirSync(join(out, "Quote")).filter((f) => f.endsWith(".parquet"));
    const rows = onDisk.reduce((s, f) => s + pl.readParquet(join(out, "Quote", f)).height, 0);
    expect(new Set(listed).size).toBe(listed.length);
    expect(onDisk.length).toBe(listed.length);
    expect(rows).toBe(a.events + b.events);
  }
});
