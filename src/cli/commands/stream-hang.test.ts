/**
 * `ttapi stream --duration D` must exit by itself for every D, including durations far shorter than
 * the connection setup (OAuth grant + quote token + WebSocket handshake against a sim with 500 ms of
 * latency), and SIGTERM must stop it within a bounded time at any point of the setup.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnCli } from "../../core/testing/cli-process.ts";
import { type SimServer, startSim } from "../../platform/sim.ts";
import { simSignInEnv } from "../../platform/testing/sim-client.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(240_000);

let sim: SimServer;
const home = mkdtempSync(join(tmpdir(), "ttapi-stream-hang-"));

beforeAll(async () => {
  sim = await startSim({ port: 0, seed: "stream-hang", faults: "latency=500ms" });
});
afterAll(async () => {
  await sim.stop();
  rmSync(home, { recursive: true, force: true });
});

function spawnStream(args: string[], tag: string) {
  return spawnCli(
    ["stream", "--env", "sim", "--url", sim.url, "--symbols", "AAPL", "--out", join(home, tag), ...args],
    {
      env: {
        XDG_CONFIG_HOME: join(home, "config"),
        XDG_DATA_HOME: join(home, `data-${tag}`),
        ...simSignInEnv(sim),
      },
    },
  );
}

/** Resolves with the exit code, or null if the process is still running after `ms`. */
async function exitWithin(p: ReturnType<typeof spawnStream>, ms: number): Promise<number | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const r = await Promise.race([
    p.exited,
    new Promise<null>((res) => {
      timer = setTimeout(() => res(null), ms);
    }),
  ]);
  clearTimeout(timer);
  return r;
}

const DURATIONS = ["1ms", "10ms", "40ms", "100ms", "300ms", "800ms", "2s"];

test(`--duration ${DURATIONS.join(", ")} against a sim with 500 ms latency: every run exits by itself`, async () => {
  const hung: string[] = [];
  const codes: Record<string, number | null> = {};
  // Two at a time: the machine may have two cores only.
  for (let i = 0; i < DURATIONS.length; i += 2) {
    await Promise.all(
      DURATIONS.slice(i, i + 2).map(async (d) => {
        const p = spawnStream(["--duration", d], `d${d}`);
        const code = await exitWithin(p, 30_000);
        codes[d] = code;
        if (code === null) {
          hung.push(d);
          p.kill("SIGTERM");
          if ((await exitWithin(p, 5_000)) === null) p.kill("SIGKILL");
          await p.exited;
        }
      }),
    );
  }
  console.log(
    `stream hang test: ${hung.length} of ${DURATIONS.length} hung (${hung.join(", ") || "none"})`,
    JSON.stringify(codes),
  );
  expect(hung).toEqual([]);
  for (const d of DURATIONS) expect(codes[d]).toBe(0);
});

test("SIGTERM during the connection setup stops the process within a bounded time", async () => {
  const late: number[] = [];
  for (const afterMs of [300, 900, 1600, 2500]) {
    const p = spawnStream(["--duration", "1h"], `term${afterMs}`);
    await Bun.sleep(afterMs);
    p.kill("SIGTERM");
    const code = await exitWithin(p, 15_000);
    if (code === null) {
      late.push(afterMs);
      p.kill("SIGKILL");
      await p.exited;
    }
  }
  expect(late).toEqual([]);
});
