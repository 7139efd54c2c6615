/**
 * `ttapi auth login|status|logout` end to end (subprocess) against a local OAuth stub: credentials
 * stored 0600 under the config dir, status shows env + expiry and never a secret, bad credentials
 * give one E_AUTH line (exit 77), logout forgets everything.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../../core/testing/cli-process.ts";
import { tempDirs } from "../../core/testing/temp-dirs.ts";

const tmp = tempDirs();

setDefaultTimeout(30_000);

const SECRET = "cli-secret-Hq82";
const REFRESH = "cli-refresh-Pz41";
let grants = 0;
let server: ReturnType<typeof Bun.serve>;
let url = "";

beforeAll(() => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      if (new URL(req.url).pathname !== "/oauth/token") return new Response("no", { status: 404 });
      grants++;
      const b = (await req.json()) as Record<string, string>;
      if (b.client_secret !== SECRET || b.refresh_token !== REFRESH)
        return Response.json({ error: "invalid_grant" }, { status: 401 });
      return Response.json({ access_token: `tok-${grants}-abcdef`, expires_in: 900, token_type: "Bearer" });
    },
  });
  url = `http://127.0.0.1:${server.port}`;
});
afterAll(() => {
  server.stop(true);
  tmp.removeAll();
});

const home = tmp.make("ttapi-auth-cli-");
const env = {
  ...process.env,
  XDG_CONFIG_HOME: join(home, "config"),
  XDG_DATA_HOME: join(home, "data"),
  TT_CLIENT_SECRET: "",
  TT_REFRESH_TOKEN: "",
  TTAPI_ENV: "",
  TTAPI_API_URL: "",
};

const ttapi = (args: string[], extraEnv: Record<string, string> = {}) =>
  runCli(args, { env: { ...env, ...extraEnv } });

describe("ttapi auth", () => {
  test("login (env vars) verifies, stores 0600 credentials; status shows env + expiry, no secrets", async () => {
    const r = await ttapi(["auth", "login", "--env", "sandbox", "--url", url], {
      TT_CLIENT_SECRET: SECRET,
      TT_REFRESH_TOKEN: REFRESH,
    });
    expect(r.stderr).toContain("credentials for sandbox");
    expect(r.code).toBe(0);
    const file = join(home, "config", "ttapi", "credentials.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8")).sandbox["refresh-token"]).toBe(REFRESH);

    const s = await ttapi(["auth", "status", "--env", "sandbox", "--url", url]);
    expect(s.code).toBe(0);
    expect(s.stdout).toContain("environment: sandbox");
    expect(s.stdout).toContain(`credentials: ${file}`);
    expect(s.stdout).toMatch(/access token expires \d{4}-/);
    const j = await ttapi(["auth", "status", "--env", "sandbox", "--url", url, "--json"]);
    const parsed = JSON.parse(j.stdout);
    expect(parsed.env).toBe("sandbox");
    expect(parsed.credentialSource).toBe("credentials-file");
    for (const out of [r.stdout + r.stderr, s.stdout + s.stderr, j.stdout + j.stderr]) {
      expect(out).not.toContain(SECRET);
      expect(out).not.toContain(REFRESH);
      expect(out).not.toContain("tok-");
    }
    const log = readFileSync(join(home, "data", "ttapi", "logs", "ttapi.log"), "utf8");
    for (const secret of [SECRET, REFRESH, "tok-1-abcdef"]) expect(log).not.toContain(secret);
  });

  test("bad credentials: one E_AUTH line, exit 77, nothing stored for that env", async () => {
    const before = grants;
    const r = await ttapi([
      "auth",
      "login",
      "--env",
      "production",
      "--url",
      url,
      "--client-secret",
      "nope-nope",
      "--refresh-token",
      "nah-nah-nah",
    ]);
    expect(r.code).toBe(77);
    expect(r.stderr).toContain("error E_AUTH: OAuth refresh-token grant rejected (HTTP 401, invalid_grant)");
    expect(r.stderr).not.toContain("nope-nope");
    expect(grants - before).toBe(1);
    const file = JSON.parse(readFileSync(join(home, "config", "ttapi", "credentials.json"), "utf8"));
    expect(file.production).toBeUndefined();
  });

  test("logout removes credentials and cached tokens", async () => {
    const r = await ttapi(["auth", "logout", "--env", "sandbox", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ removedCredentials: true, removedTokens: 1 });
    expect(existsSync(join(home, "config", "ttapi", "credentials.json"))).toBe(false);
    const s = await ttapi(["auth", "status", "--env", "sandbox", "--url", url]);
    expect(s.stdout).toContain("credentials: none");
    expect(s.code).toBe(77);
  });
});
