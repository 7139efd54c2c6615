/**
 * Frozen feeds: a socket that goes silent without closing is noticed within a few seconds of the
 * feed's cadence (not after the 60 s keepalive timeout), reconnected, and every gap is counted and
 * reported in the summary. A quiet market does not cause a reconnect loop.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStandaloneDxlink } from "../../sim/index.ts";
import { quoteTokenProvider } from "../../sim/testing/quote-token.ts";
import { recordStream } from "./recorder.ts";
import { SilenceMonitor } from "./silence.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

describe("SilenceMonitor", () => {
  test("declares a gap after factor × cadence (at least the minimum), once; data closes it", () => {
    const m = new SilenceMonitor({ minSilenceMs: 2000, factor: 8 });
    for (let t = 0; t <= 1000; t += 100) m.onData(t);
    expect(m.limitMs()).toBe(2000); // 8 × 100 ms < 2 s minimum
    expect(m.check(2500)).toBeNull();
    expect(m.check(3100)).toContain("no data for 2100 ms");
    expect(m.check(4000)).toBeNull(); // declared once
    m.onData(5000);
    expect(m.gaps).toEqual([{ from: 1000, to: 5000 }]);
    expect(m.silentMs()).toBe(4000);
  });

  test("not armed before a few batches; a quiet market backs off instead of looping", () => {
    const m = new SilenceMonitor({ minSilenceMs: 1000, factor: 4, armAfter: 3, steadyMs: 60_000 });
    m.onData(0);
    expect(m.check(10_000)).toBeNull();
    let t = 10_000;
    const limits: number[] = [];
    for (let i = 0; i < 4; i++) {
      m.onConnected();
      // A snapshot burst after each reconnect…
      for (let k = 0; k < 3; k++) {
        t += 10;
        m.onData(t);
      }
      limits.push(m.limitMs()!);
      t += 100_000; // …then silence
      expect(m.check(t)).not.toBeNull();
    }
    expect(limits).toEqual([1000, 1000, 2000, 4000]);
  });
});

describe("recorder against a sim whose sockets freeze", () => {
  test("each freeze is detected within seconds, reconnected, counted and reported", async () => {
    // Every connection goes silent 1.5 s after it opened, for ever (no data, no keepalive, no close).
    const sim = startStandaloneDxlink({
      seed: 4,
      eventsPerSecPerSymbol: 20,
      faults: { freezeAfterSec: 1.5 },
    });
    const out = mkdtempSync(join(tmpdir(), "ttapi-freeze-"));
    const getQuoteToken = quoteTokenProvider(sim);
    try {
      const s = await recordStream({
        clientOptions: { getQuoteToken, aggregationPeriodSec: 0.05, backoff: { baseMs: 50, maxMs: 200 } },
        subscriptions: [{ type: "Quote", symbols: ["AAPL", "MSFT", "SPY"] }],
        outDir: out,
        rollSeconds: 3600,
        durationMs: 9000,
      });
      // The keepalive watchdog alone (60 s) would have seen one freeze and no reconnect.
      expect(s.gaps).toBeGreaterThanOrEqual(2);
      expect(s.reconnects).toBeGreaterThanOrEqual(2);
      expect(s.gapList.length).toBe(s.gaps);
      for (const g of s.gapList.slice(0, -1)) expect(g.seconds).toBeLessThan(6);
      expect(s.silentSeconds).toBeGreaterThan(0);
    } finally {
      rmSync(out, { recursive: true, force: true });
      await sim.stop();
    }
  });
});
