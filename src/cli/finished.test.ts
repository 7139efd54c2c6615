/**
 * The CLI as a user types it: global options before the command, typo suggestions, help in pipes
 * (no ANSI, program name in the usage line, `ttapi help <command>`), shell completion, an example
 * config file, the data directory in `config show`, bad values rejected at load (exit 78 naming key,
 * value and range), misspelled TTAPI_* variables warned about, empty or option-like option values
 * rejected, an unusable data directory as one E_IO line, and `auth status` exit codes.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../core/config.ts";
import { runCli } from "../core/testing/cli-process.ts";
import { findBadValue, hoistGlobalOptions } from "./main.ts";

setDefaultTimeout(60_000);

const dir = mkdtempSync(join(tmpdir(), "ttapi-cli-finished-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ttapi = (args: string[], env: Record<string, string> = {}, stdin?: string) =>
  runCli(args, {
    bareEnv: true,
    env: { HOME: dir, XDG_CONFIG_HOME: join(dir, "cfg"), XDG_DATA_HOME: join(dir, "data"), ...env },
    ...(stdin === undefined ? {} : { stdin }),
  });

describe("global options and typos", () => {
  test("hoisting: global options before the command move to its end", () => {
    expect(hoistGlobalOptions(["--data-dir", "X", "cache", "status"])).toEqual([
      "cache",
      "status",
      "--data-dir",
      "X",
    ]);
    expect(hoistGlobalOptions(["-q", "run", "--json"])).toEqual(["run", "--json", "-q"]);
    expect(hoistGlobalOptions(["--config=a.toml", "import", "f", "--", "-x"])).toEqual([
      "import",
      "f",
      "--config=a.toml",
      "--",
      "-x",
    ]);
    expect(hoistGlobalOptions(["run", "-q"])).toEqual(["run", "-q"]);
  });

  test("`ttapi --data-dir X cache status` and `ttapi -q config show` work", async () => {
    const a = await ttapi(["--data-dir", join(dir, "dd"), "cache", "status"]);
    expect(a.code).toBe(0);
    expect(a.stdout + a.stderr).toContain(join(dir, "dd"));
    const b = await ttapi(["-q", "config", "show"]);
    expect(b.code).toBe(0);
    expect(b.stdout).toContain("api.concurrency = 16");
  });

  test("typos get the closest command, sub-command or option", async () => {
    const a = await ttapi(["rnu"]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain("did you mean run?");
    const b = await ttapi(["cache", "stauts"]);
    expect(b.stderr).toContain("did you mean cache status?");
    const c = await ttapi(["run", "--symbol", "SPY"]);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain("did you mean --symbols?");
  });
});

describe("help", () => {
  test("command help in a pipe: no ANSI, the program name in the usage line; `ttapi help run` is run's", async () => {
    const a = await ttapi(["run", "--help"]);
    expect(a.code).toBe(0);
    expect(a.stdout).not.toMatch(/\x1b/);
    expect(a.stdout).toMatch(/USAGE ttapi run \[OPTIONS\]/);
    const b = await ttapi(["help", "run"]);
    expect(b.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    const c = await ttapi(["cache", "clear", "--help"]);
    expect(c.stdout).toMatch(/USAGE ttapi cache clear/);
  });
});

describe("completion and config init", () => {
  test("completion scripts for bash, zsh and fish name the commands and options", async () => {
    for (const shell of ["bash", "zsh", "fish"]) {
      const r = await ttapi(["completion", shell]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("run");
      expect(r.stdout).toContain("symbols");
      expect(r.stdout).toContain("status");
    }
    const bash = await ttapi(["completion", "bash"]);
    const syntax = Bun.spawnSync(["bash", "-n"], { stdin: new TextEncoder().encode(bash.stdout) });
    expect(syntax.exitCode).toBe(0);
    const bad = await ttapi(["completion", "tcsh"]);
    expect(bad.code).toBe(2);
  });

  test("config init writes a commented ttapi.toml that changes nothing until edited; never overwrites", async () => {
    const path = join(dir, "init", "ttapi.toml");
    const r = await ttapi(["config", "init", "--config", path]);
    expect(r.code).toBe(0);
    const text = readFileSync(path, "utf8");
    expect(text).toContain("[api]");
    expect(text).toContain("# concurrency = 16");
    expect(text).toContain('# timeout = "15s"');
    expect(text).not.toContain("client-secret");
    const loaded = loadConfig({ configPath: path, env: {} });
    expect(loaded.config).toEqual(loadConfig({ env: {} }).config);
    // Every commented key is valid when uncommented.
    const uncommented = text.replace(/^# ([a-z-]+ = .*)$/gm, "$1");
    const p2 = join(dir, "init", "all.toml");
    await Bun.write(p2, uncommented);
    expect(loadConfig({ configPath: p2, env: {} }).config).toEqual(loadConfig({ env: {} }).config);
    const again = await ttapi(["config", "init", "--config", path]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("already exists");
  });

  test("config show prints the data directory in use", async () => {
    const r = await ttapi(["config", "show"]);
    expect(r.stdout).toContain(`data-dir = "${join(dir, "data", "ttapi")}"`);
  });
});

describe("bad values", () => {
  test("out-of-range config: exit 78 naming the key, the value and the allowed range", async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ TTAPI_TIMEOUT: "-5s" }, /api\.timeout = -5 s is out of range \(allowed: from 0\.1 to 600 s\)/],
      [{ TTAPI_CONCURRENCY: "0" }, /api\.concurrency = 0 is out of range \(allowed: from 1 to 256\)/],
      [{ TTAPI_STATS_WINDOWS: "0,-5" }, /stats\.windows = \[0,-5\] \(0\) is out of range/],
      [{ TTAPI_TTL_CHAINS: "-1h" }, /cache\.ttl\.chains = -3600 s is out of range/],
      [{ TTAPI_WORKERS: "100000" }, /import\.workers = 100000 is out of range \(allowed: from 0 to 256\)/],
    ];
    for (const [env, re] of cases) {
      const r = await ttapi(["config", "show"], env);
      expect(r.code).toBe(78);
      expect(r.stderr).toMatch(re);
      expect(r.stderr).toContain(`environment variable ${Object.keys(env)[0]}`);
    }
    const file = join(dir, "bad.toml");
    await Bun.write(file, "[api]\nconcurrency = 0\n");
    const f = await ttapi(["config", "show", "--config", file]);
    expect(f.code).toBe(78);
    expect(f.stderr).toContain(`${file}: key "api.concurrency": api.concurrency = 0 is out of range`);
  });

  test("a misspelled TTAPI_* variable is warned about with the likely name", async () => {
    const r = await ttapi(["config", "show"], { TTAPI_CONCURENCY: "4" });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      "unknown environment variable TTAPI_CONCURENCY is ignored (did you mean TTAPI_CONCURRENCY?)",
    );
  });

  test("empty or option-like option values are rejected, never taken as a default or a path", async () => {
    expect(findBadValue(["--symbols", ""], { symbols: { type: "string" } })).toContain("empty");
    expect(findBadValue(["--out", "--data-dir", "X"], { out: { type: "string" } })).toContain("--data-dir");
    expect(findBadValue(["--out=x"], { out: { type: "string" } })).toBeNull();
    expect(findBadValue(["--seed", "-1"], { seed: { type: "string" } })).toBeNull();
    const a = await ttapi(["run", "--symbols", ""]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain("--symbols needs a value");
    const b = await ttapi(["import", "a.txt", "--out", "--data-dir", join(dir, "x")]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("option --out needs a value, got the option --data-dir");
  });

  test("an unusable --data-dir is one E_IO line with the path and a hint (exit 74)", async () => {
    const r = await ttapi(["cache", "status", "--data-dir", "/proc/ttapi-nope"]);
    expect(r.code).toBe(74);
    expect(r.stderr).toContain("ttapi: error E_IO: cannot use the data directory /proc/ttapi-nope");
    expect(r.stderr).toContain("hint: pass a writable folder to --data-dir");
    expect(r.stderr).not.toContain("unexpected error");
  });
});

describe("auth status", () => {
  test("without credentials: exit 77 with and without --json, and no promise of a token", async () => {
    const a = await ttapi(["auth", "status"]);
    expect(a.code).toBe(77);
    expect(a.stdout).not.toContain("obtained on the next API call");
    expect(a.stdout).toContain("token: none (no credentials");
    const b = await ttapi(["auth", "status", "--json"]);
    expect(b.code).toBe(77);
    expect(JSON.parse(b.stdout).hasCredentials).toBe(false);
  });
});
