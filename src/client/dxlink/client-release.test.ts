/**
 * A closed DXLink client must become garbage even while the signal it was given lives on (a whole
 * run's signal outlives every stage). Its abort listener used to stay on that signal and kept the
 * client — and through its token provider the session, in demo mode the whole simulated exchange
 * (~330 MB at full scale) — reachable until the run ended.
 */
import { expect, test } from "bun:test";
import { DxlinkClient } from "./client.ts";

async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let i = 0; i < 10; i++) {
    // A WeakRef target survives until the current job ends: yield, then collect.
    await Bun.sleep(5);
    Bun.gc(true);
    if (ref.deref() === undefined) return true;
  }
  return false;
}

function closedClient(signal: AbortSignal, payload: object): WeakRef<DxlinkClient> {
  const client = new DxlinkClient({
    signal,
    getQuoteToken: async () => {
      // The provider reaches a large object, as the pipeline's reaches its session.
      void payload;
      throw new Error("not used: the client is never started");
    },
  });
  void client.close("test");
  return new WeakRef(client);
}

test("a closed client is collectable while its signal is still alive", async () => {
  const run = new AbortController();
  const ref = closedClient(run.signal, { big: new Float64Array(1 << 16) });
  expect(await collected(ref)).toBe(true);
  expect(run.signal.aborted).toBe(false);
});

test("aborting the signal still closes a running client", async () => {
  const run = new AbortController();
  const client = new DxlinkClient({
    signal: run.signal,
    getQuoteToken: async () => {
      throw new Error("no token in this test");
    },
  });
  const states: string[] = [];
  client.onState((s) => states.push(s.state));
  run.abort();
  await Bun.sleep(5);
  expect(states).toContain("closed");
});
