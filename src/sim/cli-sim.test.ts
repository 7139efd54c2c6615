/** `ttapi sim` as a process: prints its endpoints and demo credentials, serves, stops on SIGTERM. */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnCli } from "../core/testing/cli-process.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

const UA = "ttapi-test/0.1.0";

const run = (args: string[]) => spawnCli(["sim", ...args], { env: { NO_COLOR: "1" } });

describe("ttapi sim", () => {
  test("defaults its market date to today, and suggests a command that points at it (TTAPI_ENV=sim)", async () => {
    const p = run(["--port", "0"]);
    const reader = p.stderr.getReader();
    let err = "";
    while (!err.includes("Ctrl-C stops")) {
      const { value, done } = await reader.read();
      if (done) break;
      err += new TextDecoder().decode(value);
    }
    p.kill("SIGTERM");
    await p.exited;
    // Today's date, or the last session before it on a weekend/holiday.
    const today = /today (\d{4}-\d\d-\d\d)/.exec(err)?.[1] ?? "";
    const behind = Date.now() - Date.parse(`${today}T00:00:00Z`);
    expect(behind).toBeGreaterThanOrEqual(0);
    expect(behind).toBeLessThan(5 * 86_400_000);
    expect(err).toMatch(
      /try: TTAPI_ENV=sim TTAPI_API_URL=http:\/\/127\.0\.0\.1:\d+ TT_CLIENT_SECRET=sim-secret TT_REFRESH_TOKEN=sim-refresh ttapi run/,
    );
  }, 20_000);

  test("--json prints URLs and credentials; the sim serves them; SIGTERM stops it cleanly", async () => {
    const p = run(["--json", "--seed", "cli", "--today", "2026-08-04", "--token-ttl", "60"]);
    const reader = p.stdout.getReader();
    let out = "";
    while (!out.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    const info = JSON.parse(out.split("\n")[0] as string) as {
      url: string;
      wsUrl: string;
      clientSecret: string;
      refreshToken: string;
      today: string;
    };
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.wsUrl).toBe(`${info.url.replace("http", "ws")}/dxlink`);
    expect(info.clientSecret).toBe("sim-secret");
    expect(info.refreshToken).toBe("sim-refresh");
    expect(info.today).toBe("2026-08-04");
    const tok = await fetch(`${info.url}/oauth/token`, {
      method: "POST",
      headers: { "user-agent": UA, "content-type": "application/json" },
      body: JSON.stringify({
        grant_type: "refresh_token",
        refresh_token: info.refreshToken,
        client_secret: info.clientSecret,
      }),
    });
    const { access_token, expires_in } = (await tok.json()) as { access_token: string; expires_in: number };
    expect(expires_in).toBe(60);
    const r = await fetch(`${info.url}/instruments/equities/BRK%2FB`, {
      headers: { "user-agent": UA, authorization: `Bearer ${access_token}` },
    });
    expect(r.status).toBe(200);
    p.kill("SIGTERM");
    expect(await p.exited).toBe(0);
    const err = await new Response(p.stderr).text();
    expect(err).toContain("ttapi sim stopped: 2 requests");
  }, 20_000);

  test("custom credentials are the ones accepted and printed", async () => {
    const p = run(["--client-secret", "s3", "--refresh-token", "r3"]);
    const reader = p.stderr.getReader();
    let err = "";
    while (!err.includes("Ctrl-C")) {
      const { value, done } = await reader.read();
      if (done) break;
      err += new TextDecoder().decode(value);
    }
    expect(err).toContain("client secret   s3");
    expect(err).toContain("refresh token   r3");
    p.kill("SIGINT");
    expect(await p.exited).toBe(0);
  }, 20_000);

  test("a bad fault spec or port is one usage error line, exit 2", async () => {
    for (const [args, naming] of [
      [["--faults", "errors=0.1,meteor=1"], 'unknown item "meteor=1"'],
      [["--port", "70000"], '--port "70000"'],
      [["--today", "2026-02-30"], 'invalid date "2026-02-30"'],
    ] as const) {
      const p = run([...args]);
      expect(await p.exited).toBe(2);
      const err = await new Response(p.stderr).text();
      expect(err).toContain(naming);
      expect(err.split("\n")[0]).toMatch(/^ttapi: error E_USAGE: /);
    }
  }, 30_000);
});
