/**
 * A recording shorter than the connection setup ends: closing the client while its quote token is
 * still on the way neither waits for that request nor opens a connection afterwards (on main this
 * opened an authorized connection that nobody ever closed, so the process never exited).
 */
import { expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStandaloneDxlink } from "../../sim/index.ts";
import { recordStream } from "./recorder.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

async function within<T>(p: Promise<T>, ms: number): Promise<T | "timeout"> {
  let t: ReturnType<typeof setTimeout> | undefined;
  const r = await Promise.race([
    p,
    new Promise<"timeout">((res) => (t = setTimeout(() => res("timeout"), ms))),
  ]);
  clearTimeout(t);
  return r;
}

test("duration ends while the token request hangs: the recorder returns at once", async () => {
  const out = mkdtempSync(join(tmpdir(), "ttapi-hang-"));
  try {
    let aborted = false;
    const r = await within(
      recordStream({
        clientOptions: {
          getQuoteToken: ({ signal }) =>
            new Promise((_, reject) =>
              signal?.addEventListener("abort", () => {
                aborted = true;
                reject(new Error("aborted"));
              }),
            ),
        },
        subscriptions: [{ type: "Quote", symbols: ["AAPL"] }],
        outDir: out,
        durationMs: 5,
      }),
      10_000,
    );
    expect(r).not.toBe("timeout");
    expect(aborted).toBe(true); // the provider was told to stop its request
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("duration ends before a slow token arrives: no connection is opened afterwards", async () => {
  const sim = startStandaloneDxlink({ seed: 2 });
  const out = mkdtempSync(join(tmpdir(), "ttapi-hang-"));
  try {
    for (const durationMs of [1, 50, 200]) {
      const r = await within(
        recordStream({
          clientOptions: {
            // Ignores the signal, as a provider may: the token still arrives after the end.
            getQuoteToken: async () => {
              await Bun.sleep(400);
              const body = (await (await fetch(`${sim.url}/api-quote-tokens`)).json()) as {
                data: { token: string; "dxlink-url": string };
              };
              return {
                token: body.data.token,
                dxlinkUrl: body.data["dxlink-url"],
                expiresAt: Date.now() + 86_400_000,
              };
            },
          },
          subscriptions: [{ type: "Quote", symbols: ["AAPL"] }],
          outDir: out,
          durationMs,
        }),
        10_000,
      );
      expect(r).not.toBe("timeout");
    }
    await Bun.sleep(800); // the late tokens have arrived by now
    expect(sim.endpoint.sessions().length).toBe(0);
  } finally {
    rmSync(out, { recursive: true, force: true });
    await sim.stop();
  }
});
