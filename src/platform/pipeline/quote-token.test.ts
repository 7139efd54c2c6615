/**
 * A stored DXLink quote token is used only while its own `expires-at` is comfortably ahead: the
 * cached artifact is recomputed, and the DXLink token source asks for a fresh one, when it has
 * expired or is about to (DXLink itself would only recover after the server refused it).
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import type { QuoteToken, TastyClient } from "../../client/index.ts";
import { loadConfig } from "../../core/config.ts";
import { getLogger } from "../../core/log.ts";
import { tempDirs } from "../../core/testing/temp-dirs.ts";
import { type SimServer, startSim } from "../../sim/index.ts";
import { ArtifactStore } from "../cache/store.ts";
import { PersistWriter } from "../persist/writer.ts";
import { simClient } from "../testing/sim-client.ts";
import type { ArtifactValue, RunEnv } from "./artifact-task.ts";
import type { TaskContext } from "./graph.ts";
import { quoteTokenProvider } from "./session.ts";
import { coreTasks, quoteTokenFromValue } from "./stage-core.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

const tmp = tempDirs();
let sim: SimServer;
let client: TastyClient;

beforeAll(async () => {
  // Tokens valid for 5 minutes, with `expires-at` sent: inside the 10-minute margin, never reused.
  sim = await startSim({ port: 0, seed: "quote-token", quoteTokenTtlSec: 300, quoteTokenExpiresAt: true });
  client = simClient(sim);
});
afterAll(async () => {
  await sim.stop();
  tmp.removeAll();
});

/** The quote-token task over one data folder, as a `--cached` run runs it. */
async function runTokenTask(
  dataDir: string,
  api: TastyClient = client,
): Promise<{ cached: boolean; token: QuoteToken }> {
  const config = loadConfig({ env: { XDG_CONFIG_HOME: "/nonexistent" }, flags: {} }).config;
  const writer = new PersistWriter();
  const env: RunEnv = {
    config,
    dataDir,
    store: new ArtifactStore({ dataDir, config, writer }),
    cached: true,
    force: false,
    csv: false,
    log: getLogger("test"),
  };
  const sc = {
    env,
    params: {
      source: "sim",
      symbols: [],
      sources: [],
      candleDays: 1,
      windows: [],
      annualization: 252,
      confidence: 0.95,
    },
    api: async () => ({ client: api }) as never,
    heavy: <T>(fn: () => Promise<T>) => fn(),
  };
  const task = coreTasks(sc).find((t) => t.id === "core.quote-token")!;
  const ctx: TaskContext = {
    signal: new AbortController().signal,
    input: () => undefined as never,
    failed: () => null,
    progress: () => {},
  };
  const r = await task.run(ctx);
  await writer.close(); // the stored version is committed, as at the end of a run
  return { cached: r.cached === true, token: quoteTokenFromValue(r.value as ArtifactValue) };
}

test("--cached: a stored token that expires within the margin is replaced, not reused", async () => {
  const dir = tmp.make("ttapi-quote-token-");
  const issued = sim.stats.quoteTokensIssued;
  const first = await runTokenTask(dir);
  expect(first.cached).toBe(false);
  expect(first.token.expiresAt).not.toBeNull();
  const second = await runTokenTask(dir);
  expect(second.cached).toBe(false);
  expect(second.token.token).not.toBe(first.token.token);
  expect(sim.stats.quoteTokensIssued).toBe(issued + 2);
});

test("--cached: a stored token with hours left is reused", async () => {
  const daySim = await startSim({ port: 0, seed: "quote-token-day", quoteTokenExpiresAt: true });
  try {
    const dayClient = simClient(daySim);
    const dir = tmp.make("ttapi-quote-token-day-");
    const first = await runTokenTask(dir, dayClient);
    const second = await runTokenTask(dir, dayClient);
    expect(second.cached).toBe(true);
    expect(second.token.token).toBe(first.token.token);
    expect(daySim.stats.quoteTokensIssued).toBe(1);
  } finally {
    await daySim.stop();
  }
});

test("the DXLink token source skips an expiring stored token and keeps a good one", async () => {
  const signal = new AbortController().signal;
  const now = Date.now();
  const stale: QuoteToken = {
    token: "stale-token",
    dxlinkUrl: sim.wsUrl,
    level: "api",
    receivedAt: now - 3600_000,
    expiresAt: now + 60_000,
  };
  const issued = sim.stats.quoteTokensIssued;
  const fresh = await quoteTokenProvider({ client }, stale, signal)({ reason: "initial" });
  expect(fresh.token).not.toBe("stale-token");
  expect(sim.stats.quoteTokensIssued).toBe(issued + 1);
  const good = { ...stale, token: "good-token", expiresAt: now + 3600_000 };
  const provide = quoteTokenProvider({ client }, good, signal);
  expect((await provide({ reason: "initial" })).token).toBe("good-token");
  // A reconnect always gets a fresh one.
  expect((await provide({ reason: "reconnect" })).token).not.toBe("good-token");
  expect(sim.stats.quoteTokensIssued).toBe(issued + 2);
});
