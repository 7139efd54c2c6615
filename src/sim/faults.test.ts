/** Fault spec parsing and every REST fault kind, observed over real HTTP. */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { TTError } from "../core/errors.ts";
import { dxlinkFaults, FaultInjector, parseFaults } from "./faults.ts";
import { startSim } from "./index.ts";
import { grant, harness, UA } from "./testing/harness.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

function usageFailure(spec: string): TTError {
  try {
    parseFaults(spec);
  } catch (e) {
    if (e instanceof TTError) return e;
    throw e;
  }
  throw new TypeError(`"${spec}" parsed without error`);
}

describe("spec parsing", () => {
  test("the full example spec", () => {
    const p = parseFaults(
      "rate-limit,errors=0.2,reset=0.05,latency=20ms,truncate=0.01,goaway=100,revoke=60s,drop-ws=2s,freeze-ws=30s,slow-ws",
    );
    expect(p.rateLimit).toEqual({ limit: 100, windowMs: 1000 });
    expect(p.errors).toBe(0.2);
    expect(p.reset).toBe(0.05);
    expect(p.latency).toEqual({ minMs: 10, maxMs: 30 });
    expect(p.truncate).toBe(0.01);
    expect(p.goawayEvery).toBe(100);
    expect(p.revokeEveryMs).toBe(60_000);
    expect(p.ws).toEqual({ dropEveryMs: 2000, freezeAfterMs: 30_000, slowConsumer: true });
  });

  test("value forms: rates, ranges, units", () => {
    expect(parseFaults("rate-limit=500/m").rateLimit).toEqual({ limit: 500, windowMs: 60_000 });
    expect(parseFaults("rate-limit=20").rateLimit).toEqual({ limit: 20, windowMs: 1000 });
    expect(parseFaults("latency=5ms-50ms").latency).toEqual({ minMs: 5, maxMs: 50 });
    expect(parseFaults("latency=8").latency).toEqual({ minMs: 4, maxMs: 12 });
    expect(parseFaults("revoke=2m").revokeEveryMs).toBe(120_000);
    expect(parseFaults("freeze-ws=10s-25s").ws).toEqual({ freezeAfterMs: 10_000, freezeForMs: 15_000 });
    expect(parseFaults("slow-ws=5000,ws-502=3").ws).toEqual({ slowConsumer: 5000, upgrade502Every: 3 });
    expect(parseFaults(undefined)).toEqual({ ws: {} });
    expect(parseFaults("")).toEqual({ ws: {} });
  });

  test("unknown or malformed items are one clear usage error naming the item", () => {
    const cases: [string, string][] = [
      ["bogus", 'unknown item "bogus"'],
      ["errors=0.2,explode=1", 'unknown item "explode=1"'],
      ["errors=2", '"errors=2"'],
      ["errors=", '"errors="'],
      ["errors", '"errors"'],
      ["reset=-0.1", '"reset=-0.1"'],
      ["latency=fast", '"latency=fast"'],
      ["latency=50ms-5ms", '"latency=50ms-5ms"'],
      ["goaway=0", '"goaway=0"'],
      ["goaway=1.5", '"goaway=1.5"'],
      ["revoke=0s", '"revoke=0s"'],
      ["rate-limit=fast", '"rate-limit=fast"'],
      ["drop-ws=2 parsecs", '"drop-ws=2 parsecs"'],
      ["errors=0.1,errors=0.2", '"errors" given twice'],
      ["errors=0.1,,reset=0.1", "empty item"],
    ];
    for (const [spec, naming] of cases) {
      const e = usageFailure(spec);
      expect(e.code).toBe("E_USAGE");
      expect(e.message).toContain(naming);
      expect(e.message.includes("\n")).toBe(false);
      expect(e.hint).toBeTruthy();
    }
  });

  test("object form, validated the same way", () => {
    expect(
      parseFaults({ errors: 0.5, latency: 10, rateLimit: 3, freezeWs: { afterMs: 1000, forMs: 500 } }),
    ).toEqual({
      errors: 0.5,
      latency: { minMs: 5, maxMs: 15 },
      rateLimit: { limit: 3, windowMs: 1000 },
      ws: { freezeAfterMs: 1000, freezeForMs: 500 },
    });
    expect(() => parseFaults({ errors: 1.5 })).toThrow(TTError);
    expect(() => parseFaults({ nope: 1 } as never)).toThrow(/"nope" is unknown/);
  });

  test("ws faults are handed to the DXLink endpoint in its units", () => {
    expect(dxlinkFaults(parseFaults("drop-ws=2s,freeze-ws=30s-40s,slow-ws=1000,ws-502=4"))).toEqual({
      dropEverySec: 2,
      freezeAfterSec: 30,
      freezeForSec: 10,
      slowConsumer: { eventsPerSec: 1000 },
      upgrade502Every: 4,
    });
  });
});

describe("injector", () => {
  test("rate limit is a sliding window: a burst straddling a second boundary is still limited", () => {
    const inj = new FaultInjector(parseFaults("rate-limit=5/s"), "s");
    const kinds = [900, 950, 990, 1010, 1050, 1100, 1890, 1901].map((t) => inj.decide(t).kind);
    expect(kinds).toEqual(["none", "none", "none", "none", "none", "rate-limit", "rate-limit", "none"]);
  });

  test("seeded: same seed, same decisions; fractions hold", () => {
    const plan = parseFaults("errors=0.2,reset=0.05,truncate=0.1");
    const run = (seed: string) => {
      const inj = new FaultInjector(plan, seed);
      return Array.from({ length: 10_000 }, () => inj.decide(0));
    };
    const a = run("s1");
    const b = run("s1");
    const c = run("s2");
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const errors = a.filter((d) => d.kind === "error").length / a.length;
    expect(errors).toBeGreaterThan(0.18);
    expect(errors).toBeLessThan(0.22);
    expect(new Set(a.filter((d) => d.kind === "error").map((d) => d.status))).toEqual(
      new Set([500, 502, 503, 504]),
    );
  });
});

describe("REST faults over HTTP", () => {
  test("errors=1 → every request fails with a 5xx API error body", async () => {
    const sim = await startSim({ seed: 1, faults: "errors=1" });
    try {
      const statuses = new Set<number>();
      for (let i = 0; i < 40; i++) {
        const r = await fetch(`${sim.url}/instruments/equities/AAPL`, { headers: { "user-agent": UA } });
        statuses.add(r.status);
        const body = (await r.json()) as { error: { code: string; message: string } };
        expect(typeof body.error.code).toBe("string");
      }
      expect([...statuses].every((s) => [500, 502, 503, 504].includes(s))).toBe(true);
      expect(sim.stats.faults.error).toBe(40);
    } finally {
      await sim.stop();
    }
  });

  test("rate-limit → 429 without headers once the window's quota is used, then recovers", async () => {
    let t = 10_000;
    const h = await harness({ seed: 1, faults: "rate-limit=5/s", now: () => t });
    try {
      // The token grant used one request of this window.
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const r = await h.get("/instruments/equities/AAPL");
        statuses.push(r.status);
        if (r.status === 429) {
          expect(r.headers.get("retry-after")).toBeNull();
          expect(r.headers.get("x-ratelimit-remaining")).toBeNull();
          expect(((await r.json()) as { error: { code: string } }).error.code).toBe("too_many_requests");
        } else await r.text();
      }
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
      t += 1000;
      expect((await h.get("/instruments/equities/AAPL")).status).toBe(200);
      expect(h.sim.stats.faults["rate-limit"]).toBe(2);
    } finally {
      await h.sim.stop();
    }
  });

  test("reset → the client sees the connection reset mid-body", async () => {
    const sim = await startSim({ seed: 1, faults: "reset=1" });
    try {
      let failure: unknown;
      try {
        const r = await fetch(`${sim.url}/option-chains/SPY/nested`, { headers: { "user-agent": UA } });
        await r.text();
      } catch (e) {
        failure = e;
      }
      expect(failure).toBeDefined();
      expect(String((failure as { code?: string }).code ?? failure)).toMatch(/ECONNRESET|reset|closed/i);
      expect(sim.stats.faults.reset).toBe(1);
    } finally {
      await sim.stop();
    }
  });

  test("truncate → 200 with an incomplete JSON body", async () => {
    const sim = await startSim({ seed: 1, faults: "truncate=1" });
    try {
      const tok = await grant(sim);
      expect(tok.status).toBe(200);
      const text = await tok.text();
      expect(() => JSON.parse(text)).toThrow();
      expect(sim.stats.faults.truncate).toBe(1);
    } finally {
      await sim.stop();
    }
  });

  test("latency → responses are delayed within the configured range", async () => {
    const h = await harness({ seed: 1, faults: "latency=40ms-60ms" });
    try {
      const t0 = performance.now();
      await h.get("/instruments/equities/AAPL").then((r) => r.text());
      const dt = performance.now() - t0;
      expect(dt).toBeGreaterThanOrEqual(38);
      expect(h.sim.stats.faults.latency).toBeGreaterThanOrEqual(2);
    } finally {
      await h.sim.stop();
    }
  });

  test("goaway=N → every N-th response closes the keep-alive connection", async () => {
    const h = await harness({ seed: 1, faults: "goaway=3" });
    try {
      // The grant was request 1.
      const conn: (string | null)[] = [];
      for (let i = 0; i < 6; i++) {
        const r = await h.get("/instruments/equities/AAPL");
        conn.push(r.headers.get("connection"));
        expect(r.status).toBe(200);
        await r.text();
      }
      expect(conn.map((c) => c === "close")).toEqual([false, true, false, false, true, false]);
      expect(h.sim.stats.faults.goaway).toBe(2);
    } finally {
      await h.sim.stop();
    }
  });

  test("goaway counts per keep-alive connection, and the server really closes it", async () => {
    const h = await harness({ seed: 1, faults: "goaway=2" });
    try {
      const { port } = new URL(h.sim.url);
      let received = "";
      let closed = false;
      const request = `GET /instruments/equities/AAPL HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: ${UA}\r\nAuthorization: Bearer ${h.token}\r\n\r\n`;
      const socket = await Bun.connect({
        hostname: "127.0.0.1",
        port: Number(port),
        socket: {
          data(_s, d) {
            received += d.toString();
          },
          close() {
            closed = true;
          },
        },
      });
      const responses = () => received.split("HTTP/1.1 ").length - 1;
      const waitFor = async (pred: () => boolean) => {
        for (let i = 0; i < 200 && !pred(); i++) await Bun.sleep(5);
      };
      socket.write(request);
      await waitFor(() => responses() === 1);
      expect(closed).toBe(false);
      expect(received.toLowerCase()).not.toContain("connection: close");
      socket.write(request);
      await waitFor(() => closed);
      expect(responses()).toBe(2);
      expect(received.toLowerCase()).toContain("connection: close");
      expect(closed).toBe(true);
    } finally {
      await h.sim.stop();
    }
  });

  test("revoke=D → tokens issued before each revocation stop working (401), new ones work", async () => {
    let t = 0;
    const h = await harness({ seed: 1, faults: "revoke=60s", now: () => t });
    try {
      expect((await h.get("/customers/me/accounts")).status).toBe(200);
      t = 59_000;
      expect((await h.get("/customers/me/accounts")).status).toBe(200);
      t = 60_000;
      const r = await h.get("/customers/me/accounts");
      expect(r.status).toBe(401);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe("token_invalid");
      const fresh = (await (await grant(h.sim)).json()) as { access_token: string };
      const ok = await fetch(`${h.sim.url}/customers/me/accounts`, {
        headers: { "user-agent": UA, authorization: `Bearer ${fresh.access_token}` },
      });
      expect(ok.status).toBe(200);
      expect(h.sim.stats.faults.revoked).toBe(1);
    } finally {
      await h.sim.stop();
    }
  });
});
